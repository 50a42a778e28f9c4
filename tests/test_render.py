"""DOT output: exactly the path taken is highlighted, by weight, style and labels (readable in greyscale)."""

from __future__ import annotations

import re

import pytest

from pathways import load_pathway, load_pathway_text, resolve_pathway
from pathways.evaluate import evaluate
from pathways.outputs.render import FOCUS_THRESHOLD, RenderError, render, to_dot

PATHWAY = load_pathway(resolve_pathway(None))
EDGE = re.compile(r"^\s*(\w+) -> (\w+) \[(.*)\]\s*$", re.M)
NODE = re.compile(r"^\s*(\w+) \[(.*)\]\s*$", re.M)


def chosen_edges(dot: str) -> set[tuple[str, str]]:
    return {(a, b) for a, b, attrs in EDGE.findall(dot) if "penwidth=3.5" in attrs and 'label="✔' in attrs}


def bold_nodes(dot: str) -> set[str]:
    return {n for n, attrs in NODE.findall(dot) if "penwidth=3" in attrs and n not in ("node", "edge", "graph")}


SITUATIONS = [
    {"age_group": a, "cns_involvement": c, "cell_type": t}
    for a in ("child", "adult") for c in ("yes", "no") for t in ("b_cell", "t_cell")
]


@pytest.mark.parametrize("answers", SITUATIONS, ids=["-".join(s.values()) for s in SITUATIONS])
def test_dot_highlights_exactly_the_path_taken(answers):
    result = evaluate(PATHWAY, answers)
    dot = to_dot(PATHWAY, result)
    ids = result.path_node_ids
    assert chosen_edges(dot) == set(zip(ids, ids[1:]))
    assert bold_nodes(dot) == set(ids)
    assert "NEXT:" not in dot


def test_partial_path_marks_the_next_question_and_dims_branches_not_taken():
    result = evaluate(PATHWAY, {"age_group": "adult"})
    dot = to_dot(PATHWAY, result)
    assert chosen_edges(dot) == {("age", "adult_cns")}
    nodes = dict(NODE.findall(dot))
    assert "▶ NEXT: Spread to the CNS?" in nodes["adult_cns"] and "dashed" in nodes["adult_cns"]
    assert "gray" in nodes["child_cns"]  # the branch not taken is dimmed
    not_taken = [attrs for a, b, attrs in EDGE.findall(dot) if (a, b) == ("age", "child_cns")][0]
    assert "dashed" in not_taken and "✔" not in not_taken


def test_no_answers_draws_the_plain_tree_with_the_root_as_next():
    dot = to_dot(PATHWAY, evaluate(PATHWAY, {}))
    assert chosen_edges(dot) == set()
    assert "▶ NEXT: Child or adult?" in dot


def test_outcome_nodes_list_their_category_labels():
    dot = to_dot(PATHWAY)
    assert "• CAR T-cell therapy" in dot and "• Intrathecal chemotherapy" in dot


def test_labels_with_quotes_and_markup_are_escaped(tmp_path):
    text = (resolve_pathway(None)).read_text().replace(
        "short_label: Child or adult?", 'short_label: "Child \\"or\\" <b>adult</b>?"')
    dot = to_dot(load_pathway_text(text))
    assert r'Child \"or\" <b>adult</b>?' in dot
    svg = render(dot, "svg").decode()
    assert "<b>adult</b>" not in svg and "&lt;b&gt;adult&lt;/b&gt;" in svg


def test_large_tree_is_drawn_as_the_neighbourhood_of_the_path():
    import yaml

    from tests.support.generate import generated_pathway_data

    pathway = load_pathway_text(yaml.safe_dump(generated_pathway_data(FOCUS_THRESHOLD * 4)))
    dot = to_dot(pathway, evaluate(pathway, {}))
    assert dot.count(" -> ") < 10 and "more nodes not shown" in dot
    assert to_dot(pathway, None, full=True).count(" -> ") == len(pathway.nodes) - 1


def test_unknown_render_format_is_refused():
    with pytest.raises(RenderError, match=r"unknown format: 'gif' \(must be one of \['dot', 'svg', 'png'\]\)"):
        render(to_dot(PATHWAY), "gif")
