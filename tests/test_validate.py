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


# ---- quotes: every statement checkable against the source's own words ---------------------------------------------
SHIPPED_FILE = Path(__file__).parents[1] / "pathways/content/relapsed-all.yaml"
SOURCE = Path(__file__).resolve().parents[2] / "shared/source/relapsed-all-overview.txt"


def _validate_source(path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pathways", "validate", str(path), "--today", "2026-12-02",
                           "--source", str(SOURCE), *extra], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parents[1])


def test_shipped_quotes_are_found_in_the_source_and_every_statement_quotes_it():
    run = _validate_source(SHIPPED_FILE)
    assert run.returncode == 0, run.stderr
    assert "every quote found in" in run.stdout


def test_every_statement_that_is_not_editorial_quotes_the_source():
    from pathways.shown import keyed_statements

    content = load_pathway(SHIPPED_FILE).content
    unquoted = [key for key, s in keyed_statements(content) if not s.is_editorial and not any(b.quote for b in s.basis)]
    assert unquoted == []


@pytest.mark.parametrize(("key", "word", "changed"), [
    ("outlook.notes.adults_over_30", "less", "more"),
    ("nodes.adult_cns_t.treatments.radiation_therapy.explanation", "low", "high"),
    ("reference.risk_factors.items.1", "male", "female"),
], ids=["outlook-note", "one-of-four-equal-quotes", "risk-factor"])
def test_one_changed_word_in_a_quote_is_named_with_its_statement_and_line(tmp_path, key, word, changed):
    from pathways.shown import keyed_statements
    from pathways.validate import statement_locations
    from pathways.yamlsafe import line_of, parse_yaml

    text = SHIPPED_FILE.read_text(encoding="utf-8")
    content = load_pathway(SHIPPED_FILE).content
    statement = dict(keyed_statements(content))[key]
    loc = next(loc for loc, s in statement_locations(content) if s is statement)
    line = line_of(parse_yaml(text), loc + ("basis", 0, "quote"))
    lines = text.split("\n")
    assert "quote: " in lines[line - 1]
    at = next(i for i in range(line - 1, line + 3) if re.search(rf"\b{word}\b", lines[i]))  # folded: a later line
    lines[at] = re.sub(rf"\b{word}\b", changed, lines[at], count=1)
    path = tmp_path / "changed.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    run = _validate_source(path)
    assert run.returncode == 1, run.stderr
    errors = [x for x in run.stderr.splitlines() if "quote not found" in x]
    assert errors == [f"{path}:{line}: " + errors[0].split(": ", 1)[1]], run.stderr  # exactly one, on its line
    assert f"statement {key}: quote not found in source 'relapsed-all-overview'" in errors[0]
    assert f"differs at {changed!r}" in errors[0] and "Hint: " in errors[0]


def test_validate_source_requires_quotes_even_where_the_content_does_not(tmp_path):
    """--source applies the rule to any content: the minimal fixture (no quotes_required) quotes nothing."""
    text = tmp_path / "source.txt"
    text.write_text("Words of the source.", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pathways", "validate", str(FIXTURES / "minimal.yaml"), "--source",
                          str(text)], capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1])
    assert run.returncode == 1
    assert "statement outlook.depends_on is not editorial but quotes no passage of the source" in run.stderr
    assert "statement reference.glossary.items.0" not in run.stderr  # editorial: quoting is not required


def test_validate_source_with_an_unreadable_file_is_a_usage_error(tmp_path):
    run = _validate_source(SHIPPED_FILE, "--source", str(tmp_path / "absent.txt"))
    assert run.returncode == 2 and "cannot read the source text" in run.stderr


@pytest.mark.parametrize(("quote", "source", "found"), [
    ("a person's age", "a person\u2019s age", True),
    ("about 30-40%", "about 30\u201340%", True),
    ("cancer of the blood and bone marrow", "cancer of the blood\n and  bone marrow", True),
    ("Treatment can cure ALL … relapsed ALL.", "Treatment can cure ALL, but it can return: relapsed ALL.", True),
    ("relapsed ALL … Treatment can cure", "Treatment can cure ALL. Doctors call this relapsed ALL.", False),
    ("treatment can cure all", "Treatment can cure ALL", False),
    ("low dose radiation therapy", "low-dose radiation therapy", False),
], ids=["curly-apostrophe", "en-dash", "white-space", "ellipsis", "ellipsis-out-of-order", "case-differs",
        "hyphen-for-space"])
def test_quote_matching_normalises_only_white_space_quotation_marks_and_dashes(quote, source, found):
    from pathways.quotes import quote_in

    assert quote_in(quote, source) is found
