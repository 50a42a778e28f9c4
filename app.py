"""Streamlit front end of the pathway explorer: presentation only; every clinical word comes from pathways/."""

from __future__ import annotations

import base64
import datetime
import os
import re
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st

import serving
from pathways import Pathway, PathwayError, ValidationFailed, load_pathway, resolve_pathway
from pathways.evaluate import Result, citation, evaluate
from pathways.export import about_lines, graph_footer, to_csv, to_markdown
from pathways.model import Statement
from pathways.render import DRAW_LIMIT, FOCUS_THRESHOLD, dot_available, render_svg, to_dot

PATHWAY_ENV = "PATHWAY_FILE"
#: Who draws the graph: "server" (default) renders SVG once per answer set with Graphviz's dot and the page
#: shows it as an image; "browser" sends DOT to st.graphviz_chart, which lays it out in the browser on every
#: click (several times slower to settle: docs/performance.md). Without dot on the server, "browser" is used.
RENDERER_ENV = "GRAPH_RENDERER"
RENDERERS = ("server", "browser")
#: Query parameters that belong to Streamlit itself (iframe embedding), never reported as unknown.
STREAMLIT_PARAMS = ("embed", "embed_options")
#: Name of the outlook chart's dataset in its Vega-Lite spec.
FIGURES_DATASET = "figures"
#: Longest piece of a link quoted back in a notice.
NOTICE_MAX = 60
GENERIC_DISCLAIMER = (
    "This is an educational aid, not medical advice. It does not replace the care team. "
    "Nothing is shown while its content is invalid."
)


# ---- loading (once per process and file version) ---------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(path: str, stamp: tuple[int, int]) -> Pathway:
    """Load and validate once per file version; a failure is not cached, so it is re-checked next time."""
    return load_pathway(path)


@st.cache_resource(show_spinner=False)
def _tune_process() -> bool:
    """Once per process, after the first load: freeze the long-lived heap and let small messages leave at
    once (serving.py; both were measured, docs/performance.md)."""
    serving.tune_process()
    return True


@st.cache_resource(show_spinner=False, max_entries=8)
def served_path(ref: str | None) -> str:
    """The file a setting names, looked up once per process (a lookup lists the content folder); a failed
    lookup raises and is not remembered."""
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
    return _load(path, stamp), pathway_key((path, stamp))


# ---- per-answer work (cached) ------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=512)
def _view(_pathway: Pathway, key: str, answers: tuple[tuple[str, str], ...], full: bool,
          renderer: str) -> dict[str, Any]:
    """Everything derived from one set of answers: the result, the graph and the downloads."""
    result = evaluate(_pathway, dict(answers))
    made = datetime.date.fromisoformat(key.rsplit("@", 1)[1])
    download_dot = to_dot(_pathway, result, full=True, footer=graph_footer(_pathway, made))
    dot = to_dot(_pathway, result, full=full)
    return {
        "result": result,
        "dot": dot,
        "graph_alt": graph_alt(result),
        "drawable": len(_pathway.nodes) <= DRAW_LIMIT,  # small enough to draw whole (in the page, as SVG)
        "svg_uri": svg_data_uri(render_svg(dot)) if renderer == "server" else None,
        "download_dot": download_dot,
        "markdown": to_markdown(result, made),
        "csv": to_csv(result, made),
        "path_table": _path_table(result),
        "chart": figure_chart(result),
        "outlook_md": outlook_md(_pathway, result),
        "basis_md": basis_md(_pathway, result),
        "cards": {t.id: card_md(t) for t in result.treatments},
    }


@st.cache_resource(show_spinner=False, max_entries=8)
def _static(_pathway: Pathway, key: str) -> dict[str, Any]:
    """Markdown that depends only on the pathway (reference sections, the about block, group intros)."""
    sections = []
    for section in _pathway.content.reference:
        parts = [statement_md(section.intro)] if section.intro is not None else []
        parts += [statement_md(item, prefix=f"**{plain(item.term)}:** " if item.term else "") for item in section.items]
        sections.append((plain(section.title), "\n\n".join(parts)))
    lines = [f"**{label}:** {plain(value)}" for label, value in about_lines(_pathway) if label != "Made on"]
    groups = {g.id: (f"#### {plain(g.label)}" + (f"\n\n{statement_md(g.intro)}" if g.intro else ""))
              for g in _pathway.content.category_groups}
    return {"reference": sections, "about": "#### About this explorer\n\n" + "  \n".join(lines), "groups": groups}


def view_for(pathway: Pathway, key: str, answers: dict[str, str], full: bool) -> dict[str, Any]:
    made = datetime.date.today().isoformat()
    return _view(pathway, f"{key}@{made}", tuple(sorted(answers.items())), full, graph_renderer())


def graph_renderer() -> str:
    """The renderer the settings ask for ("server" unless dot is missing); raises ValueError on an unknown one."""
    wanted = os.environ.get(RENDERER_ENV) or "server"
    if wanted not in RENDERERS:
        raise ValueError(f"setting {RENDERER_ENV}={wanted!r} is not one of: {', '.join(RENDERERS)}")
    return wanted if dot_available() else "browser"


def graph_alt(result: Result) -> str:
    """What the graph shows, in words, for screen readers (the table below has the detail)."""
    steps = [f"{step.question.short_label}: {step.option_label}" for step in result.path]
    if result.outcome is not None:
        steps.append(f"result: {result.outcome.title}")
    elif result.next_question is not None:
        steps.append(f"next question: {result.next_question.short_label}")
    path = "; ".join(steps) if steps else "no answer yet"
    return f"Decision tree with the path for your answers highlighted. Path: {path}"


def svg_data_uri(svg: bytes) -> str:
    """An SVG as a data: URI for an <img>: the browser shows it as a picture and runs nothing in it."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _path_table(result: Result) -> pd.DataFrame:
    rows = [
        {
            "Step": i,
            "Question": step.question.prompt,
            "Answer": step.option_label,
            "Why it matters": step.why.text,
            "Basis": _cite(step.why),
        }
        for i, step in enumerate(result.path, 1)
    ]
    if result.outcome is not None:
        for t in result.treatments:
            rows.append({"Step": "Result", "Question": result.outcome.title, "Answer": t.label,
                         "Why it matters": t.explanation.text, "Basis": _cite(t.explanation)})
    elif result.next_question is not None:
        rows.append({"Step": "Next", "Question": result.next_question.prompt, "Answer": "(not answered yet)",
                     "Why it matters": result.next_question.why.text, "Basis": _cite(result.next_question.why)})
    return pd.DataFrame(rows, columns=["Step", "Question", "Answer", "Why it matters", "Basis"]).astype(str)


# ---- text helpers -------------------------------------------------------------------------------


def _cite(statement: Statement) -> str:
    parts = [citation(b) for b in statement.basis]
    if statement.editorial:
        parts.append("editorial assumption")
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


def quoted(text: str) -> str:
    """Text from a link, quoted as a code span: markdown, links and web addresses in it stay plain text."""
    shown = " ".join((text if len(text) <= NOTICE_MAX else text[:NOTICE_MAX] + "…").split()) or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", shown)), default=0) + 1)
    return f"{fence} {shown} {fence}"


def statement_md(statement: Statement, prefix: str = "") -> str:
    """A statement as markdown: its text, an editorial-assumption badge with the reason, and its basis."""
    lines = [prefix + plain(statement.text)]
    if statement.editorial:
        lines.append(":orange-badge[:material/info: Editorial assumption] "
                     f":small[:gray[{plain(statement.editorial)}]]")
    basis = "; ".join(citation(b) for b in statement.basis)
    if basis:
        lines.append(f":small[:gray[Basis: {plain(basis)}]]")
    return "  \n".join(lines)


def show_statement(statement: Statement, prefix: str = "") -> None:
    st.markdown(statement_md(statement, prefix))


# ---- answers: URL <-> widgets -------------------------------------------------------------------


def read_link(pathway: Pathway) -> tuple[dict[str, str], list[str]]:
    """Valid answers from the query string, and a notice for each part that was ignored."""
    answers: dict[str, str] = {}
    notices: list[str] = []
    for key in st.query_params.keys():
        if key in STREAMLIT_PARAMS:
            continue
        values = st.query_params.get_all(key)
        question = pathway.questions.get(key)
        if question is None:
            notices.append(f"unknown question {quoted(key)}")
            continue
        value = values[-1] if values else ""
        options = [o.id for o in question.options]
        if value not in options:
            notices.append(f"unknown answer {quoted(value)} for {quoted(key)} (allowed: {', '.join(options)})")
            continue
        if len(values) > 1:
            notices.append(f"{quoted(key)} was given {len(values)} times; the last one is used")
        answers[key] = value
    return answers, notices


def write_link(answers: dict[str, str]) -> None:
    """Mirror the answers in the URL (Streamlit's own embed parameters are kept)."""
    wanted = dict(answers)
    current = {k: st.query_params.get_all(k) for k in st.query_params.keys() if k not in STREAMLIT_PARAMS}
    if current == {k: [v] for k, v in wanted.items()}:
        return
    st.query_params.from_dict(wanted)  # Streamlit keeps its own embed parameters


def reset(question_ids: list[str]) -> None:
    for qid in question_ids:
        st.session_state.pop(qid, None)


# ---- page parts ---------------------------------------------------------------------------------


def show_disclaimer(pathway: Pathway) -> None:
    meta = pathway.content.metadata
    st.warning(f"**{plain(meta.disclaimer)}**", icon=":material/medical_information:")
    st.caption(
        f"Intended use: {plain(meta.intended_use)}  \n"
        f"Content version {plain(meta.version)}, last reviewed {meta.last_reviewed.isoformat()}. "
        f"Sources: {plain('; '.join(s.title for s in pathway.content.sources))}."
    )


def ask(pathway: Pathway, result: Result) -> None:
    """One radio per question that matters now, in tree order; the optional ones once the path is complete."""
    on_path = {s.question.id for s in result.path}
    shown = [q for q in pathway.tree_questions()
             if q.id in on_path or (result.next_question is not None and q.id == result.next_question.id)]
    if result.complete:
        shown += pathway.outlook_questions()
    for question in shown:
        labels = {o.id: o.label for o in question.options}
        kwargs: dict[str, Any] = {} if question.id in st.session_state else {"index": None}
        help_text = question.help.text if question.help else None
        if question.help is not None and question.help.editorial:
            help_text = f"{help_text}\n\nEditorial assumption: {question.help.editorial}"
        st.radio(plain(question.prompt), options=list(labels), format_func=labels.__getitem__, key=question.id,
                 help=plain(help_text) if help_text else None, horizontal=True, **kwargs)
        if question.help is not None and question.help.editorial:  # shown, not only in the tooltip
            st.caption(":orange-badge[:material/info: Editorial assumption] " + plain(question.help.text))
    st.button("Reset answers", on_click=reset, args=([q.id for q in pathway.content.questions],),
              key="reset", icon=":material/restart_alt:")


def answers_from_widgets(pathway: Pathway) -> dict[str, str]:
    return {q.id: st.session_state[q.id] for q in pathway.content.questions
            if st.session_state.get(q.id) is not None}


def show_graph(pathway: Pathway, view: dict[str, Any]) -> None:
    if view["svg_uri"]:  # one element: the image with its caption
        st.image(view["svg_uri"], width="stretch", alt=view["graph_alt"], caption=GRAPH_KEY)
    else:
        st.graphviz_chart(view["dot"], width="stretch")
        st.caption(GRAPH_KEY)


def card_md(treatment: Any) -> str:
    return (f"**{plain(treatment.label)}**  \n{plain(treatment.description.text)}\n\n"
            + statement_md(treatment.explanation, prefix="*Why it appears here:* "))


def show_outcome(pathway: Pathway, result: Result, view: dict[str, Any], static: dict[str, Any]) -> None:
    if not result.complete or result.outcome is None:
        nxt = result.next_question
        st.info(f"**Next question: {plain(nxt.prompt) if nxt else ''}**  \n"
                "Nothing is shown about treatment until every question on the path is answered.",
                icon=":material/help:")
        return
    outcome = result.outcome
    st.markdown(f"### {plain(outcome.title)}\n\n{statement_md(outcome.summary)}")
    for group in pathway.content.category_groups:
        cards = [t for t in result.treatments if t.group == group.id]
        if not cards:
            continue
        st.markdown(static["groups"][group.id])
        columns = st.columns(2)
        for index, treatment in enumerate(cards):
            with columns[index % 2].container(border=True, key=f"card_{treatment.id}"):
                st.markdown(view["cards"][treatment.id])
    for note in outcome.notes:
        with st.container(border=True):
            show_statement(note, prefix="**Note:** ")


def outlook_md(pathway: Pathway, result: Result) -> str:
    parts = ["### Outlook", statement_md(pathway.content.outlook.depends_on)]
    parts += [statement_md(note.statement, prefix=f"**{plain(note.title)}:** ") for note in result.notes]
    if not result.notes:
        parts.append(":small[:gray[Outlook notes that apply appear as you answer.]]")
    return "\n\n".join(parts)


def show_outlook(view: dict[str, Any]) -> None:
    st.markdown(view["outlook_md"])
    if view["chart"] is not None:
        st.vega_lite_chart(view["chart"], width="stretch")


def figure_chart(result: Result) -> dict[str, Any] | None:
    """A Vega-Lite spec: bars on a 0–100% scale, each labelled exactly as the source gives the figure."""
    match = {True: "matches your answers", False: "other situation", None: "shown for reference"}
    rows = [{"Figure": f.figure.label, "Percent": f.figure.value, "Display": f.figure.display,
             "Applies": match[f.applies]} for note in result.notes for f in note.figures]
    if len(rows) < 2:  # a single figure reads better as text than as one bar
        return None
    y = {"field": "Figure", "type": "nominal", "title": None, "sort": None, "axis": {"labelLimit": 420}}
    x = {"field": "Percent", "type": "quantitative", "title": "Percent (as the source gives it)",
         "scale": {"domain": [0, 100]}}
    color = {"field": "Applies", "type": "nominal", "title": None, "legend": {"orient": "bottom"},
             "scale": {"domain": list(match.values()), "range": ["#1f4e79", "#b8c4d0", "#5b7fa3"]}}
    return {
        "data": {"name": FIGURES_DATASET},
        "datasets": {FIGURES_DATASET: arrow_bytes(rows)},  # encoded once per answer set, not on every click
        "layer": [
            {"mark": {"type": "bar", "height": 18},
             "encoding": {"x": x, "y": y, "color": color, "tooltip": [{"field": "Figure"}, {"field": "Applies"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 4},
             "encoding": {"x": x, "y": y, "text": {"field": "Display"}}},
        ],
    }


def arrow_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Rows as Arrow IPC bytes, the form Streamlit sends chart data in; given as bytes, a chart's dataset is
    passed through as it is instead of being converted on every rerun (docs/performance.md, fix 10)."""
    table = pa.Table.from_pylist(rows)
    sink = pa.BufferOutputStream()
    with pa.RecordBatchStreamWriter(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def show_basis(view: dict[str, Any]) -> None:
    # Built only while open (on_change="rerun"): a click elsewhere then redraws less (docs/performance.md).
    with st.expander("Why am I seeing this? (the reasoning and its basis)", icon=":material/fact_check:",
                     key="basis_panel", on_change="rerun") as panel:
        if panel.open:
            st.markdown(view["basis_md"])


def basis_md(pathway: Pathway, result: Result) -> str:
    """The inputs, each decision with why it matters, the basis of each result, and the intended use."""
    meta = pathway.content.metadata
    parts = ["**Inputs used**"]
    inputs = []
    for qid, value in result.answers.items():
        question = pathway.questions[qid]
        label = next(o.label for o in question.options if o.id == value)
        used = " (not used: not on the path yet)" if qid in result.unused_answers else ""
        inputs.append(f"- {plain(question.prompt)} → **{plain(label)}**{used}")
    parts.append("\n".join(inputs) or "No answers yet.")
    parts.append("**Decisions taken**")
    for i, step in enumerate(result.path, 1):
        parts.append(statement_md(step.why, prefix=f"{i}\\. At “{plain(step.question.short_label)}” the answer "
                                                   f"“{plain(step.option_label)}” leads on. Why it matters: "))
    if result.outcome is not None:
        parts.append(f"**Result: {plain(result.outcome.title)}**, each category with its source and section:")
        parts.append("\n".join(f"- {plain(t.label)}: {plain(_cite(t.explanation))}" for t in result.treatments))
    parts.append("**Intended use and population**")
    parts.append(f"{plain(meta.intended_use)}  \n*Audience:* {plain(meta.audience)}  \n"
                 f"*Population:* {plain(meta.population)}  \n*Editorial assumptions:* {plain(meta.editorial_policy)}")
    parts += [f"*Source* `{plain(s.id)}`: {plain(s.title)}. {plain(s.description)}" for s in pathway.content.sources]
    return "\n\n".join(parts)


def show_table(view: dict[str, Any]) -> None:
    with st.expander("The path as a table (text alternative to the graph)", icon=":material/table_rows:",
                     key="path_table", on_change="rerun") as panel:
        if panel.open:
            st.table(view["path_table"])


def show_downloads(view: dict[str, Any]) -> None:
    """Download buttons, built only while their panel is open; the data is made only when a button is clicked."""
    with st.expander("Downloads: this summary (Markdown, CSV) and the graph (SVG, DOT)", icon=":material/download:",
                     key="downloads_panel", on_change="rerun") as panel:
        if panel.open:
            _download_buttons(view)


def _download_buttons(view: dict[str, Any]) -> None:
    st.markdown(":small[:gray[Each download carries the disclaimer, the content version, its last-reviewed date, "
                "the sources and the date it was made.]]")
    row = st.container(horizontal=True)
    markdown, csv_text, dot = view["markdown"], view["csv"], view["download_dot"]
    row.download_button("Summary (Markdown)", lambda: markdown, file_name="pathway-summary.md",
                        mime="text/markdown", key="download_markdown", on_click="ignore")
    row.download_button("Path and categories (CSV)", lambda: csv_text, file_name="pathway-summary.csv",
                        mime="text/csv", key="download_csv", on_click="ignore")
    if not dot_available():
        row.caption("The SVG download needs Graphviz's dot program on the server.")
    elif view["drawable"]:
        row.download_button("Graph (SVG)", lambda: render_svg(dot), file_name="pathway-graph.svg",
                            mime="image/svg+xml", key="download_svg", on_click="ignore")
    row.download_button("Graph (DOT)", lambda: dot, file_name="pathway-graph.dot", mime="text/vnd.graphviz",
                        key="download_dot", on_click="ignore")


def show_reference(static: dict[str, Any]) -> None:
    st.markdown("### Reference")
    for title, body in static["reference"]:
        with st.expander(title):
            st.markdown(body)


def show_about(static: dict[str, Any]) -> None:
    st.divider()
    st.markdown(static["about"])


GRAPH_KEY = ("How to read the graph: thick lines and ✔ mark your answers; dashed grey lines are branches not "
             "taken; ▶ NEXT marks the next question. The path is also listed as a table below.")
CONTENT_PROBLEM = ("**This pathway's content could not be loaded, so no information is shown.** "
                   "Ask the team that maintains the content to fix the problems below.")
SETTING_PROBLEM = ("**The explorer is set up wrongly, so no information is shown.** "
                   "Ask the team that runs this server to fix the setting below.")


def show_error_page(exc: Exception, headline: str = CONTENT_PROBLEM) -> None:
    st.title("Pathway explorer")
    st.error(headline, icon=":material/error:")
    errors = exc.errors if isinstance(exc, ValidationFailed) else []
    st.code("\n".join(e.format() for e in errors) or str(exc), language=None, wrap_lines=True)
    st.warning(GENERIC_DISCLAIMER, icon=":material/medical_information:")


# ---- the page -----------------------------------------------------------------------------------


def main() -> None:
    try:
        graph_renderer()
    except ValueError as exc:
        st.set_page_config(page_title="Pathway explorer: setting error", layout="wide")
        show_error_page(exc, SETTING_PROBLEM)
        return
    try:
        pathway, key = current_pathway()
    except PathwayError as exc:
        st.set_page_config(page_title="Pathway explorer: content error", layout="wide")
        show_error_page(exc)
        return
    _tune_process()
    meta = pathway.content.metadata
    st.set_page_config(page_title=meta.title, layout="wide")
    if "link_read" not in st.session_state:
        link_answers, notices = read_link(pathway)
        st.session_state.update(link_answers)
        st.session_state["link_read"] = True
        st.session_state["link_notices"] = notices
    st.title(plain(meta.title))
    show_disclaimer(pathway)
    notices = st.session_state.get("link_notices", [])
    if notices:
        st.warning("Some parts of the link were ignored: " + "; ".join(notices) + ".", icon=":material/link_off:")

    interactive(pathway, key)
    static = _static(pathway, key)
    show_reference(static)
    show_about(static)


@st.fragment
def interactive(pathway: Pathway, key: str) -> None:
    """Everything an answer changes. A click reruns only this part; an edited file triggers a full rerun."""
    if pathway_key() != key:
        st.rerun(scope="app")
    answers = answers_from_widgets(pathway)
    result = evaluate(pathway, answers)
    full = False
    left, right = st.columns([1, 2], gap="medium")
    with left:
        st.markdown("### Questions\n\n:small[:gray[Answer from the top; the next question appears once it matters. "
                    "The graph and the cards below show what the source documents for your answers.]]")
        ask(pathway, result)
    answers = answers_from_widgets(pathway)
    write_link(answers)
    with right:
        if len(pathway.nodes) > DRAW_LIMIT:
            st.caption(f"This pathway has {len(pathway.nodes):,} nodes, too many to draw whole: the graph shows "
                       "the neighbourhood of your path. The whole tree is in the DOT download below.")
        elif len(pathway.nodes) > FOCUS_THRESHOLD:
            full = st.toggle("Show the full tree", key="full_tree",
                             help="Large pathways show the neighbourhood of your path by default.")
        view = view_for(pathway, key, answers, full)
        show_graph(pathway, view)
    result = view["result"]
    show_outcome(pathway, result, view, _static(pathway, key))
    show_outlook(view)
    show_basis(view)
    show_table(view)
    show_downloads(view)


try:
    main()
except Exception:  # the edge: no traceback ever reaches a user (st.stop/rerun are not Exceptions)
    st.error("Something went wrong and nothing is shown. Please reload the page.", icon=":material/error:")
    st.warning(GENERIC_DISCLAIMER)
