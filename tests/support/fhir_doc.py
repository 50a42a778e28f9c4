"""The excerpts of real output in docs/interoperability.md, generated from the shipped pathway's FHIR export.

``python -m tests.support.fhir_doc`` rewrites them; tests/test_fhir.py fails while they are stale.
A block is ``<!-- fhir-excerpt: SELECTOR -->`` then a fenced json block then ``<!-- /fhir-excerpt -->``, where
SELECTOR is ``plan`` (the PlanDefinition without its actions and narrative), ``action:ID`` (an outcome action),
``outlook:NOTE`` (an outlook note's action), ``item:LINKID`` (a Questionnaire item) or ``activity:CATEGORY`` (an
ActivityDefinition).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pathways import load_pathway, resolve_pathway
from pathways.outputs.fhir import to_bundle

__all__ = ["DOC", "render_excerpts", "excerpt"]

DOC = Path(__file__).parents[2] / "docs" / "interoperability.md"
_BLOCK = re.compile(r"(<!-- fhir-excerpt: (?P<selector>[^ ]+) -->\n)```json\n.*?```\n(<!-- /fhir-excerpt -->)", re.S)


def excerpt(bundle: dict[str, Any], selector: str) -> Any:
    """The part of the Bundle a selector names."""
    kind, _, name = selector.partition(":")
    found = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    if kind == "plan":
        return {k: v for k, v in found["PlanDefinition"].items() if k not in ("action", "text")}
    if kind == "action":
        (action,) = [a for a in found["PlanDefinition"]["action"][0]["action"] if a["id"] == name]
        return action
    if kind == "outlook":
        (note,) = [a for a in found["PlanDefinition"]["action"][1]["action"] if a["id"] == f"outlook.{name}"]
        return note
    if kind == "item":
        (item,) = [i for i in found["Questionnaire"]["item"] if i["linkId"] == name]
        return item
    if kind == "activity":
        (activity,) = [e["resource"] for e in bundle["entry"]
                       if e["resource"]["resourceType"] == "ActivityDefinition"
                       and e["resource"]["code"]["coding"][0]["code"] == name]
        return activity
    raise ValueError(f"unknown excerpt selector: {selector!r} "
                     "(must start with plan, action:, outlook:, item: or activity:)")


def render_excerpts(text: str) -> str:
    """The document with every excerpt block filled from the current export of the shipped pathway."""
    bundle = to_bundle(load_pathway(resolve_pathway(None)))

    def fill(match: re.Match) -> str:
        body = json.dumps(excerpt(bundle, match["selector"]), indent=2, ensure_ascii=False)
        return f"{match[1]}```json\n{body}\n```\n{match[3]}"

    return _BLOCK.sub(fill, text)


if __name__ == "__main__":
    DOC.write_text(render_excerpts(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC}")
