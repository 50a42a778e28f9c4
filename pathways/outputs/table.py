"""The decision table: every complete situation x every category (shown or not, and whether an editorial
assumption decides it), with each situation's notes and outlook notes. Computed from the tree, never typed."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, replace
from typing import Any, Mapping

from ..catalogue import gettext as _
from ..evaluate import evaluate
from ..load import Pathway
from ..model import Category, OutlookNote, Statement
from ..shown import FIGURE, FIGURES_CONTEXT, NOTE, OUTLOOK_NOTE, Item, Shown, shown
from ..situations import Situation, complete_situations
from .export import about_lines, cite, disclaimer_block, item_to_dict, statement_to_dict

__all__ = ["Cell", "OutlookLine", "Row", "DecisionTable", "TABLE_FORMATS", "decision_table", "to_markdown",
           "to_csv", "to_dict", "render_table", "SHOWN", "NOT_SHOWN", "EDITORIAL", "ROLE_WORDS"]

TABLE_FORMATS = ("md", "csv", "json")
#: The marks, text rather than colour: shown, not shown, decided by an editorial assumption.
SHOWN, NOT_SHOWN, EDITORIAL = "✔", "✘", "†"
#: How the table's statement lists name each role of a shown statement.
ROLE_WORDS = {"question_why": "Why this question matters", "question_help": "How to answer",
              "option_help": "About this answer", "summary": "Summary", "group_intro": "Group",
              "category": "What it is", "explanation": "Why it appears here", "note": "Note",
              "outlook_depends_on": "Outlook", "outlook_note": "Outlook", "figure": "Figure",
              "figures_context": "About these figures"}


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
    """An outlook note for a situation; ``when`` says which optional answer it further needs, in words.

    ``item`` is the note as a situation shows it, ``figures`` its figures, each with ``figure_when``: the answer
    it describes, in words (the table holds every optional answer at once, so it says which, not whether)."""

    note: OutlookNote
    when: str | None
    item: Item | None = None
    figures: tuple[Item, ...] = ()
    figure_when: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Row:
    """One complete situation: its cells, notes and outlook notes, and ``items``: every statement it shows for
    any optional answer (``Shown`` items, each once, in page order; figures with their match left open)."""

    situation: Situation
    cells: tuple[Cell, ...]
    notes: tuple[Statement, ...]
    outlook: tuple[OutlookLine, ...]
    items: tuple[Item, ...] = ()
    shown: Shown | None = None

    def cell(self, category_id: str) -> Cell:
        return next(c for c in self.cells if c.category_id == category_id)

    @property
    def figures_context(self) -> Item | None:
        return next((i for i in self.items if i.role == FIGURES_CONTEXT), None)


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

    @property
    def shared(self) -> tuple[Item, ...]:
        """The statements every situation shows (questions' why and help, what the outlook depends on), listed
        once under the table; each row lists the rest."""
        if not self.rows:
            return ()
        keys = set.intersection(*({i.key for i in row.items} for row in self.rows))
        return tuple(i for i in self.rows[0].items if i.key in keys and i.role in _SHARED_ROLES)

    def own(self, row: Row) -> tuple[Item, ...]:
        """The statements ``row`` shows that not every situation shows."""
        shared = {i.key for i in self.shared}
        return tuple(i for i in row.items if i.key not in shared)


#: Roles listed once for the table when every situation shows the statement (a situation's own statements, its
#: summary, categories, notes and outlook notes with their figures and context, stay under it).
_SHARED_ROLES = ("question_why", "question_help", "outlook_depends_on")


def _views(pathway: Pathway, situation: Situation) -> list[Shown]:
    """What the situation shows without an optional answer, then with each optional answer in turn."""
    views = [shown(situation.result)]
    base = situation.answer_dict
    for question in pathway.outlook_questions():
        views += [shown(evaluate(pathway, {**base, question.id: o.id})) for o in question.options]
    return views


def _union(views: list[Shown]) -> tuple[Item, ...]:
    """Every item of the views, each key once, in page order (a figure's match left open: None)."""
    order: dict[str, Item] = {}
    for view in views:
        for item in view.items:
            if item.key not in order:
                order[item.key] = replace(item, applies=None) if item.role == FIGURE else item
    rank = {key: n for n, key in enumerate(order)}
    roles = {role: n for n, role in enumerate(ROLE_WORDS)}
    # page order: a role's place first (a note reached only with an optional answer joins its role's items)
    return tuple(sorted(order.values(), key=lambda i: (_section(i.role), rank[i.key] if i.role != FIGURES_CONTEXT
                                                          else len(rank) + roles[i.role])))


def _section(role: str) -> int:
    """Outlook statements after the rest, as on the page."""
    return 1 if role in ("outlook_depends_on", OUTLOOK_NOTE, FIGURE, FIGURES_CONTEXT) else 0


def _cells(pathway: Pathway, view: Shown) -> tuple[Cell, ...]:
    shown_here = {c.id: c for c in view.categories}
    withheld = {c: n for n in view.by_role(NOTE) if n.is_editorial for c in n.about}
    cells = []
    for category in pathway.content.categories:
        treatment = shown_here.get(category.id)
        if treatment is not None:
            cells.append(Cell(category.id, True, treatment.explanation.editorial))
        else:
            note = withheld.get(category.id)
            cells.append(Cell(category.id, False, note.editorial if note is not None else None))
    return tuple(cells)


def _outlook(pathway: Pathway, items: tuple[Item, ...]) -> tuple[OutlookLine, ...]:
    outlook_ids = {q.id for q in pathway.outlook_questions()}
    notes = {n.id: n for n in pathway.content.outlook.notes}
    lines = []
    for item in items:
        if item.role != OUTLOOK_NOTE or item.note is None:
            continue
        note = notes[item.note]
        extra = {k: v for k, v in note.applies_when.items() if k in outlook_ids}
        when = "; ".join(_condition_words(pathway, k, v) for k, v in extra.items()) or None
        figures = tuple(i for i in items if i.role == FIGURE and i.note == item.note)
        figure_when = tuple("; ".join(_condition_words(pathway, k, v) for k, v in f.figure.applies_when.items())
                            or None if f.figure is not None else None for f in figures)
        lines.append(OutlookLine(note, when, item, figures, figure_when))
    return tuple(lines)


def _condition_words(pathway: Pathway, question_id: str, option_ids: list[str]) -> str:
    question = pathway.questions[question_id]
    labels = [o.label for o in question.options if o.id in option_ids]
    return f"{question.short_label}: {' or '.join(labels)}"


def _row(pathway: Pathway, situation: Situation) -> Row:
    views = _views(pathway, situation)
    items = _union(views)
    notes = tuple(i.statement for i in views[0].by_role(NOTE) if i.statement is not None)
    return Row(situation, _cells(pathway, views[0]), notes, _outlook(pathway, items), items, views[0])


def decision_table(pathway: Pathway) -> DecisionTable:
    """The table for every complete situation, in tree order."""
    rows = tuple(_row(pathway, s) for s in complete_situations(pathway))
    return DecisionTable(pathway, tuple(pathway.content.categories), rows)


# ---- formats ------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _item_md(item: Item, when: str | None = None) -> str:
    """One statement of a situation: its role, title, text and basis (with quotes and editorial reason)."""
    role = ROLE_WORDS[item.role]
    head = role if item.title in (role, "Note") or not item.title else f"{role}, {item.title}"
    flag = " *(editorial assumption)*" if item.is_editorial and item.role != FIGURE else ""
    if item.role == FIGURE:
        where = f" (when {when})" if when else ""
        return f"- {head}: {item.text}{where}"
    return f"- {head}{flag}: {item.text} *(Basis: {cite(item)})*"


def to_markdown(table: DecisionTable, made: datetime.date | None = None) -> str:
    """The table, then the statements every situation shows, then each situation's own statements (wording,
    editorial reasons, notes, outlook notes with figures and their context), then the provenance."""
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
    shared = table.shared
    if shared:
        lines += ["## Shown for every situation", ""]
        lines += [_item_md(i) for i in shared]
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
        when = {f.key: w for line in row.outlook for f, w in zip(line.figures, line.figure_when)}
        notes_when = {line.item.key: line.when for line in row.outlook if line.item is not None}
        for item in table.own(row):
            line = _item_md(item, when.get(item.key))
            if item.key in notes_when and notes_when[item.key]:
                line = line.replace(f"- Outlook, {item.title}", f"- Outlook, {item.title} (when {notes_when[item.key]})", 1)
            lines.append(line)
        lines.append("")
    lines += ["## About this table", ""]
    lines += [f"- **{label}:** {value}" for label, value in about_lines(table.pathway, made)]
    lines.append("")
    return "\n".join(lines)


def to_csv(table: DecisionTable, made: datetime.date | None = None) -> str:
    """One row per situation: the answers, one column per category (shown / not shown, editorial), the notes,
    the outlook notes and, where figures are shown, their context."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    questions = table.pathway.tree_questions()
    writer.writerow([_("situation"), _("link"), *[q.id for q in questions], *[c.id for c in table.categories],
                     _("editorial_reasons"), _("notes"), _("outlook_notes"), _("figures_context")])
    for row in table.rows:
        answers = row.situation.answer_dict
        reasons = " | ".join(f"{c.category_id}: {c.editorial}" for c in row.cells if c.editorial)
        notes = " | ".join(n.text + (_(" (editorial assumption)") if n.is_editorial else "") for n in row.notes)
        outlook = " | ".join(line.note.title + (_(" (when {condition})").format(condition=line.when) if line.when
                                                else "") for line in row.outlook)
        context = row.figures_context
        writer.writerow([row.situation.outcome.title, row.situation.query,
                         *[answers.get(q.id, "") for q in questions], *[c.words for c in row.cells],
                         reasons, notes, outlook, context.text if context is not None else ""])
    for label, value in about_lines(table.pathway, made):
        writer.writerow([_("about: {label}").format(label=label), value])
    return buffer.getvalue()


def to_dict(table: DecisionTable) -> dict[str, Any]:
    """A JSON-ready form: categories, rows (answers, cells, notes, outlook notes with figures, the figures'
    context, every statement the situation shows) and the disclaimer block."""
    def line_dict(line: OutlookLine) -> dict[str, Any]:
        return {"id": line.note.id, "title": line.note.title, "when": line.when, **statement_to_dict(line.note),
                "figures": [{"label": f.title, "display": f.text, "when": w,
                             "value": f.figure.value if f.figure is not None else None}
                            for f, w in zip(line.figures, line.figure_when)]}

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
                "outlook_notes": [line_dict(line) for line in row.outlook],
                "figures_context": (statement_to_dict(row.figures_context.statement)
                                    if row.figures_context is not None and row.figures_context.statement is not None
                                    else None),
                "items": [item_to_dict(i) for i in row.items],
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
