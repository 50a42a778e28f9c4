"""Comparing two situations: what is in both, only in the first, only in the second, computed against evaluate for
every pair of the shipped pathway's complete situations."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from pathways import load_pathway, resolve_pathway
from pathways.outputs.compare import (
    BOTH,
    MARKS,
    ONLY_FIRST,
    ONLY_SECOND,
    ComparisonError,
    compare,
    second_answers,
    situation_by_key,
)
from pathways.evaluate import evaluate
from pathways.situations import complete_situations

ROOT = Path(__file__).parents[1]
PATHWAY = load_pathway(resolve_pathway(None))
SITUATIONS = complete_situations(PATHWAY)
PAIRS = list(itertools.product(SITUATIONS, repeat=2))
ORDER = [c.id for c in PATHWAY.content.categories]


def test_the_shipped_pathway_gives_64_ordered_pairs_of_its_8_situations():
    assert len(SITUATIONS) == 8 and len(PAIRS) == 64


@pytest.mark.parametrize("first, second", PAIRS, ids=[f"{a.key}-vs-{b.key}" for a, b in PAIRS])
def test_comparison_lists_exactly_what_differs_as_evaluate_gives_it(first, second):
    one, two = evaluate(PATHWAY, first.answer_dict), evaluate(PATHWAY, second.answer_dict)
    ids1, ids2 = {t.id for t in one.treatments}, {t.id for t in two.treatments}
    comparison = compare(first, second)
    assert comparison.both == tuple(c for c in ORDER if c in ids1 & ids2)
    assert comparison.only_first == tuple(c for c in ORDER if c in ids1 - ids2)
    assert comparison.only_second == tuple(c for c in ORDER if c in ids2 - ids1)
    assert comparison.same_categories == (ids1 == ids2)
    for line in comparison.categories:  # each side carries its own wording and reason, or nothing
        assert (line.first.explanation if line.first else None) == next(
            (t.explanation for t in one.treatments if t.id == line.category.id), None)
        assert (line.second.explanation if line.second else None) == next(
            (t.explanation for t in two.treatments if t.id == line.category.id), None)
        assert (line.symbol, line.words) == MARKS[line.place]
    assert comparison.first.notes == tuple(one.outcome.notes)
    assert comparison.second.notes == tuple(two.outcome.notes)
    notes1, notes2 = {n.id for n in one.notes}, {n.id for n in two.notes}
    places = {line.note_id: line.place for line in comparison.outlook}
    assert places == {**{n: ONLY_FIRST for n in notes1 - notes2}, **{n: ONLY_SECOND for n in notes2 - notes1},
                      **{n: BOTH for n in notes1 & notes2}}


def test_results_and_situations_compare_alike_and_keep_the_outlook_answer():
    first, second = SITUATIONS[0], SITUATIONS[-1]
    late = {"time_since_treatment": "3_years_or_more"}
    by_result = compare(evaluate(PATHWAY, {**first.answer_dict, **late}),
                        evaluate(PATHWAY, {**second.answer_dict, **late}))
    by_situation = compare(first, second)
    assert (by_result.both, by_result.only_first, by_result.only_second) == (
        by_situation.both, by_situation.only_first, by_situation.only_second)
    assert by_result.first.label == first.label and by_result.second.key == second.key
    adults = next(line for line in by_result.outlook if line.note_id == "adults_survival")
    assert [f.applies for f in adults.second.figures] == [False, True]  # the outlook answer selects the figure


def test_marks_are_text_and_symbol_never_colour_alone():
    assert {words for _, words in MARKS.values()} == {"In both", "Only in situation 1", "Only in situation 2"}
    assert all("✔" in symbol for symbol, _ in MARKS.values())


@pytest.mark.parametrize("answers, question", [({"age_group": "child"}, "cns_involvement"), ({}, "age_group")],
                         ids=["half-answered", "unanswered"])
def test_an_incomplete_situation_is_refused_naming_the_next_question(answers, question):
    with pytest.raises(ComparisonError, match=f"situation 1 is not complete: question '{question}' is not answered"):
        compare(evaluate(PATHWAY, answers), SITUATIONS[0])
    with pytest.raises(ComparisonError, match=f"situation 2 is not complete: question '{question}'"):
        compare(SITUATIONS[0], evaluate(PATHWAY, answers))


def test_a_situation_key_names_one_situation_and_a_bad_one_lists_the_keys():
    assert situation_by_key(PATHWAY, "adult/yes/b_cell").outcome.id == "adult_cns_b"
    with pytest.raises(ComparisonError, match=r"unknown situation 'adult/maybe' \(must be one of \['child/yes/b_cell'"):
        situation_by_key(PATHWAY, "adult/maybe")


def test_the_second_situation_keeps_the_first_ones_outlook_answer_only():
    first = {"age_group": "child", "cns_involvement": "no", "cell_type": "b_cell",
             "time_since_treatment": "under_3_years"}
    assert second_answers(PATHWAY, situation_by_key(PATHWAY, "adult/yes/t_cell"), first) == {
        "age_group": "adult", "cns_involvement": "yes", "cell_type": "t_cell", "time_since_treatment": "under_3_years"}


def test_situations_of_different_pathways_are_refused():
    other = load_pathway(ROOT / "tests" / "fixtures" / "minimal.yaml")
    (situation,) = complete_situations(other)[:1]
    with pytest.raises(ComparisonError, match="different pathways"):
        compare(SITUATIONS[0], situation)


# ---- what differs, from what each side shows (the page's comparison panel) ----------------------------------

DISTINCT = list(itertools.combinations(SITUATIONS, 2))


def test_the_shipped_pathway_gives_28_pairs_of_distinct_situations():
    assert len(DISTINCT) == 28


def _unescaped(text: str) -> str:
    import re

    return re.sub(r"\\(.)", r"\1", text)


@pytest.mark.parametrize("first, second", DISTINCT, ids=[f"{a.key}-vs-{b.key}" for a, b in DISTINCT])
def test_what_differs_names_every_difference_of_wording_notes_outlook_and_figures(first, second):
    """Computed against evaluate, not against shown: every category on one side only, every category worded or
    explained differently, every outcome note, outlook note and figure on one side only or matched differently."""
    from pathways.shown import shown
    from views import differs_md, side_md

    one, two = evaluate(PATHWAY, first.answer_dict), evaluate(PATHWAY, second.answer_dict)
    comparison = compare(shown(one), shown(two))
    text = _unescaped(differs_md(comparison))
    lines = text.splitlines()
    t1, t2 = {t.id: t for t in one.treatments}, {t.id: t for t in two.treatments}
    expected = []
    for cid in ORDER:
        a, b = t1.get(cid), t2.get(cid)
        if a and not b:
            expected.append(f"✔ ✘ **{a.label}**: only in situation 1")
        elif b and not a:
            expected.append(f"✘ ✔ **{b.label}**: only in situation 2")
        elif a and b:
            if a.label != b.label:
                expected.append(f"≠ **{a.label}**: named “{a.label}” in situation 1 and “{b.label}” in situation 2")
            if a.explanation.text != b.explanation.text or a.explanation.editorial != b.explanation.editorial:
                expected.append(f"≠ **{a.label}**: why it appears is worded differently")
    n1, n2 = [n.text for n in one.outcome.notes], [n.text for n in two.outcome.notes]
    expected += [f"A note only in situation 1: “{n}”" for n in n1 if n not in n2]
    expected += [f"A note only in situation 2: “{n}”" for n in n2 if n not in n1]
    o1, o2 = {n.id: n for n in one.notes}, {n.id: n for n in two.notes}
    expected += [f"Outlook note “{o1[i].title}”: only in situation 1" for i in o1 if i not in o2]
    expected += [f"Outlook note “{o2[i].title}”: only in situation 2" for i in o2 if i not in o1]
    for i in set(o1) | set(o2):
        f1 = {f.figure.label: f for f in o1[i].figures} if i in o1 else {}
        f2 = {f.figure.label: f for f in o2[i].figures} if i in o2 else {}
        expected += [f"Figure “{label}” ({f1[label].figure.display}): only in situation 1" for label in f1
                     if label not in f2]
        expected += [f"Figure “{label}” ({f2[label].figure.display}): only in situation 2" for label in f2
                     if label not in f1]
        expected += [f"Figure “{label}”: " for label in f1 if label in f2 and f1[label].applies != f2[label].applies]
    for needed in expected:
        assert any(needed in line for line in lines), (needed, text)
    same = (t1.keys() == t2.keys() and all(t1[c].label == t2[c].label and t1[c].explanation == t2[c].explanation
                                            for c in t1) and n1 == n2 and o1.keys() == o2.keys()
            and one.outcome.summary == two.outcome.summary)
    assert ("Nothing: both situations show the same statements." in text) == same
    for number, result in ((1, one), (2, two)):  # each side carries its editorial marks and the figures' context
        side = _unescaped(side_md(comparison, number))
        assert f"Situation {number}" in side and result.outcome.title in side  # the header names the situation
        for t in result.treatments:
            assert (f"**{t.label}** †" in side) == bool(t.explanation.editorial), (t.label, side)
            if t.explanation.editorial:
                assert t.explanation.editorial in side
        for note in result.outcome.notes:
            assert note.text in side and (note.editorial is None or note.editorial in side)
        context = PATHWAY.content.outlook.figures_context
        if any(n.figures for n in result.notes):
            assert side.index(context.text) < min(side.index(f.figure.display) for n in result.notes
                                                  for f in n.figures)  # the caution before the numbers


def test_a_situation_compared_with_itself_shows_nothing_different():
    from pathways.shown import shown

    same = shown(evaluate(PATHWAY, SITUATIONS[0].answer_dict))
    assert compare(same, same).same_statements
