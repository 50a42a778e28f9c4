"""Every validation rule has a broken fixture that proves it fires, with file:line, the message and a hint."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pathways import ValidationFailed, available_pathways, load_pathway

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))
MARK = b"# <- error"


def _expectation(path: Path) -> tuple[str, int | None]:
    """The message regex from the '# expect:' header and the line carrying the '# <- error' marker."""
    data = path.read_bytes()
    expect = re.search(rb"^# expect: (.*)$", data, re.M).group(1).decode()
    lines = data.split(b"\n")
    marked = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(MARK)]
    return expect, (marked[0] if marked else None)


def test_every_rule_has_a_broken_fixture():
    """The fixture set covers the rules the issue lists (and the generator is in sync with the files)."""
    names = {p.stem for p in BROKEN}
    required = {
        "unknown_key", "duplicate_node_id", "duplicate_question_id", "duplicate_option_id", "dangling_branch",
        "unknown_question", "unknown_source", "undeclared_category", "option_without_branch", "cycle",
        "unreachable_node", "empty_outcome", "category_not_in_vocabulary", "missing_basis", "bad_yaml",
        "wrong_type", "not_utf8",
    }
    assert required <= names
    sys.path.insert(0, str(FIXTURES))
    try:
        import make_broken
    finally:
        sys.path.pop(0)
    assert names == set(make_broken.RULES)
    for path in BROKEN:
        assert path.read_bytes() == make_broken.build(path.stem), f"{path.name} is stale: run make_broken.py"


def test_minimal_fixture_is_valid():
    assert load_pathway(FIXTURES / "minimal.yaml").id == "minimal"


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_fixture_is_rejected_with_line_message_and_hint(path: Path):
    expect, marked_line = _expectation(path)
    with pytest.raises(ValidationFailed) as caught:
        load_pathway(path)
    matching = [e for e in caught.value.errors if re.search(expect, e.message)]
    assert matching, f"no error matches {expect!r}: {[e.format() for e in caught.value.errors]}"
    error = matching[0]
    assert error.file == str(path)
    assert error.line is not None and error.line >= 1
    if marked_line is not None:
        assert marked_line in [e.line for e in matching], [e.format() for e in matching]
    assert error.hint, f"no hint: {error.format()}"


@pytest.mark.parametrize("path", BROKEN[:6] + BROKEN[-3:], ids=[p.stem for p in BROKEN[:6] + BROKEN[-3:]])
def test_cli_validate_prints_file_line_and_exits_1_on_broken_fixture(path: Path):
    run = subprocess.run([sys.executable, "-m", "pathways", "validate", str(path)], capture_output=True, text=True,
                         cwd=Path(__file__).parents[1])
    assert run.returncode == 1
    first = run.stderr.splitlines()[0]
    assert re.match(rf"^{re.escape(str(path))}:\d+: .+ Hint: .+", first), first


@pytest.mark.parametrize("pathway_id", sorted(available_pathways()))
def test_shipped_pathway_is_valid(pathway_id: str):
    pathway = load_pathway(available_pathways()[pathway_id])
    assert pathway.id == pathway_id


def test_errors_are_collected_not_stopped_at_the_first():
    text = (FIXTURES / "minimal.yaml").read_text()
    text = text.replace("      branches: {child: out_child, adult: out_adult}", "      branches: {child: nowhere}")
    text = text.replace("section: one}]}\n    - id: out_adult", "section: zero}]}\n    - id: out_adult")
    with pytest.raises(ValidationFailed) as caught:
        from pathways import load_pathway_text

        load_pathway_text(text, "x.yaml")
    messages = " | ".join(e.message for e in caught.value.errors)
    assert "unknown node 'nowhere'" in messages and "has no branch" in messages


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path, monkeypatch):
    import pathways.load as load

    monkeypatch.setattr(load, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 2000)
    with pytest.raises(ValidationFailed, match=r"over the limit of 1,000"):
        load_pathway(big)


def test_a_missing_file_is_a_content_error_not_a_crash(tmp_path):
    with pytest.raises(ValidationFailed, match="cannot read file"):
        load_pathway(tmp_path / "absent.yaml")


def test_figures_without_their_context_statement_are_a_warning_that_strict_fails(tmp_path):
    shipped = (Path(__file__).parents[1] / "pathways/content/relapsed-all.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^  figures_context:\n.*?(?=^  notes:)", "", shipped, count=1)
    text = text.replace("  approved_on: null\n", "  approved_on: 2026-12-01\n", 1)
    assert "figures_context" not in text
    path = tmp_path / "no-context.yaml"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index("\noutlook:")].count("\n") + 2

    def validate(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pathways", "validate", str(path), "--today", "2026-12-01",
                               *extra], capture_output=True, text=True, timeout=60)

    loose = validate()
    assert loose.returncode == 0, loose.stderr
    assert f"{path}:{line}: warning: outlook figures without a context statement" in loose.stderr
    strict = validate("--strict")
    assert strict.returncode == 1 and "figures without a context statement" in strict.stderr
