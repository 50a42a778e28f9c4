"""A JSON Schema of the content format, generated from the typed model, for editors' YAML language servers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .model import PathwayContent

__all__ = ["SCHEMA_FILE", "SCHEMA_DIALECT", "content_schema", "schema_text", "REGENERATE"]

#: Where the committed schema lives: beside the shipped content, which names it in its first-line modeline.
SCHEMA_FILE = Path(__file__).parent / "content" / "schema.json"
#: Draft 7: the newest draft that the YAML language server (VS Code's YAML extension and others) fully supports.
SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
#: The field tables that describe the format; each field's row becomes its description (hover text in editors).
FORMAT_DOC = Path(__file__).parents[1] / "docs" / "content-format.md"
REGENERATE = "python -m pathways schema -o pathways/content/schema.json"

_STATEMENT_FIELDS = {"text", "basis", "editorial"}


def content_schema() -> dict[str, Any]:
    """The schema of a pathway file.

    It checks shape and types, as the model does (unknown keys, ids, dates, required fields, the node kinds);
    the rules that need the whole file (references resolve, a sound tree, review dates) remain the validator's,
    so ``python -m pathways validate`` is still the final word.
    """
    generated = PathwayContent.model_json_schema(mode="validation", ref_template="#/definitions/{model}")
    definitions = generated.pop("$defs", {})
    schema: dict[str, Any] = {"$schema": SCHEMA_DIALECT, **generated, "definitions": definitions}
    docs = _field_docs()
    _describe_fields(schema, docs.get("PathwayContent", {}))
    for name, definition in definitions.items():
        _describe_fields(definition, docs.get(name, {}))
    schema["title"] = "Pathway content file"
    schema["description"] = (
        "A declarative treatment-pathway file (pathways/content/*.yaml). Generated from pathways/model.py by "
        f"`{REGENERATE}`; fields are described in docs/content-format.md. Passing this schema is necessary, "
        "not sufficient: run `python -m pathways validate`."
    )
    for definition in definitions.values():
        if _STATEMENT_FIELDS <= set(definition.get("properties", {})):
            _require_basis_or_editorial(definition)
    return schema


def _require_basis_or_editorial(definition: dict[str, Any]) -> None:
    """The model's rule that a clinical statement has a basis or an editorial reason, said in schema terms."""
    definition["anyOf"] = [
        {"required": ["basis"], "properties": {"basis": {"minItems": 1}}},
        {"required": ["editorial"], "properties": {"editorial": {"type": "string"}}},
    ]
    definition.setdefault("description", "")
    definition["description"] = (definition["description"] + " Needs a non-empty `basis` or an `editorial` "
                                 "reason (or both).").strip()


def _field_docs() -> dict[str, dict[str, str]]:
    """``{model: {field: "type: meaning"}}`` from the tables of docs/content-format.md (empty without it)."""
    try:
        text = FORMAT_DOC.read_text(encoding="utf-8")
    except OSError:
        return {}
    docs: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"^## (\w+)\b.*?(?=^## |\Z)", text, re.S | re.M):
        rows = re.findall(r"^\| `(\w+)` \| (.*?) \| (.*?) \|$", match.group(0), re.M)
        docs[match.group(1)] = {name: f"{kind}: {meaning}".strip().rstrip(":") for name, kind, meaning in rows}
    return docs


def _describe_fields(definition: dict[str, Any], docs: dict[str, str]) -> None:
    for name, prop in definition.get("properties", {}).items():
        if name not in docs:
            continue
        if "$ref" in prop:  # in draft 7 a $ref's siblings are ignored: wrap it to carry the description
            prop["allOf"] = [{"$ref": prop.pop("$ref")}]
        prop["description"] = docs[name]


def schema_text() -> str:
    """The schema as the committed file holds it (stable key order, two-space indent, final newline)."""
    return json.dumps(content_schema(), indent=2, ensure_ascii=False) + "\n"
