"""DOT output: exactly the path taken is highlighted, by weight, style and labels (readable in greyscale)."""

from __future__ import annotations

import re

import pytest

from pathways import load_pathway, load_pathway_text, resolve_pathway
from pathways.evaluate import evaluate
from pathways.outputs.render import FOCUS_THRESHOLD, PATH_LABEL_WIDTH, RenderError, render, to_dot, to_dot_path

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


def test_outcomes_off_the_path_show_no_count_of_categories():
    """A count ("7 categories") beside the situations not chosen reads as "more is better" (issue #23)."""
    dot = to_dot(PATHWAY, evaluate(PATHWAY, SITUATIONS[0]))
    assert not re.search(r"\d+ categor", dot)
    labels = [attrs for n, attrs in NODE.findall(dot) if "shape=note" in attrs and "gray40" in attrs]
    assert len(labels) == 7 and not any("•" in attrs for attrs in labels)  # the situation only


# ---- the path alone, top to bottom (a narrow screen) -------------------------------------------------------


def edges(dot: str) -> list[tuple[str, str, str]]:
    return EDGE.findall(dot)


@pytest.mark.parametrize("answers", SITUATIONS, ids=["-".join(s.values()) for s in SITUATIONS])
def test_path_graph_draws_the_chosen_path_top_to_bottom_with_the_outcome_and_its_categories(answers):
    result = evaluate(PATHWAY, answers)
    dot = to_dot_path(PATHWAY, result)
    assert "rankdir=TB" in dot
    ids = result.path_node_ids
    assert chosen_edges(dot) == set(zip(ids, ids[1:]))
    nodes = dict(NODE.findall(dot))
    assert set(ids) <= set(nodes)
    other_questions = {n.id for n in PATHWAY.content.tree.nodes} - set(ids)
    assert not other_questions & set(nodes), "only the path is drawn"
    outcome = nodes[result.outcome.id]
    for treatment in result.treatments:
        first = treatment.label.split()[0]
        assert f"• {first}" in outcome
        assert ("†" in outcome) or not treatment.explanation.is_editorial
    assert not re.search(r"\d+ categor", dot)


@pytest.mark.parametrize("answers", SITUATIONS[:2], ids=["-".join(s.values()) for s in SITUATIONS[:2]])
def test_path_graph_summarises_the_answers_not_taken_in_each_question(answers):
    result = evaluate(PATHWAY, answers)
    nodes = dict(NODE.findall(to_dot_path(PATHWAY, result)))
    for step in result.path:
        others = len(step.question.options) - 1
        assert f'<FONT COLOR="gray30">{others} other answer{"s" if others > 1 else ""} not taken</FONT>' \
            in nodes[step.node_id]  # dimmed (gray30 on the path's fill: 6.9:1), as branches not taken are


def test_path_graph_escapes_markup_in_html_labels():
    text = (resolve_pathway(None)).read_text().replace(
        "short_label: Child or adult?", 'short_label: "Child <b>or</b> & adult?"')
    pathway = load_pathway_text(text)
    dot = to_dot_path(pathway, evaluate(pathway, SITUATIONS[0]))
    assert "Child &lt;b&gt;or&lt;/b&gt; &amp; adult?" in dot
    assert "&lt;b&gt;or" in render(dot, "svg").decode()


def test_path_graph_of_a_partial_path_ends_at_the_next_question():
    result = evaluate(PATHWAY, {"age_group": "adult"})
    dot = to_dot_path(PATHWAY, result)
    assert chosen_edges(dot) == {("age", "adult_cns")}
    assert "▶ NEXT: Spread to the CNS?" in dict(NODE.findall(dot))["adult_cns"]
    assert "▶ NEXT: Child or adult?" in to_dot_path(PATHWAY, evaluate(PATHWAY, {}))


def test_path_graph_wraps_long_labels_to_stay_narrow():
    dot = to_dot_path(PATHWAY, evaluate(PATHWAY, SITUATIONS[0]))
    lines = [line for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot) for line in re.split(r"\\[ln]", label)]
    assert len(lines) > 8 and max(len(line) for line in lines) <= PATH_LABEL_WIDTH, max(lines, key=len)


@pytest.mark.parametrize("answers", SITUATIONS, ids=["-".join(s.values()) for s in SITUATIONS])
def test_path_graph_fits_a_320_px_screen_at_12_px(answers):
    """Drawn so that its text measures 12.5 CSS px (views.legible_svg), it fits the 288 px column of a 320 px screen
    (WCAG's reflow width; a 390 px phone has 358 px)."""
    svg = render(to_dot_path(PATHWAY, evaluate(PATHWAY, answers)), "svg").decode()
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    fonts = [float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)]
    assert width * 12.5 / min(fonts) <= 288
