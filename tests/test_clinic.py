"""The clinic's details file: the example loads; every broken fixture gives a clear error with file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pathways.clinic import CLINIC_ENV, Clinic, ClinicError, clinic_from_env, load_clinic, load_clinic_text

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "deploy/clinic.example.yaml"
BROKEN = sorted((Path(__file__).parent / "fixtures/clinic").glob("*.yaml"))
MARK = "# <- error"


def test_example_clinic_file_loads():
    clinic = load_clinic(EXAMPLE)
    assert clinic.service and clinic.phones and all(p.number for p in clinic.phones)


def test_broken_fixtures_cover_the_rules_the_issue_names():
    assert {"wrong_type", "unknown_key", "too_long", "markup"} <= {p.stem for p in BROKEN}


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_clinic_file_is_refused_with_line_and_message(path: Path):
    text = path.read_text(encoding="utf-8")
    expect = re.search(r"^# expect: (.*)$", text, re.M).group(1)
    line = next(i + 1 for i, row in enumerate(text.split("\n")) if row.rstrip().endswith(MARK))
    with pytest.raises(ClinicError) as caught:
        load_clinic(path)
    matching = [e for e in caught.value.errors if re.search(expect, e.message)]
    assert matching, [e.format() for e in caught.value.errors]
    assert matching[0].line == line
    assert matching[0].format().startswith(f"{path}:{line}: ")
    assert matching[0].hint


@pytest.mark.parametrize("field, value", [
    ("note", "See [our page](http://example.org)"),
    ("note", "javascript:alert(1)"),
    ("service", "Clinic &amp; ward"),
    ("hours", "**Always** open"),
], ids=["markdown-link", "javascript", "html-entity", "markdown-bold"])
def test_markup_or_links_in_any_field_are_refused(field: str, value: str):
    text = f'service: Example\nphones:\n  - {{label: Ward, number: "+44 20 7946 0001"}}\n{field}: "{value}"\n'
    if field == "service":
        text = text.replace("service: Example\n", "")
    with pytest.raises(ClinicError, match="must be plain text"):
        load_clinic_text(text, "clinic.yaml")


@pytest.mark.parametrize("text, problem", [
    ("- a list\n", "must be a YAML mapping"),
    ("service: [unclosed\n", "invalid YAML"),
], ids=["not-a-mapping", "bad-yaml"])
def test_unparseable_clinic_text_is_refused(text: str, problem: str):
    with pytest.raises(ClinicError, match=re.escape(problem)):
        load_clinic_text(text, "clinic.yaml")


def test_no_setting_means_no_clinic_details():
    assert clinic_from_env({}) is None
    assert clinic_from_env({CLINIC_ENV: ""}) is None


def test_setting_names_the_file(tmp_path: Path):
    assert isinstance(clinic_from_env({CLINIC_ENV: str(EXAMPLE)}), Clinic)
    with pytest.raises(ClinicError, match="cannot read the file"):
        clinic_from_env({CLINIC_ENV: str(tmp_path / "absent.yaml")})
