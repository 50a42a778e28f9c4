"""Rules a well-typed pathway must also satisfy: unique ids, resolvable references, a sound tree."""

from __future__ import annotations

import datetime
import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from pydantic import BaseModel

from .errors import ContentError, dotted
from .lifecycle import REVIEW_LEAD_MONTHS, review_status
from .model import Basis, OutcomeNode, PathwayContent, QuestionNode, Statement
from .vocabulary import CATEGORY_IDS, PAGE_KEY_PREFIXES, PAGE_KEYS, REFERENCE_SECTION_IDS
from .yamlsafe import line_of

__all__ = ["check_rules", "review_findings", "role_problem", "statement_locations", "APPROVER_ROLE_WORDS", "WARNING",
           "NOTICE"]

Loc = tuple

#: Words that make ``approved_by`` read as a role (a job, a post or a body), never a person's name.
APPROVER_ROLE_WORDS = frozenset({
    "lead", "consultant", "clinician", "director", "officer", "chair", "committee", "board", "group", "panel",
    "team", "head", "manager", "nurse", "pharmacist", "specialist", "reviewer", "editor", "physician",
    "haematologist", "hematologist", "oncologist", "paediatrician", "pediatrician", "practitioner", "registrar",
    "council", "governance", "owner", "coordinator",
})
#: Titles and post-nominal letters that only go with a person's name.
PERSONAL_TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx", "sir", "dame"})
POST_NOMINALS = frozenset({"MD", "PhD", "MBBS", "MBChB", "BMBS", "FRCP", "FRCPath", "FRCPCH", "MRCP", "MRCPCH",
                           "FRCR", "FACP", "RN", "DO"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
#: A run of two or more capitalised words ("Jane Smith", "Chief Medical Officer").
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z'\-]+(?:[ \t]+[A-Z][a-z'\-]+)+\b")
#: Levels of a review finding: a warning fails ``validate --strict``; a notice never fails.
WARNING, NOTICE = "warning", "notice"


def role_problem(text: str) -> str | None:
    """Why ``text`` does not read as a role (None when it does): the rule documented for ``approved_by``.

    >>> role_problem("Clinical lead, paediatric and adult haematology") is None
    True
    >>> role_problem("Dr Jane Smith")
    "a personal title ('Dr')"
    >>> role_problem("Jane Smith, clinical lead")
    "capitalised words that read as a name ('Jane Smith')"
    >>> role_problem("Chief Medical Officer") is None
    True
    """
    words = _WORD.findall(text)
    if "@" in text:
        return "an e-mail address"
    for word in words:
        if word.lower() in PERSONAL_TITLES and word[0].isupper():
            return f"a personal title ({word!r})"
        if word in POST_NOMINALS:
            return f"post-nominal letters ({word!r})"
    for run in _CAPITALISED_RUN.findall(text):  # a capitalised title must end in its role word
        if _singular(run.split()[-1]) not in APPROVER_ROLE_WORDS:
            return f"capitalised words that read as a name ({run!r})"
    if not any(_singular(w) in APPROVER_ROLE_WORDS for w in words):
        return "no word that names a role"
    return None


def _singular(word: str) -> str:
    word = word.lower()
    return word[:-1] if word.endswith("s") and word[:-1] in APPROVER_ROLE_WORDS else word


@dataclass
class _Checker:
    """Collects problems for one pathway; each rule is a method that appends to ``errors``."""

    content: PathwayContent
    raw: Any
    file: str
    errors: list[ContentError] = field(default_factory=list)

    def report(self, loc: Loc, message: str, hint: str | None = None, node: str | None = None) -> None:
        self.errors.append(
            ContentError(
                file=self.file,
                line=line_of(self.raw, loc),
                message=message,
                node=node,
                field=dotted(loc),
                hint=hint,
            )
        )

    # ---- identifiers -------------------------------------------------------------------------
    def unique_ids(self) -> None:
        c = self.content
        groups: list[tuple[str, str, list[str]]] = [
            ("sources", "source", [s.id for s in c.sources]),
            ("categories", "category", [x.id for x in c.categories]),
            ("questions", "question", [q.id for q in c.questions]),
            ("tree.nodes", "node", [n.id for n in c.tree.nodes]),
            ("outlook.notes", "outlook note", [n.id for n in c.outlook.notes]),
            ("reference", "reference section", [r.id for r in c.reference]),
        ]
        for path, what, ids in groups:
            self._duplicates(tuple(path.split(".")), what, ids)
        for qi, q in enumerate(c.questions):
            self._duplicates(("questions", qi, "options"), f"option of question '{q.id}'", [o.id for o in q.options])

    def question_ids_not_reserved(self) -> None:
        """A question's id is its widget's key and its link parameter: none may be one of the page's own."""
        for index, question in enumerate(self.content.questions):
            prefix = next((p for p in PAGE_KEY_PREFIXES if question.id.startswith(p)), None)
            if question.id in PAGE_KEYS or prefix:
                what = f"starts with '{prefix}', which" if prefix else "is a name that"
                self.report(("questions", index, "id"),
                            f"question id '{question.id}' {what} the page uses for its own controls or link",
                            f"rename the question; reserved: {list(PAGE_KEYS)} and ids starting with "
                            f"{list(PAGE_KEY_PREFIXES)}")

    def _duplicates(self, base: Loc, what: str, ids: list[str], key: str = "id") -> None:
        seen: set[str] = set()
        for index, ident in enumerate(ids):
            if ident in seen:
                self.report(
                    base + (index, key),
                    f"duplicate {what} id '{ident}'",
                    "ids must be unique; rename one of them",
                    node=ident if what == "node" else None,
                )
            seen.add(ident)

    def categories_in_vocabulary(self) -> None:
        for index, cat in enumerate(self.content.categories):
            if cat.id not in CATEGORY_IDS:
                self.report(
                    ("categories", index, "id"),
                    f"unknown category: '{cat.id}' (must be one of {list(CATEGORY_IDS)})",
                    "treatment category ids are a fixed public vocabulary",
                )

    def category_groups_declared(self) -> None:
        declared = [g.id for g in self.content.category_groups]
        self._duplicates(("category_groups",), "category group", declared)
        for index, cat in enumerate(self.content.categories):
            if cat.group not in declared:
                self.report(
                    ("categories", index, "group"),
                    f"category group '{cat.group}' is not declared (declared: {declared})",
                    "add it under 'category_groups:' with its heading",
                )

    def reference_sections_present(self) -> None:
        present = {r.id for r in self.content.reference}
        for index, section in enumerate(self.content.reference):
            if section.id not in REFERENCE_SECTION_IDS:
                self.report(
                    ("reference", index, "id"),
                    f"unknown reference section: '{section.id}' (must be one of {list(REFERENCE_SECTION_IDS)})",
                    "rename the section to one of the allowed ids",
                )
        for missing in [s for s in REFERENCE_SECTION_IDS if s not in present]:
            self.report(("reference",), f"missing reference section '{missing}'", "add it under 'reference:'")

    # ---- references --------------------------------------------------------------------------
    def bases_resolve(self) -> None:
        sources = {s.id: set(s.sections) for s in self.content.sources}
        for loc, statement in _statements(self.content):
            for bi, basis in enumerate(statement.basis):
                self._basis(loc + ("basis", bi), basis, sources)

    def _basis(self, loc: Loc, basis: Basis, sources: dict[str, set[str]]) -> None:
        node = _node_of(self.content, loc)
        if basis.source not in sources:
            self.report(
                loc + ("source",),
                f"unknown source: '{basis.source}' (must be one of {sorted(sources)})",
                "declare the source under 'sources:' or fix the id",
                node=node,
            )
        elif basis.section not in sources[basis.source]:
            self.report(
                loc + ("section",),
                f"unknown section '{basis.section}' of source '{basis.source}' "
                f"(must be one of {sorted(sources[basis.source])})",
                "use a section name declared for the source under 'sources:'",
                node=node,
            )

    def quotes_present(self) -> None:
        """A statement that is not editorial quotes each source it cites that sets ``quotes_required``."""
        required = {s.id for s in self.content.sources if s.quotes_required}
        if not required:
            return
        for loc, statement in _statements(self.content):
            if statement.is_editorial:
                continue
            cited = [b.source for b in statement.basis if b.source in required]
            quoted = {b.source for b in statement.basis if b.source in required and b.quote}
            for source in dict.fromkeys(s for s in cited if s not in quoted):
                self.report(
                    loc + ("basis",),
                    f"statement is not editorial but quotes no passage of source '{source}', which sets "
                    f"quotes_required ({_excerpt(statement.text)})",
                    "add 'quote: <the source's own words the statement rests on>' to one of its bases "
                    "(block style), or mark the statement 'editorial: <reason>' if it is our reading",
                    node=_node_of(self.content, loc),
                )

    def nodes_resolve(self) -> None:
        c = self.content
        questions = {q.id: q for q in c.questions}
        node_ids = {n.id for n in c.tree.nodes}
        categories = {x.id for x in c.categories}
        if c.tree.root not in node_ids:
            self.report(("tree", "root"), f"root node '{c.tree.root}' does not exist", "name one of the tree's node ids")
        for ni, node in enumerate(c.tree.nodes):
            loc = ("tree", "nodes", ni)
            if isinstance(node, QuestionNode):
                self._question_node(loc, node, questions, node_ids)
            else:
                self._outcome_node(loc, node, categories)

    def _question_node(self, loc: Loc, node: QuestionNode, questions: dict, node_ids: set[str]) -> None:
        question = questions.get(node.question)
        if question is None:
            self.report(
                loc + ("question",),
                f"unknown question: '{node.question}' (must be one of {sorted(questions)})",
                "declare the question under 'questions:' or fix the id",
                node=node.id,
            )
            return
        if question.role != "tree":
            self.report(
                loc + ("question",),
                f"question '{question.id}' has role '{question.role}' and cannot steer the tree",
                "only questions with role 'tree' may appear in question nodes",
                node=node.id,
            )
        options = [o.id for o in question.options]
        for option, target in node.branches.items():
            if option not in options:
                self.report(
                    loc + ("branches", option),
                    f"branch for unknown option '{option}' of question '{question.id}' (must be one of {options})",
                    "remove the branch or add the option to the question",
                    node=node.id,
                )
            if target not in node_ids:
                self.report(
                    loc + ("branches", option),
                    f"branch '{option}' leads to unknown node '{target}'",
                    "name an existing node id",
                    node=node.id,
                )
        for option in options:
            if option not in node.branches:
                self.report(
                    loc + ("branches",),
                    f"option '{option}' of question '{question.id}' has no branch",
                    f"add '{option}: <node id>' under branches",
                    node=node.id,
                )

    def _outcome_node(self, loc: Loc, node: OutcomeNode, categories: set[str]) -> None:
        if not node.treatments:
            self.report(
                loc + ("treatments",),
                "outcome names no treatment category",
                f"list at least one of {list(CATEGORY_IDS)}",
                node=node.id,
            )
        for ti, treatment in enumerate(node.treatments):
            if treatment.category not in categories:
                allowed = [x for x in CATEGORY_IDS if x in categories]
                self.report(
                    loc + ("treatments", ti, "category"),
                    f"unknown category: '{treatment.category}' (must be one of {allowed})",
                    "declare the category under 'categories:' (ids come from the fixed vocabulary)",
                    node=node.id,
                )
        shown = {t.category for t in node.treatments}
        for ni, note in enumerate(node.notes):
            for ai, category in enumerate(note.about):
                if category not in categories:
                    allowed = [x for x in CATEGORY_IDS if x in categories]
                    self.report(
                        loc + ("notes", ni, "about", ai),
                        f"note is about an unknown category: '{category}' (must be one of {allowed})",
                        "'about' names declared categories whose absence the note explains",
                        node=node.id,
                    )
                elif category in shown:
                    self.report(
                        loc + ("notes", ni, "about", ai),
                        f"note explains why '{category}' is not shown, but this outcome lists it",
                        "remove it from 'about', or from the outcome's treatments",
                        node=node.id,
                    )
        counts = Counter(t.category for t in node.treatments)
        for category, count in counts.items():
            if count > 1:
                self.report(
                    loc + ("treatments",), f"category '{category}' listed {count} times", "list each category once",
                    node=node.id,
                )

    def conditions_resolve(self) -> None:
        questions = {q.id: [o.id for o in q.options] for q in self.content.questions}
        for ni, note in enumerate(self.content.outlook.notes):
            self._conditions(("outlook", "notes", ni, "applies_when"), note.applies_when, questions)
            for fi, figure in enumerate(note.figures):
                self._conditions(
                    ("outlook", "notes", ni, "figures", fi, "applies_when"), figure.applies_when, questions
                )

    def _conditions(self, loc: Loc, conditions: dict[str, list[str]], questions: dict[str, list[str]]) -> None:
        for key, values in conditions.items():
            if key not in questions:
                self.report(
                    loc + (key,), f"unknown question: '{key}' (must be one of {sorted(questions)})",
                    "conditions name question ids from 'questions:'",
                )
                continue
            for value in values:
                if value not in questions[key]:
                    self.report(
                        loc + (key,), f"unknown option '{value}' for question '{key}' (must be one of {questions[key]})",
                        "conditions name option ids of that question",
                    )

    # ---- tree shape --------------------------------------------------------------------------
    def tree_is_sound(self) -> None:
        """No cycles and every node reachable from the root (iterative, so deep trees are fine)."""
        nodes = {n.id: n for n in self.content.tree.nodes}
        index = {n.id: i for i, n in enumerate(self.content.tree.nodes)}
        root = self.content.tree.root
        if root not in nodes:
            return
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
        stack: list[tuple[str, Iterator[tuple[str, str]]]] = [(root, _children(nodes[root]))]
        state[root] = 1
        while stack:
            current, children = stack[-1]
            for option, child in children:
                if child not in nodes:
                    continue
                if state.get(child) == 1:
                    self.report(
                        ("tree", "nodes", index[current], "branches", option),
                        f"cycle: branch '{option}' leads back to '{child}'",
                        "a decision tree must not loop; point the branch at a later node",
                        node=current,
                    )
                elif child not in state:
                    state[child] = 1
                    stack.append((child, _children(nodes[child])))
                    break
            else:
                state[current] = 2
                stack.pop()
        for ident, i in index.items():
            if ident not in state:
                self.report(
                    ("tree", "nodes", i, "id"),
                    f"node '{ident}' is not reachable from the root '{root}'",
                    "connect it with a branch or remove it",
                    node=ident,
                )

    # ---- lifecycle: review dates, approval, change log --------------------------------------
    def review_dates_ordered(self) -> None:
        meta = self.content.metadata
        if meta.next_review_due is not None and meta.next_review_due <= meta.last_reviewed:
            self.report(
                ("metadata", "next_review_due"),
                f"next_review_due {meta.next_review_due.isoformat()} is not after last_reviewed "
                f"{meta.last_reviewed.isoformat()}",
                "set the date the next clinical review is due, after the last review",
            )
        if meta.approved_on is not None and meta.approved_by is None:
            self.report(
                ("metadata", "approved_on"),
                "approved_on is set but approved_by is not",
                "name the role that approved this version in 'approved_by' (a role, never a person's name)",
            )

    def approver_is_a_role(self) -> None:
        approver = self.content.metadata.approved_by
        problem = role_problem(approver) if approver is not None else None
        if problem:
            self.report(
                ("metadata", "approved_by"),
                f"approved_by must name a role, not a person: {approver!r} has {problem}",
                "write the role in sentence case, e.g. 'Clinical lead, paediatric haematology' "
                f"(role words: {sorted(APPROVER_ROLE_WORDS)})",
            )

    def change_log_consistent(self) -> None:
        meta = self.content.metadata
        self._duplicates(("metadata", "changes"), "change-log version",
                         [c.version for c in meta.changes], key="version")
        if meta.changes and meta.version not in [c.version for c in meta.changes]:
            self.report(
                ("metadata", "changes"),
                f"the change log has no entry for this version '{meta.version}'",
                f"add '- {{version: \"{meta.version}\", date: YYYY-MM-DD, summary: <what changed>}}' under changes",
            )

    def run(self) -> list[ContentError]:
        for rule in (
            self.unique_ids,
            self.categories_in_vocabulary,
            self.category_groups_declared,
            self.reference_sections_present,
            self.bases_resolve,
            self.quotes_present,
            self.nodes_resolve,
            self.conditions_resolve,
            self.tree_is_sound,
            self.review_dates_ordered,
            self.approver_is_a_role,
            self.change_log_consistent,
            self.question_ids_not_reserved,
        ):
            rule()
        return self.errors


def _children(node: QuestionNode | OutcomeNode) -> Iterator[tuple[str, str]]:
    return iter(node.branches.items()) if isinstance(node, QuestionNode) else iter(())


def _statements(content: PathwayContent) -> Iterator[tuple[Loc, Statement]]:
    """Every Statement in the content, with its location."""
    yield from _walk(content, ())


def statement_locations(content: PathwayContent) -> Iterator[tuple[Loc, Statement]]:
    """Every Statement in the content with its location in the file (``("tree", "nodes", 3, "summary")``)."""
    return _statements(content)


def _excerpt(text: str, limit: int = 60) -> str:
    """The start of a statement's text, to name it in a message."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1].rstrip() + "…")


def _walk(value: Any, loc: Loc) -> Iterator[tuple[Loc, Statement]]:
    if isinstance(value, Statement):
        yield loc, value
    if isinstance(value, BaseModel):
        for name in _model_fields(type(value)):
            yield from _walk(getattr(value, name), loc + (name,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, BaseModel):
                yield from _walk(item, loc + (i,))


@functools.cache
def _model_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """Fields of ``cls`` that can hold models (plain text, numbers and maps cannot hold statements)."""
    return tuple(name for name, f in cls.model_fields.items() if "pathways.model" in repr(f.annotation))


def _node_of(content: PathwayContent, loc: Loc) -> str | None:
    if len(loc) >= 3 and loc[0] == "tree" and loc[1] == "nodes" and isinstance(loc[2], int):
        return content.tree.nodes[loc[2]].id
    return None



def check_rules(content: PathwayContent, raw: Any, file: str) -> list[ContentError]:
    """Every rule violation in ``content``; an empty list means the pathway is sound."""
    return _Checker(content, raw, file).run()


def review_findings(content: PathwayContent, file: str, today: datetime.date, raw: Any = None) -> list[ContentError]:
    """Where the content stands in its review cycle on ``today``: warnings (review overdue, no review date,
    approval pending, no change-log entry for this version, figures without their context statement) and a
    notice inside the review lead time.

    Each is a ContentError whose message starts with its level (``warning:`` or ``notice:``); ``raw`` (the
    parsed file) gives the lines. Content stays valid: these never stop the app showing it.
    """
    meta = content.metadata
    status = review_status(meta, today)
    found: list[ContentError] = []

    def add(level: str, field_name: str, message: str, hint: str) -> None:
        loc = ("metadata", field_name)  # a field the file lacks: the line of 'metadata:'
        line = line_of(raw, loc) if raw is not None else None
        if line is None and raw is not None:
            line = line_of(raw, ("metadata",))
        found.append(ContentError(file, line, f"{level}: {message}", hint=hint))

    if meta.next_review_due is None:
        add(WARNING, "next_review_due", "no review date: metadata.next_review_due is not set",
            "set the date the next clinical review is due (e.g. a year after last_reviewed)")
    elif status.overdue:
        add(WARNING, "next_review_due",
            f"review overdue: next_review_due {meta.next_review_due.isoformat()} was "
            f"{status.days_overdue} day(s) before {today.isoformat()}",
            "review the content with the clinical lead, then set last_reviewed and a new next_review_due")
    elif status.due_soon:
        add(NOTICE, "next_review_due",
            f"review due soon: next_review_due {meta.next_review_due.isoformat()}; the review starts on "
            f"{status.review_starts.isoformat() if status.review_starts else '?'} "
            f"({REVIEW_LEAD_MONTHS} months before)",
            "plan the review now (python -m pathways review makes the pack for the reviewer)")
    if meta.approved_on is None:
        who = f" by {meta.approved_by}" if meta.approved_by else ""
        add(WARNING, "approved_on", f"approval pending: approved_on is empty, version {meta.version} has not been signed off{who}",
            "after sign-off, set approved_on (and approved_by, the role that signed)")
    if content.outlook.figures_context is None and any(note.figures for note in content.outlook.notes):
        loc = ("outlook",)
        found.append(ContentError(
            file, line_of(raw, loc) if raw is not None else None,
            f"{WARNING}: outlook figures without a context statement (figures about groups of people are shown "
            "as if they were a prediction for one person)",
            hint="add 'figures_context:' under 'outlook:', a statement shown wherever figures are"))
    if not meta.changes:
        add(WARNING, "changes", f"no change-log entry for version {meta.version} (metadata.changes is empty)",
            "add under changes: '- {version: ..., date: ..., summary: ...}'")
    return found
