"""The printable handout: a PDF for one complete situation, or for a comparison of two, made from the content.

Built as HTML and CSS and laid out by WeasyPrint into a tagged PDF/UA-1 (headings, paragraphs, tables and the
graph as a figure with its text alternative; docs/handout.md says why this library). The graph is Graphviz's SVG,
drawn as vector paths and real text. Fonts come from the machine (Debian's fonts-dejavu-core); nothing is fetched:
the only resource a handout may load is the graph, given inline as a data: URI.
"""

from __future__ import annotations

import base64
import ctypes.util
import datetime
import functools
import html
import importlib.util
import re
from typing import Any, Iterable, Sequence

from ..catalogue import gettext as _
from ..errors import PathwayError
from ..evaluate import Result
from ..load import Pathway
from ..shown import (FIGURE, FIGURES_CONTEXT, GROUP_INTRO, NOTE, OPTION_HELP, OUTLOOK_BASIS, OUTLOOK_NOTE,
                     QUESTION_HELP, CategoryShown, Item, Shown, shown)
from .compare import CategoryLine, Comparison, Side
from .export import about_lines, basis_words, figure_words
from .render import render_svg, to_dot

__all__ = ["HandoutError", "FONT_FAMILY", "BODY_PT", "PAGE_SIZE", "MAX_PAGES", "MAX_COMPARISON_PAGES", "GRAPH_KEY",
           "EDITORIAL_MARK", "SAME_READING", "handout_html", "shown_handout_html", "comparison_html", "handout_pdf",
           "comparison_pdf", "html_to_pdf", "pdf_available", "with_link", "qr_image", "LINK_SCHEMES", "clinic_block",
           "with_clinic"]

#: The typeface (Debian's fonts-dejavu-core, found through fontconfig), the body size in points, the paper.
FONT_FAMILY = "DejaVu Sans"
BODY_PT = 11
PAGE_SIZE = "A4"
#: The most pages a handout of one situation, and of a comparison, may take (tests/test_handout.py holds them):
#: content 1.1.0 takes 2-3 and 3-4; with the source's words beside every citation (content 1.2.0) 2-4 and 4-5.
MAX_PAGES, MAX_COMPARISON_PAGES = 4, 5
#: How a statement that is (partly) our own reading is marked: a symbol and words, never colour alone.
EDITORIAL_MARK = "† Editorial assumption"  # translated where shown (pathways/catalogue.py)
#: What a statement says when its editorial reason was already given in full above.
SAME_READING = "the same reading as above."
GRAPH_KEY = ("How to read the graph: thick lines and ✔ mark the answers; dashed grey lines are branches not taken; "
             "the outcome reached lists its categories.")


def N_(message: str) -> str:
    """Mark a constant for the catalogue; translated where shown."""
    return message


N_("† Editorial assumption"), N_("the same reading as above.")
# Words used inside f-strings below, where Babel's extractor cannot see them: marked here for the catalogue.
N_('Basis: {basis}')
N_('About this handout')
N_('This translation is pending review by a qualified medical translator.')
N_('content version')
N_('The situation')
N_('Question')
N_('Situation 1')
N_('Situation 2')
N_('Category')
N_('Where')
N_('What differs: nothing; both situations show the same categories.')
N_('{situation} on the tree')
N_('What each category is, and why it appears')
N_("How to read the graph: thick lines and ✔ mark the answers; dashed grey lines are branches not taken; "
   "the outcome reached lists its categories.")
#: About lines already printed at the top of the first page (the disclaimer box), not repeated at the end.
_ON_TOP = ("Disclaimer",)
#: About lines left out of a handout, to keep it short: the change log is for reviewers, and the audience
#: and population are said by the intended use, the pathway is the title (the app and the other exports give all).
_NOT_ON_HANDOUT = ("Changes in this version", "Audience", "Population", "Pathway")
#: About lines given as their own paragraphs; the rest (pathway, version, dates, sources) run together.
_ABOUT_ITEMS = ("Intended use", "Editorial policy")
_LIBRARIES = ("Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; "
              "bash scripts/setup.sh installs them")


class HandoutError(PathwayError):
    """A handout that cannot be made (incomplete answers, or the PDF libraries are missing)."""


# ---- small HTML helpers -------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _h(message: str) -> str:
    """An interface word in the reader's language, escaped for HTML."""
    return _e(_(message))


def _css_string(text: str) -> str:
    """Text as a CSS string literal (for the page footer), safe inside a <style> element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{escaped}"'


def _basis(*items: Item) -> str:
    """One basis line for the statements of one item: every distinct citation (with the source's own words where
    the content quotes them), in order."""
    cited = list(dict.fromkeys(basis_words(b) for i in items for b in i.basis))
    return f'<p class="basis">{_e(_("Basis: {basis}").format(basis="; ".join(cited)))}</p>' if cited else ""


def _editorial(*items: Item) -> str:
    reasons = dict.fromkeys(i.editorial for i in items if i.editorial)
    return "".join(f'<p class="editorial"><strong>{_e(_(EDITORIAL_MARK))}:</strong> {_e(r)}</p>' for r in reasons)


_EDITORIAL_P = re.compile(r'<p class="editorial"><strong>[^<]*</strong> ([^<]*)</p>')


def _once(document: str) -> str:
    """Each editorial reason in full where it first appears; a later statement resting on it refers back."""
    seen: set[str] = set()

    def keep_first(match: re.Match[str]) -> str:
        if match.group(1) not in seen:
            seen.add(match.group(1))
            return match.group(0)
        return f'<p class="editorial"><strong>{_e(_(EDITORIAL_MARK))}:</strong> {_e(_(SAME_READING))}</p>'

    return _EDITORIAL_P.sub(keep_first, document)


def _statement(item: Item, lead: str = "", css: str = "") -> str:
    """A statement: its text (after an optional bold lead), the editorial mark with its reason, its basis."""
    head = f"<strong>{_e(lead)}</strong> " if lead else ""
    klass = f' class="{css}"' if css else ""
    return f"<p{klass}>{head}{_e(item.text)}</p>" + _editorial(item) + _basis(item)


def _figures(figures: Sequence[Item]) -> str:
    if not figures:
        return ""
    items = "".join(f"<li>{_e(f.title)}: <strong>{_e(f.text)}</strong> "
                    f"({_e(figure_words(f.applies))})</li>" for f in figures)
    return f'<ul class="figures">{items}</ul>'


def _graph(result: Result, caption: str, css: str = "") -> str:
    svg = render_svg(to_dot(result.pathway, result))
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    klass = f' class="{css}"' if css else ""
    return (f'<figure{klass}><img src="{uri}" alt="{_e(_graph_alt(result))}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _graph_alt(result: Result) -> str:
    steps = [f"{s.question.short_label} {s.option_label}" for s in result.path]
    end = _("; outcome: {title}").format(title=result.outcome.title) if result.outcome is not None else ""
    return _("The decision tree, with the path for these answers drawn thick and ticked: {steps}{end}. Every "
             "category on the path is listed in the text.").format(steps="; ".join(steps), end=end)


def _answers(view: Shown) -> list[tuple[str, str]]:
    """(question, answer) in words, the question by its short label (as on the graph): the path, then any
    optional outlook answer."""
    pairs = [(s.question.short_label, s.option_label) for s in view.result.path]
    outlook = {q.id for q in view.pathway.outlook_questions()}
    pairs += [(a.short_label, a.option_label) for a in view.answers if a.question_id in outlook]
    return pairs


def _help(views: Sequence[Shown]) -> str:
    """How each answered question is meant (its help, and the chosen option's: the age assumption), each once."""
    seen: dict[str, Item] = {}
    for view in views:
        for item in view.by_role(QUESTION_HELP, OPTION_HELP):
            seen.setdefault(item.key, item)
    if not seen:
        return ""
    parts = ["<h2>" + _h("About the answers") + "</h2>"]
    questions = views[0].pathway.questions
    for item in seen.values():
        if item.role == OPTION_HELP:
            lead = f"{item.title}:"
        else:
            lead = _asked(questions[item.question].short_label) if item.question in questions else ""
        parts.append(f'<div class="help">{_statement(item, lead=lead)}</div>')
    return "".join(parts)


def _asked(question: str) -> str:
    """A question's short label as the lead of its answer ("Child or adult?", "Time since treatment:")."""
    return question if question.endswith(("?", ":")) else question + ":"


def _about(pathway: Pathway, made: datetime.date) -> str:
    """The provenance (export.about_lines, less the disclaimer at the top), the short items run together."""
    lines = dict(about_lines(pathway, made))
    items = [_(label) for label in _ABOUT_ITEMS]  # about_lines' labels are in the reader's language
    left_out = {_(label) for label in (*_ABOUT_ITEMS, *_ON_TOP, *_NOT_ON_HANDOUT)}
    long = "".join(f"<p><strong>{_e(label)}:</strong> {_e(lines[label])}</p>" for label in items)
    short = "; ".join(f"{label}: {value}" for label, value in lines.items() if label not in left_out)
    return f'<section class="about"><h2>{_e(_("About this handout"))}</h2>{long}<p>{_e(short)}.</p></section>'


def _footer(pathway: Pathway, made: datetime.date) -> str:
    meta = pathway.content.metadata
    sources = "; ".join(s.title for s in pathway.content.sources)
    return _("{title} · content version {version} · last reviewed {reviewed} · source: {sources} · made {made}").format(
        title=meta.title, version=meta.version, reviewed=meta.last_reviewed.isoformat(), sources=sources,
        made=made.isoformat())


_CSS = """
@page {{ size: {page}; margin: 9mm 11mm 14mm 11mm;
  @bottom-left {{ content: {footer}; font: 8.5pt "{font}"; color: black; width: 80%; vertical-align: top; }}
  @bottom-right {{ content: {page_of} " " counter(page) " " {of} " " counter(pages); font: 9pt "{font}"; color: black;
    vertical-align: top; }} }}
html {{ font-family: "{font}", sans-serif; font-size: {body}pt; line-height: 1.14; color: black;
  background: white; }}
body {{ margin: 0; }}
h1 {{ font-size: 15pt; margin: 0 0 1pt; }}
.subtitle {{ font-size: 12pt; margin: 0 0 5pt; }}
h2 {{ font-size: 12.5pt; margin: 8pt 0 2pt; break-after: avoid; }}
h3 {{ font-size: {body}pt; margin: 5pt 0 0; break-after: avoid; }}
p {{ margin: 0 0 1.5pt; }}
ul {{ margin: 0 0 2pt; padding-left: 14pt; }}
.disclaimer {{ border: 1.5pt solid black; padding: 4pt 6pt; margin: 2pt 0 5pt; }}
.disclaimer p {{ margin: 0; }}
.basis {{ font-size: 9pt; }}
.editorial {{ font-size: {body}pt; }}
.category {{ break-inside: avoid; margin-bottom: 3pt; }}
.note, .outlook-note {{ margin-bottom: 3pt; }}
p {{ orphans: 2; widows: 2; }}
figure {{ margin: 3pt 0 2pt; break-inside: avoid; }}
figure img {{ height: 90mm; width: auto; max-width: 100%; }}
figure {{ text-align: center; }}
figcaption {{ text-align: left; }}
figure.pair img {{ height: 70mm; }}
figcaption {{ font-size: 9.5pt; }}
table {{ border-collapse: collapse; width: 100%; margin: 2pt 0 4pt; }}
th, td {{ border: 0.75pt solid black; padding: 1.5pt 4pt; text-align: left; vertical-align: top; }}
.about p {{ font-size: 9.5pt; margin-bottom: 1pt; }}
ul.situation {{ columns: 2; column-gap: 16pt; }}
.flow {{ columns: 2; column-gap: 16pt; }}
.flow h2:first-child {{ margin-top: 2pt; }}
"""


def _document(pathway: Pathway, title: str, subtitle: str, top: Iterable[str], flow: Iterable[str],
              made: datetime.date, description: str) -> str:
    """The whole document: the disclaimer and ``top`` across the page, then ``flow`` and the provenance in two
    columns (short lines such as a basis fill a column, which keeps a handout short)."""
    meta = pathway.content.metadata
    css = _CSS.format(page=PAGE_SIZE, footer=_css_string(_footer(pathway, made)), font=FONT_FAMILY, body=BODY_PT,
                      page_of=_css_string(_("Page")), of=_css_string(_("of")))
    disclaimer = f'<div class="disclaimer" role="note"><p><strong>{_e(meta.disclaimer)}</strong></p>'
    if pathway.translation_pending:  # a translation not yet signed off says so, prominently, in its language
        disclaimer += (f'<p><strong>{_e(_("This translation is pending review by a qualified medical translator."))}'
                       "</strong></p>")
    disclaimer += "</div>"
    return _once("".join([
        f'<!doctype html><html lang="{_e(pathway.language)}"><head><meta charset="utf-8">',
        f"<title>{_e(title)}: {_e(subtitle)}</title>",
        f'<meta name="description" content="{_e(description)}">',
        f'<meta name="author" content="{_e(meta.title)} ({_e(_("content version"))} {_e(meta.version)})">',
        f'<meta name="dcterms.created" content="{made.isoformat()}">',
        f'<meta name="dcterms.modified" content="{made.isoformat()}">',
        f"<style>{css}</style></head><body>",
        f"<h1>{_e(title)}</h1>", f'<p class="subtitle">{_e(subtitle)}</p>', disclaimer, *top,
        '<div class="flow">', *flow, _about(pathway, made), "</div></body></html>",
    ]))


def _outlook_context(views: Sequence[Shown]) -> str:
    """What the outlook depends on, and the figures' context statement when any figure is shown."""
    first = views[0]
    parts = [_statement(first.by_role(OUTLOOK_BASIS)[0])]
    context = next((i for v in views for i in v.by_role(FIGURES_CONTEXT)), None)
    if context is not None:  # no prediction for one person
        parts.append(_statement(context, lead=_("About these figures:")))
    return "".join(parts)


def _outlook_note(view: Shown, note: Item, lead_suffix: str = "") -> str:
    figures = tuple(f for f in view.by_role(FIGURE) if f.note == note.note)
    return (f'<div class="outlook-note">{_statement(note, lead=note.title + lead_suffix + ":")}'
            f"{_figures(figures)}</div>")


# ---- one situation ------------------------------------------------------------------------------


def _complete(result: Result, which: str = "") -> None:
    if not result.complete or result.outcome is None:
        nxt = result.next_question.id if result.next_question is not None else "?"
        raise HandoutError(f"no handout for an incomplete situation{which}: question {nxt!r} is not answered "
                           "(hint: answer every question on the path; a handout shows a complete situation only)")


def _category(category: CategoryShown) -> str:
    """A category: what it is (with its own mark and basis), then why it appears here (with its own)."""
    description, explanation = category.description, category.explanation
    return (f'<div class="category"><h3>{_e(category.label)}</h3>'
            + "<p><strong>" + _h("What it is:") + f"</strong> {_e(description.text)}</p>"
            + _editorial(description) + _basis(description)
            + "<p><strong>" + _h("Why it appears here:") + f"</strong> {_e(explanation.text)}</p>"
            + _editorial(explanation) + _basis(explanation)
            + "</div>")


def handout_html(result: Result, made: datetime.date | None = None) -> str:
    """The handout for one complete situation as an HTML document (what handout_pdf lays out)."""
    _complete(result)
    return shown_handout_html(shown(result), made)


def shown_handout_html(view: Shown, made: datetime.date | None = None) -> str:
    """``handout_html`` of what a situation shows."""
    result = view.result
    _complete(result)
    assert result.outcome is not None
    made = made or datetime.date.today()
    pathway, outcome = view.pathway, result.outcome
    # The outcome's summary and the questions' reasons are left out: the summary says in one paragraph what the
    # categories below say one by one, the reasons are the page's; without them a situation fits on MAX_PAGES pages.
    body = [f'<h2>{_e(_("The situation"))}</h2><ul class="situation">']
    body += [f"<li>{_e(_asked(q))} <strong>{_e(a)}</strong></li>" for q, a in _answers(view)]
    body.append("</ul>")
    body.append(_graph(result, _(GRAPH_KEY)))
    top, body = body, []
    groups = {g.id: g for g in pathway.content.category_groups}
    intros = {i.group: i for i in view.by_role(GROUP_INTRO)}
    for group in pathway.content.category_groups:
        cards = [c for c in view.categories if c.group == group.id]
        if not cards:
            continue
        body.append(f'<h2 class="group">{_e(groups[group.id].label)}</h2>')
        if group.id in intros:
            body.append(_statement(intros[group.id]))
        body += [_category(c) for c in cards]
    notes = view.by_role(NOTE)
    if notes:
        body.append("<h2>" + _h("Notes") + "</h2>")
        body += ['<div class="note">' + _statement(n, lead=_("Note:")) + "</div>" for n in notes]
    body.append("<h2>" + _h("Outlook") + "</h2>")
    body.append(_outlook_context([view]))
    body += [_outlook_note(view, n) for n in view.by_role(OUTLOOK_NOTE)]
    body.append(_help([view]))  # how each answer is meant (the age assumption): after the answer, as the page does
    return _document(pathway, pathway.content.metadata.title,
                     _("Handout for one situation: {title}").format(title=outcome.title), top, body, made,
                     _("What the content documents for: {title}").format(title=outcome.title))


# ---- two situations -----------------------------------------------------------------------------


def _side_heading(side: Side) -> str:
    return _("Situation {number}: {title}").format(number=side.number, title=side.title)


def _compared_answers(views: Sequence[Shown]) -> str:
    first, second = dict(_answers(views[0])), dict(_answers(views[1]))
    prompts = list(dict.fromkeys([*first, *second]))
    rows = []
    for prompt in prompts:
        a, b = first.get(prompt, _("(not asked)")), second.get(prompt, _("(not asked)"))
        differs = _(" ≠ differs") if a != b else ""
        rows.append(f"<tr><th scope=\"row\">{_e(prompt)}{_e(differs)}</th><td>{_e(a)}</td><td>{_e(b)}</td></tr>")
    return (f"<table><thead><tr><th scope=\"col\">{_e(_('Question'))}</th><th scope=\"col\">{_e(_('Situation 1'))}</th>"
            f"<th scope=\"col\">{_e(_('Situation 2'))}</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _shown_category(view: Shown, category_id: str) -> CategoryShown | None:
    return next((c for c in view.categories if c.id == category_id), None)


def _compared_categories(comparison: Comparison, views: Sequence[Shown]) -> str:
    def mark(line: CategoryLine, category: CategoryShown | None) -> str:
        if category is None:
            return "✘ " + _h("not shown")
        worded = " " + _h("(as “{label}”)").format(label=_e(category.label)) if category.label != line.category.label \
            else ""
        return "✔ " + _h("shown") + worded

    rows = "".join(
        f"<tr><th scope=\"row\">{_e(line.category.label)}</th>"
        f"<td>{mark(line, _shown_category(views[0], line.category.id))}</td>"
        f"<td>{mark(line, _shown_category(views[1], line.category.id))}</td>"
        f"<td>{_e(line.symbol)} {_e(line.words)}</td></tr>" for line in comparison.categories)
    return (f"<table><thead><tr><th scope=\"col\">{_e(_('Category'))}</th><th scope=\"col\">{_e(_('Situation 1'))}</th>"
            f"<th scope=\"col\">{_e(_('Situation 2'))}</th><th scope=\"col\">{_e(_('Where'))}</th></tr></thead><tbody>"
            + rows + "</tbody></table>")


def _differs(comparison: Comparison) -> str:
    labels = {c.id: c.label for c in comparison.pathway.content.categories}

    def names(ids: tuple[str, ...]) -> str:
        return ", ".join(labels[i] for i in ids) or _("none")

    if comparison.same_categories:
        return f"<p>{_e(_('What differs: nothing; both situations show the same categories.'))}</p>"
    return "<p>" + _e(_("What differs: only in situation 1: {first}; only in situation 2: {second}.").format(
        first=names(comparison.only_first), second=names(comparison.only_second))) + "</p>"


def _compared_category(line: CategoryLine, views: Sequence[Shown]) -> str:
    """What a category is (once, with its own mark and basis), then why it appears in each situation (each with
    its own mark and basis)."""
    sides = [_shown_category(v, line.category.id) for v in views]
    description = next(c.description for c in sides if c is not None)
    parts = [f'<div class="category"><h3>{_e(line.category.label)} ({_e(line.symbol)} {_e(line.words)})</h3>',
             "<p><strong>" + _h("What it is:") + f"</strong> {_e(description.text)}</p>",
             _editorial(description), _basis(description)]
    for number, category in enumerate(sides, 1):
        if category is None:
            parts.append("<p>" + _h("Situation {number}: not shown.").format(number=number) + "</p>")
            continue
        explanation = category.explanation
        parts.append("<p><strong>" + _h("Why it appears in situation {number}:").format(number=number)
                     + f"</strong> {_e(explanation.text)}</p>")
        parts.append(_editorial(explanation) + _basis(explanation))
    parts.append("</div>")
    return "".join(parts)


def comparison_html(comparison: Comparison, made: datetime.date | None = None) -> str:
    """The handout for two compared situations as an HTML document (what comparison_pdf lays out)."""
    for side in comparison.sides:
        _complete(side.result, f" (situation {side.number})")
    made = made or datetime.date.today()
    pathway = comparison.pathway
    first, second = comparison.first, comparison.second
    views = [shown(side.result) for side in comparison.sides]
    body = ["<h2>" + _h("The two situations") + "</h2>",
            "<p>" + _e(_("Situation 1: {first}. Situation 2: {second}.").format(first=first.title,
                                                                                 second=second.title)) + "</p>",
            _compared_answers(views),
            "<h2>" + _h("Categories side by side") + "</h2>",
            "<p>" + _h("✔ shown, ✘ not shown; ✔ ✔ in both, ✔ ✘ only in situation 1, ✘ ✔ only in situation 2.") + "</p>",
            _compared_categories(comparison, views), _differs(comparison)]
    for side in comparison.sides:
        body.append(f"<h2>{_e(_('{situation} on the tree').format(situation=_side_heading(side)))}</h2>")
        body.append(_graph(side.result, _(GRAPH_KEY), css="pair"))
    top, body = body, [f"<h2>{_e(_('What each category is, and why it appears'))}</h2>"]
    intros = {i.group: i for view in views for i in view.by_role(GROUP_INTRO)}
    labels = {g.id: g.label for g in pathway.content.category_groups}
    for line in comparison.categories:  # a group's introduction before its first category, where one side shows it
        intro = intros.pop(line.category.group, None)
        if intro is not None:
            body.append(f'<div class="group-intro">{_statement(intro, lead=labels[line.category.group] + ":")}</div>')
        body.append(_compared_category(line, views))
    for number, view in enumerate(views, 1):  # (the outcomes' summaries are left out, as in the one-situation one)
        notes = view.by_role(NOTE)
        if notes:
            body.append("<h2>" + _h("Notes for situation {number}").format(number=number) + "</h2>")
            body += ['<div class="note">' + _statement(n, lead=_("Note:")) + "</div>" for n in notes]
    body.append("<h2>" + _h("Outlook") + "</h2>")
    body.append(_outlook_context(views))
    notes = [{n.note: n for n in v.by_role(OUTLOOK_NOTE)} for v in views]
    for line in comparison.outlook:
        note_id = line.note_id
        where = 0 if note_id in notes[0] else 1
        body.append(_outlook_note(views[where], notes[where][note_id], f" ({line.symbol} {line.words})"))
        if where == 0 and note_id in notes[1]:
            one = [(f.title, f.text, f.applies) for f in views[0].by_role(FIGURE) if f.note == note_id]
            two = tuple(f for f in views[1].by_role(FIGURE) if f.note == note_id)
            if one != [(f.title, f.text, f.applies) for f in two]:
                body.append(f"<p>Situation 2's figures:</p>{_figures(two)}")
    body.append(_help(views))
    title = _("Comparing situation 1 ({first}) with situation 2 ({second})").format(first=first.title,
                                                                                   second=second.title)
    return _document(pathway, pathway.content.metadata.title, title, top, body, made, title)


# ---- to PDF -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def pdf_available() -> bool:
    """Whether WeasyPrint and Pango are installed (looked up once, without importing WeasyPrint's 0.4 s)."""
    return importlib.util.find_spec("weasyprint") is not None and ctypes.util.find_library("pango-1.0") is not None


def html_to_pdf(document: str) -> bytes:
    """Lay out a handout's HTML as a tagged PDF/UA-1; nothing but data: URIs may be loaded."""
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: Pango or HarfBuzz missing
        raise HandoutError(f"the PDF handout needs WeasyPrint and Pango ({exc}); {_LIBRARIES}") from None
    fetcher = URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    return weasyprint.HTML(string=document, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")


def handout_pdf(result: Result, made: datetime.date | None = None, link: str | None = None,
                clinic: Any = None) -> bytes:
    """The PDF handout for one complete situation (raises HandoutError for an incomplete one); ``link``, the
    address that reopens the view, is printed at its end as text and as a QR code; ``clinic`` (a
    ``pathways.clinic.Clinic``, from the deployment's CLINIC_FILE) at its end too, marked as coming from the clinic."""
    return html_to_pdf(with_clinic(with_link(handout_html(result, made), link), clinic))


def comparison_pdf(comparison: Comparison, made: datetime.date | None = None, link: str | None = None,
                   clinic: Any = None) -> bytes:
    """The PDF handout for two compared situations (``link`` and ``clinic`` as in handout_pdf)."""
    return html_to_pdf(with_clinic(with_link(comparison_html(comparison, made), link), clinic))


def clinic_block(clinic: Any) -> str:
    """The clinic's own details as an HTML section marked as coming from the clinic (never from the pathway's
    content); empty without them."""
    if clinic is None:
        return ""
    phones = "".join(f"<li>{_e(p.label)}: <strong>{_e(p.number)}</strong></li>" for p in clinic.phones)
    parts = [f'<section class="clinic" aria-label="{_e(_("From your clinic"))}" style="break-inside: avoid; '
             f'border: 1pt solid black; padding: 3pt 6pt; margin-top: 8pt"><h2>'
             f'{_e(_("From your clinic: {service}").format(service=clinic.service))}</h2>',
             f"<ul>{phones}</ul>"]
    if clinic.hours:
        parts.append(f"<p>{_e(clinic.hours)}</p>")
    if clinic.note:
        parts.append(f"<p>{_e(clinic.note)}</p>")
    from_clinic = _("These details come from your clinic, not from the article.")
    parts.append(f'<p class="small">{_e(from_clinic)}</p></section>')
    return "".join(parts)


def with_clinic(document: str, clinic: Any) -> str:
    """A handout's HTML with the clinic's details at its end (unchanged without them)."""
    block = clinic_block(clinic)
    if not block:
        return document
    end = "</div></body>" if "</div></body>" in document else "</body>"  # the end of the two-column flow
    at = document.rindex(end)
    return document[:at] + block + document[at:]


#: Schemes a handout's link may have (a handout never carries a script or a local file's address).
LINK_SCHEMES = ("https", "http")
#: Side of the printed QR code (every handout's): a 150-character link's code decodes from a page rendered at
#: 150 dpi, about what a phone's camera sees at arm's length; at 20 mm it did not.
QR_SIZE = "24mm"


def qr_image(link: str, size: str = QR_SIZE) -> str:
    """An ``<img>`` of a QR code of ``link`` (PyPI segno, an SVG data address), ``size`` wide and high, with its
    alternative text."""
    import segno  # only when a link is printed

    qr = segno.make(link, error="m", micro=False).svg_data_uri(scale=1, border=4, omitsize=True)
    return (f'<img src="{qr}" alt="{_h("QR code with the link to this view")}" '
            f'style="width: {size}; height: {size}; flex: none">')


def with_link(document: str, link: str | None) -> str:
    """A handout's HTML with ``link`` at its end, as text and as a QR code (PyPI segno, an SVG); unchanged
    without a link. Raises HandoutError for a link that is not http(s)."""
    if not link:
        return document
    scheme = link.split(":", 1)[0].lower() if ":" in link else ""
    if scheme not in LINK_SCHEMES or any(c.isspace() for c in link):
        raise HandoutError(f"unusable link for a handout: {link[:80]!r} (must be one of {list(LINK_SCHEMES)}, "
                           "without spaces; hint: set PUBLIC_URL to the address people outside the frame use)")
    block = ('<div class="link" style="break-inside: avoid; display: flex; gap: 8pt; align-items: center; '
             'margin-top: 8pt">' + qr_image(link)
             + '<p style="margin: 0; overflow-wrap: anywhere"><strong>' + _h("Open this view again:")
             + "</strong> " + _h("scan the code or type the address")
             + f' <a href="{_e(link)}">{_e(link)}</a></p></div>')
    end = "</div></body>" if "</div></body>" in document else "</body>"  # the end of the two-column flow
    at = document.rindex(end)
    return document[:at] + block + document[at:]
