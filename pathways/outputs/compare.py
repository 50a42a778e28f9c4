"""Two complete situations side by side, computed from what each one shows (``pathways.shown.Shown``): the
categories in both, only in the first, only in the second, and every statement that differs between the sides (a
category's wording or reason, a note, an outlook note, a figure). An output module: it reads two Shown (or Results,
or Situations) and imports no other output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

from ..catalogue import gettext as _
from ..errors import PathwayError
from ..evaluate import NoteResult, Result, TreatmentResult
from ..load import Pathway
from ..model import Category, Statement
from ..shown import (CATEGORY, EXPLANATION, FIGURE, FIGURES_CONTEXT, GROUP_INTRO, NOTE, OUTLOOK_BASIS, OUTLOOK_NOTE,
                     SUMMARY, Item, Shown, shown)
from ..situations import Situation, complete_situations

__all__ = ["BOTH", "ONLY_FIRST", "ONLY_SECOND", "PLACES", "MARKS", "DIFFERENT", "COMPARED_ROLES", "ComparisonError",
           "Side", "CategoryLine", "OutlookLine", "Difference", "Comparison", "compare", "situation_by_key",
           "second_answers"]

def N_(message: str) -> str:
    """Mark a constant for the catalogue; translated where shown."""
    return message


#: Where a category (or an outlook note) stands in a comparison.
BOTH, ONLY_FIRST, ONLY_SECOND = "both", "only_first", "only_second"
PLACES = (BOTH, ONLY_FIRST, ONLY_SECOND)
#: Each place as a symbol pair (situation 1, situation 2) and in words: never colour alone.
MARKS = {
    BOTH: ("✔ ✔", N_("In both")),
    ONLY_FIRST: ("✔ ✘", N_("Only in situation 1")),
    ONLY_SECOND: ("✘ ✔", N_("Only in situation 2")),
}

#: A statement both sides show, worded differently (or, for a figure, matching the answers differently).
DIFFERENT = "different"
#: The roles of what a situation shows that a comparison sets side by side (the answers themselves differ by
#: construction: the headers name them).
COMPARED_ROLES = (SUMMARY, GROUP_INTRO, CATEGORY, EXPLANATION, NOTE, OUTLOOK_BASIS, OUTLOOK_NOTE, FIGURE,
                  FIGURES_CONTEXT)

Comparable = Union[Result, Situation, Shown]


class ComparisonError(PathwayError):
    """Two situations that cannot be compared (incomplete, or from different pathways)."""


@dataclass(frozen=True)
class Side:
    """One of the two situations: its evaluation, and what it shows in words."""

    number: int
    result: Result
    shown: Shown

    @property
    def label(self) -> str:
        """The options chosen, in words (as Situation.label)."""
        return " · ".join(step.option_label for step in self.result.path)

    @property
    def key(self) -> str:
        """The option ids along the path, joined with '/' (as Situation.key)."""
        return "/".join(step.option_id for step in self.result.path)

    @property
    def title(self) -> str:
        assert self.result.outcome is not None
        return self.result.outcome.title

    @property
    def notes(self) -> tuple[Statement, ...]:
        """The outcome's notes (editorial ones carry their reason)."""
        assert self.result.outcome is not None
        return tuple(self.result.outcome.notes)

    @property
    def outlook(self) -> tuple[NoteResult, ...]:
        """The outlook notes that apply to this side's answers."""
        return self.result.notes

    def treatment(self, category_id: str) -> TreatmentResult | None:
        return next((t for t in self.result.treatments if t.id == category_id), None)


class _Placed:
    """Where a line stands (``place``, a key of MARKS), as a symbol and in words."""

    place: str

    @property
    def symbol(self) -> str:
        return MARKS[self.place][0]

    @property
    def words(self) -> str:
        return _(MARKS[self.place][1])


@dataclass(frozen=True)
class CategoryLine(_Placed):
    """A category documented for at least one side, with each side's treatment (None where it is not shown)."""

    category: Category
    place: str
    first: TreatmentResult | None
    second: TreatmentResult | None


@dataclass(frozen=True)
class OutlookLine(_Placed):
    """An outlook note that applies to at least one side."""

    note_id: str
    title: str
    place: str
    first: NoteResult | None
    second: NoteResult | None


def _slot(item: Item) -> tuple[str, str]:
    """What a statement is about, the same on both sides: a category (by id), an outlook note or figure (by key),
    a group's intro (by group); an outcome's note by its text (notes belong to one outcome each)."""
    if item.role in (CATEGORY, EXPLANATION):
        return item.role, item.category or ""
    if item.role == GROUP_INTRO:
        return item.role, item.group or ""
    if item.role in (SUMMARY,):
        return item.role, ""
    if item.role == NOTE:
        return item.role, item.text
    return item.role, item.key


def _same(a: Item, b: Item) -> bool:
    return (a.title, a.text, a.editorial, a.applies, tuple(a.basis)) == (b.title, b.text, b.editorial, b.applies,
                                                                        tuple(b.basis))


@dataclass(frozen=True)
class Difference(_Placed):
    """A statement shown on one side only (``place`` ONLY_FIRST or ONLY_SECOND), or on both but not the same
    (DIFFERENT: another wording, reason, basis, or for a figure another match with the answers)."""

    role: str
    place: str
    first: Item | None
    second: Item | None

    @property
    def item(self) -> Item:
        """The statement as the first side shows it (the second's where only it shows it)."""
        found = self.first or self.second
        assert found is not None
        return found

    @property
    def symbol(self) -> str:
        return "≠" if self.place == DIFFERENT else MARKS[self.place][0]

    @property
    def words(self) -> str:
        return "Worded differently" if self.place == DIFFERENT else MARKS[self.place][1]


def differences(first: Shown, second: Shown) -> tuple[Difference, ...]:
    """Every statement of COMPARED_ROLES that one side shows and the other does not show the same way, in the
    first side's page order (then the second side's own)."""
    one = {_slot(i): i for i in first.items if i.role in COMPARED_ROLES}
    two = {_slot(i): i for i in second.items if i.role in COMPARED_ROLES}
    found = []
    for slot, item in one.items():
        other = two.get(slot)
        if other is None:
            found.append(Difference(item.role, ONLY_FIRST, item, None))
        elif not _same(item, other):
            found.append(Difference(item.role, DIFFERENT, item, other))
    found += [Difference(item.role, ONLY_SECOND, None, item) for slot, item in two.items() if slot not in one]
    return tuple(found)


@dataclass(frozen=True)
class Comparison:
    """Two complete situations of one pathway, category by category, outlook note by outlook note, and every
    statement that differs."""

    pathway: Pathway
    first: Side
    second: Side
    categories: tuple[CategoryLine, ...]
    outlook: tuple[OutlookLine, ...]
    differences: tuple[Difference, ...] = ()

    @property
    def same_statements(self) -> bool:
        """True only when both sides show the same statements (what "What differs: nothing" may say)."""
        return not self.differences

    def _ids(self, place: str) -> tuple[str, ...]:
        return tuple(line.category.id for line in self.categories if line.place == place)

    @property
    def both(self) -> tuple[str, ...]:
        """Category ids shown for both situations, in vocabulary order."""
        return self._ids(BOTH)

    @property
    def only_first(self) -> tuple[str, ...]:
        return self._ids(ONLY_FIRST)

    @property
    def only_second(self) -> tuple[str, ...]:
        return self._ids(ONLY_SECOND)

    @property
    def same_categories(self) -> bool:
        """True when both situations show exactly the same categories."""
        return not self.only_first and not self.only_second

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.first, self.second


def _result(item: Comparable, number: int) -> Result:
    result = item.result if isinstance(item, (Situation, Shown)) else item
    if not isinstance(result, Result):
        raise ComparisonError(f"situation {number} is not an evaluation (got {type(item).__name__})")
    if not result.complete or result.outcome is None:
        missing = result.next_question.id if result.next_question is not None else "?"
        raise ComparisonError(f"situation {number} is not complete: question {missing!r} is not answered "
                              "(hint: answer every question on its path before comparing)")
    return result


def _place(first: object, second: object) -> str:
    return BOTH if first is not None and second is not None else (ONLY_FIRST if first is not None else ONLY_SECOND)


def compare(first: Comparable, second: Comparable) -> Comparison:
    """Compare two complete situations of the same pathway (Shown, Results or Situations).

    Raises ComparisonError when either is incomplete or they come from different pathways.
    """
    one, two = _result(first, 1), _result(second, 2)
    if one.pathway is not two.pathway and (one.pathway.id, one.pathway.content.metadata.version) != (
            two.pathway.id, two.pathway.content.metadata.version):
        raise ComparisonError(f"the situations come from different pathways ({one.pathway.id!r} and "
                              f"{two.pathway.id!r}); compare situations of one pathway")
    pathway = one.pathway
    shown1 = first if isinstance(first, Shown) else shown(one)
    shown2 = second if isinstance(second, Shown) else shown(two)
    side1, side2 = Side(1, one, shown1), Side(2, two, shown2)
    categories = []
    for category in pathway.content.categories:
        a, b = side1.treatment(category.id), side2.treatment(category.id)
        if a is not None or b is not None:
            categories.append(CategoryLine(category, _place(a, b), a, b))
    notes1, notes2 = {n.id: n for n in one.notes}, {n.id: n for n in two.notes}
    outlook = []
    for note in pathway.content.outlook.notes:
        a, b = notes1.get(note.id), notes2.get(note.id)
        if a is not None or b is not None:
            outlook.append(OutlookLine(note.id, note.title, _place(a, b), a, b))
    return Comparison(pathway, side1, side2, tuple(categories), tuple(outlook), differences(shown1, shown2))


def situation_by_key(pathway: Pathway, key: str) -> Situation:
    """The complete situation with this key (e.g. ``adult/yes/b_cell``); ComparisonError lists the keys."""
    situations = complete_situations(pathway)
    for situation in situations:
        if situation.key == key:
            return situation
    keys = [s.key for s in situations]
    shown = keys if len(keys) <= 20 else keys[:20] + ["…"]
    raise ComparisonError(f"unknown situation {key!r} (must be one of {shown})")


def second_answers(pathway: Pathway, situation: Situation, first: Mapping[str, str]) -> dict[str, str]:
    """The second situation's answers: its tree answers, and the optional outlook answers of the first, so that
    "and if it were an adult?" keeps, say, the time since initial treatment."""
    outlook = {q.id for q in pathway.outlook_questions()}
    return {**{k: v for k, v in first.items() if k in outlook}, **situation.answer_dict}
