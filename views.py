"""What the page shows, built from a pathway and cached once per process: the file to serve, the view of one
set of answers (result, graph, markdown, chart, table, downloads) and the markdown helpers.

Presentation, like app.py, but kept out of the script Streamlit executes on every full run: decorating a cached
function reads its source to make the cache key, so defining them here (imported once) keeps that off every
page load (docs/performance.md, fix 12). Every clinical word comes from pathways/.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import threading
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlencode

import pandas as pd
import pyarrow as pa
import streamlit as st

from pathways import Pathway, PathwayError, load_pathway, resolve_pathway
from pathways.outputs.compare import (DIFFERENT, ONLY_FIRST, ONLY_SECOND, Comparison, Difference, compare,
                                      second_answers, situation_by_key)
from pathways.evaluate import Result, citation, evaluate
from pathways.outputs.export import about_lines, graph_footer, to_csv, to_markdown
from pathways.outputs.fhir import to_json as fhir_json
from pathways.outputs.handout import comparison_pdf, handout_pdf
from pathways.lifecycle import current_change
from pathways.model import Statement
from pathways.outputs.render import DRAW_LIMIT, dot_available, render_svg, to_dot, to_dot_path
from pathways.shown import (CATEGORY, EXPLANATION, FIGURE, FIGURES_CONTEXT, GROUP_INTRO, NOTE, OPTION_HELP, OUTLOOK_BASIS, OUTLOOK_NOTE, QUESTION_HELP,
                             QUESTION_WHY, SUMMARY, CategoryShown, Item, Shown, reference_items, shown)
from pathways.situations import complete_situations
from pathways.outputs.table import EDITORIAL, NOT_SHOWN, SHOWN, DecisionTable, decision_table
from pathways.outputs.table import to_csv as table_csv
from pathways.catalogue import gettext as _
from pathways.catalogue import use_language


def N_(message: str) -> str:
    """Mark a module constant for extraction; it is translated where it is shown."""
    return message


#: The setting naming the pathway to serve (a shipped id or a file); unset: the shipped default.
PATHWAY_ENV = "PATHWAY_FILE"
#: Who draws the graph: "server" (default) renders SVG once per answer set with Graphviz's dot and the page
#: shows it as an image; "browser" sends DOT to st.graphviz_chart, which lays it out in the browser on every
#: click (several times slower to settle: docs/performance.md). Without dot on the server, "browser" is used.
RENDERER_ENV = "GRAPH_RENDERER"
RENDERERS = ("server", "browser")
#: Name of the outlook chart's dataset in its Vega-Lite spec.
FIGURES_DATASET = "figures"
#: Text colour of the outlook chart's axes and legend (12.5:1 on white).
CHART_TEXT = "#31333f"
#: Longest piece of a link quoted back in a notice.
NOTICE_MAX = 60
#: The graph's smallest text in CSS px at the size the page shows it (never smaller; WCAG needs it legible, 12 px
#: is our floor and the half pixel a margin for rounding): the page scrolls the graph rather than shrink it.
GRAPH_TEXT_PX = 12.5
#: The words beside every editorial mark (†).
EDITORIAL_WORDS = N_("Editorial assumption")


# ---- the file to serve (once per process and file version) ---------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=8)
def load_cached(path: str, stamp: tuple[int, int]) -> Pathway:
    """Load and validate once per file version; a failure is not cached, so it is re-checked next time."""
    return load_pathway(path)


@functools.lru_cache(maxsize=8)
def served_path(ref: str | None) -> str:
    """The file a setting names, looked up once per process (a lookup lists the content folder); a failed
    lookup raises and is not remembered. A plain memo, not st.cache_resource: it is asked on every click, and
    Streamlit's cache hashes its arguments on every call (docs/performance.md, fix 16)."""
    return str(resolve_pathway(ref))


def pathway_version() -> tuple[str, tuple[int, int] | None]:
    """Which file is to be served and its version (mtime, size): a stat, no read, catches edits to the file."""
    path = served_path(os.environ.get(PATHWAY_ENV) or None)
    try:
        info = os.stat(path)
    except OSError:
        return path, None
    return path, (info.st_mtime_ns, info.st_size)


def pathway_key(version: tuple[str, tuple[int, int] | None] | None = None) -> str:
    """The cache key of a file version (by default, of the file being served now)."""
    return repr(version or pathway_version())


def current_pathway() -> tuple[Pathway, str]:
    """The pathway to show and its cache key; raises ValidationFailed when the file is invalid."""
    path, stamp = pathway_version()
    if stamp is None:
        return load_pathway(path), ""  # raises ValidationFailed naming the file
    return load_cached(path, stamp), pathway_key((path, stamp))


# ---- one set of answers (cached) -------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphView:
    """The graph the page draws: DOT (for the browser renderer), its SVG as a data: URI (server renderer), and
    its text alternative."""

    dot: str
    alt: str
    svg_uri: str | None
    drawable: bool  # small enough to draw whole (in the page, as SVG)
    path_svg_uri: str | None = None  # the path alone, top to bottom (render.to_dot_path), for a narrow screen
    path_alt: str = ""


@dataclass(frozen=True)
class DownloadsView:
    """The data files for staff, made once per answer set (each carries the disclaimer and provenance)."""

    markdown: str
    csv: str
    dot: str  # the whole tree, with the provenance footer


@dataclass(frozen=True)
class ResultView:
    """The compact result under the last question: the situation in words, each category with its mark."""

    title: str
    situation: str
    categories: tuple[CategoryShown, ...]
    markdown: str


@dataclass(frozen=True)
class PageView:
    """Everything one set of answers shows on the page, rendered from its ``Shown`` (pathways/shown.py)."""

    shown: Shown
    graph: GraphView
    downloads: DownloadsView
    chart: dict[str, Any] | None
    result_block: ResultView | None
    summary_md: str
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # (group heading and intro, the category ids in it)
    cards: Mapping[str, str]
    notes: tuple[str, ...]
    outlook_md: str
    figures_md: str
    basis_md: str
    path_table: pd.DataFrame
    query: str  # the answers as a link's query string

    @property
    def result(self) -> Result:
        return self.shown.result

    @property
    def has_figures(self) -> bool:
        return self.shown.has_figures


@dataclass(frozen=True)
class StaticView:
    """Markdown that depends only on the pathway: the reference sections and the about-this-content block."""

    reference: tuple[tuple[str, str], ...]
    about_md: str
    about_label: str


@st.cache_resource(show_spinner=False, max_entries=512)
def _view(_pathway: Pathway, key: str, answers: tuple[tuple[str, str], ...], full: bool,
          renderer: str) -> PageView:
    """Everything derived from one set of answers: what it shows, the graph and the data files."""
    result = evaluate(_pathway, dict(answers))
    seen = shown(result)
    made = datetime.date.fromisoformat(key.rsplit("@", 1)[1])
    dot = to_dot(_pathway, result, full=full)
    graph = GraphView(dot=dot, alt=graph_alt(result), drawable=len(_pathway.nodes) <= DRAW_LIMIT,
                      svg_uri=svg_data_uri(legible_svg(render_svg(dot))) if renderer == "server" else None,
                      # the path alone, top to bottom, for a narrow screen (app.PAGE_CSS chooses by width)
                      path_svg_uri=svg_data_uri(legible_svg(render_svg(to_dot_path(_pathway, result))))
                      if renderer == "server" else None, path_alt=path_alt(result))
    downloads = DownloadsView(markdown=to_markdown(result, made), csv=to_csv(result, made),
                              dot=to_dot(_pathway, result, full=True, footer=graph_footer(_pathway, made)))
    groups = []
    for group in _pathway.content.category_groups:
        ids = tuple(c.id for c in seen.categories if c.group == group.id)
        if ids:
            intro = [i for i in seen.by_role(GROUP_INTRO) if i.group == group.id]
            groups.append((f"### {plain(group.label)}" + "".join(f"\n\n{item_md(i)}" for i in intro), ids))
    return PageView(
        shown=seen, graph=graph, downloads=downloads, chart=figure_chart(seen), result_block=result_view(seen),
        summary_md="\n\n".join(item_md(i) for i in seen.by_role(SUMMARY)),
        groups=tuple(groups), cards={c.id: card_md(c) for c in seen.categories},
        notes=tuple(item_md(i, prefix=_("**Note:** ")) for i in seen.by_role(NOTE)),
        outlook_md=outlook_md(seen), figures_md=figures_md(seen), basis_md=basis_md(seen),
        path_table=path_table(result), query=urlencode(answers),
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def static_view(_pathway: Pathway, key: str) -> StaticView:
    """Markdown that depends only on the pathway (reference sections, the about-this-content block)."""
    sections = []
    for _section, title, items in reference_items(_pathway):
        sections.append((plain(title), "\n\n".join(
            item_md(i, prefix=f"**{plain(i.title)}:** " if i.title and i.key.split(".")[-2] == "items" else "")
            for i in items)))
    meta = _pathway.content.metadata
    # the day's overdue warning is the disclaimer's, never cached
    due = {_("Next review due"): meta.next_review_due.isoformat() if meta.next_review_due else _("not set")}
    lines = [_("**Intended use:** {text}").format(text=plain(meta.intended_use))]
    lines += [f"**{label}:** {plain(due.get(label, value))}"
              for label, value in about_lines(_pathway)
              if label not in (_("Intended use"), _("Made on"), _("Changes in this version"))]  # (intended use: first)
    lines += change_log_md(_pathway)
    label = _("About this content: version {version}, last reviewed {date}, intended use, approval and sources"
              ).format(version=meta.version, date=meta.last_reviewed.isoformat())
    return StaticView(reference=tuple(sections), about_md="  \n".join(lines), about_label=label)


def change_log_md(pathway: Pathway) -> list[str]:
    """What changed in this version, then the earlier versions' entries (from the content's change log)."""
    meta = pathway.content.metadata
    current = current_change(meta)
    if current:
        lines = [_("**What changed in this version ({version}, {date}):** {summary}").format(
            version=plain(meta.version), date=current.date.isoformat(), summary=plain(current.summary))]
    else:
        lines = [_("**What changed in this version ({version}):** not recorded").format(version=plain(meta.version))]
    earlier = [c for c in meta.changes if c is not current]
    if earlier:
        lines.append(_("**Earlier versions:** ") + "; ".join(f"{plain(c.version)} ({c.date.isoformat()}): "
                                                          f"{plain(c.summary)}" for c in earlier))
    return lines


@st.cache_resource(show_spinner=False, max_entries=8)
def _fhir_bundle(_pathway: Pathway, key: str, made: str, _translations: Mapping[str, Pathway] | None = None) -> str:
    return fhir_json(_pathway, made=datetime.date.fromisoformat(made), translations=_translations)


def fhir_bundle(pathway: Pathway, key: str, translations: Mapping[str, Pathway] | None = None) -> str:
    """The whole pathway as a FHIR R4B Bundle (JSON), the same for every answer set: built on the first click on
    its download, then kept for the process, the file version and the day (its narrative says when it was made).
    ``pathway`` is the English; ``translations`` (language -> translated pathway; ``key`` names them) are carried
    with FHIR's translation extension."""
    return _fhir_bundle(pathway, key, datetime.date.today().isoformat(), translations)


#: The page views of the answer sets asked for lately, by what ``_view`` is keyed on (file version, language and
#: day; answers; full tree; renderer), looked up before ``_view``: Streamlit's cache hashes every argument on every
#: call, about half a millisecond of a click's CPU (docs/performance.md, fix 16). Same keys, same values, bounded as
#: ``_view`` is; ``forget_views`` empties it (the benchmark's "caches cleared").
_recent_views: dict[tuple[str, tuple[tuple[str, str], ...], bool, str], PageView] = {}
_recent_lock = threading.Lock()
RECENT_VIEWS = 512


def view_for(pathway: Pathway, key: str, answers: dict[str, str], full: bool) -> PageView:
    """The view of one set of answers (built once per answer set, file version, language and day)."""
    wanted = (f"{key}@{datetime.date.today().isoformat()}", tuple(sorted(answers.items())), full, graph_renderer())
    view = _recent_views.get(wanted)
    if view is None:
        view = _view(pathway, *wanted)
        with _recent_lock:
            if len(_recent_views) >= RECENT_VIEWS:
                _recent_views.pop(next(iter(_recent_views)), None)  # the oldest first
            _recent_views[wanted] = view
    return view


def forget_views() -> None:
    """Empty the memo in front of ``_view`` (with ``st.cache_resource.clear()``, every view is built again)."""
    with _recent_lock:
        _recent_views.clear()


def graph_renderer() -> str:
    """The renderer the settings ask for ("server" unless dot is missing); raises ValueError on an unknown one."""
    wanted = os.environ.get(RENDERER_ENV) or "server"
    if wanted not in RENDERERS:
        raise ValueError(f"setting {RENDERER_ENV}={wanted!r} is not one of: {', '.join(RENDERERS)}")
    return wanted if dot_available() else "browser"


def graph_alt(result: Result, what: str = N_("Decision tree with the path for your answers highlighted")) -> str:
    """What the graph shows, in words, for screen readers (the table below has the detail)."""
    steps = [f"{step.question.short_label}: {step.option_label}" for step in result.path]
    if result.outcome is not None:
        steps.append(_("result: {title}").format(title=result.outcome.title))
    elif result.next_question is not None:
        steps.append(_("next question: {label}").format(label=result.next_question.short_label))
    path = "; ".join(steps) if steps else _("no answer yet")
    return _("{what}. Path: {path}").format(what=_(what), path=path)


def path_alt(result: Result) -> str:
    """What the narrow graph (the path alone, top to bottom) shows, in words."""
    return graph_alt(result, N_("The path for your answers, drawn top to bottom"))


_SVG_SIZE = re.compile(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_FONT_SIZE = re.compile(rb'font-size="([\d.]+)"')


def legible_svg(svg: bytes) -> bytes:
    """The SVG with its size in CSS px set so that its smallest text measures GRAPH_TEXT_PX (Graphviz gives the
    size in points at 1 point per user unit); the page shows it at this size or wider, never narrower."""
    size = _SVG_SIZE.search(svg)
    fonts = [float(f) for f in _FONT_SIZE.findall(svg)]
    if size is None or not fonts:
        return svg
    scale = GRAPH_TEXT_PX / min(fonts)
    width, height = (float(v) * scale for v in size.groups())
    return svg[:size.start()] + f'<svg width="{width:.2f}px" height="{height:.2f}px"'.encode() + svg[size.end():]


def svg_data_uri(svg: bytes) -> str:
    """An SVG as a data: URI for an <img>: the browser shows it as a picture and runs nothing in it."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def path_table(result: Result) -> pd.DataFrame:
    columns = [_("Step"), _("Question"), _("Answer"), _("Why it matters"), _("Basis")]
    rows = [[i, step.question.prompt, step.option_label, step.why.text, cite(step.why)]
            for i, step in enumerate(result.path, 1)]
    if result.outcome is not None:
        for t in result.treatments:
            rows.append([_("Result"), result.outcome.title, t.label, t.explanation.text, cite(t.explanation)])
    elif result.next_question is not None:
        rows.append([_("Next"), result.next_question.prompt, _("(not answered yet)"), result.next_question.why.text,
                     cite(result.next_question.why)])
    return pd.DataFrame([dict(zip(columns, row)) for row in rows], columns=columns).astype(str)


# ---- markdown and chart helpers ------------------------------------------------------------------------


def cite(statement: Statement) -> str:
    parts = [citation(b) for b in statement.basis]
    if statement.editorial:
        parts.append(_("editorial assumption"))
    return "; ".join(parts)


#: Characters that are markup anywhere in a line, and ":" or "." touching the next character (emoji and
#: directive codes such as :red[...], bare web addresses that would become links).
_INLINE_MARKUP = re.compile(r"[\\`*_{}\[\]<>|~$&]|[:.](?=\S)")


#: What starts a heading, list, quote or rule at the beginning of a line.
_LINE_MARKUP = re.compile(r"^([ \t]*)(?:([-+#=])|(\d+)([.)]))", re.M)


def plain(text: str) -> str:
    """Escape text for Streamlit markdown, so nothing from a link or a file is read as markup.

    Only what markdown would read is escaped, so labels also read cleanly where Streamlit shows them raw
    (for example a help button's accessible name): "(CNS)" and "B-cell" stay as they are.
    """
    text = _INLINE_MARKUP.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_MARKUP.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else
                                                     m.group(3) + "\\" + m.group(4)), text)


#: A Markdown backslash escape (kept as it is), or an angle bracket (escaped).
_ESCAPE_OR_ANGLE = re.compile(r"\\.|[<>]", re.S)


def text_only(md: str) -> str:
    """Markdown with every ``<`` and ``>`` that is not already escaped escaped, so that Markdown read with raw HTML
    allowed still shows no tag of it: the page's one such element (the category cards, app.py ``cards_md``) wraps
    only its own fixed tags around texts passed through here. Escapes are read left to right, so an escaped
    backslash before a bracket does not count as escaping it."""
    return _ESCAPE_OR_ANGLE.sub(lambda m: m.group(0) if len(m.group(0)) == 2 else "\\" + m.group(0), md)


def quoted(text: str) -> str:
    """Text from a link, quoted as a code span: markdown, links and web addresses in it stay plain text."""
    shown = " ".join((text if len(text) <= NOTICE_MAX else text[:NOTICE_MAX] + "…").split()) or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", shown)), default=0) + 1)
    return f"{fence} {shown} {fence}"


def statement_md(statement: Statement | Item, prefix: str = "", quotes: bool = False) -> str:
    """A statement (or a shown item) as markdown: its text, an editorial-assumption badge with the reason, its
    basis, and (``quotes``) the source's own words it rests on, as "What the source says"."""
    lines = [prefix + plain(statement.text)]
    if statement.editorial:
        lines.append(f":orange-badge[:material/info: {_(EDITORIAL_WORDS)}] :small[:gray[{plain(statement.editorial)}]]")
    basis = "; ".join(citation(b) for b in statement.basis)
    if basis:
        lines.append(":small[:gray[" + _("Basis: {basis}").format(basis=plain(basis)) + "]]")
    if quotes:
        # the quote in a span of its own: on a page in another language the page marks it lang="en" (i18n.py)
        lines += [":small[" + _("What the source says ({citation}):").format(citation=plain(citation(b)))
                  + f"] :small[“{plain(b.quote)}”]" for b in statement.basis if b.quote]
    return "  \n".join(lines)


item_md = statement_md


def result_view(seen: Shown) -> ResultView | None:
    """The compact result: the outcome, the answers in words, each category (with † and the reason in words
    where an editorial assumption puts it there)."""
    if not seen.complete or seen.title is None:
        return None
    lines = [f"- {plain(c.label)}" + (f" {EDITORIAL}" if c.is_editorial else "") for c in seen.categories]
    if any(c.is_editorial for c in seen.categories):
        lines.append("\n:small[" + _("{mark} marks a category an editorial assumption puts here; the reason is on "
                                     "its card below.").format(mark=EDITORIAL) + "]")
    body = (f"## {plain(seen.title)}\n\n:small[" + _("For: {situation}").format(situation=plain(seen.label))
            + "]\n\n" + _("**The source documents these treatment categories:**") + "\n\n" + "\n".join(lines))
    return ResultView(title=seen.title, situation=seen.label, categories=seen.categories, markdown=body)


def card_md(category: CategoryShown) -> str:
    """A category's card: its title as a heading (screen readers jump between them), what it is, why it is here."""
    mark = f" {EDITORIAL}" if category.is_editorial else ""
    return (f"#### {plain(category.label)}{mark}\n\n{item_md(category.description)}\n\n"
            + item_md(category.explanation, prefix=_("*Why it appears here:* ")))


def outlook_md(seen: Shown) -> str:
    """What the outlook can depend on (no figures: those are in their own section)."""
    return "\n\n".join(item_md(i) for i in seen.by_role(OUTLOOK_BASIS))


#: How a figure relates to the answers, in plain words on the page.
FIGURE_WORDS = {True: N_("the situation you described"), False: N_("not the situation you described"),
                None: N_("no answer given decides whether it is the situation you described")}


#: Each figure's bar colour (3:1 or more against white).
FIGURE_COLOURS = {True: "#1f4e79", False: "#8090a3", None: "#5b7fa3"}


def figures_md(seen: Shown) -> str:
    """The outlook notes that apply, after "About these figures" (the caution before the numbers); each figure
    as text too, saying whether it is the situation described."""
    parts = [item_md(i, prefix=f"**{plain(i.title)}:** ") for i in seen.by_role(FIGURES_CONTEXT)]
    for note in seen.by_role(OUTLOOK_NOTE):
        parts.append(item_md(note, prefix=f"### {plain(note.title)}\n\n"))
        figures = [f for f in seen.by_role(FIGURE) if f.note == note.note]
        if figures:
            parts.append("\n".join(f"- {plain(f.title)}: **{plain(f.text)}** ({_(FIGURE_WORDS[f.applies])})"
                                   for f in figures))
    if not seen.by_role(OUTLOOK_NOTE):
        parts.append(":small[:gray[" + _("Outlook notes that apply appear as you answer.") + "]]")
    return "\n\n".join(parts)


def figure_chart(seen: Shown) -> dict[str, Any] | None:
    """A Vega-Lite spec: bars on a 0–100% scale, each labelled exactly as the source gives the figure."""
    match = {k: _(v) for k, v in FIGURE_WORDS.items()}
    figures = seen.by_role(FIGURE)
    rows = [{"Figure": f.title, "Percent": f.figure.value if f.figure else 0, "Display": f.text,
             "Applies": match[f.applies]} for f in figures]
    present = [k for k in match if any(f.applies is k for f in figures)]
    if len(rows) < 2:  # a single figure reads better as text than as one bar
        return None
    y = {"field": "Figure", "type": "nominal", "title": None, "sort": None, "axis": {"labelLimit": 420}}
    x = {"field": "Percent", "type": "quantitative", "title": _("Percent (as the source gives it)"),
         "scale": {"domain": [0, 100]}}
    # Bars meet 3:1 against white (WCAG 1.4.11); colour is not the only mark: the text ticks the bars that match
    # the answers (1.4.1).
    color = {"field": "Applies", "type": "nominal", "title": None, "legend": {"orient": "bottom", "labelLimit": 0},
             "scale": {"domain": [match[k] for k in present], "range": [FIGURE_COLOURS[k] for k in present]}}
    label = f"datum.Applies === {json.dumps(match[True])} ? '✔ ' + datum.Display : datum.Display"
    return {
        "data": {"name": FIGURES_DATASET},
        "datasets": {FIGURES_DATASET: arrow_bytes(rows)},  # encoded once per answer set, not on every click
        "layer": [
            {"mark": {"type": "bar", "height": 18},
             "encoding": {"x": x, "y": y, "color": color}},  # no hover tooltip: its text is on the page (1.4.13)
            {"mark": {"type": "text", "align": "left", "dx": 4}, "transform": [{"calculate": label, "as": "Label"}],
             "encoding": {"x": x, "y": y, "text": {"field": "Label"}}},
        ],
        # Streamlit's chart theme draws axis and legend text in #808495 (3.7:1 on white): darker, for AA (1.4.3).
        "config": {"axis": {"labelColor": CHART_TEXT, "titleColor": CHART_TEXT},
                   "legend": {"labelColor": CHART_TEXT, "titleColor": CHART_TEXT}},
    }


def arrow_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Rows as Arrow IPC bytes, the form Streamlit sends chart data in; given as bytes, a chart's dataset is
    passed through as it is instead of being converted on every rerun (docs/performance.md, fix 10)."""
    table = pa.Table.from_pylist(rows)
    sink = pa.BufferOutputStream()
    with pa.RecordBatchStreamWriter(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def basis_md(seen: Shown) -> str:
    """The inputs, each decision with why it matters, the basis of every statement shown (with the source's own
    words where the content quotes them), and the intended use."""
    pathway = seen.pathway
    meta = pathway.content.metadata
    parts = ["### " + _("Inputs used")]
    inputs = [f"- {plain(a.prompt)} → **{plain(a.option_label)}**"
              + ("" if a.used else _(" (not used: not on the path yet)")) for a in seen.answers]
    parts.append("\n".join(inputs) or _("No answers yet."))
    parts.append("### " + _("Decisions taken"))
    for i, item in enumerate(seen.by_role(QUESTION_WHY), 1):
        answer = next((a for a in seen.answers if a.prompt == item.title), None)
        lead = (f"{i}\\. " + _("At “{question}” the answer “{answer}” leads on. ").format(
                    question=plain(answer.short_label), answer=plain(answer.option_label)) if answer else f"{i}\\. ")
        parts.append(item_md(item, prefix=lead + _("Why it matters: "), quotes=True))
    for item in seen.by_role(QUESTION_HELP, OPTION_HELP):
        parts.append(item_md(item, prefix=f"*{plain(item.title)}:* ", quotes=True))
    if seen.title is not None:
        parts.append("### " + _("Result: {title}").format(title=plain(seen.title)))
        parts += [item_md(i, quotes=True) for i in seen.by_role(SUMMARY)]
        parts += [item_md(c.explanation, prefix=f"**{plain(c.label)}** {EDITORIAL if c.is_editorial else ''} ",
                          quotes=True) for c in seen.categories]
        parts += [item_md(i, prefix=_("**Note:** "), quotes=True) for i in seen.by_role(NOTE)]
    outlook = seen.by_role(OUTLOOK_BASIS, OUTLOOK_NOTE, FIGURES_CONTEXT)
    if outlook:
        parts.append("### " + _("Outlook"))
        parts += [item_md(i, prefix=f"**{plain(i.title)}:** ", quotes=True) for i in outlook]
    parts.append("### " + _("Intended use and population"))
    parts.append(_("{intended_use}  \n*Audience:* {audience}  \n*Population:* {population}  \n"
                   "*Editorial assumptions:* {policy}").format(
        intended_use=plain(meta.intended_use), audience=plain(meta.audience), population=plain(meta.population),
        policy=plain(meta.editorial_policy)))
    parts += [_("*Source* `{id}`: {title}. {description}").format(id=plain(s.id), title=plain(s.title),
                                                                   description=plain(s.description))
              for s in pathway.content.sources]
    return "\n\n".join(parts)


# ---- every situation, a comparison, the handout: each built only when its panel or button asks ---------------


def _made(key: str) -> datetime.date:
    return datetime.date.fromisoformat(key.rsplit("@", 1)[1])


def dated(key: str) -> str:
    """The cache key of a file version and today (what a download says it was made on)."""
    return f"{key}@{datetime.date.today().isoformat()}"


@st.cache_resource(show_spinner=False, max_entries=8)
def situations_view(_pathway: Pathway, key: str) -> dict[str, Any]:
    """The decision table (every complete situation x every category) and its CSV, once per file version and day."""
    table = decision_table(_pathway)
    return {"table": table, "csv": table_csv(table, _made(key)),
            "labels": {row.situation.key: row.situation.label for row in table.rows},
            "titles": {row.situation.key: row.situation.outcome.title for row in table.rows}}


@st.cache_resource(show_spinner=False, max_entries=64)
def situations_frame(_pathway: Pathway, key: str, current: str | None) -> pd.DataFrame:
    """The table to show: a row per situation (its answers in words as the row header, "(on screen)" for the one
    shown), a column per category, each cell its mark and its words (✔ shown, ✘ not shown, † editorial)."""
    table = situations_view(_pathway, key)["table"]
    questions = _pathway.tree_questions()
    index, rows = [], []
    for row in table.rows:
        answers = {s.question.id: s.option_label for s in row.situation.result.path}
        words = " · ".join(answers.get(q.id, "—") for q in questions)
        index.append(plain(words + (_(" (on screen)") if row.situation.key == current else "")))
        rows.append([f"{c.mark} {c.words}" for c in row.cells])
    frame = pd.DataFrame(rows, index=pd.Index(index, name=_("Situation")),
                         columns=[plain(c.label) for c in table.categories])
    return frame


def editorial_reasons_md(table: DecisionTable) -> str:
    """The reason of every editorial mark in the table, once per reason, with where it applies."""
    labels = {c.id: c.label for c in table.categories}
    where: dict[str, list[str]] = {}
    for row in table.rows:
        for cell in row.cells:
            if cell.editorial:
                where.setdefault(cell.editorial, []).append(f"{row.situation.label}: {labels[cell.category_id]}")
    lines = [f"- {EDITORIAL} {plain(reason)} :small[:gray[({plain('; '.join(places))})]]"
             for reason, places in where.items()]
    return "\n".join(lines)


@dataclass(frozen=True)
class ComparisonView:
    """Two situations side by side, rendered from the comparison of their ``Shown``: the table (its columns named
    for the two situations), what differs, and each side's markdown."""

    comparison: Comparison
    names: tuple[str, str]
    table: pd.DataFrame
    table_alt: str
    differs_md: str
    sides: tuple[str, str]


@st.cache_resource(show_spinner=False, max_entries=512)
def comparison_view(_pathway: Pathway, key: str, answers: tuple[tuple[str, str], ...], other: str) -> ComparisonView:
    """Two situations side by side: the comparison, its table, what differs, and each side's markdown."""
    first = shown(evaluate(_pathway, dict(answers)))
    second = shown(evaluate(_pathway, second_answers(_pathway, situation_by_key(_pathway, other), dict(answers))))
    comparison = compare(first, second)
    names = (_("1 (on screen): {title}").format(title=first.title), _("2: {title}").format(title=second.title))
    category, where, yes, no = _("Category"), _("Where"), _("✔ shown"), _("✘ not shown")
    rows = [{category: (line.first or line.second).label if (line.first or line.second) else line.category.label,
             names[0]: yes if line.first else no,
             names[1]: yes if line.second else no,
             where: f"{line.symbol} {line.words}"} for line in comparison.categories]
    table = pd.DataFrame(rows, columns=[category, *names, where])
    alt = _("Each category shown in either situation: shown or not in situation 1 ({first}) and in situation 2 "
            "({second}), and where").format(first=first.title, second=second.title)
    return ComparisonView(comparison=comparison, names=names, table=table, table_alt=alt,
                          differs_md=differs_md(comparison), sides=(side_md(comparison, 1), side_md(comparison, 2)))


def _where(place: str) -> str:
    return {ONLY_FIRST: _("only in situation 1"), ONLY_SECOND: _("only in situation 2")}.get(place, "")


def difference_md(difference: Difference) -> str:
    """One difference in words: what it is about, on which side, and how."""
    a, b, item = difference.first, difference.second, difference.item
    role, place = difference.role, difference.place
    if role == CATEGORY:
        if place != DIFFERENT:
            return f"**{plain(item.title)}**: {_where(place)}"
        assert a is not None and b is not None
        if a.title != b.title:
            return f"**{plain(a.title)}**: " + _("named “{first}” in situation 1 and “{second}” in situation 2").format(
                first=plain(a.title), second=plain(b.title))
        return f"**{plain(a.title)}**: " + _("what it is, worded differently")
    if role == EXPLANATION:
        if place != DIFFERENT:
            return f"**{plain(item.title)}**: " + _("why it appears, {where}").format(where=_where(place))
        assert a is not None and b is not None
        marks = ""
        if bool(a.editorial) != bool(b.editorial):
            marks = "; " + _("{mark} an editorial assumption in situation {number} only").format(
                mark=EDITORIAL, number=1 if a.editorial else 2)
        return f"**{plain(item.title)}**: " + _("why it appears is worded differently") + marks
    if role == NOTE:
        return _("A note {where}: “{text}”").format(where=_where(place), text=plain(item.text))
    if role == SUMMARY:
        return (_("The outcome's summary is worded differently") if place == DIFFERENT
                else _("The summary {where}").format(where=_where(place)))
    if role == GROUP_INTRO:
        return (_("The introduction to “{title}”: ").format(title=plain(item.title))
                + (_where(place) or _("worded differently")))
    if role == OUTLOOK_NOTE:
        return (_("Outlook note “{title}”: ").format(title=plain(item.title))
                + (_where(place) or _("worded differently")))
    if role == FIGURE:
        if place != DIFFERENT:
            return _("Figure “{title}” ({text}): {where}").format(title=plain(item.title), text=plain(item.text),
                                                                  where=_where(place))
        assert a is not None and b is not None
        return _("Figure “{title}”: {first}, {first_match}, in situation 1; {second}, {second_match}, in situation 2"
                 ).format(title=plain(a.title), first=plain(a.text), first_match=_(FIGURE_WORDS[a.applies]),
                          second=plain(b.text), second_match=_(FIGURE_WORDS[b.applies]))
    if role == FIGURES_CONTEXT:
        return (_("“{title}” (where figures are shown): ").format(title=plain(item.title))
                + (_where(place) or _("worded differently")))
    return f"“{plain(item.title)}”: " + (_where(place) or _("worded differently"))


def differs_md(comparison: Comparison) -> str:
    """What differs, computed from what each side shows; "nothing" only when they show the same statements."""
    if comparison.same_statements:
        return "### " + _("What differs") + "\n\n" + _("Nothing: both situations show the same statements.")
    lines = [f"- {d.symbol} {difference_md(d)}" for d in comparison.differences
             if not (d.role == EXPLANATION and d.place != DIFFERENT)]  # a category on one side only is named once
    return ("### " + _("What differs") + "\n\n:small[" + _("✔ ✘ only in situation 1 · ✘ ✔ only in situation 2 · ≠ in "
                                                           "both, not the same") + "]\n\n" + "\n".join(lines))


def side_md(comparison: Comparison, number: int) -> str:
    """One side as the page shows it: its situation, each category with its mark and its reason (editorial ones
    badged), its notes, and its outlook with "About these figures" before the figures."""
    side = comparison.first if number == 1 else comparison.second
    seen = side.shown
    on_screen = _(" (on screen)") if number == 1 else ""
    parts = ["### " + _("Situation {number}{on_screen}: {title}").format(number=number, on_screen=on_screen,
                                                                         title=plain(seen.title or "")),
             ":small[" + _("For: {situation}").format(situation=plain(seen.label)) + "]",
             "#### " + _("Treatment categories")]
    for line in comparison.categories:
        category = next((c for c in seen.categories if c.id == line.category.id), None)
        if category is None:
            parts.append(f"{line.symbol} " + _("{category}: not shown here ({where})").format(
                category=plain(line.category.label), where=line.words.lower()))
            continue
        mark = f" {EDITORIAL}" if category.is_editorial else ""
        parts.append(item_md(category.explanation, prefix=f"{line.symbol} **{plain(category.label)}**{mark} "
                                                          f"({line.words.lower()}). " + _("Why it appears here: ")))
    notes = seen.by_role(NOTE)
    if notes:
        parts.append("#### " + _("Notes"))
        parts += [item_md(n, prefix=_("**Note:** ")) for n in notes]
    outlook = seen.by_role(OUTLOOK_NOTE)
    if outlook:
        parts.append("#### " + _("Outlook"))
        parts += [item_md(i, prefix=f"**{plain(i.title)}:** ") for i in seen.by_role(FIGURES_CONTEXT)]
        for note in outlook:
            parts.append(item_md(note, prefix=f"**{plain(note.title)}:** "))
            figures = [f for f in seen.by_role(FIGURE) if f.note == note.note]
            if figures:
                parts.append("\n".join(f"- {plain(f.title)}: **{plain(f.text)}** ({_(FIGURE_WORDS[f.applies])})"
                                       for f in figures))
    return "\n\n".join(parts)


@st.cache_resource(show_spinner=False, max_entries=64)
def handout_bytes(_pathway: Pathway, key: str, answers: tuple[tuple[str, str], ...],
                  link: str | None = None, language: str = "en", _clinic: Any = None, clinic_key: str = "") -> bytes:
    """The PDF handout of one answer set, made on the first click on its download and kept (docs/handout.md);
    ``link`` (the view's address) is printed at its end as text and a QR code. ``language``: the page's, given
    explicitly because a deferred download runs outside the page's run."""
    with use_language(language):
        return handout_pdf(evaluate(_pathway, dict(answers)), _made(key), link=link, clinic=_clinic)


@st.cache_resource(show_spinner=False, max_entries=64)
def comparison_bytes(_pathway: Pathway, key: str, answers: tuple[tuple[str, str], ...], other: str,
                     link: str | None = None, language: str = "en", _clinic: Any = None,
                     clinic_key: str = "") -> bytes:
    """The PDF handout of a comparison, made on the first click on its download and kept (``link`` printed)."""
    with use_language(language):
        return comparison_pdf(comparison_view(_pathway, key, answers, other).comparison, _made(key), link=link,
                              clinic=_clinic)


@st.cache_resource(show_spinner=False, max_entries=8)
def _situation_keys(_pathway: Pathway, file: str, version: str) -> tuple[str, ...]:
    try:
        return tuple(s.key for s in complete_situations(_pathway))
    except PathwayError:  # too many to list: no comparison from a link
        return ()


def situation_keys(pathway: Pathway) -> tuple[str, ...]:
    """The keys of every complete situation (what a link's ``compare`` may name)."""
    return _situation_keys(pathway, pathway.file, pathway.content.metadata.version)


# ---- the family reading (plain texts; sources and reasons one tap away) ----------------------------------------


#: The family reading's words used inside f-strings below (marked here so that extraction finds them).
N_("Our reading:"), N_("Said more simply:"), N_("Why it is here:"), N_("Good to know:")


@dataclass(frozen=True)
class Sourced:
    """A plain text as markdown, with what its marker opens: where it comes from, the source's words, our reading."""

    key: str
    markdown: str
    editorial: bool
    sources_md: str
    title: str = ""  # the item's own title (an outlook note's), what its marker is named for


@dataclass(frozen=True)
class FamilyView:
    """What one set of answers shows in the family reading, from the same ``Shown`` as the clinician reading."""

    result_md: str | None
    summary: tuple[Sourced, ...]
    groups: tuple[tuple[str, tuple[Sourced, ...], tuple[tuple[str, str, tuple[Sourced, ...]], ...]], ...]
    notes: tuple[Sourced, ...]
    outlook: tuple[Sourced, ...]
    figures: tuple[Sourced, ...]
    figure_lines: str


#: Letters a diacritic-stripping decomposition leaves whole, written as the heading anchors' slugify writes them.
_SLUG_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d",
                               "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D"})


def _glossary_anchor(term: str) -> str:
    """The anchor Streamlit gives a heading with this text, so a link lands on it. Streamlit's front end slugifies
    a heading (@sindresorhus/slugify, transliterating): "&" read as "and", accents dropped ("Sistémica" ->
    "sistemica", "Células" -> "celulas"), dashes as "-", camelCase split, lower case, "'s"/"'t" joined, every other
    run of characters one "-", none at either end."""
    text = unicodedata.normalize("NFKC", term.replace("&", " and ")).translate(_SLUG_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = "".join("-" if unicodedata.category(c) == "Pd" else c for c in unicodedata.normalize("NFC", text))
    text = re.sub(r"([A-Z]{2})(\d+)", r"\1 \2", text)  # decamelize, as slugify does
    text = re.sub(r"([a-z\d])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Z])([A-Z](?!s(?![a-z]))[a-z\d]+)", r"\1 \2", text)
    text = re.sub(r"([a-z\d])['\u2019]([ts])(?![a-z\d])", r"\1\2", text.lower())
    return re.sub(r"[^a-z\d]+", "-", text).strip("-")


def linked(text: str, terms: frozenset[str]) -> str:
    """Plain markdown of ``text`` with the first use of each medical word linked to its glossary entry."""
    from pathways.family import GLOSSARY_LINKS

    out = plain(text)
    for word, term in GLOSSARY_LINKS.items():
        word, term = _(word), _(term)  # the word as this language's plain texts write it, the term as its glossary
        if term not in terms:
            continue
        match = re.search(rf"(?<![\w\[]){re.escape(plain(word))}(?![\w\]])", out, re.I)
        if match:
            out = (out[:match.start()] + f"[{match.group(0)}](#{_glossary_anchor(term)})" + out[match.end():])
    return out


def _terms(pathway: Pathway) -> frozenset[str]:
    return frozenset(i.title for _, _, items in reference_items(pathway) for i in items if i.title)


def sources_md(item: Item) -> str:
    """What a marker opens: our reading (the editorial reason, and why the plain text simplifies), then where in
    the article the text comes from and the article's own words."""
    from pathways.family import EDITORIAL_MARKER

    lines = []
    if item.editorial:
        lines.append(f"**{EDITORIAL_MARKER} {_('Our reading:')}** {plain(item.editorial)}")
    simplified = getattr(item.statement, "plain_editorial", None) if item.statement is not None else None
    if simplified:
        lines.append(f"**{_('Said more simply:')}** {plain(simplified)}")
    for basis in item.basis:
        who = _(", reporting {who}").format(who=plain(basis.reported_by)) if basis.reported_by else ""
        quote = f": “{plain(basis.quote)}”" if basis.quote else ""
        lines.append(_("**From** the article, part “{section}”{who}").format(
            section=plain(basis.section.replace('-', ' ')), who=who) + quote)
    return "\n\n".join(lines) or _("We wrote this; it rests on no source.")


def sourced(item: Item, terms: frozenset[str], prefix: str = "") -> Sourced:
    from pathways.family import EDITORIAL_MARKER, plain_of

    mark = f" {EDITORIAL_MARKER}" if item.is_editorial else ""
    return Sourced(item.key, prefix + linked(plain_of(item), terms) + mark, item.is_editorial, sources_md(item),
                   item.title or "")


@st.cache_resource(show_spinner=False, max_entries=512)
def _family_view(_pathway: Pathway, key: str, answers: tuple[tuple[str, str], ...]) -> FamilyView:
    from pathways.family import EDITORIAL_MARKER, EDITORIAL_MARKER_WORDS, GROUP_HEADINGS

    seen = shown(evaluate(_pathway, dict(answers)))
    terms = _terms(_pathway)
    result_md = None
    if seen.complete and seen.title is not None:
        lines = [f"- {plain(c.label)}" + (f" {EDITORIAL_MARKER}" if c.is_editorial else "") for c in seen.categories]
        if any(c.is_editorial for c in seen.categories):
            lines.append(f"\n:small[{EDITORIAL_MARKER} " + _("{words}: the article is not clear here and we say how "
                         "we read it (tap the marker on its card).").format(words=_(EDITORIAL_MARKER_WORDS)) + "]")
        result_md = (f"## {plain(seen.title)}\n\n:small[" + _("For: {situation}").format(situation=plain(seen.label))
                     + "]\n\n**" + _("The article names these kinds of treatment:") + "**\n\n" + "\n".join(lines))
    groups = []
    for group in _pathway.content.category_groups:
        cats = [c for c in seen.categories if c.group == group.id]
        if not cats:
            continue
        intro = tuple(sourced(i, terms) for i in seen.by_role(GROUP_INTRO) if i.group == group.id)
        cards = tuple((c.id, f"#### {plain(c.label)}" + (f" {EDITORIAL_MARKER}" if c.is_editorial else ""),
                       (sourced(c.description, terms), sourced(c.explanation, terms, f"*{_('Why it is here:')}* ")))
                      for c in cats)
        heading = _(GROUP_HEADINGS[group.id]) if group.id in GROUP_HEADINGS else group.label
        groups.append((f"### {plain(heading)}", intro, cards))
    figures = [f for f in seen.by_role(FIGURE)]
    figure_lines = "\n".join(f"- {plain(f.title)}: **{plain(f.text)}** ({_(FIGURE_WORDS[f.applies])})" for f in figures)
    return FamilyView(
        result_md=result_md,
        summary=tuple(sourced(i, terms) for i in seen.by_role(SUMMARY)),
        groups=tuple(groups),
        notes=tuple(sourced(i, terms, f"**{_('Good to know:')}** ") for i in seen.by_role(NOTE)),
        outlook=tuple(sourced(i, terms) for i in seen.by_role(OUTLOOK_BASIS)),
        figures=tuple(sourced(i, terms, f"**{plain(i.title)}:** ") for i in seen.by_role(FIGURES_CONTEXT, OUTLOOK_NOTE)),
        figure_lines=figure_lines,
    )


def family_view_for(pathway: Pathway, key: str, answers: dict[str, str]) -> FamilyView:
    return _family_view(pathway, key, tuple(sorted(answers.items())))


@st.cache_resource(show_spinner=False, max_entries=8)
def family_reference(_pathway: Pathway, key: str) -> tuple[tuple[str, tuple[tuple[str, Sourced], ...]], ...]:
    """The reference sections in plain texts: (section title, ((item heading, text), ...)); the glossary's terms
    are headings, so the medical words in the plain texts can link to them."""
    terms = _terms(_pathway)
    sections = []
    for section_id, title, items in reference_items(_pathway):
        entries = []
        for item in items:
            is_entry = item.key.split(".")[-2] == "items"
            heading = item.title if is_entry and item.title else ""
            entries.append((heading, sourced(item, terms)))
        sections.append((title, tuple(entries)))
    return tuple(sections)


@st.cache_resource(show_spinner=False, max_entries=64)
def family_handout_bytes(_pathway: Pathway, key: str, answers: tuple[tuple[str, str], ...], link: str,
                         _clinic: Any, clinic_key: str, language: str = "en") -> bytes:
    """The family handout (PDF) of one answer set, made on the first click on its download and kept;
    ``language``: the page's, given explicitly because a deferred download runs outside the page's run."""
    from pathways.outputs.family_handout import family_handout_pdf

    with use_language(language):
        return family_handout_pdf(shown(evaluate(_pathway, dict(answers))), link=link or None, clinic=_clinic,
                                  made=_made(key))


@st.cache_resource(show_spinner=False, max_entries=8)
def _clinic_cached(path: str, stamp: tuple[int, int]) -> Any:
    from pathways.clinic import load_clinic

    return load_clinic(path)


def current_clinic() -> tuple[Any, str]:
    """The clinic's details the deployment names (None when unset) and a key for caching; raises ClinicError."""
    from pathways.clinic import CLINIC_ENV, load_clinic

    path = os.environ.get(CLINIC_ENV) or ""
    if not path:
        return None, ""
    try:
        info = os.stat(path)
    except OSError:
        return load_clinic(path), ""  # raises ClinicError naming the file
    stamp = (info.st_mtime_ns, info.st_size)
    return _clinic_cached(path, stamp), repr((path, stamp))
