"""Rendering the tree as Graphviz DOT, the chosen path marked by weight, style and labels (not colour alone)."""

from __future__ import annotations

import functools
import shutil
import textwrap
from typing import Sequence

import graphviz

from ..catalogue import gettext as _
from ..errors import PathwayError
from ..evaluate import Result
from ..load import Pathway
from ..model import OutcomeNode, QuestionNode

__all__ = ["to_dot", "render", "render_svg", "dot_available", "RENDER_FORMATS", "FOCUS_THRESHOLD", "DRAW_LIMIT",
           "FONT_SIZE", "RenderError"]

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
#: Colours meet WCAG AA on white: black text and lines; the dimmed ones gray40 (#666666, 5.7:1) for text and lines.
_ON = {"penwidth": "3", "color": "black", "fontcolor": "black", "fillcolor": "#dbe9f6"}
_OFF = {"penwidth": "1", "color": "gray40", "fontcolor": "gray40", "fillcolor": "white"}
_NEUTRAL = {"penwidth": "1.4", "color": "gray25", "fontcolor": "black", "fillcolor": "white"}


class RenderError(PathwayError):
    """The ``dot`` binary is missing or failed."""


def _outcome_label(pathway: Pathway, node: OutcomeNode, on_path: bool, compact: bool) -> str:
    """The situation, then its categories; ``compact`` gives only a count (for outcomes off the path)."""
    head = ("✔ " if on_path else "") + node.short_title
    if compact:
        count = len(node.treatments)
        return f"{head}\\n{count} categor{'y' if count == 1 else 'ies'}"
    cats = "".join(_wrapped(f"• {t.label or pathway.categories[t.category].label}"
                            f"{' †' if t.explanation.is_editorial else ''}") for t in node.treatments)
    return f"{head}\\n{cats}"


def _wrapped(item: str) -> str:
    """A list item as left-aligned DOT lines of at most LABEL_WIDTH characters, continuation lines indented: a
    long category name would otherwise widen the whole graph, and the page then shows it smaller or scrolls."""
    lines = textwrap.wrap(item, LABEL_WIDTH, subsequent_indent="   ", break_long_words=False) or [item]
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
