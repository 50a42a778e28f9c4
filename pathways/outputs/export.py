"""Exports of a result: a JSON-ready dict, a Markdown summary and a CSV; each carries the disclaimer."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from ..catalogue import gettext as _
from ..evaluate import Result, citation
from ..lifecycle import approval_text, current_change, review_due_text
from ..load import Pathway
from ..model import Basis, Question, Statement

__all__ = ["result_to_dict", "disclaimer_block", "statement_to_dict", "to_markdown", "to_csv", "CSV_COLUMNS", "FIGURE_MATCH",
           "about_lines", "graph_footer"]


def _basis(basis: Basis) -> dict[str, Any]:
    return {
        "source": basis.source,
        "section": basis.section,
        "reported_by": basis.reported_by,
        "citation": citation(basis),
    }


def statement_to_dict(statement: Statement) -> dict[str, Any]:
    """Text, basis list and the editorial-assumption flag with its reason."""
    return {
        "text": statement.text,
        "basis": [_basis(b) for b in statement.basis],
        "editorial_assumption": statement.is_editorial,
        "editorial_reason": statement.editorial,
    }


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


def result_to_dict(result: Result) -> dict[str, Any]:
    """The documented JSON shape of an evaluation (see README, 'evaluate')."""
    meta = result.pathway.content.metadata
    outcome = None
    if result.outcome is not None:
        outcome = {
            "id": result.outcome.id,
            "title": result.outcome.title,
            "summary": statement_to_dict(result.outcome.summary),
            "treatments": [
                {
                    "id": t.id,
                    "label": t.label,
                    "group": t.group,
                    "description": t.description.text,
                    "explanation": t.explanation.text,
                    "basis": [_basis(b) for b in t.explanation.basis],
                    "editorial_assumption": t.explanation.is_editorial,
                    "editorial_reason": t.explanation.editorial,
                }
                for t in result.treatments
            ],
            "notes": [{**statement_to_dict(n), "about": list(n.about)} for n in result.outcome.notes],
        }
    next_question = None
    if result.next_question is not None:
        q = result.next_question
        next_question = {"id": q.id, "prompt": q.prompt, "options": [{"id": o.id, "label": o.label} for o in q.options]}
    return {
        "pathway": {"id": meta.id, "version": meta.version, "title": meta.title,
                    "last_reviewed": meta.last_reviewed.isoformat()},
        "answers": dict(result.answers),
        "unused_answers": dict(result.unused_answers),
        "path": [
            {
                "node": s.node_id,
                "question": s.question.id,
                "prompt": s.question.prompt,
                "answer": s.option_id,
                "answer_label": s.option_label,
                "why": statement_to_dict(s.why),
            }
            for s in result.path
        ],
        "complete": result.complete,
        "next_question": next_question,
        "outcome": outcome,
        "notes": [
            {
                "id": n.id,
                "title": n.title,
                **statement_to_dict(n.statement),
                "figures": [
                    {"label": f.figure.label, "value": f.figure.value, "display": f.figure.display,
                     "applies": f.applies}
                    for f in n.figures
                ],
            }
            for n in result.notes
        ],
        "outlook_depends_on": statement_to_dict(result.pathway.content.outlook.depends_on),
        "figures_context": (statement_to_dict(ctx) if (ctx := _figures_context(result)) is not None else None),
        "disclaimer": disclaimer_block(result.pathway),
    }


def _cite(statement: Statement) -> str:
    parts = [citation(b) for b in statement.basis]
    if statement.is_editorial:
        parts.append(f"editorial assumption: {statement.editorial}")
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


def _figure_words(applies: bool | None) -> str:
    return f" ({FIGURE_MATCH[applies]})" if applies is not None else ""


def _figures_context(result: Result) -> Statement | None:
    """The outlook's context statement when any figure is shown for the result, else None."""
    if any(note.figures for note in result.notes):
        return result.pathway.content.outlook.figures_context
    return None


def _asked(result: Result) -> list[Question]:
    """The questions answered for the result: those on the path, then the outlook ones that are used."""
    asked = [step.question for step in result.path]
    return asked + [q for q in result.pathway.outlook_questions()
                    if q.id in result.answers and q.id not in result.unused_answers]


def to_markdown(result: Result, made: datetime.date | None = None) -> str:
    """A readable summary: disclaimer first, then answers, path, categories, notes, outlook, reference and
    provenance: every statement the page shows for the answers, each with its basis and editorial flag."""
    pathway = result.pathway
    meta = pathway.content.metadata
    lines = [f"# {meta.title}", "", f"> **{meta.disclaimer}**", ""]
    lines += ["## Answers", ""]
    lines += [f"- {s.question.prompt} **{s.option_label}**" for s in result.path] or ["- (none yet)"]
    for q in pathway.outlook_questions():
        if q.id in result.answers:
            label = next(o.label for o in q.options if o.id == result.answers[q.id])
            lines.append(f"- {q.prompt} **{label}**")
    lines.append("")
    asked = _asked(result)
    if asked:
        lines += ["## Why each question matters", ""]
        for question in asked:
            lines.append(f"- **{question.short_label}** {question.why.text} *(Basis: {_cite(question.why)})*")
            if question.help is not None:
                lines.append(f"  - {question.help.text} *(Basis: {_cite(question.help)})*")
        lines.append("")
    if not result.complete:
        lines += ["## Not complete", "", "No treatment categories are shown until every question on the path is "
                  f"answered. Next question: **{result.next_question.prompt if result.next_question else ''}**", ""]
    else:
        assert result.outcome is not None
        lines += [f"## Documented treatment categories: {result.outcome.title}", "",
                  result.outcome.summary.text, f"*Basis: {_cite(result.outcome.summary)}*", ""]
        for group in pathway.content.category_groups:
            treatments = [t for t in result.treatments if t.group == group.id]
            if not treatments:
                continue
            lines += [f"### {group.label}", ""]
            if group.intro is not None:
                lines += [group.intro.text, f"*Basis: {_cite(group.intro)}*", ""]
            for t in treatments:
                lines += [f"#### {t.label}", "", f"{t.description.text} *(Basis: {_cite(t.description)})*", "",
                          f"Why it appears here: {t.explanation.text}", f"*Basis: {_cite(t.explanation)}*", ""]
        for n in result.outcome.notes:
            lines += [f"> Note: {n.text}", f"> *Basis: {_cite(n)}*", ""]
    outlook = pathway.content.outlook
    lines += ["## Outlook", "", outlook.depends_on.text, f"*Basis: {_cite(outlook.depends_on)}*", ""]
    context = _figures_context(result)
    last_with_figures = max((i for i, n in enumerate(result.notes) if n.figures), default=None)
    for index, note in enumerate(result.notes):
        lines += [f"- **{note.title}**: {note.statement.text} *(Basis: {_cite(note.statement)})*"]
        lines += [f"  - {f.figure.label}: {f.figure.display}{_figure_words(f.applies)}" for f in note.figures]
        if context is not None and index == last_with_figures:  # right after the figures it is about
            lines += [f"  - *About these figures:* {context.text} *(Basis: {_cite(context)})*"]
    lines += ["", "## Reference", ""]
    for section in pathway.content.reference:
        lines += [f"### {section.title}", ""]
        if section.intro is not None:
            lines += [f"{section.intro.text} *(Basis: {_cite(section.intro)})*", ""]
        for item in section.items:
            term = f"**{item.term}:** " if item.term else ""
            lines.append(f"- {term}{item.text} *(Basis: {_cite(item)})*")
        lines.append("")
    lines += ["## About this summary", ""]
    lines += [f"- **{label}:** {value}" for label, value in about_lines(pathway, made)]
    lines.append("")
    return "\n".join(lines)


CSV_COLUMNS = ("section", "item", "value", "basis", "editorial_assumption")


def _row(section: str, item: str, statement: Statement, value: str | None = None) -> list[str]:
    return [section, item, statement.text if value is None else value,
            "; ".join(citation(b) for b in statement.basis), statement.editorial or ""]


def to_csv(result: Result, made: datetime.date | None = None) -> str:
    """Every statement the page shows for the answers, one per row, in page order (about rows first, the
    disclaimer first of all), with its basis and, where it is one, the editorial assumption's reason."""
    pathway = result.pathway
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for label, value in about_lines(pathway, made):
        writer.writerow(["about", label, value, "", ""])
    for step in result.path:
        writer.writerow(["path", step.question.prompt, step.option_label, "", ""])
    for question in pathway.outlook_questions():
        if question.id in result.answers and question.id not in result.unused_answers:
            label = next(o.label for o in question.options if o.id == result.answers[question.id])
            writer.writerow(["outlook answer", question.prompt, label, "", ""])
    for question in _asked(result):
        writer.writerow(_row("why this question matters", question.prompt, question.why))
        if question.help is not None:
            writer.writerow(_row("question help", question.prompt, question.help))
    writer.writerow(["status", "complete", "yes" if result.complete else "no", "", ""])
    if result.outcome is not None:
        writer.writerow(_row("outcome", result.outcome.title, result.outcome.summary))
        for group in pathway.content.category_groups:
            treatments = [t for t in result.treatments if t.group == group.id]
            if treatments and group.intro is not None:
                writer.writerow(_row("category group", group.label, group.intro))
            for t in treatments:
                writer.writerow(_row("treatment category", t.label, t.explanation))
                writer.writerow(_row("category description", t.label, t.description))
        for note in result.outcome.notes:
            writer.writerow(_row("note", "Note", note))
    writer.writerow(_row("outlook", "What the outlook can depend on", pathway.content.outlook.depends_on))
    for note in result.notes:
        writer.writerow(_row("outlook", note.title, note.statement))
        for f in note.figures:
            writer.writerow(_row("outlook figure", f.figure.label, note.statement,
                                 value=f.figure.display + _figure_words(f.applies)))
    context = _figures_context(result)
    if context is not None:
        writer.writerow(_row("outlook figures context", "About these figures", context))
    for section in pathway.content.reference:
        if section.intro is not None:
            writer.writerow(_row(section.title, "", section.intro))
        for item in section.items:
            writer.writerow(_row(section.title, item.term or "", item))
    return buffer.getvalue()


def graph_footer(pathway: Pathway, made: datetime.date | None = None, width: int = 110) -> list[str]:
    """Disclaimer and provenance lines to draw under a downloaded graph (wrapped to ``width``)."""
    import textwrap

    keep = ("Disclaimer", "Content version", "Last reviewed", "Sources", "Made on")
    lines: list[str] = []
    for label, value in about_lines(pathway, made):
        if label in keep:
            lines += textwrap.wrap(f"{label}: {value}", width)
    return lines
