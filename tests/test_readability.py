"""Plain-language texts: every statement a family reads has one, each reads at grade 8 or below by the library's
count, validate warns (strict fails) with file:line on a harder one, and the review pack and diff show them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import textstat

from pathways import load_pathway, resolve_pathway
from pathways.outputs.diff import diff_pathways
from pathways.outputs.review import review_pack, to_markdown
from pathways.readability import MAX_GRADE, plain_scores, readability_findings
from pathways.shown import keyed_statements
from pathways.yamlsafe import parse_yaml

ROOT = Path(__file__).parents[1]
SHIPPED = resolve_pathway(None)
PATHWAY = load_pathway(SHIPPED)
KEYED = list(keyed_statements(PATHWAY.content))


@pytest.mark.parametrize("key, statement", KEYED, ids=[k for k, _ in KEYED])
def test_every_statement_a_family_reads_has_a_plain_text_at_grade_8_or_below(key, statement):
    text = statement.plain if statement.plain is not None else statement.text
    if not key.startswith("ask_the_care_team."):
        assert statement.plain, f"{key} has no plain-language text"
    assert textstat.flesch_kincaid_grade(" ".join(text.split())) <= MAX_GRADE  # the library, not a copy


@pytest.mark.parametrize("key, statement", KEYED, ids=[k for k, _ in KEYED])
def test_plain_text_keeps_every_figure_of_its_statement(key, statement):
    figures = re.findall(r"\d+(?:\.\d+)?(?:–\d+)?%?", statement.text)
    for figure in figures:
        assert figure in (statement.plain or statement.text), f"{key}: {figure} is missing from the plain text"


def test_textstat_is_the_pinned_offline_version_and_installs_no_tests_package():
    from importlib.metadata import files, version

    assert version("textstat") == "0.7.4"
    assert not [f for f in files("textstat") if str(f).startswith("tests/")]


def test_validate_warns_on_a_hard_plain_text_with_its_line_and_strict_fails(tmp_path: Path):
    text = SHIPPED.read_text(encoding="utf-8")
    hard = "plain: Treatment demonstrates considerable efficaciousness, diminishing leukaemic cellularity substantially."
    text, count = re.subn(r"plain: Treatment is working, and there are fewer leukemia cells in the blood\.", hard, text)
    assert count == 1
    file = tmp_path / "hard.yaml"
    file.write_text(text, encoding="utf-8")
    line = next(i + 1 for i, row in enumerate(text.split("\n")) if hard in row)
    findings = readability_findings(load_pathway(file).content, str(file), parse_yaml(text))
    assert [f.line for f in findings] == [line]
    run = [sys.executable, "-m", "pathways", "validate", str(file), "--today", "2026-12-02"]
    loose = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, timeout=120)
    strict = subprocess.run(run + ["--strict"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert f"{file}:{line}: at reference[2].items[2].plain: warning: plain-language text" in loose.stderr
    assert "Flesch-Kincaid grade" in loose.stderr and "textstat 0.7.4" in loose.stderr
    assert loose.returncode == 0 and strict.returncode == 1


def test_shipped_content_has_no_readability_warning():
    assert readability_findings(PATHWAY.content, str(SHIPPED)) == []


def test_review_pack_lists_each_plain_text_beside_its_statement_with_its_grade():
    pack = to_markdown(review_pack(PATHWAY))
    assert "## 7a. Plain-language texts" in pack
    for score in plain_scores(PATHWAY.content):
        row = next(r for r in pack.split("\n") if score.key in r and r.startswith("|"))
        assert f"Grade {score.grade:.1f}" in row
        if score.statement.plain:
            assert " ".join(score.statement.plain.split())[:60] in row


def test_diff_names_a_changed_plain_text(tmp_path: Path):
    text = SHIPPED.read_text(encoding="utf-8")
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace("plain: Radiation is used to treat the cancer.",
                                    "plain: Radiation is used to treat cancer."), encoding="utf-8")
    diff = diff_pathways(PATHWAY, load_pathway(changed))
    found = [d for d in diff.all_differences() if "plain-language text reworded" in d.what]
    assert len(found) == 1 and "radiation_therapy" in found[0].where
    assert diff.clinical
