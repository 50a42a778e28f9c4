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
from typing import Iterable, Sequence

from .compare import CategoryLine, Comparison, Side
from ..catalogue import gettext as _
from ..errors import PathwayError
from ..evaluate import FigureResult, NoteResult, Result, TreatmentResult, citation
from .export import FIGURE_MATCH, about_lines
from ..load import Pathway
from ..model import Statement
from .render import render_svg, to_dot

__all__ = ["HandoutError", "FONT_FAMILY", "BODY_PT", "PAGE_SIZE", "GRAPH_KEY", "EDITORIAL_MARK", "SAME_READING",
           "handout_html",
           "comparison_html", "handout_pdf", "comparison_pdf", "html_to_pdf", "pdf_available"]

#: The typeface (Debian's fonts-dejavu-core, found through fontconfig), the body size in points, the paper.
FONT_FAMILY = "DejaVu Sans"
BODY_PT = 11
PAGE_SIZE = "A4"
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
N_("Basis: {basis}")
N_("Note:")
N_('About this handout')
N_('This translation is pending review by a qualified medical translator.')
N_('content version')
N_('What it is:')
N_('Why it appears here:')
N_('The situation')
N_('Notes')
N_('Outlook')
N_('Question')
N_('Situation 1')
N_('Situation 2')
N_('Category')
N_('Where')
N_('What differs: nothing; both situations show the same categories.')
N_('The two situations')
N_('Categories side by side')
N_('{situation} on the tree')
N_('What each category is, and why it appears')
N_('Notes for situation {number}')
N_("How to read the graph: thick lines and ✔ mark the answers; dashed grey lines are branches not taken; "
   "the outcome reached lists its categories.")
#: About lines already printed at the top of the first page (the disclaimer box), not repeated at the end.
_ON_TOP = ("Disclaimer",)
#: About lines left out of a handout, to keep it to two pages: the change log is for reviewers, and the audience
#: and population are said by the intended use, the pathway is the title (the app and the other exports give all).
_NOT_ON_HANDOUT = ("Changes in this version", "Audience", "Population", "Pathway")
#: About lines given as their own paragraphs; the rest (pathway, version, dates, sources) run together.
_ABOUT_ITEMS = ("Intended use", "Editorial policy")
_FIGURE_MATCH = FIGURE_MATCH
_LIBRARIES = ("Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; "
              "bash scripts/setup.sh installs them")


class HandoutError(PathwayError):
    """A handout that cannot be made (incomplete answers, or the PDF libraries are missing)."""


# ---- small HTML helpers -------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _css_string(text: str) -> str:
    """Text as a CSS string literal (for the page footer), safe inside a <style> element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{escaped}"'


def _cite(statement: Statement) -> str:
    return "; ".join(citation(b) for b in statement.basis)


def _basis(*statements: Statement) -> str:
    """One basis line for the statements of one item: every distinct citation, in order."""
    cited = list(dict.fromkeys(citation(b) for s in statements for b in s.basis))
    return f'<p class="basis">{_e(_("Basis: {basis}").format(basis="; ".join(cited)))}</p>' if cited else ""


def _editorial(*statements: Statement) -> str:
    reasons = dict.fromkeys(s.editorial for s in statements if s.editorial)
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


def _statement(statement: Statement, lead: str = "", css: str = "") -> str:
    """A statement: its text (after an optional bold lead), the editorial mark with its reason, its basis."""
    head = f"<strong>{_e(lead)}</strong> " if lead else ""
    klass = f' class="{css}"' if css else ""
    return (f"<p{klass}>{head}{_e(statement.text)}</p>" + _editorial(statement)
            + _basis(statement))


def _figures(figures: Sequence[FigureResult]) -> str:
    if not figures:
        return ""
    items = "".join(f"<li>{_e(f.figure.label)}: <strong>{_e(f.figure.display)}</strong> "
                    f"({_e(_(_FIGURE_MATCH[f.applies]))})</li>" for f in figures)
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


def _answers(result: Result) -> list[tuple[str, str]]:
    """(question, answer) in words, the question by its short label (as on the graph): the path, then any
    optional outlook answer."""
    pairs = [(s.question.short_label, s.option_label) for s in result.path]
    for question in result.pathway.outlook_questions():
        if question.id in result.answers:
            option = next(o for o in question.options if o.id == result.answers[question.id])
            pairs.append((question.short_label, option.label))
    return pairs


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
    words = _("{title} · content version {version} · last reviewed {reviewed} · source: {sources} · made {made}")
    return words.format(
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
    columns (short lines such as a basis fill a column, which keeps a situation to two pages)."""
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


def _outlook_context(pathway: Pathway, notes: Iterable[NoteResult]) -> str:
    """What the outlook depends on, and the figures' context statement when any figure is shown."""
    outlook = pathway.content.outlook
    parts = [_statement(outlook.depends_on)]
    if outlook.figures_context is not None and any(n.figures for n in notes):
        parts.append(_statement(outlook.figures_context, lead=_("About these figures:")))  # no prediction for one
    return "".join(parts)


def _outlook_note(note: NoteResult, lead_suffix: str = "") -> str:
    return (f'<div class="outlook-note">{_statement(note.statement, lead=note.title + lead_suffix + ":")}'
            f"{_figures(note.figures)}</div>")


# ---- one situation ------------------------------------------------------------------------------


def _complete(result: Result, which: str = "") -> None:
    if not result.complete or result.outcome is None:
        nxt = result.next_question.id if result.next_question is not None else "?"
        raise HandoutError(f"no handout for an incomplete situation{which}: question {nxt!r} is not answered "
                           "(hint: answer every question on the path; a handout shows a complete situation only)")


def _category(treatment: TreatmentResult) -> str:
    return (f'<div class="category"><h3>{_e(treatment.label)}</h3>'
            f"<p><strong>{_e(_('What it is:'))}</strong> {_e(treatment.description.text)} "
            f"<strong>{_e(_('Why it appears here:'))}</strong> {_e(treatment.explanation.text)}</p>"
            + _editorial(treatment.description, treatment.explanation)
            + _basis(treatment.description, treatment.explanation)
            + "</div>")


def handout_html(result: Result, made: datetime.date | None = None) -> str:
    """The handout for one complete situation as an HTML document (what handout_pdf lays out)."""
    _complete(result)
    assert result.outcome is not None
    made = made or datetime.date.today()
    pathway, outcome = result.pathway, result.outcome
    # The outcome's summary is left out: it says in one paragraph what the categories below say one by one,
    # and without it every situation of the shipped pathway fits on two pages.
    body = [f'<h2>{_e(_("The situation"))}</h2><ul class="situation">']
    body += [f"<li>{_e(_asked(q))} <strong>{_e(a)}</strong></li>" for q, a in _answers(result)]
    body.append("</ul>")
    body.append(_graph(result, _(GRAPH_KEY)))
    top, body = body, []
    for group in pathway.content.category_groups:
        cards = [t for t in result.treatments if t.group == group.id]
        if not cards:
            continue
        body.append(f'<h2 class="group">{_e(group.label)}</h2>')
        if group.intro is not None:
            body.append(_statement(group.intro))
        body += [_category(t) for t in cards]
    if outcome.notes:
        body.append(f"<h2>{_e(_('Notes'))}</h2>")
        body += [f'<div class="note">{_statement(n, lead=_("Note:"))}</div>' for n in outcome.notes]
    body.append(f"<h2>{_e(_('Outlook'))}</h2>")
    body.append(_outlook_context(pathway, result.notes))
    body += [_outlook_note(n) for n in result.notes]
    return _document(pathway, pathway.content.metadata.title,
                     _("Handout for one situation: {title}").format(title=outcome.title), top, body, made,
                     _("What the content documents for: {title}").format(title=outcome.title))


# ---- two situations -----------------------------------------------------------------------------


def _side_heading(side: Side) -> str:
    return _("Situation {number}: {title}").format(number=side.number, title=side.title)


def _compared_answers(comparison: Comparison) -> str:
    one, two = comparison.first.result, comparison.second.result
    first, second = dict(_answers(one)), dict(_answers(two))
    prompts = list(dict.fromkeys([*first, *second]))
    rows = []
    for prompt in prompts:
        a, b = first.get(prompt, _("(not asked)")), second.get(prompt, _("(not asked)"))
        differs = _(" ≠ differs") if a != b else ""
        rows.append(f"<tr><th scope=\"row\">{_e(prompt)}{_e(differs)}</th><td>{_e(a)}</td><td>{_e(b)}</td></tr>")
    return (f"<table><thead><tr><th scope=\"col\">{_e(_('Question'))}</th><th scope=\"col\">{_e(_('Situation 1'))}</th>"
            f"<th scope=\"col\">{_e(_('Situation 2'))}</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _compared_categories(comparison: Comparison) -> str:
    def mark(line: CategoryLine, treatment: TreatmentResult | None) -> str:
        if treatment is None:
            return _e(_("✘ not shown"))
        same = treatment.label == line.category.label
        worded = "" if same else _e(_(" (as “{label}”)").format(label=treatment.label))
        return _e(_("✔ shown")) + worded

    rows = "".join(
        f"<tr><th scope=\"row\">{_e(line.category.label)}</th><td>{mark(line, line.first)}</td>"
        f"<td>{mark(line, line.second)}</td>"
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


def _compared_category(line: CategoryLine) -> str:
    parts = [f'<div class="category"><h3>{_e(line.category.label)} ({_e(line.symbol)} {_e(line.words)})</h3>',
             f"<p><strong>{_e(_('What it is:'))}</strong> {_e(line.category.description.text)}</p>"]
    statements: list[Statement] = [line.category.description]
    for number, treatment in ((1, line.first), (2, line.second)):
        if treatment is None:
            parts.append("<p>" + _e(_("Situation {number}: not shown.").format(number=number)) + "</p>")
            continue
        parts.append("<p><strong>" + _e(_("Why it appears in situation {number}:").format(number=number))
                     + f"</strong> {_e(treatment.explanation.text)}</p>")
        statements.append(treatment.explanation)
    parts.append(_editorial(*statements))
    parts.append(_basis(*statements))
    parts.append("</div>")
    return "".join(parts)


def comparison_html(comparison: Comparison, made: datetime.date | None = None) -> str:
    """The handout for two compared situations as an HTML document (what comparison_pdf lays out)."""
    for side in comparison.sides:
        _complete(side.result, f" (situation {side.number})")
    made = made or datetime.date.today()
    pathway = comparison.pathway
    first, second = comparison.first, comparison.second
    body = [f"<h2>{_e(_('The two situations'))}</h2>",
            "<p>" + _e(_("Situation 1: {first}. Situation 2: {second}.").format(first=first.title,
                                                                                 second=second.title)) + "</p>",
            _compared_answers(comparison),
            f"<h2>{_e(_('Categories side by side'))}</h2>",
            "<p>" + _e(_("✔ shown, ✘ not shown; ✔ ✔ in both, ✔ ✘ only in situation 1, ✘ ✔ only in situation 2."))
            + "</p>",
            _compared_categories(comparison), _differs(comparison)]
    for side in comparison.sides:
        body.append(f"<h2>{_e(_('{situation} on the tree').format(situation=_side_heading(side)))}</h2>")
        body.append(_graph(side.result, _(GRAPH_KEY), css="pair"))
    top, body = body, [f"<h2>{_e(_('What each category is, and why it appears'))}</h2>"]
    body += [_compared_category(line) for line in comparison.categories]
    for side in comparison.sides:  # (the outcomes' summaries are left out, as in the handout of one situation)
        if side.notes:
            body.append(f"<h2>{_e(_('Notes for situation {number}').format(number=side.number))}</h2>")
            body += [f'<div class="note">{_statement(n, lead=_("Note:"))}</div>' for n in side.notes]
    body.append(f"<h2>{_e(_('Outlook'))}</h2>")
    body.append(_outlook_context(pathway, (*first.outlook, *second.outlook)))
    for line in comparison.outlook:
        note = line.first or line.second
        assert note is not None
        body.append(_outlook_note(note, f" ({line.symbol} {line.words})"))
        if line.first is not None and line.second is not None and line.first.figures != line.second.figures:
            body.append("<p>" + _e(_("Situation 2's figures:")) + f"</p>{_figures(line.second.figures)}")
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


def handout_pdf(result: Result, made: datetime.date | None = None) -> bytes:
    """The PDF handout for one complete situation (raises HandoutError for an incomplete one)."""
    return html_to_pdf(handout_html(result, made))


def comparison_pdf(comparison: Comparison, made: datetime.date | None = None) -> bytes:
    """The PDF handout for two compared situations."""
    return html_to_pdf(comparison_html(comparison, made))
