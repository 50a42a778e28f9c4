"""What a situation shows: one typed description, built once by the core from a pathway and the answers.

Every output (the page, the comparison, the decision table, the summaries, the handouts, the review pack, FHIR)
renders a ``Shown``; none assembles statements by itself, so none can drop a basis, a quote or an editorial mark.
Each statement shown appears once, as an ``Item`` with its role, its stable content key, its basis (with the
source's own words where the content quotes them), its editorial reason and its plain-language text.

Keys name a statement by the ids around it (``questions.age_group.why``,
``nodes.child_cns_b.treatments.car_t_cell_therapy.explanation``), so they survive reordering of the file; the
plain-language texts, translations and the review pack key on them too (``keyed_statements``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

from .evaluate import Result, evaluate
from .load import Pathway
from .model import Basis, Figure, OutcomeNode, PathwayContent, Question, QuestionNode, Statement
from .catalogue import gettext as _

__all__ = [
    "QUESTION_WHY", "QUESTION_HELP", "OPTION_HELP", "SUMMARY", "GROUP_INTRO", "CATEGORY", "EXPLANATION", "NOTE",
    "OUTLOOK_BASIS", "OUTLOOK_NOTE", "FIGURE", "FIGURES_CONTEXT", "REFERENCE", "ROLES", "SITUATION_ROLES",
    "Answer", "Item", "CategoryShown", "Shown", "shown", "shown_for", "keyed_statements", "reference_items",
    "ASK", "ask_items",
]

#: The roles a statement plays in what a situation shows (fixed vocabulary, page order).
QUESTION_WHY = "question_why"        # why an answered question matters
QUESTION_HELP = "question_help"      # an answered question's help (how to answer it, e.g. the age assumption)
OPTION_HELP = "option_help"          # the chosen option's help
SUMMARY = "summary"                  # the outcome's summary
GROUP_INTRO = "group_intro"          # a category group's introduction (shown when the group has a category)
CATEGORY = "category"                # what a category is (its description), titled with this situation's label
EXPLANATION = "explanation"          # why a category appears for this situation
NOTE = "note"                        # a note on the outcome
OUTLOOK_BASIS = "outlook_depends_on"  # what the outlook can depend on
OUTLOOK_NOTE = "outlook_note"        # an outlook note that applies to the answers
FIGURE = "figure"                    # one figure of an outlook note, with whether it matches the answers
FIGURES_CONTEXT = "figures_context"  # the context statement shown wherever figures are
REFERENCE = "reference"              # a reference section's intro or item (the same for every situation)
ASK = "ask_the_care_team"            # a generic question a family may ask the care team (editorial, no claim)
SITUATION_ROLES = (QUESTION_WHY, QUESTION_HELP, OPTION_HELP, SUMMARY, GROUP_INTRO, CATEGORY, EXPLANATION, NOTE,
                   OUTLOOK_BASIS, OUTLOOK_NOTE, FIGURE, FIGURES_CONTEXT)
ROLES = SITUATION_ROLES + (REFERENCE,)


@dataclass(frozen=True)
class Answer:
    """One answer in words: the question, the option chosen, and whether it is used for what is shown."""

    question_id: str
    prompt: str
    short_label: str
    option_id: str
    option_label: str
    used: bool


@dataclass(frozen=True)
class Item:
    """One statement as a situation shows it.

    ``title`` is what heads it here (the question's prompt, the category's label as this situation words it, a
    note's title, a figure's label, a reference term); ``text`` is the statement (for a figure: its display, as
    the source gives it). A figure carries its outlook note's basis and editorial reason, and ``applies``: True
    when it is the situation described, False when not, None when no answer decides it.
    """

    key: str
    role: str
    title: str
    text: str
    basis: tuple[Basis, ...]
    editorial: str | None
    plain: str | None = None
    category: str | None = None
    group: str | None = None
    note: str | None = None
    applies: bool | None = None
    figure: Figure | None = None
    about: tuple[str, ...] = ()
    statement: Statement | None = None
    #: The question a question's why, help or option help belongs to (its id), else None.
    question: str | None = None

    @property
    def is_editorial(self) -> bool:
        return self.editorial is not None

    @property
    def quotes(self) -> tuple[str, ...]:
        """The source's own words the statement rests on (one per basis that quotes)."""
        return tuple(q for b in self.basis if (q := getattr(b, "quote", None)))


@dataclass(frozen=True)
class CategoryShown:
    """A documented category of the situation: its id, its label here, its group, what it is and why it is here."""

    id: str
    label: str
    group: str
    description: Item
    explanation: Item

    @property
    def is_editorial(self) -> bool:
        """True when an editorial assumption puts the category here (its explanation is editorial)."""
        return self.explanation.is_editorial


@dataclass(frozen=True)
class Shown:
    """Everything one set of answers shows, each statement once, in page order."""

    pathway: Pathway
    result: Result
    answers: tuple[Answer, ...]
    items: tuple[Item, ...]
    categories: tuple[CategoryShown, ...]

    @property
    def complete(self) -> bool:
        return self.result.complete

    @property
    def title(self) -> str | None:
        """The outcome's title, when the path is complete."""
        return self.result.outcome.title if self.result.outcome is not None else None

    @property
    def label(self) -> str:
        """The options along the path, in words (as ``Situation.label``)."""
        return " · ".join(step.option_label for step in self.result.path)

    @property
    def key(self) -> str:
        """The option ids along the path joined with '/' (as ``Situation.key``; the link's ``compare`` value)."""
        return "/".join(step.option_id for step in self.result.path)

    @property
    def next_question(self) -> Question | None:
        return self.result.next_question

    def by_role(self, *roles: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.role in roles)

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)

    @property
    def has_figures(self) -> bool:
        return any(i.role == FIGURE for i in self.items)


def _item(key: str, role: str, title: str, statement: Statement, **extra: object) -> Item:
    return Item(key=key, role=role, title=title, text=statement.text, basis=tuple(statement.basis),
                editorial=statement.editorial, plain=getattr(statement, "plain", None), statement=statement,
                **extra)  # type: ignore[arg-type]


def _asked(result: Result) -> list[Question]:
    """The questions whose answers are used: those on the path, then the outlook ones answered."""
    asked = [step.question for step in result.path]
    return asked + [q for q in result.pathway.outlook_questions()
                    if q.id in result.answers and q.id not in result.unused_answers]


def shown(result: Result) -> Shown:
    """The one description of what ``result`` shows; every output renders it."""
    pathway = result.pathway
    content = pathway.content
    items: list[Item] = []
    answers = []
    for qid, oid in result.answers.items():
        question = pathway.questions[qid]
        option = next(o for o in question.options if o.id == oid)
        answers.append(Answer(qid, question.prompt, question.short_label, oid, option.label,
                              qid not in result.unused_answers))
    for question in _asked(result):
        items.append(_item(f"questions.{question.id}.why", QUESTION_WHY, question.prompt, question.why,
                           question=question.id))
        if question.help is not None:
            items.append(_item(f"questions.{question.id}.help", QUESTION_HELP, question.prompt, question.help,
                               question=question.id))
        option = next(o for o in question.options if o.id == result.answers[question.id])
        if option.help is not None:
            items.append(_item(f"questions.{question.id}.options.{option.id}.help", OPTION_HELP, option.label,
                               option.help, question=question.id))
    categories: list[CategoryShown] = []
    if result.outcome is not None:
        outcome = result.outcome
        node = f"nodes.{outcome.id}"
        items.append(_item(f"{node}.summary", SUMMARY, outcome.title, outcome.summary))
        for group in content.category_groups:
            treatments = [t for t in result.treatments if t.group == group.id]
            if not treatments:
                continue
            if group.intro is not None:
                items.append(_item(f"category_groups.{group.id}.intro", GROUP_INTRO, group.label, group.intro,
                                   group=group.id))
            for t in treatments:
                description = _item(f"categories.{t.id}.description", CATEGORY, t.label, t.description,
                                    category=t.id, group=group.id)
                explanation = _item(f"{node}.treatments.{t.id}.explanation", EXPLANATION, t.label, t.explanation,
                                    category=t.id, group=group.id)
                items += [description, explanation]
                categories.append(CategoryShown(t.id, t.label, group.id, description, explanation))
        for index, note in enumerate(outcome.notes):
            items.append(_item(f"{node}.notes.{index}", NOTE, _("Note"), note, about=tuple(note.about)))
    outlook = content.outlook
    items.append(_item("outlook.depends_on", OUTLOOK_BASIS, _("What the outlook can depend on"), outlook.depends_on))
    any_figures = False
    for note in result.notes:
        items.append(_item(f"outlook.notes.{note.id}", OUTLOOK_NOTE, note.title, note.statement, note=note.id))
        for index, f in enumerate(note.figures):
            any_figures = True
            items.append(Item(key=f"outlook.notes.{note.id}.figures.{index}", role=FIGURE, title=f.figure.label,
                              text=f.figure.display, basis=tuple(note.statement.basis),
                              editorial=note.statement.editorial, note=note.id, applies=f.applies, figure=f.figure))
    if any_figures and outlook.figures_context is not None:
        items.append(_item("outlook.figures_context", FIGURES_CONTEXT, _("About these figures"),
                           outlook.figures_context))
    return Shown(pathway, result, tuple(answers), tuple(items), tuple(categories))


def shown_for(pathway: Pathway, answers: Mapping[str, str]) -> Shown:
    """``shown(evaluate(pathway, answers))``: raises AnswerError on an unknown question or option."""
    return shown(evaluate(pathway, answers))


def reference_items(pathway: Pathway) -> tuple[tuple[str, str, tuple[Item, ...]], ...]:
    """The reference sections (the same for every situation): (section id, title, items) in file order."""
    sections = []
    for section in pathway.content.reference:
        items = []
        if section.intro is not None:
            items.append(_item(f"reference.{section.id}.intro", REFERENCE, section.title, section.intro))
        for index, entry in enumerate(section.items):
            items.append(_item(f"reference.{section.id}.items.{index}", REFERENCE, entry.term or "", entry))
        sections.append((section.id, section.title, tuple(items)))
    return tuple(sections)


def ask_items(pathway: Pathway) -> tuple[Item, ...]:
    """The generic questions a family may want to ask the care team (the same for every situation)."""
    return tuple(_item(f"ask_the_care_team.{index}", ASK, _("Question to ask"), statement)
                 for index, statement in enumerate(pathway.content.ask_the_care_team))


def keyed_statements(content: PathwayContent) -> Iterator[tuple[str, Statement]]:
    """Every statement of the content with its stable key (the keys ``Item.key`` uses), in file order."""
    for group in content.category_groups:
        if group.intro is not None:
            yield f"category_groups.{group.id}.intro", group.intro
    for category in content.categories:
        yield f"categories.{category.id}.description", category.description
    for question in content.questions:
        if question.help is not None:
            yield f"questions.{question.id}.help", question.help
        yield f"questions.{question.id}.why", question.why
        for option in question.options:
            if option.help is not None:
                yield f"questions.{question.id}.options.{option.id}.help", option.help
    for node in content.tree.nodes:
        if isinstance(node, OutcomeNode):
            yield f"nodes.{node.id}.summary", node.summary
            for t in node.treatments:
                yield f"nodes.{node.id}.treatments.{t.category}.explanation", t.explanation
            for index, note in enumerate(node.notes):
                yield f"nodes.{node.id}.notes.{index}", note
        else:
            assert isinstance(node, QuestionNode)
    yield "outlook.depends_on", content.outlook.depends_on
    if content.outlook.figures_context is not None:
        yield "outlook.figures_context", content.outlook.figures_context
    for note in content.outlook.notes:
        yield f"outlook.notes.{note.id}", note
    for section in content.reference:
        if section.intro is not None:
            yield f"reference.{section.id}.intro", section.intro
        for index, entry in enumerate(section.items):
            yield f"reference.{section.id}.items.{index}", entry
    for index, statement in enumerate(content.ask_the_care_team):
        yield f"ask_the_care_team.{index}", statement
