"""Exports of a result: a JSON-ready dict, a Markdown summary and a CSV; each carries the disclaimer.

Each renders ``pathways.shown.Shown`` (what the situation shows, each statement once with its basis, quote and
editorial reason) and ``reference_items``; none picks statements from the content by itself. The helpers that
word a basis (``cite``, ``basis_words``) and a figure's match (``FIGURE_MATCH``, ``figure_words``) are shared by
every output, so all say them alike.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any, Iterator

from ..catalogue import gettext as _
from ..evaluate import Result, citation
from ..lifecycle import approval_text, current_change, review_due_text
from ..load import Pathway
from ..model import Basis, Statement
from ..shown import (CATEGORY, EXPLANATION, FIGURE, FIGURES_CONTEXT, GROUP_INTRO, NOTE, OPTION_HELP, OUTLOOK_BASIS,
                     OUTLOOK_NOTE, QUESTION_HELP, QUESTION_WHY, SUMMARY, Item, Shown, reference_items, shown)

__all__ = ["result_to_dict", "shown_to_dict", "disclaimer_block", "statement_to_dict", "item_to_dict", "basis_to_dict",
           "to_markdown", "shown_to_markdown", "to_csv", "shown_to_csv", "CSV_COLUMNS", "FIGURE_MATCH", "figure_words",
           "cite", "basis_words", "quote_words", "about_lines", "graph_footer"]


def basis_to_dict(basis: Basis) -> dict[str, Any]:
    """One basis: source, section, who the source reports, the citation in words and the source's own words."""
    return {
        "source": basis.source,
        "section": basis.section,
        "reported_by": basis.reported_by,
        "citation": citation(basis),
        "quote": basis.quote,
    }


_basis = basis_to_dict


def statement_to_dict(statement: Statement) -> dict[str, Any]:
    """Text, basis list and the editorial-assumption flag with its reason."""
    return {
        "text": statement.text,
        "basis": [_basis(b) for b in statement.basis],
        "editorial_assumption": statement.is_editorial,
        "editorial_reason": statement.editorial,
    }


def item_to_dict(item: Item) -> dict[str, Any]:
    """One shown statement: its key, role, title, text, basis (with quotes), editorial flag and plain text."""
    out: dict[str, Any] = {
        "key": item.key,
        "role": item.role,
        "title": item.title,
        "text": item.text,
        "basis": [_basis(b) for b in item.basis],
        "editorial_assumption": item.is_editorial,
        "editorial_reason": item.editorial,
        "plain": item.plain,
    }
    for name in ("category", "group", "note", "question"):
        if getattr(item, name) is not None:
            out[name] = getattr(item, name)
    if item.about:
        out["about"] = list(item.about)
    if item.role == FIGURE:
        out["applies"] = item.applies
        out["match"] = FIGURE_MATCH[item.applies]
    return out


def disclaimer_block(pathway: Pathway) -> dict[str, Any]:
    """The disclaimer, intended use and provenance that every view and export carries."""
    meta = pathway.content.metadata
    return {
        "text": meta.disclaimer,
        "intended_use": meta.intended_use,
        "audience": meta.audience,
        "population": meta.population,
        "editorial_policy": meta.editorial_policy,
        "pathway_version": meta.version,
        "last_reviewed": meta.last_reviewed.isoformat(),
        "next_review_due": meta.next_review_due.isoformat() if meta.next_review_due else None,
        "approved_on": meta.approved_on.isoformat() if meta.approved_on else None,
        "approved_by": meta.approved_by,
        "approval": approval_text(meta),
        "sources": [{"id": s.id, "title": s.display_title, "description": s.description, "details": s.details}
                    for s in pathway.content.sources],
    }


def _item_statement(item: Item) -> dict[str, Any]:
    return {"text": item.text, "basis": [_basis(b) for b in item.basis], "editorial_assumption": item.is_editorial,
            "editorial_reason": item.editorial}


def result_to_dict(result: Result) -> dict[str, Any]:
    """The documented JSON shape of an evaluation (see README, 'evaluate')."""
    return shown_to_dict(shown(result))


def shown_to_dict(view: Shown) -> dict[str, Any]:
    """``result_to_dict`` from what the situation shows: the documented fields, then ``items`` (every statement
    shown, in page order, with its key, role, basis, quotes and editorial reason)."""
    result = view.result
    meta = result.pathway.content.metadata
    by_key = {i.key: i for i in view.items}
    outcome = None
    if result.outcome is not None:
        node = f"nodes.{result.outcome.id}"
        outcome = {
            "id": result.outcome.id,
            "title": result.outcome.title,
            "summary": _item_statement(by_key[f"{node}.summary"]),
            "treatments": [
                {
                    "id": c.id,
                    "label": c.label,
                    "group": c.group,
                    "description": c.description.text,
                    "explanation": c.explanation.text,
                    "basis": [_basis(b) for b in c.explanation.basis],
                    "editorial_assumption": c.explanation.is_editorial,
                    "editorial_reason": c.explanation.editorial,
                    "description_statement": _item_statement(c.description),
                }
                for c in view.categories
            ],
            "notes": [{**_item_statement(n), "about": list(n.about)} for n in view.by_role(NOTE)],
        }
    next_question = None
    if result.next_question is not None:
        q = result.next_question
        next_question = {"id": q.id, "prompt": q.prompt, "options": [{"id": o.id, "label": o.label} for o in q.options]}
    figures = view.by_role(FIGURE)
    context = view.by_role(FIGURES_CONTEXT)
    path = []
    for s in result.path:
        entry: dict[str, Any] = {"node": s.node_id, "question": s.question.id, "prompt": s.question.prompt,
                                 "answer": s.option_id, "answer_label": s.option_label,
                                 "why": _item_statement(by_key[f"questions.{s.question.id}.why"])}
        if (help_item := by_key.get(f"questions.{s.question.id}.help")) is not None:
            entry["help"] = _item_statement(help_item)
        path.append(entry)
    return {
        "pathway": {"id": meta.id, "version": meta.version, "title": meta.title,
                    "last_reviewed": meta.last_reviewed.isoformat()},
        "answers": dict(result.answers),
        "unused_answers": dict(result.unused_answers),
        "path": path,
        "complete": result.complete,
        "next_question": next_question,
        "outcome": outcome,
        "notes": [
            {
                "id": n.note,
                "title": n.title,
                **_item_statement(n),
                "figures": [
                    {"label": f.title, "value": f.figure.value if f.figure else None, "display": f.text,
                     "applies": f.applies, "match": FIGURE_MATCH[f.applies]}
                    for f in figures if f.note == n.note
                ],
            }
            for n in view.by_role(OUTLOOK_NOTE)
        ],
        "outlook_depends_on": _item_statement(view.by_role(OUTLOOK_BASIS)[0]),
        "figures_context": _item_statement(context[0]) if context else None,
        "items": [item_to_dict(i) for i in view.items],
        "disclaimer": disclaimer_block(result.pathway),
    }


# ---- words shared by every output -------------------------------------------------------------------------------


def quote_words(quote: str) -> str:
    """The source's own words as every output prints them beside a citation."""
    return f"“{quote}”"


def basis_words(basis: Basis, quotes: bool = True) -> str:
    """``source § section`` (with who it reports) and, where the content quotes it, the source's words."""
    text = citation(basis)
    return f"{text}: {quote_words(basis.quote)}" if quotes and basis.quote else text


def cite(item: Item | Statement, quotes: bool = True) -> str:
    """Every basis of a statement (with its quote) and, where it is one, the editorial assumption's reason."""
    parts = [basis_words(b, quotes) for b in item.basis]
    if item.editorial:
        parts.append(_("editorial assumption: {reason}").format(reason=item.editorial))
    return "; ".join(parts)


def about_lines(pathway: Pathway, made: datetime.date | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs of the disclaimer and provenance, in display order."""
    meta = pathway.content.metadata
    made = made or datetime.date.today()
    sources = "; ".join(f"{s.id}: {s.display_title}" + (f", {s.details}" if s.details else "")
                        for s in pathway.content.sources)
    return [
        (_("Disclaimer"), meta.disclaimer),
        (_("Intended use"), meta.intended_use),
        (_("Audience"), meta.audience),
        (_("Population"), meta.population),
        (_("Pathway"), f"{meta.title} ({meta.id})"),
        (_("Content version"), meta.version),
        (_("Last reviewed"), meta.last_reviewed.isoformat()),
        (_("Next review due"), review_due_text(meta, made)),
        (_("Approval"), approval_text(meta)),
        (_("Changes in this version"), change.summary if (change := current_change(meta)) else _("not recorded")),
        (_("Sources"), sources),
        (_("Editorial policy"), meta.editorial_policy),
        (_("Made on"), made.isoformat()),
    ]


def N_(message: str) -> str:
    """Mark a constant for the catalogue; translated where shown."""
    return message


#: How a figure relates to the answers, in the words every view and export uses (None: no answer decides it).
FIGURE_MATCH = {True: N_("the situation you described"), False: N_("not the situation you described"),
                None: N_("shown for reference")}


def figure_words(applies: bool | None) -> str:
    """A figure's match to the answers in words (``FIGURE_MATCH``), the same in every output, in the reader's
    language."""
    return _(FIGURE_MATCH[applies])


# ---- Markdown ------------------------------------------------------------------------------------------------------


def _basis_md(item: Item) -> str:
    return "*(" + _("Basis: {basis}").format(basis=cite(item)) + ")*"


def _basis_line(item: Item, lead: str = "") -> str:
    return f"{lead}*" + _("Basis: {basis}").format(basis=cite(item)) + "*"


def _group_label(view: Shown, group_id: str | None) -> str:
    return next(g.label for g in view.pathway.content.category_groups if g.id == group_id)


def _answer_lines(view: Shown) -> list[str]:
    """The answers in words: the path's, then any outlook answer given."""
    result = view.result
    lines = [f"- {s.question.prompt} **{s.option_label}**" for s in result.path]
    outlook = {q.id for q in view.pathway.outlook_questions()}
    lines += [f"- {a.prompt} **{a.option_label}**" for a in view.answers if a.question_id in outlook]
    return lines


def to_markdown(result: Result, made: datetime.date | None = None) -> str:
    """A readable summary: disclaimer first, then answers, path, categories, notes, outlook, reference and
    provenance: every statement the page shows for the answers, each with its basis and editorial flag."""
    return shown_to_markdown(shown(result), made)


def shown_to_markdown(view: Shown, made: datetime.date | None = None) -> str:
    """``to_markdown`` of what a situation shows."""
    result = view.result
    pathway = view.pathway
    meta = pathway.content.metadata
    lines = [f"# {meta.title}", "", f"> **{meta.disclaimer}**", ""]
    lines += ["## " + _("Answers"), ""]
    lines += _answer_lines(view) or ["- " + _("(none yet)")]
    lines.append("")
    asked = view.by_role(QUESTION_WHY, QUESTION_HELP, OPTION_HELP)
    if asked:
        lines += ["## " + _("Why each question matters"), ""]
        for item in asked:
            if item.role == QUESTION_WHY:
                short = pathway.questions[item.question].short_label if item.question else item.title
                lines.append(f"- **{short}** {item.text} {_basis_md(item)}")
            else:
                lead = f"{item.title}: " if item.role == OPTION_HELP else ""
                lines.append(f"  - {lead}{item.text} {_basis_md(item)}")
        lines.append("")
    if not result.complete:
        lines += ["## " + _("Not complete"), "", _("No treatment categories are shown until every question on the "
                  "path is answered. Next question: **{question}**").format(
                      question=result.next_question.prompt if result.next_question else ""), ""]
    figures = view.by_role(FIGURE)
    last_figure = figures[-1].key if figures else None
    context = view.by_role(FIGURES_CONTEXT)
    group = None
    for item in view.items:
        role = item.role
        if role == SUMMARY:
            lines += ["## " + _("Documented treatment categories: {title}").format(title=item.title), "",
                      item.text, _basis_line(item), ""]
        elif role in (GROUP_INTRO, CATEGORY) and item.group != group:
            group = item.group
            lines += [f"### {_group_label(view, group)}", ""]
        if role == GROUP_INTRO:
            lines += [item.text, _basis_line(item), ""]
        elif role == CATEGORY:
            lines += [f"#### {item.title}", "", f"{item.text} {_basis_md(item)}", ""]
        elif role == EXPLANATION:
            lines += [_("Why it appears here: ") + item.text, _basis_line(item), ""]
        elif role == NOTE:
            lines += [f"> {_('Note:')} {item.text}", _basis_line(item, "> "), ""]
        elif role == OUTLOOK_BASIS:
            lines += ["## " + _("Outlook"), "", item.text, _basis_line(item), ""]
        elif role == OUTLOOK_NOTE:
            lines += [f"- **{item.title}**: {item.text} {_basis_md(item)}"]
        elif role == FIGURE:
            lines += [f"  - {item.title}: {item.text} ({figure_words(item.applies)})"]
            if item.key == last_figure:  # the context right after the figures it is about
                lines += [f"  - *{_('About these figures:')}* {c.text} {_basis_md(c)}" for c in context]
    lines += ["", "## " + _("Reference"), ""]
    for _section, title, items in reference_items(pathway):
        lines += [f"### {title}", ""]
        for item in items:
            if item.key.endswith(".intro"):
                lines += [f"{item.text} {_basis_md(item)}", ""]
            else:
                term = f"**{item.title}:** " if item.title else ""
                lines.append(f"- {term}{item.text} {_basis_md(item)}")
        lines.append("")
    lines += ["## " + _("About this summary"), ""]
    lines += [f"- **{label}:** {value}" for label, value in about_lines(pathway, made)]
    lines.append("")
    return "\n".join(lines)


# ---- CSV ------------------------------------------------------------------------------------------------------------

#: The CSV's columns (English; each translated in the file, as every fixed word of it is, in the reader's language).
CSV_COLUMNS = (N_("section"), N_("item"), N_("value"), N_("basis"), N_("editorial_assumption"), N_("quote"))

#: The CSV's section for each role of a shown statement.
CSV_SECTIONS = {QUESTION_WHY: N_("why this question matters"), QUESTION_HELP: N_("question help"),
                OPTION_HELP: N_("option help"), SUMMARY: N_("outcome"), GROUP_INTRO: N_("category group"),
                CATEGORY: N_("category description"), EXPLANATION: N_("treatment category"), NOTE: N_("note"),
                OUTLOOK_BASIS: N_("outlook"), OUTLOOK_NOTE: N_("outlook"), FIGURE: N_("outlook figure"),
                FIGURES_CONTEXT: N_("outlook figures context")}


def _row(section: str, item: Item, value: str | None = None, title: str | None = None) -> list[str]:
    """A statement's row; ``section`` is a CSV_SECTIONS value (translated here) or a content title."""
    return [_(section) if section in CSV_SECTIONS.values() else section, item.title if title is None else title, item.text if value is None else value,
            "; ".join(citation(b) for b in item.basis), item.editorial or "",
            " | ".join(quote_words(q) for q in item.quotes)]


def _csv_rows(view: Shown, made: datetime.date | None) -> Iterator[list[str]]:
    result = view.result
    for label, value in about_lines(view.pathway, made):
        yield [_("about"), label, value, "", "", ""]
    for step in result.path:
        yield [_("path"), step.question.prompt, step.option_label, "", "", ""]
    outlook = {q.id for q in view.pathway.outlook_questions()}
    for answer in view.answers:
        if answer.question_id in outlook and answer.used:
            yield [_("outlook answer"), answer.prompt, answer.option_label, "", "", ""]
    situation = list(view.items)
    for item in situation:
        if item.role in (QUESTION_WHY, QUESTION_HELP, OPTION_HELP):
            yield _row(CSV_SECTIONS[item.role], item)
    yield [_("status"), _("complete"), _("yes") if result.complete else _("no"), "", "", ""]
    for item in situation:
        if item.role in (QUESTION_WHY, QUESTION_HELP, OPTION_HELP):
            continue
        value = f"{item.text} ({figure_words(item.applies)})" if item.role == FIGURE else None
        yield _row(CSV_SECTIONS[item.role], item, value)
    for _section, title, items in reference_items(view.pathway):
        for item in items:
            yield _row(title, item, title="" if item.key.endswith(".intro") else None)


def to_csv(result: Result, made: datetime.date | None = None) -> str:
    """Every statement the page shows for the answers, one per row, in page order (about rows first, the
    disclaimer first of all), with its basis, the editorial assumption's reason where it is one, and the
    source's own words where the content quotes them."""
    return shown_to_csv(shown(result), made)


def shown_to_csv(view: Shown, made: datetime.date | None = None) -> str:
    """``to_csv`` of what a situation shows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_(column) for column in CSV_COLUMNS])
    writer.writerows(_csv_rows(view, made))
    return buffer.getvalue()


def graph_footer(pathway: Pathway, made: datetime.date | None = None, width: int = 110) -> list[str]:
    """Disclaimer and provenance lines to draw under a downloaded graph (wrapped to ``width``)."""
    import textwrap

    keep = {_(label) for label in ("Disclaimer", "Content version", "Last reviewed", "Sources", "Made on")}
    lines: list[str] = []
    for label, value in about_lines(pathway, made):  # its labels are in the reader's language
        if label in keep:
            lines += textwrap.wrap(f"{label}: {value}", width)
    return lines
