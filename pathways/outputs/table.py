"""The decision table: every complete situation x every category (shown or not, and whether an editorial
assumption decides it), with each situation's notes and outlook notes. Computed from the tree, never typed."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any, Mapping

from ..catalogue import gettext as _
from ..evaluate import citation
from .export import about_lines, disclaimer_block, statement_to_dict
from ..load import Pathway
from ..model import Category, OutlookNote, Statement
from ..situations import Situation, complete_situations

__all__ = ["Cell", "OutlookLine", "Row", "DecisionTable", "TABLE_FORMATS", "decision_table", "to_markdown",
           "to_csv", "to_dict", "render_table", "SHOWN", "NOT_SHOWN", "EDITORIAL"]

TABLE_FORMATS = ("md", "csv", "json")
#: The marks, text rather than colour: shown, not shown, decided by an editorial assumption.
SHOWN, NOT_SHOWN, EDITORIAL = "✔", "✘", "†"


@dataclass(frozen=True)
class Cell:
    """One category in one situation; ``editorial`` is the reason when an editorial assumption decides it."""

    category_id: str
    shown: bool
    editorial: str | None = None

    @property
    def mark(self) -> str:
        return (SHOWN if self.shown else NOT_SHOWN) + (f" {EDITORIAL}" if self.editorial else "")

    @property
    def words(self) -> str:
        return (_("shown") if self.shown else _("not shown")) + (_(" (editorial assumption)") if self.editorial else "")


@dataclass(frozen=True)
class OutlookLine:
    """An outlook note for a situation; ``when`` says which optional answer it further needs, in words."""

    note: OutlookNote
    when: str | None


@dataclass(frozen=True)
class Row:
    """One complete situation."""

    situation: Situation
    cells: tuple[Cell, ...]
    notes: tuple[Statement, ...]
    outlook: tuple[OutlookLine, ...]

    def cell(self, category_id: str) -> Cell:
        return next(c for c in self.cells if c.category_id == category_id)


@dataclass(frozen=True)
class DecisionTable:
    """Every complete situation of a pathway against every declared category."""

    pathway: Pathway
    categories: tuple[Category, ...]
    rows: tuple[Row, ...]

    def row_for(self, answers: Mapping[str, str]) -> Row | None:
        """The row whose situation ``answers`` select (extra answers ignored)."""
        for row in self.rows:
            if all(answers.get(k) == v for k, v in row.situation.answers):
                return row
        return None


def _cells(pathway: Pathway, situation: Situation) -> tuple[Cell, ...]:
    outcome = situation.outcome
    shown = {t.category: t for t in outcome.treatments}
    withheld = {c: n for n in outcome.notes if n.is_editorial for c in n.about}
    cells = []
    for category in pathway.content.categories:
        treatment = shown.get(category.id)
        if treatment is not None:
            cells.append(Cell(category.id, True, treatment.explanation.editorial))
        else:
            note = withheld.get(category.id)
            cells.append(Cell(category.id, False, note.editorial if note is not None else None))
    return tuple(cells)


def _outlook(pathway: Pathway, situation: Situation) -> tuple[OutlookLine, ...]:
    answers = situation.answer_dict
    outlook_ids = {q.id for q in pathway.outlook_questions()}
    lines = []
    for note in pathway.content.outlook.notes:
        tree_part = {k: v for k, v in note.applies_when.items() if k not in outlook_ids}
        if not all(answers.get(k) in v for k, v in tree_part.items()):
            continue
        extra = {k: v for k, v in note.applies_when.items() if k in outlook_ids}
        when = "; ".join(_condition_words(pathway, k, v) for k, v in extra.items()) or None
        lines.append(OutlookLine(note, when))
    return tuple(lines)


def _condition_words(pathway: Pathway, question_id: str, option_ids: list[str]) -> str:
    question = pathway.questions[question_id]
    labels = [o.label for o in question.options if o.id in option_ids]
    return f"{question.short_label}: {' or '.join(labels)}"


def decision_table(pathway: Pathway) -> DecisionTable:
    """The table for every complete situation, in tree order."""
    rows = tuple(
        Row(s, _cells(pathway, s), tuple(s.outcome.notes), _outlook(pathway, s)) for s in complete_situations(pathway)
    )
    return DecisionTable(pathway, tuple(pathway.content.categories), rows)


# ---- formats ------------------------------------------------------------------------------------


def _cite(statement: Statement) -> str:
    parts = [citation(b) for b in statement.basis]
    if statement.is_editorial:
        parts.append(f"editorial assumption: {statement.editorial}")
    return "; ".join(parts)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(table: DecisionTable, made: datetime.date | None = None) -> str:
    """The table, then each situation's notes and outlook notes, then the provenance (disclaimer first)."""
    meta = table.pathway.content.metadata
    lines = [f"# Decision table: {meta.title}", "", f"> **{meta.disclaimer}**", "",
             f"Content version {meta.version}, last reviewed {meta.last_reviewed.isoformat()}. "
             f"{len(table.rows)} complete situations x {len(table.categories)} categories. "
             f"{SHOWN} shown, {NOT_SHOWN} not shown, {EDITORIAL} an editorial assumption decides it "
             "(its reason is listed under the situation).", ""]
    questions = [q.short_label for q in table.pathway.tree_questions()]
    lines.append("| # | " + " | ".join(_md_cell(q) for q in questions) + " | "
                 + " | ".join(_md_cell(c.label) for c in table.categories) + " |")
    lines.append("|" + "---|" * (1 + len(questions) + len(table.categories)))
    for number, row in enumerate(table.rows, 1):
        by_question = {s.question.id: s.option_label for s in row.situation.result.path}
        answers = [by_question.get(q.id, "—") for q in table.pathway.tree_questions()]
        lines.append(f"| {number} | " + " | ".join(_md_cell(a) for a in answers) + " | "
                     + " | ".join(c.mark for c in row.cells) + " |")
    lines.append("")
    labels = {c.id: c.label for c in table.categories}
    for number, row in enumerate(table.rows, 1):
        lines += [f"## {number}. {_md_cell(row.situation.outcome.title)}", "",
                  f"Answers: `{row.situation.query}`", ""]
        for treatment in row.situation.result.treatments:
            if treatment.label != labels[treatment.id]:
                lines.append(f"- Wording here: {labels[treatment.id]} is shown as “{treatment.label}”.")
        for cell in row.cells:
            if cell.editorial:
                lines.append(f"- {EDITORIAL} {labels[cell.category_id]} ({cell.words}): {cell.editorial}")
        for note in row.notes:
            flag = " *(editorial assumption)*" if note.is_editorial else ""
            lines.append(f"- Note{flag}: {note.text} *(Basis: {_cite(note)})*")
        for line in row.outlook:
            when = f" (when {line.when})" if line.when else ""
            lines.append(f"- Outlook, {line.note.title}{when}: {line.note.text} *(Basis: {_cite(line.note)})*")
        context = table.pathway.content.outlook.figures_context
        if context is not None and any(line.note.figures for line in row.outlook):
            lines.append(f"- About these figures: {context.text} *(Basis: {_cite(context)})*")
        lines.append("")
    lines += ["## About this table", ""]
    lines += [f"- **{label}:** {value}" for label, value in about_lines(table.pathway, made)]
    lines.append("")
    return "\n".join(lines)


def to_csv(table: DecisionTable, made: datetime.date | None = None) -> str:
    """One row per situation: the answers, one column per category (shown / not shown, editorial), the notes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    questions = table.pathway.tree_questions()
    writer.writerow(["situation", "link", *[q.id for q in questions], *[c.id for c in table.categories],
                     "editorial_reasons", "notes", "outlook_notes"])
    for row in table.rows:
        answers = row.situation.answer_dict
        reasons = " | ".join(f"{c.category_id}: {c.editorial}" for c in row.cells if c.editorial)
        notes = " | ".join(n.text + (" (editorial assumption)" if n.is_editorial else "") for n in row.notes)
        outlook = " | ".join(line.note.title + (f" (when {line.when})" if line.when else "") for line in row.outlook)
        writer.writerow([row.situation.outcome.title, row.situation.query,
                         *[answers.get(q.id, "") for q in questions], *[c.words for c in row.cells],
                         reasons, notes, outlook])
    for label, value in about_lines(table.pathway, made):
        writer.writerow([f"about: {label}", value])
    return buffer.getvalue()


def to_dict(table: DecisionTable) -> dict[str, Any]:
    """A JSON-ready form: categories, rows (answers, cells, notes, outlook notes) and the disclaimer block."""
    return {
        "pathway": {"id": table.pathway.id, "version": table.pathway.content.metadata.version},
        "categories": [{"id": c.id, "label": c.label, "group": c.group} for c in table.categories],
        "rows": [
            {
                "situation": row.situation.outcome.title,
                "outcome": row.situation.outcome.id,
                "answers": row.situation.answer_dict,
                "link": row.situation.query,
                "cells": {c.category_id: {"shown": c.shown, "editorial_assumption": c.editorial is not None,
                                          "editorial_reason": c.editorial} for c in row.cells},
                "notes": [{**statement_to_dict(n), "about": list(getattr(n, "about", []))} for n in row.notes],
                "outlook_notes": [{"id": line.note.id, "title": line.note.title, "when": line.when,
                                   **statement_to_dict(line.note)} for line in row.outlook],
            }
            for row in table.rows
        ],
        "disclaimer": disclaimer_block(table.pathway),
    }


def render_table(table: DecisionTable, fmt: str, made: datetime.date | None = None) -> str:
    """The table in one of TABLE_FORMATS."""
    import json

    if fmt == "md":
        return to_markdown(table, made)
    if fmt == "csv":
        return to_csv(table, made)
    if fmt == "json":
        return json.dumps(to_dict(table), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown table format: {fmt!r} (must be one of {list(TABLE_FORMATS)})")
