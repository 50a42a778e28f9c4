"""Streamlit front end of the pathway explorer: the page's layout. What it shows is built in views.py (cached
once per process); every clinical word comes from pathways/."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

import streamlit as st

from pathways import Pathway, PathwayError, ValidationFailed
from pathways.evaluate import Result
from pathways.lifecycle import approval_text, review_status
from pathways.model import Question, Statement
from pathways.outputs.handout import pdf_available
from pathways.outputs.render import DRAW_LIMIT, FOCUS_THRESHOLD, dot_available, render_svg
from pathways.outputs.table import EDITORIAL, NOT_SHOWN, SHOWN
from pathways.shown import OPTION_HELP, OUTLOOK_NOTE, QUESTION_HELP, QUESTION_WHY, Item, ask_items
from embedding import size_script_html
from guard import (GENERIC_DISCLAIMER, NotApproved, SettingProblem, check_answers, guarded, run, served, today,
                   without_paths)
from serving import tune_process_once
import i18n
from i18n import N_, _
from views import (EDITORIAL_WORDS, PageView, StaticView, fhir_bundle, graph_renderer, pathway_key,
                   plain, quoted, static_view, text_only, view_for)
from views import (comparison_bytes, comparison_view, dated, editorial_reasons_md, handout_bytes, situation_keys,
                   situations_frame, situations_view)
from views import (FamilyView, Sourced, current_clinic, family_handout_bytes, family_reference, family_view_for,
                   sourced)
from pathways.clinic import ClinicError
from pathways.family import (ASK_HEADING, CLINICIAN, FAMILY, FAMILY_TITLE, PLAIN_DISCLAIMER, READING_LABELS,
                             READING_PARAM, READINGS, source_words)

#: Query parameters that belong to Streamlit itself (iframe embedding) or choose the page's language (i18n.py),
#: never reported as unknown.
STREAMLIT_PARAMS = ("embed", "embed_options", i18n.LANG_PARAM)
#: The link's parameter naming the situation compared with the one on screen (a Situation.key), the selectbox
#: that chooses it, and the panel that shows the comparison.
COMPARE_PARAM, COMPARE_KEY, COMPARE_PANEL = "compare", "compare_with", "compare_panel"
#: The panels under the outlook that answers change, each built only while open. They stand outside the fragment,
#: so a click (the fragment's rerun) does not send their closed boxes again; while one is open, a click reruns the
#: whole page instead, so that what it shows follows the answers (docs/performance.md, fix 17).
PANELS = ("basis_panel", "path_table", "compare_panel", "situations_panel", "downloads_panel")
#: Session key, true while a full run draws the page (a fragment's own rerun finds it false).
FULL_RUN = "_full_run"
#: The link's parameter that opens the outlook figures (closed by default), and its panel.
FIGURES_PARAM, FIGURES_OPEN, FIGURES_PANEL = "figures", "open", "figures_panel"
FIGURES_LABEL = N_("Outlook figures and notes (figures from studies of groups of people)")
FIGURES_LABEL_FAMILY = N_("Numbers about the outlook (from studies of groups of people)")
#: The link's parameter of the print view (what "Print" opens in a new tab).
PRINT_PARAM, PRINT_VIEW = "view", "print"
#: Link parameters and their one allowed value.
FLAGS = {FIGURES_PARAM: FIGURES_OPEN, PRINT_PARAM: PRINT_VIEW}
#: Session key: the situation just opened from the all-situations table (its label), said once.
OPENED = "opened_situation"
#: The setting naming the address people outside the dashboard's frame should get in a copied link.
PUBLIC_URL_ENV = "PUBLIC_URL"
#: The toggle that opens a question's editorial reason (interface words; the reason is the content's).
WHY_ASSUMPTION = N_("Why this assumption?")



def markdown(body: str) -> None:
    """``st.markdown`` without the link icon Streamlit puts beside each heading: each icon made the browser work
    out the page's styles again on every click, about 14 ms of a click's 100 ms of JavaScript (docs/performance.md,
    fix 24), and each was a tab stop that showed only on hover. The headings keep their ids (deep links work)."""
    st.markdown(body, anchors=False)

# ---- answers: URL <-> widgets -------------------------------------------------------------------


def read_link(pathway: Pathway) -> tuple[dict[str, Any], list[str]]:
    """Valid answers from the query string (and the comparison it names, with its panel open), and a notice for
    each part that was ignored."""
    answers: dict[str, Any] = {}
    notices: list[str] = []
    for key in st.query_params.keys():
        if key in STREAMLIT_PARAMS:
            continue
        values = st.query_params.get_all(key)
        if key in FLAGS:
            value = values[-1] if values else ""
            if value == FLAGS[key]:
                answers[FIGURES_PANEL if key == FIGURES_PARAM else key] = True
            else:
                notices.append(_("unknown value {value} for {key} (allowed: {allowed})").format(
                    value=quoted(value), key=quoted(key), allowed=FLAGS[key]))
            continue
        if key == READING_PARAM:
            value = values[-1] if values else ""
            if value in READINGS:
                answers[READING_PARAM] = value
            else:
                notices.append(f"unknown reading {quoted(value)} (allowed: {', '.join(READINGS)})")
            continue
        if key == COMPARE_PARAM:
            value = values[-1] if values else ""
            keys = situation_keys(pathway)
            if value in keys:
                answers.update({COMPARE_KEY: value, COMPARE_PANEL: True})
            else:
                notices.append(_("unknown situation {value} to compare with (allowed: {allowed})").format(
                    value=quoted(value), allowed=", ".join(keys)))
            continue
        question = pathway.questions.get(key)
        if question is None:
            notices.append(_("unknown question {key}").format(key=quoted(key)))
            continue
        value = values[-1] if values else ""
        options = [o.id for o in question.options]
        if value not in options:
            notices.append(_("unknown answer {value} for {key} (allowed: {allowed})").format(
                value=quoted(value), key=quoted(key), allowed=", ".join(options)))
            continue
        if len(values) > 1:
            notices.append(_("{key} was given {count} times; the last one is used").format(key=quoted(key),
                                                                                          count=len(values)))
        answers[key] = value
    return answers, notices


def write_link(answers: dict[str, str], compare_with: str | None = None) -> None:
    """Mirror the answers (and the situation compared with, and the figures when open) in the URL; Streamlit's own
    embed parameters are kept."""
    wanted = dict(answers)
    if compare_with:
        wanted[COMPARE_PARAM] = compare_with
    if st.session_state.get(FIGURES_PANEL):
        wanted[FIGURES_PARAM] = FIGURES_OPEN
    if family_reading():
        wanted[READING_PARAM] = FAMILY
    current = {k: st.query_params.get_all(k) for k in st.query_params.keys() if k not in STREAMLIT_PARAMS}
    if current == {k: [v] for k, v in wanted.items()}:
        return
    language = st.query_params.get(i18n.LANG_PARAM)
    if language is not None:  # the page's language stays in the link
        wanted[i18n.LANG_PARAM] = language
    st.query_params.from_dict(wanted)  # Streamlit keeps its own embed parameters


def reset(question_ids: list[str]) -> None:
    """Clear every answer. Set to None, not deleted: a value set through session state is sent to the browser,
    so the radios show no choice (a deleted one left the last choice showing, though the app had forgotten it)."""
    for qid in question_ids:
        st.session_state[qid] = None


# ---- page parts ---------------------------------------------------------------------------------


def family_reading() -> bool:
    """Whether the page is in the family reading (the switch, or the link's reading=family)."""
    return st.session_state.get(READING_PARAM) == FAMILY


def show_reading_switch() -> None:
    """The switch between the two readings of the same content; part of the link (reading=family)."""
    if st.session_state.get(READING_PARAM) not in READINGS:
        st.session_state[READING_PARAM] = CLINICIAN
    st.segmented_control(_("Who is reading?"), options=list(READINGS), format_func=lambda r: _(READING_LABELS[r]),
                         key=READING_PARAM, required=True,
                         help=_("For families: the same content in plain words, each text's source one tap away. "
                                "For clinicians: every basis and editorial reason in full."))


def show_sourced(parts: tuple[Sourced, ...], title: str, key: str) -> None:
    """Plain texts, then one marker that opens their sources and our readings (never removed, one tap away)."""
    for part in parts:
        markdown(part.markdown)
    sources_marker(parts, title, key)


def sources_marker(parts: tuple[Sourced, ...], title: str, key: str) -> None:
    """The marker that opens the sources (and, with †, our readings) of ``parts``."""
    if not parts:
        return
    editorial = any(p.editorial for p in parts)
    label = (_("† Our reading and source: {title}") if editorial else _("Source: {title}")).format(title=title)
    with st.popover(label, key=f"src_{key}", icon=":material/menu_book:"):
        markdown("\n\n---\n\n".join(dict.fromkeys(p.sources_md for p in parts)))


def clinic_details() -> tuple[Any, str]:
    """The clinic's details for a handout and their cache key; none when unset or broken (the page says so at its
    top: show_clinic_notice)."""
    try:
        return current_clinic()
    except ClinicError:
        return None, ""


def show_clinic_notice() -> None:
    """The clinic's own details, as coming from the clinic (nothing when no file is set); a broken file: a notice,
    and the pathway is shown without them."""
    try:
        clinic, _key = current_clinic()
    except ClinicError as exc:
        st.error(_("**The clinic's contact details cannot be shown**: the details file has a problem. The "
                   "information below is not affected. Ask the team that runs this server to fix it."),
                 icon=":material/error:")
        st.code("\n".join(e.format() for e in exc.errors), language=None, wrap_lines=True)
        return
    if clinic is None:
        return
    phones = "  \n".join(f"{plain(p.label)}: **{plain(p.number)}**" for p in clinic.phones)
    extra = "".join(f"  \n{plain(x)}" for x in (clinic.hours, clinic.note) if x)
    with st.container(border=True, key="clinic"):
        markdown("**" + _("From your clinic: {service}").format(service=plain(clinic.service))
                    + f"**  \n{phones}{extra}  \n:small[:gray["
                    + _("These details come from your clinic, not from the article.") + "]]")


def show_family_categories(fview: FamilyView) -> None:
    if fview.result_md is None:
        return
    markdown("## " + _("What the article says"))
    show_sourced(fview.summary, _("what the article says"), "summary")
    for heading, intro, cards in fview.groups:
        markdown(heading)
        show_sourced(intro, heading.lstrip("# "), f"intro_{len(intro)}_{heading}")
        columns = st.columns(2)
        for index, (category, title, parts) in enumerate(cards):
            with columns[index % 2].container(border=True, key=f"card_{category}"):
                markdown(title)
                show_sourced(parts, title.lstrip("# ").rstrip(" †"), f"card_{category}")
    for index, note in enumerate(fview.notes):
        with st.container(border=True):
            show_sourced((note,), _("good to know"), f"note_{index}")


def show_family_outlook(fview: FamilyView, view: PageView) -> None:
    markdown("## " + _("Looking ahead"))
    show_sourced(fview.outlook, _("looking ahead"), "outlook")
    if not fview.figures:
        markdown(":small[:gray[" + _("Notes about the outlook that apply appear as you answer.") + "]]")
        return
    with st.expander(_(FIGURES_LABEL_FAMILY), icon=":material/bar_chart:", key=FIGURES_PANEL, on_change="rerun") as panel:
        if panel.open:
            for part in fview.figures:
                show_sourced((part,), plain(part.title) or _("about the numbers"), f"fig_{part.key}")
            if fview.figure_lines:
                markdown(fview.figure_lines)
            if view.chart is not None:
                st.vega_lite_chart(view.chart, width="stretch")


def show_ask(pathway: Pathway) -> None:
    """Generic questions a family may want to ask the care team (from the content, marked as ours)."""
    items = ask_items(pathway)
    if items:
        markdown(f"## {_(ASK_HEADING)}\n\n" + "\n".join(f"- {plain(i.plain or i.text)}" for i in items)
                    + "\n\n:small[:gray[" + _("Our suggestions to start the conversation; they are not from the "
                                                "article.") + "]]")


def show_family_reference(pathway: Pathway, key: str) -> None:
    """The reference sections in plain words; the glossary open (its terms are headings the medical words in the
    texts link to), the others one tap away."""
    markdown("## " + _("Words and tests explained"))
    glossary = next((s.title for s in pathway.content.reference if s.id == "glossary"), None)
    for index, (title, entries) in enumerate(family_reference(pathway, key)):
        body = "\n\n".join((f"#### {plain(heading)}\n\n" if heading else "") + part.markdown
                            for heading, part in entries)
        parts = tuple(part for _heading, part in entries)
        if title == glossary:
            markdown(f"### {plain(title)}\n\n{body}")
            sources_marker(parts, title, f"ref_{index}")
            continue
        with st.expander(plain(title), key=f"family_ref_{index}"):
            markdown(body)
            sources_marker(parts, title, f"ref_{index}")


def show_disclaimer(pathway: Pathway, static: StaticView, page: i18n.PageLanguage) -> None:
    """The short disclaimer first; the rest of the metadata behind one line. When the review is overdue, or the
    page's translation is pending review, that line says so first (no line of its own: it must not push the
    questions out of the first view) and the details open from it."""
    meta = pathway.content.metadata
    if family_reading():  # in plain words; the content's own disclaimer stays under "About this content"
        st.warning(f"**{plain(_(PLAIN_DISCLAIMER))}**", icon=":material/medical_information:")
    else:
        st.warning(f"**{plain(meta.disclaimer)}**", icon=":material/medical_information:")
    status = review_status(meta, today())
    overdue_since = meta.next_review_due if status.overdue else None  # (overdue implies a due date)
    pending = i18n.translation_pending(page)
    label, icon = static.about_label, ":material/info:"
    if overdue_since and pending:  # the day's state, never cached with the static view
        label = _("About this content: :orange-background[**review overdue** since {due}], "
                  ":orange-background[**translation pending review**]; version {version}, approval and "
                  "sources").format(due=overdue_since.isoformat(), version=plain(meta.version))
    elif overdue_since:
        label = _("About this content: :orange-background[**review overdue** since {due}]; version {version}, "
                  "approval and sources").format(due=overdue_since.isoformat(), version=plain(meta.version))
    elif pending:
        label = _("About this content: :orange-background[**translation pending review**]; version {version}, "
                  "approval and sources").format(version=plain(meta.version))
    if overdue_since:
        icon = ":material/event_busy:"
    elif pending:
        icon = ":material/translate:"
    due = _(", next review due {date}").format(date=meta.next_review_due.isoformat()) if meta.next_review_due else ""
    with st.expander(label, icon=icon, key="about_panel"):
        if pending:  # the details of the short line above
            i18n.pending_notice(page)
        if overdue_since:  # the details of the short line above; the content is still shown
            st.warning(_("**Review overdue.** This content was due for review on {due} ({days} days ago); it was "
                         "last reviewed on {reviewed}. It is still shown, but it may be out of date: check what you "
                         "rely on with the care team.").format(due=overdue_since.isoformat(),
                                                                days=status.days_overdue,
                                                                reviewed=meta.last_reviewed.isoformat()),
                       icon=":material/event_busy:")
        if family_reading():  # where the words come from (the article), in plain words
            markdown(plain(source_words(pathway)))
        markdown(
            ":small[" + _("Content version {version}, last reviewed {date}{due}. Approval: {approval}. "
                          "Sources: {sources}.").format(
                version=plain(meta.version), date=meta.last_reviewed.isoformat(), due=due,
                approval=plain(approval_text(meta)), sources=plain("; ".join(s.title for s in pathway.content.sources)))
            + "]"
        )
        if family_reading():
            markdown("**" + _("Disclaimer:") + f"** {plain(meta.disclaimer)}")
        markdown(static.about_md)


def ask(questions: list[Question], view: PageView | None = None) -> None:
    """One radio per question, each with its help; an editorial assumption badged, its reason one tap away."""
    family = family_reading()  # read once: each look into session state costs Streamlit some work
    for question in questions:
        labels = {o.id: o.label for o in question.options}
        kwargs: dict[str, Any] = {} if question.id in st.session_state else {"index": None}
        st.radio(plain(question.prompt), options=list(labels), format_func=labels.__getitem__, key=question.id,
                 horizontal=True, **kwargs)
        reasons, notes = [], []
        if question.help is not None:  # shown, not in a tooltip: read by everyone, no hover or focus needed
            notes.append(help_md(question.help, family))
            reasons.append(question.help.editorial)
        option_help = [o.help for o in question.options if o.help is not None]
        if option_help and not family:  # each option's help under its question (the family reading
            notes.append(option_help_md(question))  # shows the chosen option's plain help below)
            reasons += [h.editorial for h in option_help]
        if notes:  # one element, its parts as paragraphs: Streamlit's cost is per element (docs/performance.md)
            markdown("\n\n".join(notes))
        reasons = list(dict.fromkeys(r for r in reasons if r))
        if reasons and not family:  # the editorial reasons one tap away, the toggle named for its question;
            with st.expander(f"{_(WHY_ASSUMPTION)} ({plain(question.short_label)})", key=f"why_{question.id}",
                             on_change="rerun") as toggle:  # built only while open, like the panels below
                if toggle.open:
                    markdown(f":small[{plain(' '.join(reasons))}]")
        if family and view is not None:
            show_family_question(question, view)  # (after the help: its marker opens the help's sources too)


def questions_now(pathway: Pathway, result: Result) -> tuple[list[Question], list[Question]]:
    """The tree questions that matter now (in tree order), and the optional ones once the path is complete."""
    on_path = {s.question.id for s in result.path}
    tree = [q for q in pathway.tree_questions()
            if q.id in on_path or (result.next_question is not None and q.id == result.next_question.id)]
    return tree, (pathway.outlook_questions() if result.complete else [])


def help_md(help: Statement, family: bool = False) -> str:
    """A question's help as small grey text under it (its plain text in the family reading); an editorial
    assumption badged."""
    text = f":small[:gray[{plain(help.plain if family and help.plain else help.text)}]]"
    if not help.editorial:
        return text
    if family:  # its reason is behind the source marker under the question
        return f"{text} †"
    return f":orange-badge[:material/info: {_(EDITORIAL_WORDS)}] {text}"


def option_help_md(question: Any) -> str:
    """The options' help under the question, each after its option's label, as small grey text, an editorial one
    badged (its reason is behind the question's toggle)."""
    helps = [(o.label, o.help) for o in question.options if o.help is not None]
    return "  \n".join(f":small[:gray[**{plain(label)}:** {plain(help.text)}]]"
                        + (f" :orange-badge[:material/info: {_(EDITORIAL_WORDS)}]" if help.editorial else "")
                        for label, help in helps)


def show_family_question(question: Question, view: PageView) -> None:
    """In the family reading, under an answered question: the chosen option's plain help and why we ask, with
    the marker that opens their sources (and our reading, where there is one)."""
    prefix = f"questions.{question.id}."
    items = [i for i in view.shown.by_role(OPTION_HELP, QUESTION_WHY) if i.key.startswith(prefix)]
    parts = tuple(sourced(i, frozenset(), _("Why we ask:") + " " if i.role == QUESTION_WHY else f"{plain(i.title)}: ")
                  for i in items)
    if parts:
        markdown(":small[:gray[" + "  \n".join(p.markdown for p in parts) + "]]")
    helps: tuple[Sourced, ...] = ()
    if question.help is not None:  # shown above already: only its sources and our reading go behind the marker
        help_item = Item(key=f"{prefix}help", role=QUESTION_HELP, title=question.prompt, text=question.help.text,
                         basis=tuple(question.help.basis), editorial=question.help.editorial,
                         plain=question.help.plain, statement=question.help)
        helps = (sourced(help_item, frozenset()),)
    sources_marker(helps + parts, question.short_label, f"q_{question.id}")


def answers_from_widgets(pathway: Pathway) -> dict[str, str]:
    return {q.id: st.session_state[q.id] for q in pathway.content.questions
            if st.session_state.get(q.id) is not None}


def show_graph(view: PageView) -> None:
    """The tree with the path marked; on a narrow screen the path alone, top to bottom, with the whole tree one
    switch away (PAGE_CSS chooses by width, so the server need not know it)."""
    graph = view.graph
    if graph.svg_uri:  # shown at a legible size; its image scrolls when the column is narrower (PAGE_CSS)
        with st.container(key="graph_area"):
            if graph.path_svg_uri:
                with st.container(key="graph_path"):
                    markdown(f"![{plain(graph.path_alt)}]({graph.path_svg_uri})")  # an image, no raw HTML
                st.toggle(_("Show the tree, not only your path"), key="whole_tree",
                          help=_("On a narrow screen the graph shows your path alone, top to bottom."))
            with st.container(key="graph_box"):
                st.image(graph.svg_uri, width="stretch", alt=graph.alt)
    else:
        st.graphviz_chart(graph.dot, width="stretch")
    markdown(f":small[:gray[{_(GRAPH_KEY)}]]")


def show_next(result: Result) -> None:
    nxt = result.next_question
    st.info(_("**Next question: {question}**  \nNothing is shown about treatment until every question on the path "
              "is answered.").format(question=plain(nxt.prompt) if nxt else ""),
            icon=":material/help:")


def share_link(view: PageView | str, compare_with: str | None) -> str:
    """The address of this view for people outside the frame: PUBLIC_URL when set, else the app's own address
    (the frame's, never the portal's), with the answers (and the comparison, and the figures when open)."""
    query = dict(parse_qsl(view if isinstance(view, str) else view.query))
    if compare_with:
        query[COMPARE_PARAM] = compare_with
    if st.session_state.get(FIGURES_PANEL):
        query[FIGURES_PARAM] = FIGURES_OPEN
    if family_reading():
        query[READING_PARAM] = FAMILY
    query.update(i18n.link_params())
    base = os.environ.get(PUBLIC_URL_ENV) or st.context.url or ""
    return f"{base.split('?')[0]}?{urlencode(query)}"


def printed_link(link: str) -> str | None:
    """The link a handout prints (as text and a QR code): only an absolute http(s) address, else none."""
    return link if link.startswith(("https://", "http://")) else None


def show_result(pathway: Pathway, key: str, view: PageView, opened: str | None = None) -> None:
    """The compact result: the outcome, the situation in words, the categories with their marks, the disclaimer
    again, and the main actions (handout, print, copy link). A situation just opened from the all-situations
    table is said in a status message (a live region: screen readers announce it)."""
    block = view.result_block
    assert block is not None
    meta = pathway.content.metadata
    family = family_reading()
    with st.container(border=True, key="result"):
        if opened:
            st.info(f"Opened from the table of every situation: {plain(opened)}.", icon=":material/open_in_browser:")
        if family:
            markdown(family_view_for(pathway, key, dict(view.result.answers)).result_md or "")
        else:
            markdown(block.markdown)
        actions = st.container(horizontal=True, key="result_actions")
        answers = tuple(sorted(view.result.answers.items()))
        language = i18n.current_language()  # the deferred download runs outside this run: its language, given
        with actions:
            clinic, clinic_key = clinic_details()
            if family and dot_available() and pdf_available():
                printed = printed_link(share_link(view, None)) or ""
                st.download_button(_("Family handout (PDF)"),
                                   lambda: family_handout_bytes(pathway, dated(key), answers, printed, clinic,
                                                                clinic_key, language),
                                   file_name=f"{pathway.id}-family-handout.pdf", mime="application/pdf",
                                   key="download_family_handout", on_click="ignore", type="primary",
                                   icon=":material/picture_as_pdf:",
                                   help=_("This situation in plain words, with questions to ask and room for "
                                          "notes; two pages at most"))
            elif dot_available() and pdf_available():
                printed = printed_link(share_link(view, None))
                st.download_button(_("Handout (PDF)"),
                                   lambda: handout_bytes(pathway, dated(key), answers, printed, language, clinic,
                                                         clinic_key),
                                   file_name=f"{pathway.id}-handout.pdf", mime="application/pdf",
                                   key="download_handout", on_click="ignore", type="primary",
                                   icon=":material/picture_as_pdf:",
                                   help=_("A printable summary of this situation for the care team, two to four pages"))
            else:
                markdown(":small[:gray[" + _("The handout (PDF) needs Graphviz and WeasyPrint with Pango on the "
                                                "server (scripts/setup.sh).") + "]]")
            st.link_button(_("Print"), f"?{view.query}&{PRINT_PARAM}={PRINT_VIEW}{i18n.link_suffix()}",
                           icon=":material/print:",
                           help=_("Opens this situation as a page of its own in a new tab, ready to print"))
            st.button(_("Copy link"), key="copy_link", icon=":material/link:",
                      help=_("Copies the link to this view (your answers) to the clipboard"))
        link = share_link(view, st.session_state.get(COMPARE_KEY))
        with st.container(key="share_link"):
            markdown(":small[" + _("Link to this view:") + f"] {quoted_link(link)}")
        markdown(f":small[{plain(_(PLAIN_DISCLAIMER) if family else meta.disclaimer)}]")


def quoted_link(link: str) -> str:
    """The link as a code span: selectable text, never read as markup."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", link)), default=0) + 1)
    return f"{fence} {link} {fence}"


def show_categories(view: PageView) -> None:
    """The categories in detail: the outcome's summary, each group with its cards (their titles are headings),
    and the outcome's notes, all in one Markdown element (``cards_md``)."""
    if view.result_block is None:
        return
    st.markdown(cards_md(view), anchors=False, unsafe_allow_html=True)


def cards_md(view: PageView) -> str:
    """The categories section as one Markdown element: each card a box of its own, two a row (one below 640 px:
    PAGE_CSS), drawn by fixed HTML around the cards' Markdown. One element instead of a keyed container and a text
    per card (and a row per group): a click sends 17 fewer messages and costs the server 13 to 18 % less CPU
    (docs/performance.md, fix 26). The boxes carry the class names Streamlit gives a keyed container
    (``st-key-card_<id>``, ``st-key-cards_<n>``): the print rules, the tests and the family reading's cards (still
    containers: their source markers are widgets) share one hook. The page's one element with raw HTML allowed:
    the only tags are the fixed ones here, around content ids (validated slugs); every text between them passes
    through ``text_only`` (each ``<`` and ``>`` escaped), whatever the content, a translation or ``plain`` did."""
    parts = [text_only("## " + _("The treatment categories in detail")), text_only(view.summary_md)]
    for number, (heading, ids) in enumerate(view.groups, 1):
        parts += [text_only(heading), f'<div class="pw-cards st-key-cards_{number}">']
        parts += [f'<div class="pw-card st-key-card_{category}">\n\n{text_only(view.cards[category])}\n\n</div>'
                  for category in ids]
        parts.append("</div>")
    parts += [f'<div class="pw-card pw-note">\n\n{text_only(note)}\n\n</div>' for note in view.notes]
    return "\n\n".join(p for p in parts if p)


def show_outlook(view: PageView) -> None:
    """What the outlook depends on; the figures in their own section, closed unless asked for (built only while
    open), with "About these figures" before the numbers."""
    markdown("## " + _("Outlook") + f"\n\n{view.outlook_md}")
    if not view.shown.by_role(OUTLOOK_NOTE):
        markdown(":small[:gray[" + _("Outlook notes that apply appear as you answer.") + "]]")
        return
    with st.expander(_(FIGURES_LABEL), icon=":material/bar_chart:", key=FIGURES_PANEL, on_change="rerun") as panel:
        if panel.open:
            markdown(view.figures_md)
            if view.chart is not None:
                st.vega_lite_chart(view.chart, width="stretch")


def show_basis(view: PageView) -> None:
    # Built only while open (on_change="rerun"): a click elsewhere then redraws less (docs/performance.md).
    with st.expander(_("Why am I seeing this? (the reasoning and its basis)"), icon=":material/fact_check:",
                     key="basis_panel", on_change="rerun") as panel:
        if panel.open:
            markdown(view.basis_md)


def show_table(view: PageView) -> None:
    with st.expander(_("The path as a table (text alternative to the graph)"), icon=":material/table_rows:",
                     key="path_table", on_change="rerun") as panel:
        if panel.open:
            st.table(view.path_table)


def show_downloads(view: PageView, pathway: Pathway, key: str, page: i18n.PageLanguage | None = None) -> None:
    """Download buttons, built only while their panel is open; the data is made only when a button is clicked."""
    with st.expander(_("Data files for staff: this summary (Markdown, CSV), the graph (SVG, DOT), the pathway (FHIR)"),
                     icon=":material/download:", key="downloads_panel", on_change="rerun") as panel:
        if panel.open:
            _download_buttons(view, pathway, key, page)


def _download_buttons(view: PageView, pathway: Pathway, key: str, page: i18n.PageLanguage | None = None) -> None:
    markdown(":small[:gray[" + _("Each file carries the disclaimer, the content version, its last-reviewed date, "
                                    "the sources and the date it was made. The handout for people is the "
                                    "\"Handout (PDF)\" button beside the result.") + "]]")
    row = st.container(horizontal=True)
    summary_md, csv_text, dot = view.downloads.markdown, view.downloads.csv, view.downloads.dot
    row.download_button(_("Summary (Markdown)"), lambda: summary_md, file_name="pathway-summary.md",
                        mime="text/markdown", key="download_markdown", on_click="ignore")
    row.download_button(_("Path and categories (CSV)"), lambda: csv_text, file_name="pathway-summary.csv",
                        mime="text/csv", key="download_csv", on_click="ignore")
    if not dot_available():
        row.markdown(":small[:gray[" + _("The SVG download needs Graphviz's dot program on the server.") + "]]")
    elif view.graph.drawable:
        row.download_button(_("Graph (SVG)"), lambda: render_svg(dot), file_name="pathway-graph.svg",
                            mime="image/svg+xml", key="download_svg", on_click="ignore")
    row.download_button(_("Graph (DOT)"), lambda: dot, file_name="pathway-graph.dot", mime="text/vnd.graphviz",
                        key="download_dot", on_click="ignore")
    other = st.session_state.get(COMPARE_KEY)
    if other and view.result.complete and dot_available() and pdf_available():
        answers = tuple(sorted(view.result.answers.items()))
        printed = printed_link(share_link(view, other))
        language = i18n.current_language()
        row.download_button(_("Comparison handout (PDF)"),
                            lambda: comparison_bytes(pathway, dated(key), answers, other, printed, language,
                                                     *clinic_details()),
                            file_name=f"{pathway.id}-comparison.pdf", mime="application/pdf",
                            key="download_compare_pdf", on_click="ignore")
    fhir_args = i18n.fhir_args(page) if page is not None else (pathway, key, None)
    row.download_button(_("FHIR Bundle (JSON)"), lambda: fhir_bundle(*fhir_args), file_name=f"{pathway.id}-fhir.json",
                        mime="application/fhir+json", key="download_fhir", on_click="ignore",
                        help=_("The whole pathway (every situation, not only your answers) for FHIR tools: "
                               "docs/interoperability.md"))


def open_situation(answers: dict[str, str], key: str, label: str, current: str | None) -> None:
    """Put a situation's answers on screen (a row's button in the all-situations table); other answers stay. The
    page then brings its result into view and says so; a comparison with the situation opened now compares it
    with the one that was on screen, never with itself."""
    st.session_state.update(answers)
    if st.session_state.get(COMPARE_KEY) == key:
        st.session_state[COMPARE_KEY] = current
    st.session_state[OPENED] = label


def show_situations(pathway: Pathway, key: str, result: Result) -> None:
    """Every complete situation as a table, and a button per row that opens it, built only while the panel is open."""
    with st.expander(_("Every situation at a glance (a table of what each one shows)"), icon=":material/grid_on:",
                     key="situations_panel", on_change="rerun") as panel:
        if not panel.open:
            return
        view = situations_view(pathway, dated(key))
        current = "/".join(step.option_id for step in result.path) if result.complete else None
        st.table(situations_frame(pathway, dated(key), current), hide_index=False,
                 alt=_("Every complete situation (rows) and every category (columns): {shown} shown, {not_shown} "
                       "not shown, {editorial} an editorial assumption decides it").format(
                     shown=SHOWN, not_shown=NOT_SHOWN, editorial=EDITORIAL))
        reasons = editorial_reasons_md(view["table"])
        if reasons:
            markdown(f"**{EDITORIAL} " + _("Editorial assumptions in the table") + f"**\n\n{reasons}")
        markdown("**" + _("Open a situation") + "** :small[:gray[" + _("(the questions above take its answers)")
                    + "]]")
        buttons = st.container(horizontal=True, key="open_situations")
        for number, row in enumerate(view["table"].rows, 1):
            situation = row.situation
            buttons.button(plain(view["labels"][situation.key]), key=f"open_situation_{number}",
                           on_click=open_situation, type="secondary",
                           args=(situation.answer_dict, situation.key, view["labels"][situation.key], current),
                           disabled=situation.key == current, icon=":material/open_in_browser:")
        csv_text = view["csv"]
        st.download_button(_("Every situation (CSV)"), lambda: csv_text, file_name=f"{pathway.id}-situations.csv",
                           mime="text/csv", key="download_situations_csv", on_click="ignore",
                           icon=":material/download:")


def show_compare(pathway: Pathway, key: str, result: Result, answers: dict[str, str]) -> None:
    """Two situations side by side (the one on screen and one chosen), built only while the panel is open."""
    with st.expander(_("Compare with another situation"), icon=":material/compare_arrows:", key=COMPARE_PANEL,
                     on_change="rerun") as panel:
        if not panel.open:
            return
        if not result.complete:
            st.info(_("Answer every question on the path first; then choose a situation to compare it with."),
                    icon=":material/help:")
            return
        current = "/".join(step.option_id for step in result.path)
        labels = {k: v for k, v in situations_view(pathway, dated(key))["labels"].items() if k != current}
        st.selectbox(_("Compare the situation on screen with"), options=list(labels), format_func=labels.__getitem__,
                     key=COMPARE_KEY, index=None, placeholder=_("Choose a second situation"))
        other = st.session_state.get(COMPARE_KEY)
        if other is None:
            return
        view = comparison_view(pathway, dated(key), tuple(sorted(answers.items())), other)
        st.table(view.table, hide_index=True, alt=view.table_alt)
        markdown(view.differs_md)
        columns = st.columns(2, gap="medium")  # side by side; stacked at narrow widths
        for column, body in zip(columns, view.sides):
            with column.container(border=True):
                markdown(body)
        if dot_available() and pdf_available():
            printed = printed_link(share_link(urlencode(answers), other))
            pdf_args = (pathway, dated(key), tuple(sorted(answers.items())), other, printed)
            language = i18n.current_language()
            clinic = clinic_details()
            st.download_button(_("Comparison handout (PDF)"), lambda: comparison_bytes(*pdf_args, language, *clinic),
                               file_name=f"{pathway.id}-comparison.pdf", mime="application/pdf",
                               key="download_compare_pdf_panel", on_click="ignore", icon=":material/picture_as_pdf:")


def show_reference(static: StaticView) -> None:
    markdown("## " + _("Reference"))
    for title, body in static.reference:
        with st.expander(title):
            markdown(body)


def show_print_view(pathway: Pathway, key: str) -> None:
    """The situation as one document for printing (the Print action opens it in a new tab, so it prints whole
    from inside a frame): the answers, the result, every category, the notes, the outlook with its figures and
    the basis; then the browser's print dialog."""
    view = view_for(pathway, key, answers_from_widgets(pathway), False)
    markdown("## " + _("Your answers") + "\n\n" + ("\n".join(f"- {plain(a.prompt)} **{plain(a.option_label)}**"
                                                               for a in view.shown.answers) or _("No answers yet.")))
    if view.result_block is None:
        show_next(view.result)
        return
    markdown(view.result_block.markdown)
    show_categories(view)
    markdown("## " + _("Outlook") + f"\n\n{view.outlook_md}\n\n{view.figures_md}")
    markdown("## " + _("Why these categories: the reasoning and its basis") + f"\n\n{view.basis_md}")
    st.html(PRINT_JS, unsafe_allow_javascript=True)


#: The page's one style sheet (fixed text, never from content). Every focusable control shows a 3 px #1f4e79 ring
#: when focused by keyboard (8.6:1 on white; Streamlit's own were 1.2:1 on a radio and 2.2:1 on a button): on a
#: radio and a list its label or box carries it (their inputs are hidden or borderless). Streamlit shows an element's toolbar (full screen,
#: the chart's data) only on hover, yet its buttons take keyboard focus while invisible: shown while one has focus.
#: In full screen the page behind is hidden (so not focusable): Tab cannot wander behind the full-screen element.
#: FULL_SCREEN_JS marks the document and the frame while one is open: a rule that found the open frame itself
#: (":has()" on the whole page) made the browser restyle every element after every change, about 30 ms a click.
#: Table cells wrap long words, so a table (the all-situations one too) fits a 320 px column instead of scrolling
#: in a box no key can reach.
#: The graph at its legible size (views.GRAPH_TEXT_PX): as wide as its column allows but never narrower than the
#: SVG's own size, so a narrow column scrolls the graph sideways instead of shrinking its text; in full screen too.
#: The sideways scroll is on the full-screen frame's inner box, not around the frame, so the graph's toolbar (its
#: full-screen button, always shown for touch and mouse) is never clipped. Below 640 px the path graph (top to
#: bottom) is shown and the whole tree only while the "whole_tree" switch is on.
#: The questions and the graph stand side by side only where the graph fits beside them at that size (a 1260 px
#: window or frame); narrower, they stack, as Streamlit stacks all columns below 640 px.
#: The top: less padding above the title; inside a frame (embed=true), where Streamlit's header is an empty
#: transparent box, none of it is kept for the header, so the first question stays in the dashboard's first view
#: even with an overdue review and a pending translation on the About line.
PAGE_CSS = """<style>
:is(button, a, summary, input, textarea, [tabindex]):focus-visible { outline: 3px solid #1f4e79 !important;
  outline-offset: 2px !important; }
[data-testid="stRadio"] label:has(input:focus-visible) { outline: 3px solid #1f4e79 !important;
  outline-offset: 2px; border-radius: 4px; }
[data-testid="stRadio"] input:focus-visible { outline: none !important; }
[data-baseweb="select"] > div:has(input:focus-visible) { outline: 3px solid #1f4e79 !important;
  outline-offset: 2px; }
[data-baseweb="select"] input:focus-visible { outline: none !important; }
[data-testid="stElementToolbar"]:focus-within { opacity: 1 !important; z-index: 100 !important; }
html[data-full-screen] [data-testid="stMain"] * { visibility: hidden !important; }
html[data-full-screen] [data-testid="stMain"] [data-full-screen-frame],
html[data-full-screen] [data-testid="stMain"] [data-full-screen-frame] * { visibility: visible !important; }
[data-testid="stTable"] th, [data-testid="stTable"] td { overflow-wrap: anywhere; white-space: normal !important; }
@media (max-width: 480px) {
  [data-testid="stTable"] table { table-layout: fixed; width: 100% !important; }
  [data-testid="stTable"] :is(th, td) * { min-width: 0 !important; overflow-wrap: anywhere !important; }
  .st-key-path_table [data-testid="stTable"] :is(th, td) { padding: 0.1rem !important; font-size: 0.8rem; }
  [data-testid="stTable"] th, [data-testid="stTable"] td { padding: 0.25rem !important; }
  .st-key-situations_panel [data-testid="stTable"] :is(th, td) { padding: 0.1rem !important; font-size: 0.8rem; } }
.st-key-situations_panel [data-testid="stTable"] table { table-layout: fixed; width: 100% !important; }
.st-key-situations_panel [data-testid="stTable"] :is(th, td) * { min-width: 0 !important;
  overflow-wrap: anywhere !important; }
.st-key-reading button p { color: #1b1e28 !important; }
.st-key-reading button[aria-checked="true"] p { font-weight: 700; }
.st-key-graph_box [data-testid="stFullScreenFrame"]:not(:has(button[aria-label^="Close fullscreen"])) {
  position: relative; padding-top: 2.3rem; }
.st-key-graph_box [data-testid="stFullScreenFrame"] > div { overflow-x: auto; position: static !important; }
.st-key-graph_box [data-testid="stElementToolbar"] { opacity: 1 !important; top: 0 !important; }
[data-testid="stLayoutWrapper"]:has(> .st-key-graph_path), .st-key-whole_tree { display: none !important; }
@media (max-width: 639.98px) {
  [data-testid="stLayoutWrapper"]:has(> .st-key-graph_path) { display: flex !important; }
  .st-key-whole_tree { display: block !important; }
  .st-key-graph_area:not(:has(.st-key-whole_tree input:checked))
    [data-testid="stLayoutWrapper"]:has(> .st-key-graph_box) { display: none; } }
.pw-cards { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-bottom: 1rem; }
.pw-card { flex: 0 0 calc(50% - 0.25rem); min-width: 0; border: 1px solid rgba(49, 51, 63, 0.2);
  border-radius: 0.5rem; padding: calc(1rem - 1px); }
.pw-card.pw-note { margin-bottom: 1rem; }
.pw-card > :last-child { margin-bottom: 0; }
@media (max-width: 639.98px) { .pw-card { flex-basis: 100%; } }
.st-key-result h2 { font-size: 1.6rem; padding-top: 0; }
.st-key-result h2, .st-key-result_actions { scroll-margin: 1rem; }
.st-key-share_link code { overflow-wrap: anywhere; white-space: normal; }
[data-testid="stMainBlockContainer"] { padding-top: 4rem; }
.streamlit-embedded header[data-testid="stHeader"]:empty { display: none; }
.streamlit-embedded [data-testid="stMainBlockContainer"] { padding-top: 1.5rem; }
.st-key-masthead [data-testid="stHeading"] h1 { padding-top: 0.25rem; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.75rem; }
  [data-testid="stHeading"] h1 { font-size: 1.5rem; }
  [data-testid="stHeading"] h2, [data-testid="stMarkdownContainer"] h2 { font-size: 1.4rem; } }
.st-key-graph_box [data-testid="stImage"] img { min-width: max-content; max-width: none !important;
  height: auto !important; max-height: none !important; }
.st-key-graph_box [data-testid="stFullScreenFrame"] { justify-content: safe center !important;
  align-items: safe center !important; }
@media (max-width: 1259.98px) {
  .st-key-ask_and_graph [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]) { flex-direction: column; }
  .st-key-ask_and_graph [data-testid="stColumn"] { width: 100% !important;
    flex: 1 1 auto !important; }
}
</style>"""
#: For the page's own Print (outside an iframe), the page as a document: no toolbar, buttons, closed panels or
#: unchosen options; columns stacked and Streamlit's flex blocks laid out as plain blocks, so that the graph, each
#: card and each box stays whole (Chromium overlaps content after an unbreakable item in a flex column); the
#: disclaimer stays at the top (docs/handout.md).
PRINT_CSS = """<style>
@media print {
  @page { margin: 12mm; }
  header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stSidebar"], [data-testid="stBottom"],
  [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stSelectbox"],
  [data-testid="stTooltipIcon"], [data-testid="stElementToolbar"], [data-testid="stToggle"],
  [data-testid="stExpander"]:not(:has(details[open])), [data-testid="stExpander"] summary svg,
  [data-testid="stRadio"] label:has(input:not(:checked)), [data-testid="stRadio"] input + div,
  [data-testid="stRadio"]:not(:has(input:checked)),
  .st-key-reset, button { display: none !important; }
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"] { height: auto !important; overflow: visible !important;
    position: static !important; background: white !important; color: black !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: none !important; }
  [data-testid="stVerticalBlock"] { display: block !important; }
  [data-testid="stVerticalBlock"] > * { margin-bottom: 0.6rem; }
  [data-testid="stHorizontalBlock"] { display: block !important; }
  .pw-cards { display: block !important; }
  .pw-card { margin-bottom: 0.6rem; }
  [data-testid="stColumn"] { width: 100% !important; }
  [data-testid="stImage"], [data-testid="stImage"] img, .st-key-graph_box [data-testid="stImage"] img {
    width: 100% !important; min-width: 0 !important; max-width: 100% !important; height: auto !important; }
  .st-key-graph_box, .st-key-graph_box [data-testid="stFullScreenFrame"] > div { overflow: visible !important; }
  [data-testid="stImage"], [data-testid="stAlert"], [class*="st-key-card_"], tr { break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; }
}
</style>"""
#: The page's scripts (fixed text, never from content or a link; st.html runs them in the app's own document, the
#: frame's inside a dashboard). "Copy link" copies the link shown as text beside it (.st-key-share_link), by the
#: Clipboard API or, where a frame is not allowed it, by the older copy command; a status box says what happened
#: (a live region: screen readers announce it). The link stays on screen as selectable text either way.
COPY_JS = """<script>
(() => {
  if (window.pathwayCopyLink) return;
  window.pathwayCopyLink = true;
  const say = (text) => {
    let box = document.getElementById("copy-link-status");
    if (!box) {
      box = document.createElement("div");
      box.id = "copy-link-status";
      box.setAttribute("role", "status");
      box.style.cssText = "position:fixed;left:50%;bottom:1rem;transform:translateX(-50%);z-index:1000;" +
        "background:#1b1e28;color:#ffffff;padding:0.5rem 1rem;border-radius:0.5rem;font-size:0.95rem;max-width:90vw";
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.hidden = false;
    clearTimeout(window.pathwayCopyTimer);
    window.pathwayCopyTimer = setTimeout(() => { box.hidden = true; box.textContent = ""; }, 5000);
  };
  const fallback = (text) => {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.cssText = "position:fixed;top:0;left:0;opacity:0";
    document.body.appendChild(area);
    area.select();
    let done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    area.remove();
    return done;
  };
  document.addEventListener("click", (event) => {
    if (!event.target.closest || !event.target.closest(".st-key-copy_link button")) return;
    const code = document.querySelector(".st-key-share_link code");
    if (!code) return;
    const link = code.textContent.trim();
    window.pathwayCopied = link;
    const done = () => say("Link copied. Paste it to share this view.");
    const failed = () => say("Could not copy: select the link under the buttons and copy it.");
    const policy = document.permissionsPolicy || document.featurePolicy;  // a frame without allow="clipboard-write"
    const allowed = !policy || policy.allowsFeature("clipboard-write");
    if (navigator.clipboard && window.isSecureContext && allowed) {
      navigator.clipboard.writeText(link).then(done, () => (fallback(link) ? done() : failed()));
    } else {
      fallback(link) ? done() : failed();
    }
  }, true);
})();
</script>"""
#: Marks the document (data-full-screen) and the full-screen frame (data-full-screen-frame) while an element is
#: in full screen (Streamlit then shows its "Close fullscreen" button), for PAGE_CSS to hide the page behind it.
FULL_SCREEN_JS = """<script>
(() => {
  if (window.pathwayFullScreen) return;
  window.pathwayFullScreen = true;
  const mark = () => {
    const close = document.querySelector('[data-testid="stMain"] button[aria-label^="Close fullscreen"]');
    const frame = close && close.closest('[data-testid="stFullScreenFrame"]');
    const marked = document.querySelector("[data-full-screen-frame]");
    if (marked && marked !== frame) marked.removeAttribute("data-full-screen-frame");
    if (frame && !frame.hasAttribute("data-full-screen-frame")) frame.setAttribute("data-full-screen-frame", "");
    document.documentElement.toggleAttribute("data-full-screen", !!frame);
  };
  new MutationObserver(mark).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                    attributeFilter: ["aria-label"]});
  mark();
})();
</script>"""
#: After the last answer, the result (its heading through its actions) scrolled into view, as little as needed, so
#: the question just answered stays in view where both fit (inside a frame, the portal's page scrolls too); the
#: script then marks itself done (data-done), which tests wait for before measuring positions.
SCROLL_JS = """<script>
(() => {
  const me = document.currentScript;
  requestAnimationFrame(() => {
    const block = document.querySelector(".st-key-result");
    if (block) {
      const actions = block.querySelector(".st-key-result_actions") || block;
      actions.scrollIntoView({block: "nearest", behavior: "instant"});
      (block.querySelector("h2") || block).scrollIntoView({block: "nearest", behavior: "instant"});
    }
    if (me) me.dataset.done = "yes";
  });
})();
</script>"""
#: The print view opens the browser's print dialog once drawn.
PRINT_JS = """<script>
if (!window.pathwayPrinted) {
  window.pathwayPrinted = true;
  requestAnimationFrame(() => requestAnimationFrame(() => window.print()));
}
</script>"""
GRAPH_KEY = N_("How to read the graph: thick lines and ✔ mark your answers; dashed grey lines are branches not "
             "taken; ▶ NEXT marks the next question; † marks a category an editorial assumption puts there. "
             "The path is also listed as a table below.")
CONTENT_PROBLEM = N_("**This pathway's content could not be loaded, so no information is shown.** "
                     "Ask the team that maintains the content to fix the problems below.")
SETTING_PROBLEM = N_("**The explorer is set up wrongly, so no information is shown.** "
                     "Ask the team that runs this server to fix the setting below.")
NOT_APPROVED = N_("**This pathway's content is waiting for its clinical approval, so no information is shown.** "
                  "This server shows approved content only. Ask the team that maintains the content when it will be "
                  "signed off.")


def show_error_page(exc: Exception, headline: str = CONTENT_PROBLEM) -> None:
    """The page instead of the explorer when the content or a setting is refused: what, where (file name and line,
    never the server's folders), the disclaimer."""
    if isinstance(exc, NotApproved):
        headline = NOT_APPROVED
    elif isinstance(exc, SettingProblem):
        headline = SETTING_PROBLEM
    i18n.declare_asked()  # the page's words are in the language the link asks for; the problems stay as written
    st.title(_("Pathway explorer"), anchor=False)
    st.error(_(headline), icon=":material/error:")
    errors = exc.errors if isinstance(exc, ValidationFailed) else []
    st.code(without_paths("\n".join(e.format() for e in errors) or str(exc)), language=None, wrap_lines=True)
    st.warning(_(GENERIC_DISCLAIMER), icon=":material/medical_information:")


# ---- the page -----------------------------------------------------------------------------------


def main() -> None:
    i18n.apply_asked()  # until the content is read: an error page speaks the language the link asks for
    try:
        graph_renderer()
        size_script = size_script_html()
    except ValueError as exc:
        st.set_page_config(page_title=_("Pathway explorer: setting error"), layout="wide")
        show_error_page(exc, SETTING_PROBLEM)
        return
    try:
        pathway, key = served()
    except PathwayError as exc:
        st.set_page_config(page_title=_("Pathway explorer: content error"), layout="wide")
        show_error_page(exc)
        return
    tune_process_once()
    page = i18n.page_language(pathway, key)
    i18n.apply(page)
    pathway, key = page.pathway, page.key
    meta = pathway.content.metadata
    st.set_page_config(page_title=meta.title, layout="wide")
    st.html(PAGE_CSS + PRINT_CSS)  # one message: both are style rules only (Streamlit puts them outside the layout)
    # Copy link's handler listens on the document: sent once per full run in the language script's element (no
    # element of its own, which would add a gap to the layout), not on every click with the button's fragment
    i18n.declare_language(page, COPY_JS, FULL_SCREEN_JS)
    if size_script:  # inside the portal's iframe: the content height for the host page (embedding.py)
        st.html(size_script, unsafe_allow_javascript=True)
    if "link_read" not in st.session_state:
        link_answers, notices = read_link(pathway)
        st.session_state.update(link_answers)
        st.session_state["link_read"] = True
        st.session_state["link_notices"] = notices
    static = static_view(pathway, key)
    with st.container(key="masthead", gap="xsmall"):  # closer together, so the first question is in the first view
        st.title(plain(_(FAMILY_TITLE) if family_reading() else meta.title), anchor=False)
        i18n.language_chooser(page)
        show_reading_switch()
        i18n.unavailable_notice(page)
        show_disclaimer(pathway, static, page)
        show_clinic_notice()
        notices = st.session_state.get("link_notices", [])
        if notices:
            st.warning(_("Some parts of the link were ignored: {notices}.").format(notices="; ".join(notices)),
                       icon=":material/link_off:")
    if st.session_state.get(PRINT_PARAM):
        show_print_view(pathway, key)
        return
    st.session_state[FULL_RUN] = True
    try:
        drawn = interactive(pathway, key, page)
    finally:
        st.session_state[FULL_RUN] = False
    if drawn:  # (not after an error page in the fragment: one error id per page)
        show_panels(pathway, key, page)
    if family_reading():
        show_family_reference(pathway, key)
    else:
        show_reference(static)


@st.fragment
@guarded  # a fragment's rerun runs this body alone, so it carries the page's guard too
def interactive(pathway: Pathway, key: str, page: i18n.PageLanguage) -> bool:
    """Everything an answer changes but the panels below it (``PANELS``). A click reruns only this part; an edited
    file, or a click while one of those panels is open, reruns the whole page. True once drawn."""
    i18n.apply(page)
    if pathway_key() != i18n.base_key(key):
        st.rerun(scope="app")
    if not st.session_state.get(FULL_RUN) and any(st.session_state.get(panel) for panel in PANELS):
        st.rerun(scope="app")  # an open panel below shows what the answers give: it is drawn again too
    check_answers(pathway, key, COMPARE_KEY)  # the session's answers that this version still has
    if st.session_state.get(COMPARE_KEY) is not None:  # kept while its panel is closed (its selectbox is not drawn)
        st.session_state[COMPARE_KEY] = st.session_state[COMPARE_KEY]
    answers = answers_from_widgets(pathway)
    write_link(answers, st.session_state.get(COMPARE_KEY))
    large = len(pathway.nodes) > FOCUS_THRESHOLD and len(pathway.nodes) <= DRAW_LIMIT
    view = page_view(pathway, key, answers)
    result = view.result
    tree, optional = questions_now(pathway, result)
    was_complete = st.session_state.get("was_complete")  # None on the first run: a link's result is not scrolled to
    st.session_state["was_complete"] = result.complete
    opened = st.session_state.pop(OPENED, None)  # a situation just opened from the all-situations table
    if result.complete and st.session_state.get(COMPARE_KEY) == "/".join(s.option_id for s in result.path):
        st.session_state[COMPARE_KEY] = None  # never a situation compared with itself
    left, right = st.container(key="ask_and_graph").columns([1, 3], gap="medium")  # side by side: see PAGE_CSS
    with left:
        markdown("## " + _("Questions") + "\n\n:small[:gray[" + _("Answer from the top; the next question appears "
                                                                     "once it matters. The result follows the "
                                                                     "questions.") + "]]")
        ask(tree + optional, view)
        st.button(_("Reset answers"), on_click=reset, args=([q.id for q in pathway.content.questions],),
                  key="reset", icon=":material/restart_alt:")
    with right:  # beside the questions where the width allows; under them (stacked) elsewhere
        if view.result_block is not None:
            show_result(pathway, key, view, opened)
            if was_complete is False or opened:  # the last answer was just given: bring the result into view
                st.html(SCROLL_JS, unsafe_allow_javascript=True)
        else:
            show_next(result)
        if len(pathway.nodes) > DRAW_LIMIT:
            markdown(":small[:gray[" + _("This pathway has {count} nodes, too many to draw whole: the graph shows "
                                            "the neighbourhood of your path. The whole tree is in the DOT download "
                                            "below.").format(count=f"{len(pathway.nodes):,}") + "]]")
        elif large:
            st.toggle(_("Show the full tree"), key="full_tree",
                      help=_("Large pathways show the neighbourhood of your path by default."))
        show_graph(view)
    if family_reading():
        fview = family_view_for(pathway, key, answers)
        show_family_categories(fview)
        show_family_outlook(fview, view)
        if view.result.complete:
            show_ask(pathway)
    else:
        show_categories(view)
        show_outlook(view)
    return True


def page_view(pathway: Pathway, key: str, answers: dict[str, str]) -> PageView:
    """The view of the answers on screen (a large pathway's whole tree only when asked for)."""
    large = FOCUS_THRESHOLD < len(pathway.nodes) <= DRAW_LIMIT
    return view_for(pathway, key, answers, large and bool(st.session_state.get("full_tree")))


def show_panels(pathway: Pathway, key: str, page: i18n.PageLanguage) -> None:
    """The panels under the outlook (``PANELS``), each built only while open, after the fragment has drawn."""
    answers = answers_from_widgets(pathway)
    view = page_view(pathway, key, answers)
    show_basis(view)
    show_table(view)
    show_compare(pathway, key, view.result, answers)
    show_situations(pathway, key, view.result)
    show_downloads(view, pathway, key, page)


run(main)  # the edge: an error page with an error id and one log line; no traceback ever reaches a user
