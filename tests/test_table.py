"""Complete situations and the decision table: computed from the tree, agreeing with evaluate in every situation."""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pathways import load_pathway, load_pathway_text, resolve_pathway
from pathways.evaluate import evaluate
from pathways.situations import complete_situations, situation_for
from pathways.outputs.table import EDITORIAL, NOT_SHOWN, SHOWN, decision_table, to_csv, to_dict, to_markdown

ROOT = Path(__file__).parents[1]
PATHWAY = load_pathway(resolve_pathway(None))
TREE_OPTIONS = [[(q.id, o.id) for o in q.options] for q in PATHWAY.tree_questions()]
EVERY_COMBINATION = [dict(c) for c in itertools.product(*TREE_OPTIONS)]


def test_shipped_pathway_has_one_situation_per_combination_of_tree_answers():
    situations = complete_situations(PATHWAY)
    assert len(situations) == len(EVERY_COMBINATION) == 8
    assert sorted(s.key for s in situations) == sorted("/".join(c.values()) for c in EVERY_COMBINATION)
    assert len({s.outcome.id for s in situations}) == 8


@pytest.mark.parametrize("answers", EVERY_COMBINATION, ids=lambda a: "/".join(a.values()))
def test_situation_link_and_label_reopen_the_same_outcome(answers):
    situation = situation_for(PATHWAY, {**answers, "time_since_treatment": "under_3_years"})
    assert situation is not None and situation.answer_dict == answers
    reopened = dict(part.split("=") for part in situation.query.split("&"))
    assert evaluate(PATHWAY, reopened).outcome.id == evaluate(PATHWAY, answers).outcome.id
    assert situation.label.split(" · ") == [s.option_label for s in evaluate(PATHWAY, answers).path]


def test_incomplete_answers_select_no_situation():
    assert situation_for(PATHWAY, {"age_group": "adult"}) is None


@pytest.mark.parametrize("answers", EVERY_COMBINATION, ids=lambda a: "/".join(a.values()))
def test_table_row_shows_exactly_the_categories_evaluate_documents(answers):
    row = decision_table(PATHWAY).row_for(answers)
    result = evaluate(PATHWAY, answers)
    assert row is not None and row.situation.outcome.id == result.outcome.id
    assert [c.category_id for c in row.cells if c.shown] == sorted(
        (t.id for t in result.treatments), key=[c.id for c in PATHWAY.content.categories].index)
    assert {c.category_id for c in row.cells} == set(PATHWAY.categories)
    assert list(row.notes) == list(result.outcome.notes)


EDITORIAL_TEXT = (Path(__file__).parent / "fixtures/minimal.yaml").read_text().replace(
    "          explanation: {text: Listed for children., basis: [{source: src, section: one}]}\n",
    "          explanation: {text: Listed for children., editorial: Our reading for children.}\n",
).replace(
    "          explanation: {text: Listed for adults., basis: [{source: src, section: two}]}\noutlook:\n",
    "          explanation: {text: Listed for adults., basis: [{source: src, section: two}]}\n"
    "      notes:\n        - {text: Not listed for adults., editorial: Our reading for adults., "
    "about: [combination_chemotherapy]}\noutlook:\n",
)


@pytest.mark.parametrize(
    ("age", "category", "mark", "reason"),
    [
        ("child", "combination_chemotherapy", f"{SHOWN} {EDITORIAL}", "Our reading for children."),
        ("child", "targeted_therapy", NOT_SHOWN, None),
        ("adult", "combination_chemotherapy", f"{NOT_SHOWN} {EDITORIAL}", "Our reading for adults."),
        ("adult", "targeted_therapy", SHOWN, None),
    ],
    ids=["shown-by-editorial-explanation", "plainly-absent", "withheld-by-editorial-note", "shown-on-basis"],
)
def test_cell_is_marked_editorial_exactly_when_an_editorial_statement_decides_it(age, category, mark, reason):
    pathway = load_pathway_text(EDITORIAL_TEXT, "editorial.yaml")
    cell = decision_table(pathway).row_for({"age_group": age}).cell(category)
    assert (cell.mark, cell.editorial) == (mark, reason)


def test_shipped_table_marks_the_withheld_car_t_cell_therapy_as_editorial_for_child_t_cell_all():
    cell = decision_table(PATHWAY).row_for({"age_group": "child", "cns_involvement": "no",
                                            "cell_type": "t_cell"}).cell("car_t_cell_therapy")
    assert not cell.shown and cell.editorial


def test_markdown_table_has_a_row_per_situation_and_the_disclaimer_first():
    text = to_markdown(decision_table(PATHWAY))
    meta = PATHWAY.content.metadata
    assert text.index(meta.disclaimer) < text.index("| 1 |")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 8
    assert meta.version in text and meta.last_reviewed.isoformat() in text


def test_csv_table_reads_back_with_the_shown_cells_of_evaluate():
    table = decision_table(PATHWAY)
    records = list(csv.DictReader(io.StringIO(to_csv(table))))
    situations = [r for r in records if not r["situation"].startswith("about: ")]
    assert len(situations) == 8
    for record in situations:
        result = evaluate(PATHWAY, dict(p.split("=") for p in record["link"].split("&")))
        shown = {c.id for c in PATHWAY.content.categories if record[c.id].startswith("shown")}
        assert shown == {t.id for t in result.treatments}
    assert any(r["situation"] == "about: Disclaimer" for r in records)


def test_json_table_carries_cells_notes_and_disclaimer():
    data = to_dict(decision_table(PATHWAY))
    assert len(data["rows"]) == 8
    assert data["disclaimer"]["text"] == PATHWAY.content.metadata.disclaimer
    assert all(set(r["cells"]) == set(PATHWAY.categories) for r in data["rows"])


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_cli_table_prints_each_format(fmt):
    out = subprocess.run([sys.executable, "-m", "pathways", "table", "--format", fmt], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    if fmt == "json":
        assert len(json.loads(out.stdout)["rows"]) == 8
    else:
        assert "Educational information only" in out.stdout


def test_cli_table_on_invalid_content_prints_file_line_errors_and_exits_1():
    broken = ROOT / "tests/fixtures/broken/dangling_branch.yaml"
    out = subprocess.run([sys.executable, "-m", "pathways", "table", "--pathway", str(broken)], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 1 and "dangling_branch.yaml:" in out.stderr and out.stdout == ""


def test_a_generated_tree_that_asks_a_question_twice_gives_only_situations_some_answers_reach():
    from tests.support.generate import generated_pathway_data
    import yaml

    pathway = load_pathway_text(yaml.safe_dump(generated_pathway_data(61), sort_keys=False), "generated.yaml")
    situations = complete_situations(pathway)
    options = [[(q.id, o.id) for o in q.options] for q in pathway.tree_questions()]
    reached = {evaluate(pathway, dict(c)).outcome.id for c in itertools.product(*options)}
    assert sorted(s.outcome.id for s in situations) == sorted(reached)
    assert all(len(dict(s.answers)) == len(s.answers) for s in situations)


def test_markdown_table_gives_each_situations_own_wording_and_the_figures_context():
    text = to_markdown(decision_table(PATHWAY))
    adult = text[text.index("Adult, CNS involved, B-cell ALL\n"):]
    adult = adult[: adult.index("\n## ")]
    assert "is shown as “Low-dose radiation therapy”" in adult
    assert adult.count(PATHWAY.content.outlook.figures_context.text) == 1


FORMATS = {
    "md": lambda table: to_markdown(table),
    "csv": lambda table: to_csv(table),
    "json": lambda table: json.dumps(to_dict(table), ensure_ascii=False),
}


def _row_text(fmt: str, table, number: int) -> str:
    """What the format says about the row numbered ``number`` (from 1), as one line of text."""
    if fmt == "md":
        text = to_markdown(table).split(f"\n## {number}. ", 1)[1].split("\n## ", 1)[0]
    elif fmt == "csv":
        text = " | ".join(list(csv.DictReader(io.StringIO(to_csv(table))))[number - 1].values())
    else:
        text = json.dumps(to_dict(table)["rows"][number - 1], ensure_ascii=False)
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", FORMATS, ids=list(FORMATS))
def test_every_format_gives_each_editorial_cell_its_reason_under_its_situation(fmt):
    table = decision_table(PATHWAY)
    labels = {c.id: c.label for c in table.categories}
    checked = 0
    for number, row in enumerate(table.rows, 1):
        text = _row_text(fmt, table, number)
        for cell in row.cells:
            if not cell.editorial:
                continue
            reason = " ".join(cell.editorial.split())
            expected = {"md": f"- {EDITORIAL} {labels[cell.category_id]} ({cell.words}): {reason}",
                        "csv": f"{cell.category_id}: {reason}",
                        "json": json.dumps({"shown": cell.shown, "editorial_assumption": True,
                                            "editorial_reason": cell.editorial}, ensure_ascii=False)}[fmt]
            assert expected in text, (number, cell.category_id)
            checked += 1
    assert checked >= 8  # CAR T-cell therapy withheld by an editorial reading, and the adults' CNS chemotherapy


def test_table_json_carries_the_figures_and_their_context_for_each_situation():
    data = to_dict(decision_table(PATHWAY))
    context = PATHWAY.content.outlook.figures_context
    for row in data["rows"]:
        figures = [f for note in row["outlook_notes"] for f in note["figures"]]
        assert figures, row["situation"]  # every situation of the shipped pathway has survival figures
        assert row["figures_context"]["text"] == context.text
        assert row["figures_context"]["editorial_reason"] == context.editorial
        assert all(f["display"] and f["label"] for f in figures)
