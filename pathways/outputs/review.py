"""The review pack: one document a clinical reviewer works through to sign a version off. Contents that link to
each section; first the clinically significant changes against the previous version (a category added or removed
for a situation, a figure changed, an editorial mark added or removed); the decision table; every statement by
situation (rendered from ``pathways.shown``) with its basis, the source's own words beside it ("What the source
says") and its editorial reason; the editorial assumptions; the rest of the diff; and a printed sign-off block
(name, role, signature, date). As Markdown or as a self-contained printable HTML page.

Deterministic: nothing in it depends on the clock, so a committed pack can be checked for being current.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from typing import Iterator, Union

from ..errors import dotted
from ..evaluate import citation
from ..lifecycle import REVIEW_LEAD_MONTHS, approval_text, current_change
from ..load import Pathway
from ..model import Statement
from ..shown import EXPLANATION, FIGURE, FIGURES_CONTEXT, NOTE, OPTION_HELP, OUTLOOK_NOTE, SUMMARY, Item
from ..validate import _statements
from .diff import (RECORD, RECORD_FIELDS, SHOWN, WORDING, Difference, PathwayDiff, is_rewording, is_significant,
                   significant_changes, summary_line, word_changes)
from .export import figure_words, quote_words
from .table import EDITORIAL, NOT_SHOWN, SHOWN as SHOWN_MARK, DecisionTable, decision_table

__all__ = ["Span", "Heading", "Para", "Bullets", "Table", "SignOff", "Block", "ReviewPack", "REVIEW_FORMATS",
           "DECISIONS", "SIGN_OFF_FIELDS", "review_pack", "slug", "content_fingerprint", "to_markdown", "to_html", "render_review",
           "pack_name", "review_command", "sign_off_md"]

REVIEW_FORMATS = ("md", "html")
#: The decisions a reviewer can record (NHS document policies: approved, approved with conditions, rejected).
DECISIONS = ("Approved", "Approved with conditions (state them below)", "Rejected (state why below)")


# ---- a small document model, rendered as Markdown or HTML ---------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A run of text; style is "" (plain), "b" (bold), "i" (italic), "code", "del", "ins", "quote" (the source's
    own words), "link" (to the section whose anchor is ``href``) or "words" (a mark in words: on its own line in
    HTML, left out of Markdown, whose tables carry a legend instead)."""

    text: str
    style: str = ""
    href: str | None = None


Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class Para:
    spans: Inline
    role: str = ""  # "" or "disclaimer" (set apart) or "small"


@dataclass(frozen=True)
class Bullets:
    items: tuple[Inline, ...]


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class SignOff:
    """Blank fields for the reviewer: role, date, decision, conditions or reasons."""

    version: str
    fingerprint: str
    role: str | None
    fingerprint_name: str = "content fingerprint"  # what the fingerprint is of (a translation's pack names its own)


Block = Union[Heading, Para, Bullets, Table, SignOff]


@dataclass(frozen=True)
class ReviewPack:
    title: str
    blocks: tuple[Block, ...]


def _t(text: str, style: str = "") -> Inline:
    return (Span(text, style),)


# ---- building the pack ------------------------------------------------------------------------------------------------


def content_fingerprint(pathway: Pathway) -> str:
    """SHA-256 of the content without its record (version, review and approval dates, change log): recording
    the sign-off in the file does not change it, any change to what a reader sees does."""
    data = pathway.content.model_dump(mode="json")
    data["metadata"] = {k: v for k, v in data["metadata"].items() if k not in RECORD_FIELDS}
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def pack_name(pathway: Pathway, fmt: str = "md") -> str:
    """The file name of a version's pack: ``<id>-<version>.<fmt>``."""
    return f"{pathway.id}-{pathway.content.metadata.version}.{fmt}"


def review_command(pathway_ref: str | None = None, against: str | None = None) -> str:
    """The command that makes a pack (without its output file), printed in the pack to regenerate it."""
    parts = ["python -m pathways review"]
    if pathway_ref:
        parts.append(f"--pathway {pathway_ref}")
    if against:
        parts.append(f"--against {against}")
    return " ".join(parts)


def review_pack(pathway: Pathway, against: PathwayDiff | None = None, command: str | None = None) -> ReviewPack:
    """The pack for ``pathway``; ``against`` is the diff from the previous version (its old side names the
    previous version in the pack); ``command`` is how the pack was made, printed so anyone can regenerate it."""
    meta = pathway.content.metadata
    table = decision_table(pathway)
    sections = [
        *_significant(against),
        *_how_to_review(),
        *_what_changed(pathway, against),
        *_decision_table(table),
        *_situations(pathway, table),
        *_shared(pathway),
        *_assumptions(pathway, table),
        *_plain_texts(pathway),
        *_differences(against),
        *_sign_off(pathway),
    ]
    contents = tuple((Span(b.text, "link", b.anchor),) for b in sections
                     if isinstance(b, Heading) and b.level == 2 and b.anchor)
    blocks: list[Block] = [
        Para(_t(meta.disclaimer, "b"), role="disclaimer"),
        *_provenance(pathway, against, command),
        Heading(2, "Contents", "contents"),
        Bullets(contents),
        *sections,
    ]
    title = f"Clinical review pack: {meta.title}, version {meta.version}"
    return ReviewPack(title, tuple(blocks))


def _provenance(pathway: Pathway, against: PathwayDiff | None, command: str | None) -> list[Block]:
    meta = pathway.content.metadata
    rows = [
        ("Pathway", f"{meta.title} ({meta.id})"),
        ("Content version", meta.version),
        ("Content fingerprint (SHA-256)", content_fingerprint(pathway)),
        ("Last reviewed", meta.last_reviewed.isoformat()),
        ("Next review due", meta.next_review_due.isoformat() if meta.next_review_due else "not set"),
        ("Approval", approval_text(meta)),
        ("Intended use", meta.intended_use),
        ("Audience", meta.audience),
        ("Population", meta.population),
        ("Editorial policy", meta.editorial_policy),
        ("Sources", "; ".join(f"{s.id}: {s.title}. {s.description}" for s in pathway.content.sources)),
    ]
    if against is not None:
        old = against.old.content.metadata
        rows.append(("Compared with", f"{against.old_name} (version {old.version}, last reviewed "
                                      f"{old.last_reviewed.isoformat()})"))
    if command:
        rows.append(("Made with", command))
    return [Table("About this content", ("", ""), tuple((_t(k, "b"), _t(v, "code" if k in (
        "Content fingerprint (SHA-256)", "Made with") else "")) for k, v in rows))]


def _how_to_review() -> list[Block]:
    return [
        Heading(2, "2. How to review", "how-to-review"),
        Bullets((
            _t("Start with the clinically significant changes (section 1): each names the situation and what "
               "changed; judge each first."),
            _t("Read the decision table (section 4): for each situation, which categories are shown (✔), not shown "
               "(✘), and where an editorial assumption decides it (†)."),
            _t("Check each statement of each situation (section 5) and the shared ones (section 6) against the "
               "source: each names its source and section, and gives the source's own words beside it (\"What "
               "the source says\") where the content quotes them; an editorial assumption says why it is one."),
            _t("Judge each editorial assumption (section 7): accept it, or ask for it to change."),
            _t("When this pack is made against the previous version, section 8 lists every other difference by "
               "situation: what is shown apart from what is only reworded; then each translation's entries added, "
               "removed or reworded."),
            _t("A translation is signed off on its own, by a qualified medical translator, in its own pack "
               "(python -m pathways translation LANG): English and translation side by side, with a sign-off "
               "block."),
            _t("Sign the printed block in section 9 and return the pack to the content maintainers. They record "
               "an approval in the file's metadata (approved_on, approved_by: your role, never your name)."),
            _t(f"The next review is due on the date above; it starts {REVIEW_LEAD_MONTHS} months before."),
        )),
    ]


def _what_changed(pathway: Pathway, against: PathwayDiff | None) -> list[Block]:
    meta = pathway.content.metadata
    change = current_change(meta)
    blocks: list[Block] = [Heading(2, "3. What changed in this version", "what-changed")]
    if change is not None:
        blocks.append(Para((Span(f"Change log, version {change.version} ({change.date.isoformat()}): ", "b"),
                            Span(change.summary))))
    else:
        blocks.append(Para(_t("The change log has no entry for this version.")))
    if against is not None:
        blocks.append(Para(_t(summary_line(against))))
        changed = against.changed_situations
        if changed:
            blocks.append(Bullets(tuple(_t(f"{s.label}: {_situation_counts(s.differences, s.status)}")
                                        for s in changed)))
    else:
        blocks.append(Para(_t("This pack was made without a previous version to compare with.")))
    return blocks


def _situation_counts(differences: tuple[Difference, ...], status: str) -> str:
    if status in ("added", "removed"):
        return f"situation {status}"
    shown = sum(1 for d in differences if d.kind == SHOWN)
    wording = sum(1 for d in differences if d.kind == WORDING)
    return f"{shown} change(s) of what is shown, {wording} wording-only"


def _decision_table(table: DecisionTable) -> list[Block]:
    questions = table.pathway.tree_questions()
    header = ("#", *[q.short_label for q in questions], *[c.label for c in table.categories])
    rows = []
    for number, row in enumerate(table.rows, 1):
        by_question = {s.question.id: next(o.graph_label for o in s.question.options if o.id == s.option_id)
                       for s in row.situation.result.path}  # the graph's short labels keep the table narrow
        rows.append((_t(str(number)), *[_t(by_question.get(q.id, "—")) for q in questions],
                     *[(Span(c.mark), Span(f" {c.words}", "words")) for c in row.cells]))
    return [
        Heading(2, "4. Decision table", "decision-table"),
        Para(_t(f"{len(table.rows)} complete situations (every combination of the tree's answers) × "
                f"{len(table.categories)} categories. {SHOWN_MARK} shown, {NOT_SHOWN} not shown, {EDITORIAL} an "
                "editorial assumption decides the cell (its reason is under the situation in section 5).")),
        Table("Decision table: situations × categories", header, tuple(rows)),
    ]


def _cite(statement: Statement | Item) -> list[Span]:
    """The basis, the source's own words beside the statement (each quoted basis), the editorial reason."""
    spans: list[Span] = []
    basis = "; ".join(citation(b) for b in statement.basis)
    if basis:
        spans += [Span(" "), Span(f"Basis: {basis}", "i")]
    for b in statement.basis:
        if b.quote:
            spans += [Span(" What the source says", "b"), Span(f" ({citation(b)}): "),
                      Span(quote_words(b.quote), "quote")]
    if statement.editorial:
        spans += [Span(" Editorial assumption: ", "b"), Span(statement.editorial)]
    return spans


def _statement(statement: Statement | Item, prefix: str | None = None) -> Inline:
    spans = [Span(prefix, "b")] if prefix else []
    return tuple(spans + [Span(statement.text)] + _cite(statement))


#: How section 5 heads the statements of each role of a situation (``Shown`` items), in page order.
_ROLE_HEADS = ((OPTION_HELP, "About the answers"), (SUMMARY, "Summary"), (EXPLANATION, "Categories shown"),
               (NOTE, "Notes"), (OUTLOOK_NOTE, "Outlook notes"), (FIGURES_CONTEXT, "About the figures"))


def _situations(pathway: Pathway, table: DecisionTable) -> list[Block]:
    """Each situation's own statements, from what it shows (``Row.items``: every optional answer included); the
    statements every situation shows (questions, categories' descriptions, outlook) are in section 6."""
    blocks: list[Block] = [Heading(2, "5. Every statement, by situation", "situations")]
    blocks.append(Bullets(tuple((Span(f"Situation {n}: {row.situation.label}", "link", f"situation-{n}"),)
                                for n, row in enumerate(table.rows, 1))))
    labels = {c.id: c.label for c in table.categories}
    for number, row in enumerate(table.rows, 1):
        situation = row.situation
        outcome = situation.outcome
        blocks += [
            Heading(3, f"Situation {number}: {situation.label}", f"situation-{number}"),
            Para((Span("Answers: ", "b"), Span(situation.query, "code"), Span(" · "), Span("Outcome: ", "b"),
                  Span(outcome.title))),
        ]
        when = {f.key: w for line in row.outlook for f, w in zip(line.figures, line.figure_when)}
        notes_when = {line.item.key: line.when for line in row.outlook if line.item is not None}
        for role, head in _ROLE_HEADS:
            items = [i for i in row.items if i.role == role]
            if role == SUMMARY and items:
                blocks.append(Para(_statement(items[0], "Summary: ")))
                continue
            if role == EXPLANATION:
                listed = tuple(_statement(i, f"{i.title}: ") for i in items)
            elif role == OUTLOOK_NOTE:
                listed = tuple(_outlook_item(row, i, notes_when.get(i.key), when) for i in items)
            else:
                listed = tuple(_statement(i, f"{i.title}: " if role == OPTION_HELP else None) for i in items)
            if listed:
                blocks += [Para(_t(head, "b")), Bullets(listed)]
            if role == EXPLANATION:
                withheld = [c for c in row.cells if not c.shown]
                if withheld:
                    listed = tuple(
                        (Span(f"{labels[c.category_id]}", "b"),)
                        + ((Span(f" ({EDITORIAL} editorial assumption): "), Span(c.editorial)) if c.editorial
                           else (Span(": not listed for this situation."),))
                        for c in withheld)
                    blocks += [Para(_t("Categories not shown", "b")), Bullets(listed)]
    return blocks


def _outlook_item(row, note: Item, when: str | None, figure_when: dict[str, str | None]) -> Inline:
    """An outlook note with the answer it further needs, then its figures with the answer each describes."""
    head = f"{note.title} (when {when}): " if when else f"{note.title}: "
    figures = [i for i in row.items if i.role == FIGURE and i.note == note.note]
    words = "; ".join(f"{f.title}: {f.text}" + (f" (when {figure_when[f.key]})" if figure_when.get(f.key) else
                                                f" ({figure_words(None)})") for f in figures)
    return _statement(note, head) + ((Span(f" Figures: {words}."),) if figures else ())


def _shared(pathway: Pathway) -> list[Block]:
    content = pathway.content
    blocks: list[Block] = [Heading(2, "6. Statements shown in every situation", "shared")]
    items: list[Inline] = []
    for q in pathway.tree_questions() + pathway.outlook_questions():
        items.append(_statement(q.why, f"“{q.prompt}” — why it matters: "))
        if q.help is not None:
            items.append(_statement(q.help, f"“{q.prompt}” — help: "))
        for o in q.options:
            if o.help is not None:
                items.append(_statement(o.help, f"“{q.prompt}” — option “{o.label}”: "))
    blocks += [Heading(3, "Questions and their options"), Bullets(tuple(items))]
    blocks += [Heading(3, "Categories and their groups"),
               Bullets(tuple([_statement(g.intro, f"Group “{g.label}”: ") for g in content.category_groups
                              if g.intro is not None]
                             + [_statement(c.description, f"{c.label}: ") for c in content.categories]))]
    outlook = [_statement(content.outlook.depends_on, "What it depends on: ")]
    if content.outlook.figures_context is not None:
        outlook.append(_statement(content.outlook.figures_context, "What the figures can and cannot say: "))
    blocks += [Heading(3, "Outlook"), Bullets(tuple(outlook))]
    for section in content.reference:
        items = ([_statement(section.intro, "Introduction: ")] if section.intro is not None else []) + \
                [_statement(i, f"{i.term}: " if i.term else None) for i in section.items]
        blocks += [Heading(3, f"Reference: {section.title}"), Bullets(tuple(items))]
    return blocks


def _editorial_statements(pathway: Pathway, table: DecisionTable) -> Iterator[tuple[str, Statement]]:
    content = pathway.content
    for g in content.category_groups:
        if g.intro is not None:
            yield f"Group “{g.label}”: introduction", g.intro
    for c in content.categories:
        yield f"Category {c.label}: what it is", c.description
    for q in content.questions:
        yield f"Question “{q.prompt}”: why it matters", q.why
        if q.help is not None:
            yield f"Question “{q.prompt}”: help", q.help
        for o in q.options:
            if o.help is not None:
                yield f"Question “{q.prompt}”, option “{o.label}”", o.help
    reached: dict[str, list[int]] = {}
    for number, row in enumerate(table.rows, 1):
        reached.setdefault(row.situation.outcome.id, []).append(number)
    for node in pathway.outcomes():
        where = f"{node.title} (situation {', '.join(map(str, reached.get(node.id, []))) or 'none'})"
        yield f"{where}: summary", node.summary
        for t in node.treatments:
            yield f"{where}: {t.label or pathway.categories[t.category].label}", t.explanation
        for n in node.notes:
            yield f"{where}: note", n
    yield "Outlook: what it depends on", content.outlook.depends_on
    if content.outlook.figures_context is not None:
        yield "Outlook: what the figures can and cannot say", content.outlook.figures_context
    for note in content.outlook.notes:
        yield f"Outlook: {note.title}", note
    for section in content.reference:
        if section.intro is not None:
            yield f"Reference “{section.title}”: introduction", section.intro
        for item in section.items:
            yield f"Reference “{section.title}”" + (f": {item.term}" if item.term else ""), item


def _assumptions(pathway: Pathway, table: DecisionTable) -> list[Block]:
    named = list(_editorial_statements(pathway, table))
    seen = {id(s) for _, s in named}
    named += [(dotted(loc), s) for loc, s in _statements(pathway.content) if id(s) not in seen]  # none is missed
    rows = tuple((_t(where), _t(s.text), _t(s.editorial or "")) for where, s in named if s.editorial)
    return [
        Heading(2, "7. Editorial assumptions", "assumptions"),
        Para(_t(f"{len(rows)} statements are, wholly or in part, our reading rather than the source's; each says "
                "why. They are shown as editorial assumptions wherever they appear.")),
        Table("Editorial assumptions", ("Where", "Statement", "Why it is an editorial assumption"), rows),
    ]


def _plain_texts(pathway: Pathway) -> list[Block]:
    """Each plain text beside its statement, with its Flesch-Kincaid grade (statements worded alike share a row)."""
    from ..readability import MAX_GRADE, library_version, plain_scores  # textstat is loaded only for the pack

    scores = plain_scores(pathway.content)
    if not scores:
        return []
    rows: dict[tuple[str, str, str], list[str]] = {}
    grades: dict[tuple[str, str, str], float] = {}
    for score in scores:
        statement = score.statement
        key = (statement.text, statement.plain or "(the text is itself plain)", statement.plain_editorial or "")
        rows.setdefault(key, []).append(score.key)
        grades[key] = score.grade
    table_rows = tuple(
        ((Span(", ".join(keys), "code"), Span(" "), Span(text)),
         (Span(plain), Span(f" Grade {grades[(text, plain, why)]:.1f}"
                            + (" (above the limit)" if grades[(text, plain, why)] > MAX_GRADE else ""), "b")),
         _t(why))
        for (text, plain, why), keys in rows.items())
    worst = max(s.grade for s in scores)
    return [
        Heading(2, "7a. Plain-language texts (the family reading)", "plain-texts"),
        Para(_t(f"{len(scores)} statements have a plain-language text, which says no more and no less than the "
                f"statement, on the same basis; sign it off with the statement. Reading level: Flesch-Kincaid grade "
                f"by {library_version()}, at most {MAX_GRADE:g} allowed; the highest here is {worst:.1f}.")),
        Table("Plain-language texts", ("Statement (its keys, then its text)", "Plain text, then its grade",
                                       "Where the plain text simplifies"), table_rows),
    ]


def _significant(diff: PathwayDiff | None) -> list[Block]:
    """First of all: the clinically significant changes (diff.SIGNIFICANT), each with where it is."""
    blocks: list[Block] = [Heading(2, "1. Clinically significant changes", "significant")]
    if diff is None:
        return blocks + [Para(_t("Not compared: make the pack with --against OLD to list them."))]
    found = significant_changes(diff)
    if not found:
        return blocks + [Para(_t(f"None against {diff.old_name}: no category added or removed for a situation, no "
                                 "figure changed, no editorial mark added or removed, no translation removed or "
                                 "out of date. Section 8 lists every other difference."))]
    blocks.append(Para(_t(f"{len(found)} against {diff.old_name} (version {diff.old.content.metadata.version}): a "
                          "category added or removed for a situation, a figure changed, an editorial mark added "
                          "or removed, a translation removed or an entry of it not current (its readers are then "
                          "shown the English page). Section 8 lists them again in context, with every other "
                          "difference.")))
    items = []
    for where, d, situation in found:
        if d is None:
            assert situation is not None
            shown = ", ".join(situation.categories_added or situation.categories_removed) or "none"
            items.append((Span(f"{where}: ", "b"), Span(f"situation {situation.status} (categories: {shown})")))
        else:
            items.append((Span(f"{where}: ", "b"),) + _difference(d))
    return blocks + [Bullets(tuple(items))]


def _difference(d: Difference) -> Inline:
    head = [Span(f"{d.where}: ", "b"), Span(f"{d.what}")]
    if is_rewording(d):
        assert d.old is not None and d.new is not None
        spans = [Span(": ")]
        for op, words in word_changes(d.old, d.new):
            spans += [Span(words, {"same": "", "removed": "del", "added": "ins"}[op]), Span(" ")]
        return tuple(head + spans[:-1])
    if d.old is None:
        return tuple(head + [Span(f": {d.new}")])
    if d.new is None:
        return tuple(head + [Span(f" (was: {d.old})")])
    return tuple(head + [Span(": "), Span(d.old, "del"), Span(" → "), Span(d.new, "ins")])


def _marked(d: Difference) -> Inline:
    """A difference, led by "Significant" when section 1 lists it too."""
    return ((Span("Significant (section 1): ", "b"),) if is_significant(d) else ()) + _difference(d)


def _differences(diff: PathwayDiff | None) -> list[Block]:
    blocks: list[Block] = [Heading(2, "8. Differences from the previous version", "differences")]
    if diff is None:
        return blocks + [Para(_t("Not compared: make the pack with --against OLD to list them."))]
    blocks.append(Para(_t(summary_line(diff) + " Removed words are struck through, added words underlined.")))
    for s in diff.changed_situations:
        blocks += [Heading(3, f"{s.label} ({s.status})"), Para((Span("Answers: ", "b"), Span(s.query, "code")))]
        if s.status in ("added", "removed"):
            blocks.append(Para(_t(f"Categories shown {'now' if s.status == 'added' else 'before'}: "
                                  + ", ".join(s.categories_added or s.categories_removed))))
            continue
        for kind, title in ((SHOWN, "What is shown"), (WORDING, "Wording only")):
            items = tuple(_marked(d) for d in s.differences if d.kind == kind)
            if items:
                blocks += [Para(_t(title, "b")), Bullets(items)]
    same = [s.label for s in diff.situations if s.status == "unchanged"]
    if same:
        blocks.append(Para(_t(f"Unchanged situations ({len(same)}): " + "; ".join(same) + ".")))
    for section in diff.parts:  # the shared sections, then each translation (its entries named by their keys)
        if not section.differences:
            continue
        blocks.append(Heading(3, section.title))
        for kind, title in ((SHOWN, "What is shown"), (WORDING, "Wording only"), (RECORD, "Record")):
            items = tuple(_marked(d) for d in section.differences if d.kind == kind)
            if items:
                blocks += [Para(_t(title, "b")), Bullets(items)]
    return blocks


def _sign_off(pathway: Pathway) -> list[Block]:
    meta = pathway.content.metadata
    return [Heading(2, "9. Sign-off", "sign-off"),
            SignOff(meta.version, content_fingerprint(pathway), meta.approved_by),
            Para(_t(meta.disclaimer, "b"), role="disclaimer")]


# ---- Markdown -----------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>~|])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _md_text(text: str) -> str:
    """Plain text for Markdown: markup characters escaped (an underscore inside a word is not markup)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(text.split()))


def slug(text: str) -> str:
    """The anchor a Markdown heading gets on GitHub (and most renderers): lower case, punctuation dropped, each
    space a hyphen."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def _md_inline(spans: Inline, anchors: dict[str, str] | None = None) -> str:
    out = []
    for span in spans:
        if span.style == "words":
            continue
        if span.style == "link" and span.href:
            out.append(f"[{_md_text(span.text)}](#{(anchors or {}).get(span.href, span.href)})")
            continue
        text = " ".join(span.text.split()) if span.style == "code" else _md_text(span.text)
        lead = " " if span.text[:1].isspace() else ""
        trail = " " if span.text[-1:].isspace() and len(span.text.strip()) else ""
        if not text:
            out.append(span.text and " ")
            continue
        mark = {"b": "**", "i": "*", "del": "~~", "ins": "**"}.get(span.style)
        if span.style == "code":
            text = f"`{text}`"
        elif mark:
            text = f"{mark}{text}{mark}"
        out.append(f"{lead}{text}{trail}")
    return "".join(out)


def _md_anchors(pack: ReviewPack) -> dict[str, str]:
    """Each heading's anchor (the HTML id) -> its Markdown slug, numbered as renderers number repeats."""
    seen: dict[str, int] = {slug(pack.title): 1}
    anchors = {}
    for block in pack.blocks:
        if isinstance(block, Heading):
            base = slug(block.text)
            count = seen.get(base, 0)
            seen[base] = count + 1
            if block.anchor:
                anchors[block.anchor] = base if count == 0 else f"{base}-{count}"
    return anchors


def to_markdown(pack: ReviewPack) -> str:
    anchors = _md_anchors(pack)
    lines = [f"# {_md_text(pack.title)}", ""]
    for block in pack.blocks:
        if isinstance(block, Heading):
            lines += [f"{'#' * block.level} {_md_text(block.text)}", ""]
        elif isinstance(block, Para):
            text = _md_inline(block.spans)
            lines += [f"> {text}" if block.role == "disclaimer" else text, ""]
        elif isinstance(block, Bullets):
            lines += [f"- {_md_inline(item, anchors)}" for item in block.items] + [""]
        elif isinstance(block, Table):
            header = block.header if any(block.header) else tuple(" " for _ in block.header)
            lines.append("| " + " | ".join(_md_text(h) or " " for h in header) + " |")
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(_md_inline(cell) for cell in row) + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, SignOff):
            lines += sign_off_md(block)
    return "\n".join(lines).rstrip("\n") + "\n"


#: The printed sign-off's fields: (label, what goes in it); the file records the role, never the name.
SIGN_OFF_FIELDS = ("Name", "Role", "Signature", "Date (YYYY-MM-DD)")
_LINE = "_" * 40


def sign_off_md(block: SignOff) -> list[str]:
    """The printed sign-off block in Markdown: the version and fingerprint reviewed, blank fields, the decisions."""
    role = _md_text(block.role) if block.role else _LINE
    entries = {"Name": _LINE, "Role": role, "Signature": _LINE, "Date (YYYY-MM-DD)": _LINE}
    return [
        f"Version reviewed: **{_md_text(block.version)}**, {block.fingerprint_name} `{block.fingerprint}`", "",
        "| Field | Entry |", "|---|---|",
        *[f"| {label} | {entries[label]} |" for label in SIGN_OFF_FIELDS],
        "| Decision (tick one) | " + " <br> ".join(f"☐ {_md_text(d)}" for d in DECISIONS) + " |",
        f"| Conditions, or reasons for rejecting | {_LINE} |",
        f"| Situations or statements to change | {_LINE} |", "",
        "The name and signature stay on this page; the content file records only the role and the date.", "",
    ]


# ---- HTML (self-contained, printable) -----------------------------------------------------------------------------

_STYLE = """
:root { color-scheme: light; }
body { font: 11pt/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; max-width: 60rem;
       margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; border-bottom: 1px solid #888; padding-bottom: .2rem;
       margin-top: 2rem; } h3 { font-size: 1.1rem; margin-top: 1.4rem; }
.disclaimer { border: 2px solid #7a5b00; background: #fff8e1; padding: .6rem .8rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .95em; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border: 1px solid #777; padding: .25rem .4rem; vertical-align: top; text-align: left; }
thead th { background: #e8e8e8; }
table.marks td { text-align: center; } table.marks td:nth-child(-n+4) { text-align: left; }
table.marks td { font-size: .85em; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .9em; overflow-wrap: anywhere; }
del { text-decoration: line-through; color: #8b0000; } ins { text-decoration: underline; color: #064f06; }
.sign-off td { height: 2.4rem; } .sign-off th { width: 30%; }
.quote { font-style: italic; }
ul { padding-left: 1.3rem; } li { margin: .2rem 0; }
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2#decision-table, h2#situations, h2#shared, h2#assumptions, h2#differences, h2#sign-off { break-before: page; }
  .sign-off td { height: 3.2rem; }
  h2, h3 { break-after: avoid; } tr, li { break-inside: avoid; }
  thead { display: table-header-group; }
  .sign-off { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _html_inline(spans: Inline) -> str:
    tags = {"b": "strong", "i": "em", "code": "code", "del": "del", "ins": "ins"}
    out = []
    for span in spans:
        text = html.escape(span.text)
        if span.style == "words":  # in the cell's own text: a mark alone is no text to a screen reader or to axe
            out.append(f"<br>{html.escape(span.text.strip())}")
            continue
        if span.style == "link" and span.href:
            out.append(f'<a href="#{html.escape(span.href)}">{text}</a>')
            continue
        if span.style == "quote":
            out.append(f'<span class="quote">{text}</span>')
            continue
        tag = tags.get(span.style)
        out.append(f"<{tag}>{text}</{tag}>" if tag else text)
    return "".join(out)


def to_html(pack: ReviewPack) -> str:
    """One HTML page with its own style (print style included): no script, no request for anything."""
    body = [f"<h1>{html.escape(pack.title)}</h1>"]
    for block in pack.blocks:
        if isinstance(block, Heading):
            anchor = f' id="{block.anchor}"' if block.anchor else ""
            body.append(f"<h{block.level}{anchor}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            cls = f' class="{block.role}"' if block.role else ""
            body.append(f"<p{cls}>{_html_inline(block.spans)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{_html_inline(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            body.append(_html_table(block))
        elif isinstance(block, SignOff):
            body.append(_sign_off_html(block))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(pack.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def _html_table(block: Table) -> str:
    marks = block.caption.startswith("Decision table")
    cls = ' class="marks"' if marks else ""
    parts = [f"<table{cls}><caption>{html.escape(block.caption)}</caption>"]
    if any(block.header):
        parts.append("<thead><tr>" + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in block.header)
                     + "</tr></thead>")
    parts.append("<tbody>")
    for row in block.rows:
        cells = []
        for index, cell in enumerate(row):
            first_col = index == 0 and not any(block.header)
            tag = "th" if first_col else "td"
            scope = ' scope="row"' if first_col else ""
            cells.append(f"<{tag}{scope}>{_html_inline(cell)}</{tag}>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _sign_off_html(block: SignOff) -> str:
    role = html.escape(block.role) if block.role else ""
    decisions = "<br>".join(f"☐ {html.escape(d)}" for d in DECISIONS)
    entries = {"Role": role}
    rows = [(label, entries.get(label, "")) for label in SIGN_OFF_FIELDS] + [
        ("Decision (tick one)", decisions), ("Conditions, or reasons for rejecting", ""),
        ("Situations or statements to change", "")]
    return (f"<p>Version reviewed: <strong>{html.escape(block.version)}</strong>, {block.fingerprint_name} "
            f"<code>{block.fingerprint}</code></p><table class=\"sign-off\"><caption>Sign-off</caption><tbody>"
            + "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows) + "</tbody></table>"
            "<p>The name and signature stay on this page; the content file records only the role and the date.</p>")


def render_review(pack: ReviewPack, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(pack)
    if fmt == "html":
        return to_html(pack)
    raise ValueError(f"unknown review format: {fmt!r} (must be one of {list(REVIEW_FORMATS)})")
