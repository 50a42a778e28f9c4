"""Rules a well-typed pathway must also satisfy: unique ids, resolvable references, a sound tree."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from pydantic import BaseModel

from .errors import ContentError, dotted
from .model import Basis, OutcomeNode, PathwayContent, QuestionNode, Statement
from .vocabulary import CATEGORY_IDS, REFERENCE_SECTION_IDS
from .yamlsafe import line_of

__all__ = ["check_rules"]

Loc = tuple


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

    def _duplicates(self, base: Loc, what: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for index, ident in enumerate(ids):
            if ident in seen:
                self.report(
                    base + (index, "id"),
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

    def run(self) -> list[ContentError]:
        for rule in (
            self.unique_ids,
            self.categories_in_vocabulary,
            self.category_groups_declared,
            self.reference_sections_present,
            self.bases_resolve,
            self.nodes_resolve,
            self.conditions_resolve,
            self.tree_is_sound,
        ):
            rule()
        return self.errors


def _children(node: QuestionNode | OutcomeNode) -> Iterator[tuple[str, str]]:
    return iter(node.branches.items()) if isinstance(node, QuestionNode) else iter(())


def _statements(content: PathwayContent) -> Iterator[tuple[Loc, Statement]]:
    """Every Statement in the content, with its location."""
    yield from _walk(content, ())


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
