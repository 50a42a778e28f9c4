"""Exports of a result: a JSON-ready dict, a Markdown summary and a CSV; each carries the disclaimer."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from .evaluate import Result, citation
from .lifecycle import approval_text, current_change, review_due_text
from .load import Pathway
from .model import Basis, Statement

__all__ = ["result_to_dict", "disclaimer_block", "statement_to_dict", "to_markdown", "to_csv", "about_lines",
           "graph_footer"]


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
        "sources": [{"id": s.id, "title": s.title, "description": s.description} for s in pathway.content.sources],
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
            "notes": [statement_to_dict(n) for n in result.outcome.notes],
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
    sources = "; ".join(f"{s.id}: {s.title}" for s in pathway.content.sources)
    return [
        ("Disclaimer", meta.disclaimer),
        ("Intended use", meta.intended_use),
        ("Audience", meta.audience),
        ("Population", meta.population),
        ("Pathway", f"{meta.title} ({meta.id})"),
        ("Content version", meta.version),
        ("Last reviewed", meta.last_reviewed.isoformat()),
        ("Next review due", review_due_text(meta, made)),
        ("Approval", approval_text(meta)),
        ("Changes in this version", change.summary if (change := current_change(meta)) else "not recorded"),
        ("Sources", sources),
        ("Editorial policy", meta.editorial_policy),
        ("Made on", made.isoformat()),
    ]


def to_markdown(result: Result, made: datetime.date | None = None) -> str:
    """A readable summary: disclaimer first, then answers, path, categories, notes and provenance."""
    meta = result.pathway.content.metadata
    lines = [f"# {meta.title}", "", f"> **{meta.disclaimer}**", ""]
    lines += ["## Answers", ""]
    lines += [f"- {s.question.prompt} **{s.option_label}**" for s in result.path] or ["- (none yet)"]
    for q in result.pathway.outlook_questions():
        if q.id in result.answers:
            label = next(o.label for o in q.options if o.id == result.answers[q.id])
            lines.append(f"- {q.prompt} **{label}**")
    lines.append("")
    if not result.complete:
        lines += ["## Not complete", "", "No treatment categories are shown until every question on the path is "
                  f"answered. Next question: **{result.next_question.prompt if result.next_question else ''}**", ""]
    else:
        assert result.outcome is not None
        lines += [f"## Documented treatment categories: {result.outcome.title}", "",
                  result.outcome.summary.text, f"*Basis: {_cite(result.outcome.summary)}*", ""]
        for t in result.treatments:
            lines += [f"### {t.label}", "", f"{t.description.text} {t.explanation.text}",
                      f"*Basis: {_cite(t.explanation)}*", ""]
        for n in result.outcome.notes:
            lines += [f"> Note: {n.text}", f"> *Basis: {_cite(n)}*", ""]
    lines += ["## Outlook", "", result.pathway.content.outlook.depends_on.text,
              f"*Basis: {_cite(result.pathway.content.outlook.depends_on)}*", ""]
    for note in result.notes:
        lines += [f"- **{note.title}**: {note.statement.text} *(Basis: {_cite(note.statement)})*"]
    lines += ["", "## About this summary", ""]
    lines += [f"- **{label}:** {value}" for label, value in about_lines(result.pathway, made)]
    lines.append("")
    return "\n".join(lines)


def to_csv(result: Result, made: datetime.date | None = None) -> str:
    """One table with columns section,item,value,basis: about rows (disclaimer first), path, categories."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "item", "value", "basis"])
    for label, value in about_lines(result.pathway, made):
        writer.writerow(["about", label, value, ""])
    for step in result.path:
        writer.writerow(["path", step.question.prompt, step.option_label, _cite(step.why)])
    writer.writerow(["status", "complete", "yes" if result.complete else "no", ""])
    for t in result.treatments:
        writer.writerow(["treatment category", t.label, t.explanation.text, _cite(t.explanation)])
    for note in result.notes:
        writer.writerow(["outlook", note.title, note.statement.text, _cite(note.statement)])
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
