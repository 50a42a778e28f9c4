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
