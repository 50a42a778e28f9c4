"""Rendering the tree as Graphviz DOT, the chosen path marked by weight, style and labels (not colour alone)."""

from __future__ import annotations

import functools
import html
import shutil
import textwrap
from typing import Sequence

import graphviz

from ..catalogue import gettext as _
from ..errors import PathwayError
from ..evaluate import Result, Step
from ..load import Pathway
from ..model import OutcomeNode, QuestionNode

__all__ = ["to_dot", "to_dot_path", "render", "render_svg", "dot_available", "RENDER_FORMATS", "FOCUS_THRESHOLD",
           "DRAW_LIMIT", "FONT_SIZE", "PATH_LABEL_WIDTH", "RenderError"]

#: Output formats ``render`` can produce through the ``dot`` binary.
RENDER_FORMATS = ("dot", "svg", "png")
#: Trees with more nodes than this are drawn as the neighbourhood of the path unless ``full=True``.
FOCUS_THRESHOLD = 60
#: Largest tree drawn whole (in the page or as an SVG download): dot needs ~0.3 s for 1,000 nodes but over a
#: minute for 10,000 (docs/performance.md). Larger trees are drawn around the path; their DOT is offered whole.
DRAW_LIMIT = 1_500

_FONT = "Helvetica"
#: Text size of every label, in points (the page shows the graph at a scale where this is at least 12 CSS px).
FONT_SIZE = 12
#: Longest line of a category name in an outcome box, in characters (longer ones wrap).
LABEL_WIDTH = 28
#: The same for the path drawn top to bottom (``to_dot_path``): at 12.5 CSS px it fits the 288 px column of a 320 px
#: screen (tests/test_render.py; tests/test_graph_browser.py measures it in the browser at 390 and 320 px).
PATH_LABEL_WIDTH = 28
#: Colours meet WCAG AA on white: black text and lines; the dimmed ones gray40 (#666666, 5.7:1) for text and lines.
_ON = {"penwidth": "3", "color": "black", "fontcolor": "black", "fillcolor": "#dbe9f6"}
_OFF = {"penwidth": "1", "color": "gray40", "fontcolor": "gray40", "fillcolor": "white"}
_NEUTRAL = {"penwidth": "1.4", "color": "gray25", "fontcolor": "black", "fillcolor": "white"}


class RenderError(PathwayError):
    """The ``dot`` binary is missing or failed."""


def _outcome_label(pathway: Pathway, node: OutcomeNode, on_path: bool, compact: bool,
                   width: int = LABEL_WIDTH) -> str:
    """The situation, then its categories; ``compact`` gives the situation alone (for outcomes off the path: a
    count of categories there would read as "more is better", issue #23)."""
    head = ("✔ " if on_path else "") + node.short_title
    if compact:
        return head
    cats = "".join(_wrapped(f"• {t.label or pathway.categories[t.category].label}"
                            f"{' †' if t.explanation.is_editorial else ''}", width) for t in node.treatments)
    return f"{head}\\n{cats}"


def _wrapped(item: str, width: int = LABEL_WIDTH) -> str:
    """A list item as left-aligned DOT lines of at most ``width`` characters, continuation lines indented: a
    long category name would otherwise widen the whole graph, and the page then shows it smaller or scrolls."""
    lines = textwrap.wrap(item, width, subsequent_indent="   ", break_long_words=False) or [item]
    return "".join(f"{_escape(line)}\\l" for line in lines)


def _visible_nodes(pathway: Pathway, result: Result | None, full: bool) -> set[str] | None:
    """None means all nodes; otherwise the path and the nodes one step off it."""
    if full or len(pathway.nodes) <= FOCUS_THRESHOLD:
        return None
    path = list(result.path_node_ids) if result else [pathway.content.tree.root]
    visible = set(path)
    for ident in path:
        node = pathway.nodes[ident]
        if isinstance(node, QuestionNode):
            visible.update(node.branches.values())
    return visible


def to_dot(pathway: Pathway, result: Result | None = None, full: bool = False, footer: Sequence[str] = ()) -> str:
    """DOT source of the tree; with a result, its path is bold and labelled and the rest dimmed.

    ``footer`` lines (e.g. the disclaimer and provenance for a download) are drawn under the graph.
    """
    graph = graphviz.Digraph(pathway.id)
    # Tight spacing keeps the whole tree narrow enough to show at a legible size (docs/accessibility.md).
    graph.attr(rankdir="LR", nodesep="0.12", ranksep="0.1", fontname=_FONT, tooltip=pathway.content.metadata.title)
    if footer:
        graph.attr(label="".join(f"{_escape(line)}\\l" for line in footer), labelloc="b", labeljust="l",
                   fontsize="9")
    graph.attr("node", fontname=_FONT, fontsize=str(FONT_SIZE), style="rounded,filled", shape="box", margin="0.06,0.03")
    graph.attr("edge", fontname=_FONT, fontsize=str(FONT_SIZE), arrowsize="0.7")
    on_path = set(result.path_node_ids) if result else set()
    chosen = {(s.node_id, s.option_id) for s in result.path} if result else set()
    next_id = result.next_node_id if result else None
    answered = bool(result and result.path)
    visible = _visible_nodes(pathway, result, full)
    hidden = 0
    for node in pathway.content.tree.nodes:
        if visible is not None and node.id not in visible:
            hidden += 1
            continue
        style = _ON if node.id in on_path else (_OFF if answered else _NEUTRAL)
        attrs = dict(style)
        if isinstance(node, QuestionNode):
            question = pathway.questions[node.question]
            label = question.short_label
            if node.id == next_id:
                label = _("▶ NEXT: {label}").format(label=label)
                attrs.update(style="rounded,filled,bold,dashed", penwidth="3", color="black", fontcolor="black")
            graph.node(node.id, label=label, tooltip=question.prompt, **attrs, **{"class": _css(node.id, on_path, next_id)})
        else:
            attrs["shape"] = "note"
            attrs["style"] = "filled"
            if node.id in on_path:
                attrs["peripheries"] = "2"
            compact = answered and node.id not in on_path
            label = _outcome_label(pathway, node, node.id in on_path, compact)
            graph.node(node.id, label=label, tooltip=node.title, **attrs, **{"class": _css(node.id, on_path, next_id)})
    for node in pathway.content.tree.nodes:
        if not isinstance(node, QuestionNode) or (visible is not None and node.id not in visible):
            continue
        question = pathway.questions[node.question]
        labels = {o.id: o.graph_label for o in question.options}
        for option, target in node.branches.items():
            if visible is not None and target not in visible:
                continue
            taken = (node.id, option) in chosen
            if taken:
                graph.edge(node.id, target, label=f"✔ {labels[option]}", penwidth="3.5", style="bold",
                           color="black", fontcolor="black", fontname=f"{_FONT}-Bold", **{"class": "edge-chosen"})
            elif answered and node.id in on_path:
                graph.edge(node.id, target, label=labels[option], style="dashed", color="gray40",
                           fontcolor="gray40", **{"class": "edge-not-taken"})
            else:
                graph.edge(node.id, target, label=labels[option], style="dashed" if answered else "solid",
                           color="gray40" if answered else "gray25", fontcolor="gray40" if answered else "black",
                           **{"class": "edge-other"})
    if hidden:
        graph.node("_hidden", label=f"{hidden} more nodes not shown\\n(ask for the full tree)", shape="plaintext",
                   fontcolor="gray40", style="")
    return graph.source


def to_dot_path(pathway: Pathway, result: Result) -> str:
    """DOT source of the path alone, top to bottom, for a narrow screen: each question answered, with the answers
    not taken summarised in its box ("2 other answers not taken") and the chosen answer on its edge, then the
    outcome with its categories, or the next question. The whole tree is ``to_dot``'s."""
    graph = graphviz.Digraph(f"{pathway.id}_path")
    graph.attr(rankdir="TB", nodesep="0.15", ranksep="0.25", fontname=_FONT, tooltip=pathway.content.metadata.title)
    graph.attr("node", fontname=_FONT, fontsize=str(FONT_SIZE), style="rounded,filled", shape="box", margin="0.06,0.03")
    graph.attr("edge", fontname=_FONT, fontsize=str(FONT_SIZE), arrowsize="0.7")
    ids = result.path_node_ids
    for step in result.path:
        others = len(pathway.nodes[step.node_id].branches) - 1  # type: ignore[union-attr]
        summary = f"{others} other answer{'s' if others != 1 else ''} not taken"
        label = _html_lines(step.question.short_label)
        if others:
            label += f'<BR/><FONT COLOR="gray30">{summary}</FONT>'  # gray30 on the path's fill: 6.9:1
        graph.node(step.node_id, label=f"<{label}>", tooltip=step.question.prompt, **_ON, **{"class": "node-on-path"})
    if result.outcome is not None:
        attrs = {**_ON, "shape": "note", "style": "filled", "peripheries": "2"}
        graph.node(result.outcome.id, label=_outcome_label(pathway, result.outcome, True, False, PATH_LABEL_WIDTH),
                   tooltip=result.outcome.title, **attrs, **{"class": "node-on-path"})
    elif result.next_node_id is not None and result.next_question is not None:
        graph.node(result.next_node_id, label=_line(f"▶ NEXT: {result.next_question.short_label}"),
                   tooltip=result.next_question.prompt, **{**_ON, "style": "rounded,filled,bold,dashed"},
                   **{"class": "node-next"})
    for step, target in zip(result.path, ids[1:]):
        graph.edge(step.node_id, target, label=_line(f"✔ {_option_label(step)}"), penwidth="3.5", style="bold",
                   color="black", fontcolor="black", fontname=f"{_FONT}-Bold", weight="10",
                   **{"class": "edge-chosen"})
    return graph.source


def _option_label(step: Step) -> str:
    return next(o.graph_label for o in step.question.options if o.id == step.option_id)


def _html_lines(text: str) -> str:
    """Text for an HTML-like DOT label, wrapped at PATH_LABEL_WIDTH characters (markup escaped)."""
    lines = textwrap.wrap(text, PATH_LABEL_WIDTH, break_long_words=False) or [text]
    return "<BR/>".join(html.escape(line, quote=False) for line in lines)


def _line(text: str) -> str:
    """A centred label wrapped at PATH_LABEL_WIDTH characters (escaped)."""
    return "\\n".join(_escape(line) for line in textwrap.wrap(text, PATH_LABEL_WIDTH, break_long_words=False) or [text])


def _escape(text: str) -> str:
    """Backslashes doubled so a footer line cannot inject DOT escape sequences."""
    return text.replace("\\", "\\\\")


def _css(node_id: str, on_path: set[str], next_id: str | None) -> str:
    if node_id == next_id:
        return "node-next"
    return "node-on-path" if node_id in on_path else "node-other"


def render(dot_source: str, fmt: str) -> bytes:
    """DOT, SVG or PNG bytes; SVG and PNG go through the ``dot`` binary."""
    if fmt not in RENDER_FORMATS:
        raise RenderError(f"unknown format: {fmt!r} (must be one of {list(RENDER_FORMATS)})")
    if fmt == "dot":
        return dot_source.encode("utf-8")
    try:
        return graphviz.Source(dot_source).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise RenderError("Graphviz 'dot' was not found; install it (Debian: apt-get install graphviz)") from None
    except graphviz.CalledProcessError as exc:
        raise RenderError(f"Graphviz 'dot' failed: {exc.stderr.decode(errors='replace')[:300]}") from None


@functools.lru_cache(maxsize=256)
def render_svg(dot_source: str) -> bytes:
    """SVG bytes for DOT source, rendered once per distinct source (the ``dot`` binary costs ~15 ms a call)."""
    return render(dot_source, "svg")


@functools.lru_cache(maxsize=1)
def dot_available() -> bool:
    """Whether Graphviz's ``dot`` binary is on the PATH (SVG and PNG need it; DOT does not); looked up once."""
    return shutil.which("dot") is not None
