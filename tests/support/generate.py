"""Generate valid pathways of any size from the shipped one (for tests of large trees)."""

from __future__ import annotations

from pathways import load_pathway, resolve_pathway
from pathways.yamlsafe import parse_yaml

__all__ = ["generated_pathway_data"]


def generated_pathway_data(node_count: int) -> dict:
    """The shipped pathway with its tree replaced by a binary tree of about ``node_count`` nodes."""
    shipped = parse_yaml(resolve_pathway(None).read_text(encoding="utf-8"))
    pathway = load_pathway(resolve_pathway(None))
    questions = [q for q in pathway.tree_questions() if len(q.options) == 2]
    outcome = next(n for n in shipped["tree"]["nodes"] if n["kind"] == "outcome")
    nodes: list[dict] = []
    leaves = max(2, (node_count + 1) // 2)
    internal = leaves - 1
    for index in range(internal):
        question = questions[index % len(questions)]
        children = [2 * index + 1, 2 * index + 2]
        nodes.append({
            "id": f"n{index}", "kind": "question", "question": question.id,
            "branches": {o.id: f"n{c}" for o, c in zip(question.options, children)},
        })
    for index in range(internal, internal + leaves):
        nodes.append({**outcome, "id": f"n{index}", "short_title": f"Leaf {index}"})
    data = _plain(shipped)
    data["tree"] = {"root": "n0", "nodes": _plain(nodes)}
    return data


def _plain(value):
    """Line-aware containers to plain dicts and lists (so yaml.safe_dump can write them)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
