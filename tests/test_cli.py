"""The command line: exit codes, messages and the documented JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pathways", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


def test_validate_without_arguments_checks_shipped_content_and_cases():
    result = run("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "relapsed-all.yaml: ok" in result.stdout


def test_validate_reports_a_failing_case_as_file_line(tmp_path):
    content = (ROOT / "pathways/content/relapsed-all.yaml").read_text()
    cases = (ROOT / "pathways/content/relapsed-all.cases.yaml").read_text()
    (tmp_path / "p.yaml").write_text(content)
    (tmp_path / "p.cases.yaml").write_text(cases.replace(
        "must_include: [combination_chemotherapy, targeted_therapy, stem_cell_transplant]\n",
        "must_include: [combination_chemotherapy, targeted_therapy, stem_cell_transplant, car_t_cell_therapy]\n", 1))
    result = run("validate", str(tmp_path / "p.yaml"))
    assert result.returncode == 1
    assert f"{tmp_path / 'p.cases.yaml'}:" in result.stdout and "child, CNS not involved, T-cell" in result.stdout


def test_evaluate_json_has_the_documented_shape():
    result = run("evaluate", "-a", "age_group=child", "-a", "cns_involvement=yes", "-a", "cell_type=t_cell")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"pathway", "answers", "path", "complete", "outcome", "notes", "disclaimer"}
    assert set(data["pathway"]) >= {"id", "version", "title"}
    assert data["complete"] is True
    treatments = data["outcome"]["treatments"]
    assert {t["id"] for t in treatments} == {
        "combination_chemotherapy", "targeted_therapy", "stem_cell_transplant", "radiation_therapy",
        "systemic_chemotherapy", "intrathecal_chemotherapy"}
    for treatment in treatments:
        assert set(treatment) >= {"id", "label", "explanation", "basis"}
        assert treatment["basis"][0]["source"] == "relapsed-all-overview"
    assert data["disclaimer"]["text"].startswith("Educational information only")


def test_evaluate_partial_answers_names_next_question_and_no_outcome():
    data = json.loads(run("evaluate", "-a", "age_group=adult").stdout)
    assert data["complete"] is False and data["outcome"] is None
    assert data["next_question"]["id"] == "cns_involvement"


def test_evaluate_text_format_starts_with_the_disclaimer():
    out = run("evaluate", "-a", "age_group=adult", "--format", "text").stdout
    assert "Educational information only" in out.split("## Answers")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-a", "age=child"], "unknown question: 'age'"),
        (["-a", "age_group=teen"], "unknown option 'teen' for question 'age_group' (must be one of ['child', 'adult'])"),
        (["-a", "age_group"], "--answer expects KEY=VALUE"),
        (["-p", "no-such-pathway"], "unknown pathway: 'no-such-pathway'"),
    ],
    ids=["unknown-key", "unknown-value", "missing-equals", "unknown-pathway"],
)
def test_evaluate_bad_input_exits_2_with_a_clear_message(args, message):
    result = run("evaluate", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_evaluate_on_a_broken_file_exits_1_with_file_line():
    broken = ROOT / "tests/fixtures/broken/cycle.yaml"
    result = run("evaluate", "-p", str(broken), "-a", "age_group=adult")
    assert result.returncode == 1
    assert f"{broken}:" in result.stderr and "cycle" in result.stderr


@pytest.mark.parametrize(("fmt", "magic"), [("dot", b"digraph"), ("svg", b"<svg"), ("png", b"\x89PNG")],
                         ids=["dot", "svg", "png"])
def test_render_writes_the_requested_format(tmp_path, fmt, magic):
    out = tmp_path / f"tree.{fmt}"
    result = run("render", "-a", "age_group=child", "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert magic in out.read_bytes()[:400]
