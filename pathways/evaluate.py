"""Evaluation: answers in, the path taken, the documented categories and the notes that apply out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import AnswerError
from .load import Pathway
from .model import Basis, Figure, OutcomeNode, Question, QuestionNode, Statement
from .catalogue import gettext as _

__all__ = ["Step", "TreatmentResult", "FigureResult", "NoteResult", "Result", "evaluate", "check_answers"]


@dataclass(frozen=True)
class Step:
    """One decision on the path: the question asked at a node and the option chosen."""

    node_id: str
    question: Question
    option_id: str
    option_label: str

    @property
    def why(self) -> Statement:
        return self.question.why


@dataclass(frozen=True)
class TreatmentResult:
    """A documented category with what it is, why it appears here, and its basis."""

    id: str
    label: str
    group: str
    description: Statement
    explanation: Statement


@dataclass(frozen=True)
class FigureResult:
    """A figure and whether it matches the answers (None: not conditional, or not answered)."""

    figure: Figure
    applies: bool | None


@dataclass(frozen=True)
class NoteResult:
    """An outlook note that applies to the answers."""

    id: str
    title: str
    statement: Statement
    figures: tuple[FigureResult, ...]


@dataclass(frozen=True)
class Result:
    """Everything the explorer shows for one set of answers."""

    pathway: Pathway
    answers: Mapping[str, str]
    path: tuple[Step, ...]
    complete: bool
    next_question: Question | None
    next_node_id: str | None
    outcome: OutcomeNode | None
    treatments: tuple[TreatmentResult, ...]
    notes: tuple[NoteResult, ...]
    unused_answers: Mapping[str, str] = field(default_factory=dict)

    @property
    def path_node_ids(self) -> tuple[str, ...]:
        """Node ids visited, in order, including the outcome or the next unanswered question."""
        ids = [s.node_id for s in self.path]
        if self.outcome is not None:
            ids.append(self.outcome.id)
        elif self.next_node_id is not None:
            ids.append(self.next_node_id)
        return tuple(ids)


def check_answers(pathway: Pathway, answers: Mapping[str, str]) -> dict[str, str]:
    """Answers as plain strings; raise AnswerError naming an unknown key or value and the allowed ones."""
    checked: dict[str, str] = {}
    for key, value in answers.items():
        question = pathway.questions.get(key)
        if question is None:
            raise AnswerError(key, None, list(pathway.questions), kind="question")
        options = [o.id for o in question.options]
        if value not in options:
            raise AnswerError(key, str(value), options, kind="option")
        checked[key] = value
    return checked


def evaluate(pathway: Pathway, answers: Mapping[str, str]) -> Result:
    """Walk the tree from the root with ``answers``; stop at an outcome or the first unanswered question."""
    answers = check_answers(pathway, answers)
    path: list[Step] = []
    node = pathway.root
    while isinstance(node, QuestionNode):
        chosen = answers.get(node.question)
        if chosen is None:
            break
        question = pathway.questions[node.question]
        path.append(Step(node.id, question, chosen, _option_label(question, chosen)))
        node = pathway.nodes[node.branches[chosen]]
    used = {s.question.id for s in path} | {q.id for q in pathway.outlook_questions() if q.id in answers}
    effective = {k: v for k, v in answers.items() if k in used}
    if isinstance(node, OutcomeNode):
        return Result(
            pathway, answers, tuple(path), True, None, None, node, _treatments(pathway, node),
            _notes(pathway, effective), _unused(answers, used),
        )
    assert isinstance(node, QuestionNode)
    return Result(
        pathway, answers, tuple(path), False, pathway.questions[node.question], node.id, None, (),
        _notes(pathway, effective), _unused(answers, used),
    )


def _option_label(question: Question, option_id: str) -> str:
    return next(o.label for o in question.options if o.id == option_id)


def _unused(answers: Mapping[str, str], used: set[str]) -> dict[str, str]:
    return {k: v for k, v in answers.items() if k not in used}


def _treatments(pathway: Pathway, outcome: OutcomeNode) -> tuple[TreatmentResult, ...]:
    results = []
    for treatment in outcome.treatments:
        category = pathway.categories[treatment.category]
        results.append(
            TreatmentResult(category.id, treatment.label or category.label, category.group, category.description,
                            treatment.explanation)
        )
    return tuple(results)


def _matches(conditions: Mapping[str, list[str]], answers: Mapping[str, str]) -> bool:
    return all(answers.get(key) in values for key, values in conditions.items())


def _figure_applies(figure: Figure, answers: Mapping[str, str]) -> bool | None:
    if not figure.applies_when or any(k not in answers for k in figure.applies_when):
        return None
    return _matches(figure.applies_when, answers)


def _notes(pathway: Pathway, answers: Mapping[str, str]) -> tuple[NoteResult, ...]:
    notes = []
    for note in pathway.content.outlook.notes:
        if _matches(note.applies_when, answers):
            figures = tuple(FigureResult(f, _figure_applies(f, answers)) for f in note.figures)
            notes.append(NoteResult(note.id, note.title, note, figures))
    return tuple(notes)


def citation(basis: Basis) -> str:
    """``source § section`` with ``as reported by`` the cited work where there is one."""
    text = f"{basis.source} § {basis.section}"
    if not basis.reported_by:
        return text
    return _("{work}, as reported by {source}").format(work=basis.reported_by, source=text)
