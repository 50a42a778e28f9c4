"""The JSON Schema for editors: committed and current, valid Draft 7, named by each shipped file's modeline,
accepts the shipped content and rejects the shape errors an editor makes while typing."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pathways import available_pathways
from pathways.schema import REGENERATE, SCHEMA_FILE, schema_text
from pathways.yamlsafe import parse_yaml

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MODELINE = "# yaml-language-server: $schema=./schema.json"


def as_json(value: Any) -> Any:
    """Parsed YAML as an editor's language server sees it (YAML 1.2: dates are text)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_committed_schema_is_current():
    assert SCHEMA_FILE.exists(), f"{SCHEMA_FILE} is missing: run `{REGENERATE}`"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        f"{SCHEMA_FILE.relative_to(ROOT)} is stale (the model or docs/content-format.md changed): "
        f"run `{REGENERATE}` and commit it")


def test_schema_is_a_valid_draft7_schema():
    jsonschema.Draft7Validator.check_schema(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


@pytest.mark.parametrize("pathway_id", sorted(available_pathways()))
def test_shipped_file_names_the_schema_in_its_first_line(pathway_id):
    path = available_pathways()[pathway_id]
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == MODELINE
    assert (path.parent / "schema.json").resolve() == SCHEMA_FILE.resolve()


@pytest.mark.parametrize("pathway_id", sorted(available_pathways()))
def test_shipped_file_validates_against_the_schema(pathway_id):
    data = as_json(parse_yaml(available_pathways()[pathway_id].read_text(encoding="utf-8")))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(data)]
    assert not errors, errors


def test_minimal_fixture_validates_against_the_schema():
    assert not list(validator().iter_errors(as_json(parse_yaml((FIXTURES / "minimal.yaml").read_text()))))


#: Broken fixtures whose problem is the file's shape (what a schema can see), with the error the editor sees.
SHAPE_ERRORS = {
    "unknown_key": "Additional properties are not allowed ('colour' was unexpected)",
    "missing_key": "'disclaimer' is a required property",
    "wrong_type": "0.1 is not of type 'string'",
    "bad_id": "does not match",
    "missing_basis": "is not valid under any of the given schemas",
    "unknown_node_kind": "is not valid under any of the given schemas",
    "wrong_schema_version": "1 was expected",
}


@pytest.mark.parametrize("name, message", SHAPE_ERRORS.items(), ids=SHAPE_ERRORS.keys())
def test_schema_rejects_the_shape_errors_of_the_broken_fixtures(name, message):
    data = as_json(parse_yaml((FIXTURES / "broken" / f"{name}.yaml").read_text()))
    found = [e.message for e in validator().iter_errors(data)]
    assert any(message in m for m in found), found


def test_schema_command_writes_what_the_committed_file_holds(tmp_path):
    out = tmp_path / "schema.json"
    run = subprocess.run([sys.executable, "-m", "pathways", "schema", "-o", str(out)], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")
