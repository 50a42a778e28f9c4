"""The reviewable cases beside each shipped pathway hold: every situation gives exactly its documented categories."""

from __future__ import annotations

import pytest

from pathways import available_pathways, load_pathway
from pathways.cases import cases_path_for, check_case, check_outlook_case, load_cases
from pathways.evaluate import evaluate

SHIPPED = {pid: load_pathway(path) for pid, path in available_pathways().items()}
CASES = [
    (pid, case) for pid, path in available_pathways().items() if cases_path_for(path).exists()
    for case in load_cases(cases_path_for(path))[0].cases
]
OUTLOOK = [
    (pid, case) for pid, path in available_pathways().items() if cases_path_for(path).exists()
    for case in load_cases(cases_path_for(path))[0].outlook_cases
]


def test_every_shipped_pathway_has_reviewable_cases():
    for pid, path in available_pathways().items():
        assert cases_path_for(path).exists(), f"{pid} has no cases file beside it"


@pytest.mark.parametrize(("pathway_id", "case"), CASES, ids=[f"{p}:{c.name}" for p, c in CASES])
def test_case_gives_exactly_the_documented_categories(pathway_id, case):
    assert check_case(SHIPPED[pathway_id], case) == []


@pytest.mark.parametrize(("pathway_id", "case"), OUTLOOK, ids=[f"{p}:{c.name}" for p, c in OUTLOOK])
def test_outlook_case_shows_the_notes_and_figures_that_apply(pathway_id, case):
    assert check_outlook_case(SHIPPED[pathway_id], case) == []


def test_all_eight_situations_of_relapsed_all_are_covered():
    complete = {tuple(sorted(c.answers.items())) for p, c in CASES if p == "relapsed-all" and c.complete}
    situations = {
        tuple(sorted({"age_group": a, "cns_involvement": n, "cell_type": t}.items()))
        for a in ("child", "adult") for n in ("yes", "no") for t in ("b_cell", "t_cell")
    }
    assert situations <= complete


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"age_group": "child", "cns_involvement": "no", "cell_type": "b_cell"},
         {"combination_chemotherapy", "targeted_therapy", "stem_cell_transplant", "car_t_cell_therapy"}),
        ({"age_group": "adult", "cns_involvement": "yes", "cell_type": "t_cell"},
         {"combination_chemotherapy", "stem_cell_transplant", "targeted_therapy", "radiation_therapy"}),
    ],
    ids=["child-no-cns-b", "adult-cns-t"],
)
def test_a_wrong_expectation_is_caught_by_the_case_checker(answers, expected):
    """The checker itself can fail: drop one expected category and it must complain."""
    from pathways.cases import Case

    case = Case(name="tampered", answers=answers, must_include=sorted(expected)[1:])
    assert check_case(SHIPPED["relapsed-all"], case)


def test_every_treatment_shown_has_explanation_and_basis():
    pathway = SHIPPED["relapsed-all"]
    for outcome in pathway.outcomes():
        for treatment in evaluate(pathway, _answers_for(pathway, outcome.id)).treatments:
            assert treatment.explanation.text and treatment.description.text
            assert treatment.explanation.basis or treatment.explanation.editorial


def _answers_for(pathway, outcome_id):
    """The answers whose path ends at ``outcome_id`` (search the tree)."""
    stack = [(pathway.content.tree.root, {})]
    while stack:
        node_id, answers = stack.pop()
        if node_id == outcome_id:
            return answers
        node = pathway.nodes[node_id]
        for option, target in getattr(node, "branches", {}).items():
            stack.append((target, {**answers, node.question: option}))
    raise AssertionError(outcome_id)


# ---- a failing case reads as what was found and what was expected, at the case's line ---------------------------

SHIPPED_FILE = available_pathways()["relapsed-all"]
SHIPPED_CASES = cases_path_for(SHIPPED_FILE).read_text(encoding="utf-8")


def outlook_case_text(case) -> str:
    return SHIPPED_CASES[SHIPPED_CASES.index("outlook_cases:"):].split(f"name: {case.name}", 1)[0]


def test_an_outlook_case_that_fails_says_what_was_shown_and_what_was_expected():
    pathway, case = SHIPPED["relapsed-all"], OUTLOOK[0][1]
    wrong = case.model_copy(update={"notes": ["no_such_note"], "figures": ["0%"], "applying_figures": ["0%"]})
    shown = evaluate(pathway, case.answers)
    notes = sorted(n.id for n in shown.notes)
    figures = sorted(f.figure.display for n in shown.notes for f in n.figures)
    applying = sorted(f.figure.display for n in shown.notes for f in n.figures if f.applies)
    assert check_outlook_case(pathway, wrong) == [
        f"outlook notes {notes}, expected ['no_such_note']",
        f"figures {figures}, expected ['0%']",
        f"figures marked as applying {applying}, expected ['0%']",
    ]


def test_run_cases_reports_each_kind_of_failing_case_at_its_line(tmp_path):
    from pathways.cases import run_cases

    start = SHIPPED_CASES.index("outlook_cases:")
    broken = SHIPPED_CASES[:start] + SHIPPED_CASES[start:].replace("under_3_years", "under_3_yaers", 1)
    broken = broken.replace('cns_involvement: "yes"', "cns_involvement: maybe", 1)
    path = tmp_path / "p.cases.yaml"
    path.write_text(broken, encoding="utf-8")
    errors = run_cases(SHIPPED["relapsed-all"], path)
    messages = [e.format() for e in errors]
    typo_line = broken[: broken.index("under_3_yaers")].count("\n") + 1
    maybe_line = broken[: broken.index("cns_involvement: maybe")].count("\n") + 1
    outlook = [e for e in errors if "under_3_yaers" in e.message]
    regular = [e for e in errors if "'maybe'" in e.message]
    assert len(outlook) == 1 and len(regular) == 1, messages
    assert outlook[0].file == str(path) and 0 < typo_line - outlook[0].line < 10
    assert regular[0].file == str(path) and 0 <= maybe_line - regular[0].line < 10
    assert outlook[0].message.startswith("case '") and "unknown option 'under_3_yaers'" in outlook[0].message
