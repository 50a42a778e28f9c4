"""Every complete situation of a pathway: one per path from the root to an outcome, with its evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .errors import PathwayError
from .evaluate import Result, evaluate
from .load import Pathway
from .model import OutcomeNode, QuestionNode

__all__ = ["Situation", "SituationLimit", "MAX_SITUATIONS", "complete_situations", "situation_for"]

#: More root-to-outcome paths than this are refused (a shared-node tree can have exponentially many).
MAX_SITUATIONS = 5000


class SituationLimit(PathwayError):
    """The pathway has more complete situations than can be listed."""

    def __init__(self, pathway: Pathway):
        super().__init__(
            f"{pathway.file}: more than {MAX_SITUATIONS:,} complete situations; too many to list "
            "(split the pathway, or share fewer nodes between branches)"
        )


@dataclass(frozen=True)
class Situation:
    """One complete set of tree answers (in path order) and what the pathway documents for it."""

    answers: tuple[tuple[str, str], ...]
    result: Result

    @property
    def answer_dict(self) -> dict[str, str]:
        return dict(self.answers)

    @property
    def query(self) -> str:
        """The app's deep link query string for this situation (ids only: no escaping needed)."""
        return "&".join(f"{k}={v}" for k, v in self.answers)

    @property
    def key(self) -> str:
        """A short stable id: the option ids along the path, joined with '/'."""
        return "/".join(v for _, v in self.answers)

    @property
    def label(self) -> str:
        """The options chosen, in words."""
        return " · ".join(step.option_label for step in self.result.path)

    @property
    def outcome(self) -> OutcomeNode:
        assert self.result.outcome is not None
        return self.result.outcome


def _paths(pathway: Pathway) -> list[tuple[tuple[str, str], ...]]:
    """Answer tuples of every root-to-outcome path that some answer set takes, depth first in the order of each
    question's options. A question asked twice on a path has one answer, so a path that would need two is none."""
    found: list[tuple[tuple[str, str], ...]] = []
    stack: list[tuple[str, tuple[tuple[str, str], ...]]] = [(pathway.content.tree.root, ())]
    while stack:
        node_id, answers = stack.pop()
        node = pathway.nodes[node_id]
        if isinstance(node, OutcomeNode):
            found.append(answers)
            if len(found) > MAX_SITUATIONS:
                raise SituationLimit(pathway)
            continue
        assert isinstance(node, QuestionNode)
        given = dict(answers).get(node.question)
        if given is not None:  # asked again further down: one answer per question, so only its branch
            stack.append((node.branches[given], answers))
            continue
        options = [o.id for o in pathway.questions[node.question].options if o.id in node.branches]
        for option in reversed(options):
            stack.append((node.branches[option], answers + ((node.question, option),)))
    return found


def complete_situations(pathway: Pathway) -> tuple[Situation, ...]:
    """Every complete situation, in tree order (each question's first option first)."""
    return tuple(Situation(answers, evaluate(pathway, dict(answers))) for answers in _paths(pathway))


def situation_for(pathway: Pathway, answers: Mapping[str, str]) -> Situation | None:
    """The complete situation that ``answers`` select (extra answers ignored), or None when incomplete."""
    result = evaluate(pathway, answers)
    if not result.complete:
        return None
    path = tuple((step.question.id, step.option_id) for step in result.path)
    return Situation(path, evaluate(pathway, dict(path)))
