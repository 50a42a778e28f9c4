"""Evaluation: the path, completeness, next question, notes, and clean errors for unknown answers."""

from __future__ import annotations

import pytest

from pathways import AnswerError, load_pathway, resolve_pathway
from pathways.evaluate import evaluate
from pathways.outputs.export import result_to_dict

PATHWAY = load_pathway(resolve_pathway(None))
FULL = {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell"}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"age": "child"}, r"unknown question: 'age' \(must be one of \['age_group', 'cns_involvement', 'cell_type', "
                           r"'time_since_treatment'\]\)"),
        ({"age_group": "teen"}, r"unknown option 'teen' for question 'age_group' \(must be one of \['child', 'adult'\]\)"),
        ({"cns_involvement": "True"}, r"unknown option 'True' for question 'cns_involvement'"),
        ({**FULL, "time_since_treatment": "5"}, r"must be one of \['under_3_years', '3_years_or_more'\]"),
    ],
    ids=["unknown-key", "unknown-value", "boolean-ish-value", "unknown-outlook-value"],
)
def test_unknown_answer_raises_answer_error_naming_key_and_allowed_values(answers, message):
    with pytest.raises(AnswerError, match=message):
        evaluate(PATHWAY, answers)


def test_complete_answers_give_path_outcome_and_disclaimer():
    result = evaluate(PATHWAY, FULL)
    assert result.complete and result.next_question is None
    assert [s.question.id for s in result.path] == ["age_group", "cns_involvement", "cell_type"]
    assert [s.option_id for s in result.path] == ["child", "yes", "b_cell"]
    assert all(s.why.text for s in result.path)
    assert result.outcome.id == "child_cns_b"
    assert result_to_dict(result)["disclaimer"]["text"] == PATHWAY.content.metadata.disclaimer


@pytest.mark.parametrize(
    ("answers", "next_question", "steps"),
    [({}, "age_group", 0), ({"age_group": "adult"}, "cns_involvement", 1),
     ({"age_group": "adult", "cns_involvement": "no"}, "cell_type", 2)],
    ids=["none", "age-only", "age-and-cns"],
)
def test_partial_answers_claim_no_treatment_and_name_the_next_question(answers, next_question, steps):
    result = evaluate(PATHWAY, answers)
    assert not result.complete
    assert result.outcome is None and result.treatments == ()
    assert result.next_question.id == next_question
    assert len(result.path) == steps
    assert result_to_dict(result)["outcome"] is None


def test_answer_off_the_path_is_reported_as_unused_and_not_used_for_notes():
    result = evaluate(PATHWAY, {"cell_type": "t_cell", "age_group": "child"})
    assert result.unused_answers == {"cell_type": "t_cell"}
    assert "t_cell_outlook" not in [n.id for n in result.notes]


def test_outlook_answer_does_not_change_categories():
    with_time = evaluate(PATHWAY, {**FULL, "time_since_treatment": "under_3_years"})
    without = evaluate(PATHWAY, FULL)
    assert [t.id for t in with_time.treatments] == [t.id for t in without.treatments]
    assert "early_relapse" in [n.id for n in with_time.notes]
    assert "early_relapse" not in [n.id for n in without.notes]


def test_path_node_ids_end_at_outcome_or_next_question():
    assert evaluate(PATHWAY, FULL).path_node_ids == ("age", "child_cns", "child_cns_cell", "child_cns_b")
    assert evaluate(PATHWAY, {"age_group": "adult"}).path_node_ids == ("age", "adult_cns")
