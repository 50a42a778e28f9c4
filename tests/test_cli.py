"""The command line: exit codes, messages and the documented JSON shape."""

from __future__ import annotations

import json
import re
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
    assert f"{tmp_path / 'p.cases.yaml'}:" in result.stderr and "child, CNS not involved, T-cell" in result.stderr


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
    ("args", "code", "message"),
    [
        (["-a", "age=child"], 1, "unknown question: 'age'"),
        (["-a", "age_group=teen"], 1,
         "unknown option 'teen' for question 'age_group' (must be one of ['child', 'adult'])"),
        (["-p", "no-such-pathway"], 1, "unknown pathway: 'no-such-pathway'"),
        (["-a", "age_group"], 2, "--answer expects KEY=VALUE"),
        (["--format", "xml"], 2, "invalid choice: 'xml'"),
    ],
    ids=["unknown-key", "unknown-value", "unknown-pathway", "missing-equals", "bad-choice"],
)
def test_evaluate_bad_input_exits_1_and_bad_usage_2_with_a_clear_message_on_stderr(args, code, message):
    result = run("evaluate", *args)
    assert result.returncode == code
    assert message in result.stderr and result.stdout == ""
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


BROKEN = ROOT / "tests/fixtures/broken"


def shipped_copy(tmp_path: Path, name: str = "p") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text((ROOT / "pathways/content/relapsed-all.yaml").read_text())
    return path


def test_validate_reports_an_outlook_case_with_an_unknown_answer_as_file_line_and_exit_1(tmp_path):
    path = shipped_copy(tmp_path)
    cases = (ROOT / "pathways/content/relapsed-all.cases.yaml").read_text()
    start = cases.index("outlook_cases:")
    typo = cases[:start] + cases[start:].replace("under_3_years", "under_3_yaers", 1)
    (tmp_path / "p.cases.yaml").write_text(typo)
    line = typo[: typo.index("under_3_yaers")].count("\n") + 1
    result = run("validate", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    reported = [ln for ln in result.stderr.splitlines() if "under_3_yaers" in ln]
    assert len(reported) == 1 and reported[0].startswith(f"{tmp_path / 'p.cases.yaml'}:")
    assert 0 < line - int(reported[0].split(":")[1]) < 10  # the case's own line, a few lines above the answer


def test_validate_goes_on_to_the_next_file_after_a_broken_one(tmp_path):
    good = shipped_copy(tmp_path, "good")
    result = run("validate", str(BROKEN / "cycle.yaml"), str(BROKEN / "not_utf8.yaml"), str(good))
    assert result.returncode == 1
    assert "cycle.yaml:" in result.stderr and "not_utf8.yaml:" in result.stderr
    assert f"{good}: ok" in result.stdout and "cycle" not in result.stdout


def test_validate_refuses_a_question_named_like_a_page_control_with_file_line(tmp_path):
    path = tmp_path / "p.yaml"
    text = (ROOT / "tests/fixtures/minimal.yaml").read_text()
    text = text.replace("  - id: time_since_treatment\n", "  - id: reset\n").replace(
        "{time_since_treatment: [under_3_years]}", "{reset: [under_3_years]}")
    path.write_text(text)
    line = text[: text.index("  - id: reset")].count("\n") + 1
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:{line}: at questions[1].id: question id 'reset'" in result.stderr


#: One exit-code table for every command: (command line, expected code). {broken} is a broken fixture, {out} a
#: file to write, {missing} a file that does not exist.
EXITS = {
    "validate-ok": (["validate"], 0),
    "validate-broken": (["validate", "{broken}"], 1),
    "validate-missing-file": (["validate", "{missing}"], 1),
    "validate-bad-today": (["validate", "--today", "soon"], 2),
    "evaluate-unknown-answer": (["evaluate", "-a", "age_group=teen"], 1),
    "evaluate-broken": (["evaluate", "-p", "{broken}"], 1),
    "table-broken": (["table", "-p", "{broken}"], 1),
    "render-unknown-answer": (["render", "-a", "age_group=teen", "-f", "dot", "-o", "{out}"], 1),
    "render-no-output": (["render", "-f", "dot"], 2),
    "diff-same": (["diff", "relapsed-all", "relapsed-all"], 0),
    "diff-broken-side": (["diff", "relapsed-all", "{broken}"], 1),
    "diff-missing-side": (["diff", "relapsed-all", "{missing}"], 1),
    "review-broken-against": (["review", "--against", "{broken}", "-o", "{out}"], 1),
    "export-broken": (["export", "-f", "fhir", "-p", "{broken}", "-o", "{out}"], 1),
    "export-bad-base": (["export", "-f", "fhir", "--base", "ftp://x", "-o", "{out}"], 2),
    "handout-incomplete": (["handout", "-a", "age_group=child", "-o", "{out}"], 1),
    "unknown-command": (["frobnicate"], 2),
}


@pytest.mark.parametrize(("argv", "code"), EXITS.values(), ids=EXITS.keys())
def test_every_command_exits_by_the_one_table_with_messages_on_stderr(tmp_path, argv, code):
    values = {"broken": str(BROKEN / "cycle.yaml"), "out": str(tmp_path / "out"),
              "missing": str(tmp_path / "absent.yaml")}
    result = run(*[a.format(**values) for a in argv])
    assert result.returncode == code, result.stderr
    if code:
        assert result.stderr.strip() and "Traceback" not in result.stderr
        assert not (tmp_path / "out").exists()


def test_exit_code_table_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Exit codes"):]
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in table


# ---- in process (what mutation testing sees): the messages a content editor reads ---------------------------


def marked_line(path: Path) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "# <- error" in text)


@pytest.mark.parametrize("name", ["cycle", "dangling_branch", "question_id_reserved", "duplicate_option_id"])
def test_validate_prints_file_line_where_and_hint_on_stderr(name, capsys):
    from pathways.cli import main

    path = BROKEN / f"{name}.yaml"
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    first = captured.err.splitlines()[0]
    assert re.match(rf"^{re.escape(str(path))}:{marked_line(path)}: (node '\w+', )?at [\w.\[\]]+: .+ Hint: .+", first), \
        first
    assert captured.out == ""


FORMATS = {
    "all-parts": (dict(file="p.yaml", line=7, message="bad", node="n1", field="tree.nodes[0]", hint="fix it"),
                  "p.yaml:7: node 'n1', at tree.nodes[0]: bad Hint: fix it"),
    "no-line": (dict(file="p.yaml", line=None, message="cannot read"), "p.yaml:0: cannot read"),
    "field-only": (dict(file="p.yaml", line=3, message="bad", field="metadata.id"), "p.yaml:3: at metadata.id: bad"),
}


@pytest.mark.parametrize("fields, text", FORMATS.values(), ids=FORMATS.keys())
def test_content_error_reads_file_line_node_field_message_hint(fields, text):
    from pathways.errors import ContentError, ValidationFailed

    error = ContentError(**fields)
    assert error.format() == text == str(error)
    two = ValidationFailed([error, error])
    assert str(two) == f"pathway content is invalid: {text} (and 1 more)" and two.errors == [error, error]
    assert str(ValidationFailed([error])) == f"pathway content is invalid: {text}"
    assert str(ValidationFailed([])) == "pathway content is invalid: unknown problem"


def test_answer_errors_name_the_key_the_value_and_the_allowed_ones():
    from pathways.errors import AnswerError, dotted

    assert str(AnswerError("age", None, ["age_group"], "question")) == \
        "unknown question: 'age' (must be one of ['age_group'])"
    assert str(AnswerError("age_group", "teen", ["child", "adult"], "option")) == \
        "unknown option 'teen' for question 'age_group' (must be one of ['child', 'adult'])"
    error = AnswerError("age_group", "teen", ["child", "adult"], "option")
    assert (error.key, error.value, error.allowed, error.kind) == ("age_group", "teen", ["child", "adult"], "option")
    assert dotted(("tree", "nodes", 3, "id")) == "tree.nodes[3].id" and dotted((True, 2)) == "True[2]"
