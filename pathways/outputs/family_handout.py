"""The family handout: a PDF of one situation in plain language, for the people at the other end of the conversation.

It renders a ``Shown`` (the one description of what a situation shows) in its plain texts: the answers, the path
drawn alone (text at 9 pt or more on paper), each kind of treatment with what it is and why it is here, the notes
and the outlook, "Questions you may want to ask the care team", room for notes, the clinic's own details when the
deployment gives them, the link back to the view (as text and as a QR code), the version, the date and page
numbers. No basis lines and no editorial reasons in the body: a text that is partly our own reading carries a
marker, and an endnote says where the reason is. Laid out by WeasyPrint as a tagged PDF/UA-1
(``handout.html_to_pdf``); at most two pages.
"""

from __future__ import annotations

import base64
import datetime
import html
import re
import textwrap

import graphviz

from ..catalogue import gettext as _
from ..clinic import Clinic
from ..family import (ASK_HEADING, FAMILY_TITLE, GROUP_HEADINGS, EDITORIAL_MARKER, EDITORIAL_MARKER_WORDS, NOTES_HEADING, PLAIN_DISCLAIMER,
                      plain_of, source_words, version_words)
from ..shown import (GROUP_INTRO, FIGURES_CONTEXT, NOTE, OUTLOOK_BASIS, OUTLOOK_NOTE, SUMMARY, CategoryShown, Item, Shown, ask_items)
from .handout import FONT_FAMILY, PAGE_SIZE, HandoutError, clinic_block, html_to_pdf, qr_image
from .render import render_svg

__all__ = ["FAMILY_TITLE", "GRAPH_PT", "MIN_GRAPH_PT", "family_handout_html", "family_handout_pdf", "path_dot",
           "graph_scale"]

#: The text size of the path's drawing in Graphviz points, and the smallest size it may print at.
GRAPH_PT = 10
MIN_GRAPH_PT = 9
#: The widest the drawing may print, in points (one of the handout's two columns).
_PRINT_WIDTH_PT = 250
#: The height of the empty box for the family's notes: room to write a few lines, small enough that the longest
#: situation (Spanish, with the clinic's details and a link) still ends on page 2.
NOTES_HEIGHT = "26mm"
_LINK = re.compile(r"^https?://[^\s<>\"']{1,1800}$")


def N_(message: str) -> str:
    """Mark a message for extraction (translated where used, with ``_``)."""
    return message


#: Words used inside f-strings below (marked here so that extraction finds them).
N_("Your answers"), N_("What the article says"), N_("Good to know"), N_("Looking ahead"), N_("What it is:")
N_("Why it is here:"), N_("See this online:"), N_("{version}. Made on {date}."), N_("content version")
N_("From your clinic"), N_("From your clinic: {service}")
N_("These details come from your clinic, not from the article.")
N_("For this situation: {title}"), N_("Plain-language handout for families: {title}")
#: Translated where used (``_``), the marker and its words filled in then.
_ENDNOTE = N_("{marker} marks {words}: a place where the article is not clear and we say how we read it. The "
              "online page (link above) gives the reason and the source for every text, one tap away.")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{escaped}"'


def path_dot(shown: Shown) -> str:
    """DOT of the chosen path only: each question with the answer given, then the outcome with its categories."""
    graph = graphviz.Digraph("path")
    graph.attr(rankdir="TB", nodesep="0.15", ranksep="0.18", fontname="Helvetica")
    graph.attr("node", shape="box", style="rounded", fontname="Helvetica", fontsize=str(GRAPH_PT), margin="0.08,0.04")
    graph.attr("edge", arrowsize="0.7", penwidth="1.5")
    previous: str | None = None
    for step in shown.result.path:  # one box per question: the question, then the answer given
        graph.node(step.node_id, label=f"{_dot_text(step.question.short_label)}\\n✔ {_dot_text(step.option_label)}")
        if previous is not None:
            graph.edge(previous, step.node_id)
        previous = step.node_id
    if shown.result.outcome is not None:
        lines = "".join(_dot_line(f"• {c.label}{' ' + EDITORIAL_MARKER if c.is_editorial else ''}")
                        for c in shown.categories)
        graph.node("outcome", label=f"{_dot_text(shown.result.outcome.short_title)}\\n{lines}", shape="note",
                   penwidth="2")
        if previous is not None:
            graph.edge(previous, "outcome")
    return graph.source


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\")


def _dot_line(text: str) -> str:
    return "".join(f"{_dot_text(line)}\\l" for line in textwrap.wrap(text, 34, subsequent_indent="   ") or [text])


def graph_scale(svg: bytes) -> float:
    """The factor the drawing is printed at (1.0 = Graphviz's points): its natural size, shrunk to the page width."""
    match = re.search(rb'<svg[^>]*width="([0-9.]+)pt"', svg)
    width = float(match.group(1)) if match else _PRINT_WIDTH_PT
    return min(1.0, _PRINT_WIDTH_PT / width)


def _graph(shown: Shown) -> str:
    svg = render_svg(path_dot(shown))
    scale = graph_scale(svg)
    if GRAPH_PT * scale < MIN_GRAPH_PT:  # too wide to print legibly: the text says it all, leave the drawing out
        return ""
    match = re.search(rb'<svg[^>]*width="([0-9.]+)pt"', svg)
    width = float(match.group(1)) * scale if match else _PRINT_WIDTH_PT
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    steps = "; ".join(f"{s.question.short_label} {s.option_label}" for s in shown.result.path)
    alt = _("The path for these answers: {steps}; then {title}, with its kinds of treatment listed below.").format(
        steps=steps, title=shown.title)
    return f'<figure><img src="{uri}" alt="{_e(alt)}" style="width: {width:.1f}pt"></figure>'


def _mark(item: Item) -> str:
    return f' <span class="mark">{EDITORIAL_MARKER}</span>' if item.is_editorial else ""


def _p(item: Item, lead: str = "") -> str:
    head = f"<strong>{_e(lead)}</strong> " if lead else ""
    return f"<p>{head}{_e(plain_of(item))}{_mark(item)}</p>"


def _category(category: CategoryShown) -> str:
    return (f'<div class="category"><h3>{_e(category.label)}</h3>'
            f"{_p(category.description, _('What it is:'))}{_p(category.explanation, _('Why it is here:'))}</div>")


def _clinic(clinic: Clinic | None) -> str:
    return clinic_block(clinic)


_CSS = """
@page {{ size: {page}; margin: 9mm 10mm 14mm 10mm;
  @bottom-left {{ content: {footer}; font: 9pt "{font}"; color: black; width: 78%; vertical-align: top; }}
  @bottom-right {{ content: {page_of} " " counter(page) " " {of} " " counter(pages); font: 9pt "{font}"; color: black;
    vertical-align: top; }} }}
html {{ font-family: "{font}", sans-serif; font-size: 11pt; line-height: 1.15; color: black; background: white; }}
body {{ margin: 0; }}
h1 {{ font-size: 16pt; margin: 0 0 2pt; }}
h2 {{ font-size: 12.5pt; margin: 6pt 0 2pt; break-after: avoid; }}
h3 {{ font-size: 11pt; margin: 4pt 0 0; break-after: avoid; }}
p {{ margin: 0 0 1.5pt; orphans: 2; widows: 2; }}
ul {{ margin: 0 0 2pt; padding-left: 14pt; }}
.subtitle {{ font-size: 12pt; margin: 0 0 4pt; }}
.disclaimer {{ border: 1.5pt solid black; padding: 4pt 6pt; margin: 2pt 0 5pt; }}
.disclaimer p {{ margin: 0; }}
.small {{ font-size: 9.5pt; }}
.category {{ break-inside: avoid; margin-bottom: 2pt; }}
figure {{ margin: 2pt 0 3pt; break-inside: avoid; }}
figure img {{ max-width: 100%; height: auto; }}
.flow {{ columns: 2; column-gap: 16pt; }}
.flow h2:first-child {{ margin-top: 0; }}
.clinic, .ask, .notes {{ break-inside: avoid; }}
.clinic {{ border: 1pt solid black; padding: 3pt 6pt; margin: 6pt 0 3pt; }}
.link {{ overflow-wrap: anywhere; display: flex; gap: 8pt; align-items: center; margin-top: 4pt;
  break-inside: avoid; }}
.link p {{ margin: 0; }}
.notes .box {{ border: 1pt solid black; height: {notes_height}; }}
"""


def family_handout_html(shown: Shown, link: str | None = None, clinic: Clinic | None = None,
                        made: datetime.date | None = None) -> str:
    """The family handout of one complete situation as an HTML document (what family_handout_pdf lays out)."""
    if not shown.complete or shown.result.outcome is None:
        nxt = shown.next_question.id if shown.next_question is not None else "?"
        raise HandoutError(f"no handout for an incomplete situation: question {nxt!r} is not answered "
                           "(hint: answer every question on the path; a handout shows a complete situation only)")
    if link is not None and not _LINK.match(link):
        raise HandoutError(f"the link back to the view must be an http(s) address without spaces, got {link[:60]!r}")
    made = made or datetime.date.today()
    pathway = shown.pathway
    meta = pathway.content.metadata
    answers = "".join(f"<li>{_e(a.short_label if a.short_label.endswith('?') else a.short_label + ':')} "
                      f"<strong>{_e(a.option_label)}</strong></li>" for a in shown.answers if a.used)
    family_title = _(FAMILY_TITLE)
    top = [f"<h1>{_e(family_title)}</h1>",
           f'<p class="subtitle">{_e(_("For this situation: {title}").format(title=shown.title or ""))}</p>',
           f'<div class="disclaimer" role="note"><p><strong>{_e(_(PLAIN_DISCLAIMER))}</strong></p>'
           + (f'<p><strong>{_e(_("This translation is pending review by a qualified medical translator."))}'
              "</strong></p>" if pathway.translation_pending else "")  # as the clinician handout says it
           + "</div>",
           f"<p>{_e(source_words(pathway))}</p>"]
    flow = [f"<h2>{_e(_('Your answers'))}</h2>", _graph(shown) or f"<ul>{answers}</ul>"]
    flow += [f"<p>{_e(a.short_label)}: <strong>{_e(a.option_label)}</strong></p>" for a in shown.answers
             if a.used and a.question_id not in {s.question.id for s in shown.result.path}]
    flow.append(f"<h2>{_e(_('What the article says'))}</h2>")
    flow += [_p(i) for i in shown.by_role(SUMMARY)]
    for group in pathway.content.category_groups:
        cats = [c for c in shown.categories if c.group == group.id]
        if not cats:
            continue
        heading = _(GROUP_HEADINGS[group.id]) if group.id in GROUP_HEADINGS else group.label
        flow.append(f"<h2>{_e(heading)}</h2>")
        flow += [_p(i) for i in shown.by_role(GROUP_INTRO) if i.group == group.id]
        flow += [_category(c) for c in cats]
    notes = shown.by_role(NOTE)
    if notes:
        flow.append(f"<h2>{_e(_('Good to know'))}</h2>")
        flow += [_p(i) for i in notes]
    flow.append(f"<h2>{_e(_('Looking ahead'))}</h2>")
    flow += [_p(i) for i in shown.by_role(OUTLOOK_BASIS)]
    flow += [_p(i, _("About the numbers:")) for i in shown.by_role(FIGURES_CONTEXT)]  # the context before the figures
    flow += [_p(i, f"{i.title}:") for i in shown.by_role(OUTLOOK_NOTE)]
    questions = "".join(f"<li>{_e(plain_of(i))}</li>" for i in ask_items(pathway))
    if questions:
        flow.append(f'<section class="ask"><h2>{_e(_(ASK_HEADING))}</h2><ul>{questions}</ul></section>')
    flow.append(f'<section class="notes"><h2>{_e(_(NOTES_HEADING))}</h2><div class="box" role="presentation"></div>'
                "</section>")
    end = [_clinic(clinic)]
    if link:  # as text and as a QR code, as the clinician handout prints it
        end.append(f'<div class="link">{qr_image(link)}<p><strong>{_e(_("See this online:"))}</strong> '
                   f'{_e(_("scan the code or type the address"))} <a href="{_e(link)}">{_e(link)}</a></p></div>')
    if any(i.is_editorial for i in shown.items):
        endnote = _(_ENDNOTE).format(marker=EDITORIAL_MARKER, words=_(EDITORIAL_MARKER_WORDS))
        end.append(f'<p class="small">{_e(endnote)}</p>')
    made_on = _("{version}. Made on {date}.").format(version=version_words(pathway), date=made.isoformat())
    end.append(f'<p class="small">{_e(made_on)}</p>')
    footer = _("{title} · {version} · made {date}").format(title=family_title, version=version_words(pathway),
                                                          date=made.isoformat())
    css = _CSS.format(page=PAGE_SIZE, notes_height=NOTES_HEIGHT, footer=_css_string(footer), font=FONT_FAMILY,
                      page_of=_css_string(_("Page")), of=_css_string(_("of")))
    title = f"{family_title}: {shown.title}"
    description = _("Plain-language handout for families: {title}").format(title=shown.title or "")
    return "".join([
        f'<!doctype html><html lang="{_e(pathway.language)}"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title>", f'<meta name="description" content="{_e(description)}">',
        f'<meta name="author" content="{_e(meta.title)} ({_e(_("content version"))} {_e(meta.version)})">',
        f'<meta name="dcterms.created" content="{made.isoformat()}">',
        f"<style>{css}</style></head><body>", *top, '<div class="flow">', *flow, "</div>", *end, "</body></html>",
    ])


def family_handout_pdf(shown: Shown, link: str | None = None, clinic: Clinic | None = None,
                       made: datetime.date | None = None) -> bytes:
    """The family handout PDF for one complete situation (raises HandoutError for an incomplete one)."""
    return html_to_pdf(family_handout_html(shown, link, clinic, made))
