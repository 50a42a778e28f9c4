"""The clinical diff of two versions of a pathway: per situation, what is shown and how it is worded; then the
metadata, questions and options and the other shared parts; then each translation beside the pathway file (its
entries added, removed or reworded, and those not current in NEW). Computed from the files, never typed."""

from __future__ import annotations

import difflib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

from ..catalogue import LANGUAGES, SOURCE_LANGUAGE
from ..errors import ContentError, PathwayError, ValidationFailed
from ..evaluate import TreatmentResult, citation
from ..load import Pathway, load_pathway_bytes, resolve_pathway
from ..model import Figure, PathwayContent, Statement
from ..translate import (Translation, check_translation, load_translation, parse_translation, translation_files,
                         translation_path)
from .table import DecisionTable, OutlookLine, Row, decision_table

__all__ = ["SHOWN", "WORDING", "RECORD", "KINDS", "Difference", "SituationDiff", "SectionDiff", "TranslationDiff",
           "PathwayDiff", "DiffInputError", "GIT_PREFIX", "NOT_CURRENT", "load_side", "load_translations",
           "diff_pathways", "diff_refs", "to_markdown", "to_dict", "render_diff", "DIFF_FORMATS", "word_changes",
           "word_diff", "is_rewording", "summary_line", "SIGNIFICANT", "is_significant", "significant_changes"]

#: Kinds of difference. SHOWN: what a reader is shown changes (a category, a statement or note appears or goes,
#: a basis, an editorial flag, a figure, a condition, an option). WORDING: the same things, worded differently.
#: RECORD: the content's own bookkeeping (version, review and approval dates, change log), not clinical.
SHOWN, WORDING, RECORD = "shown", "wording", "record"
KINDS = (SHOWN, WORDING, RECORD)
DIFF_FORMATS = ("md", "json")
GIT_PREFIX = "git:"
#: Metadata fields that record the content's life rather than say anything to a reader.
RECORD_FIELDS = ("version", "last_reviewed", "next_review_due", "approved_on", "approved_by", "changes")
#: Translated texts of the content's record (its change log, who approves it): a change to one is RECORD.
RECORD_KEYS = ("metadata.changes.", "metadata.approved_by")
#: Fields of a translation file that record its life rather than translate anything.
TRANSLATION_RECORD = ("approved_on", "approved_by", "next_review_due", "translator_note")
#: The ``what`` of a translation entry that does not match NEW's English (then the language is not offered).
NOT_CURRENT = "not current in NEW"
#: check_translation's message starts -> why an entry is not current.
_NOT_CURRENT_WHY = (("stale translation", "stale"), ("missing translation", "missing"), ("unknown id", "unknown id"))
#: Two unmatched statements this similar (0..1, difflib's ratio) are one statement reworded.
SIMILAR = 0.5

T = TypeVar("T")


class DiffInputError(PathwayError):
    """A side of the diff could not be read (no such file, not a git repository, unknown revision)."""


@dataclass(frozen=True)
class Difference:
    """One change: its kind, where it is (in words), what changed, and the old and new values as text."""

    kind: str
    where: str
    what: str
    old: str | None = None
    new: str | None = None


@dataclass(frozen=True)
class SituationDiff:
    """One complete situation (matched by its answers) and what changed in it."""

    key: str
    label: str
    query: str
    status: str  # "changed", "unchanged", "added" (only in NEW) or "removed" (only in OLD)
    categories_added: tuple[str, ...] = ()
    categories_removed: tuple[str, ...] = ()
    differences: tuple[Difference, ...] = ()

    @property
    def clinical(self) -> bool:
        return self.status in ("added", "removed") or any(d.kind != RECORD for d in self.differences)


@dataclass(frozen=True)
class SectionDiff:
    """Changes to a part shared by every situation (metadata, questions and options, categories, ...)."""

    title: str
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class TranslationDiff(SectionDiff):
    """One language's translation in the two versions, titled by its language: entries (keyed as validate keys
    them) added, removed or reworded, its record, then every entry not current against NEW's English."""

    language: str
    status: str  # "changed", "unchanged", "added" (only beside NEW) or "removed" (only beside OLD)
    old_file: str | None
    new_file: str | None

    @property
    def not_current(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.what.startswith(NOT_CURRENT))


@dataclass(frozen=True)
class PathwayDiff:
    """Everything that differs between two versions of a pathway."""

    old: Pathway
    new: Pathway
    old_name: str
    new_name: str
    situations: tuple[SituationDiff, ...]
    sections: tuple[SectionDiff, ...]
    translations: tuple[TranslationDiff, ...] = ()  # empty when not compared (diff_pathways without translations)

    @property
    def parts(self) -> tuple[SectionDiff, ...]:
        """The shared sections, then the translations."""
        return self.sections + self.translations

    def all_differences(self) -> list[Difference]:
        found = [d for s in self.situations for d in s.differences]
        return found + [d for s in self.parts for d in s.differences]

    def count(self, kind: str) -> int:
        return sum(1 for d in self.all_differences() if d.kind == kind)

    @property
    def changed_situations(self) -> tuple[SituationDiff, ...]:
        return tuple(s for s in self.situations if s.status != "unchanged")

    @property
    def clinical(self) -> bool:
        """True when anything a reader sees changed (RECORD changes alone are not clinical)."""
        return any(s.clinical for s in self.situations) or any(
            d.kind != RECORD for s in self.parts for d in s.differences)


# ---- reading the two sides ------------------------------------------------------------------------------------


def load_side(ref: str, repo: Path | None = None) -> tuple[Pathway, str]:
    """A pathway and its display name from a file, a shipped id, ``git:REV`` (the shipped default pathway as it
    was at REV) or ``git:REV:path``. Raises ValidationFailed (file:line messages) or DiffInputError."""
    if ref.startswith(GIT_PREFIX):
        return _load_git(ref[len(GIT_PREFIX):], repo)
    path = resolve_pathway(ref)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DiffInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return load_pathway_bytes(data, str(path)), str(path)


def _load_git(spec: str, repo: Path | None) -> tuple[Pathway, str]:
    rev, _, rel = spec.partition(":")
    if not rev:
        raise DiffInputError(f"{GIT_PREFIX}{spec}: name a revision, e.g. git:HEAD or git:HEAD~1:path/to/file.yaml")
    top = _git(["rev-parse", "--show-toplevel"], repo or Path(__file__).parent).strip()
    if not rel:
        rel = Path(resolve_pathway(None)).resolve().relative_to(Path(top).resolve()).as_posix()
    name = f"{GIT_PREFIX}{rev}:{rel}"
    blob = _git(["show", f"{rev}:{rel}"], Path(top), binary=True, what=name)
    return load_pathway_bytes(blob, name), name


def _git(args: list[str], cwd: Path, binary: bool = False, what: str = "git") -> Any:
    try:
        run = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffInputError(f"cannot run git for {what}: {exc}") from None
    if run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffInputError(f"{what}: {message[-1] if message else 'git failed'}")
    return run.stdout if binary else run.stdout.decode("utf-8", "replace")


def load_translations(name: str, repo: Path | None = None) -> dict[str, Translation]:
    """The translations beside a side's pathway file (``name`` as load_side gives it), by language: on disk, or
    for ``git:REV:path`` as they were at REV. Raises ValidationFailed (file:line) or DiffInputError."""
    if not name.startswith(GIT_PREFIX):
        return {lang: load_translation(path) for lang, path in translation_files(name).items()}
    rev, _, rel = name[len(GIT_PREFIX):].partition(":")
    top = Path(_git(["rev-parse", "--show-toplevel"], repo or Path(__file__).parent).strip())
    wanted = {translation_path(rel, lang).as_posix(): lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE}
    found: dict[str, Translation] = {}
    for path in _git(["ls-tree", "--name-only", rev, "--", *wanted], top, what=name).splitlines():
        file = f"{GIT_PREFIX}{rev}:{path}"
        try:
            text = _git(["show", f"{rev}:{path}"], top, binary=True, what=file).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationFailed([ContentError(file, None, f"cannot read translation: {exc}")]) from None
        found[wanted[path]] = parse_translation(text, file)
    return found


def diff_refs(old: str, new: str, repo: Path | None = None) -> PathwayDiff:
    """Load both sides and the translations beside them (every problem of both reported together) and compare
    them."""
    sides: list[tuple[Pathway, str, dict[str, Translation]]] = []
    errors = []
    for ref in (old, new):
        try:
            pathway, name = load_side(ref, repo)
            sides.append((pathway, name, load_translations(name, repo)))
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    (old_pathway, old_name, old_translations), (new_pathway, new_name, new_translations) = sides
    return diff_pathways(old_pathway, new_pathway, old_name, new_name,
                         translations=(old_translations, new_translations))


# ---- comparing --------------------------------------------------------------------------------------------------


def diff_pathways(old: Pathway, new: Pathway, old_name: str | None = None, new_name: str | None = None, *,
                  translations: tuple[dict[str, Translation], dict[str, Translation]] | None = None) -> PathwayDiff:
    """Compare two validated pathways situation by situation, then their shared parts; with ``translations``
    (OLD's and NEW's, by language, as load_translations gives them), each language's translation too."""
    return PathwayDiff(old, new, old_name or old.file, new_name or new.file,
                       _situations(decision_table(old), decision_table(new)), _sections(old.content, new.content),
                       _translations(new, *translations) if translations is not None else ())


def _situations(old: DecisionTable, new: DecisionTable) -> tuple[SituationDiff, ...]:
    old_rows = {frozenset(r.situation.answers): r for r in old.rows}
    new_keys = {frozenset(r.situation.answers) for r in new.rows}
    found = []
    for row in new.rows:
        before = old_rows.get(frozenset(row.situation.answers))
        if before is None:
            found.append(_whole(row, new, "added"))
        else:
            found.append(_situation(before, row, old, new))
    for key, row in old_rows.items():
        if key not in new_keys:
            found.append(_whole(row, old, "removed"))
    return tuple(found)


def _whole(row: Row, table: DecisionTable, status: str) -> SituationDiff:
    shown = tuple(t.label for t in row.situation.result.treatments)
    return SituationDiff(row.situation.key, row.situation.label, row.situation.query, status,
                         categories_added=shown if status == "added" else (),
                         categories_removed=shown if status == "removed" else ())


def _situation(old: Row, new: Row, old_table: DecisionTable, new_table: DecisionTable) -> SituationDiff:
    out: list[Difference] = []
    before = {t.id: t for t in old.situation.result.treatments}
    after = {t.id: t for t in new.situation.result.treatments}
    added = [after[c] for c in after if c not in before]
    removed = [before[c] for c in before if c not in after]
    for t in added:
        out.append(Difference(SHOWN, t.label, "category added", None, _said(t.explanation)))
    for t in removed:
        out.append(Difference(SHOWN, t.label, "category removed", _said(t.explanation), None))
    for cid in (c for c in after if c in before):
        out += _treatment(before[cid], after[cid])
    old_cells = {c.category_id: c for c in old.cells}
    labels = {c.id: c.label for c in new_table.categories} | {c.id: c.label for c in old_table.categories}
    for cell in new.cells:  # a category withheld in both, with or without an editorial note explaining it
        was = old_cells.get(cell.category_id)
        if was is not None and not was.shown and not cell.shown and (was.editorial is None) != (cell.editorial is None):
            out.append(Difference(SHOWN, labels[cell.category_id], "not shown; editorial mark " +
                                  ("added" if cell.editorial else "removed"), f"{was.mark} {was.words}",
                                  f"{cell.mark} {cell.words}"))
    o, n = old.situation.outcome, new.situation.outcome
    out += _text(WORDING, "Outcome title", o.title, n.title)
    out += _statement("Outcome summary", o.summary, n.summary)
    for a, b in _pair(list(old.notes), list(new.notes), lambda s: s.text):
        where = f"Note “{_clip((b or a).text)}”"  # type: ignore[union-attr]
        out += _statement(where, a, b)
        before_about, after_about = list(getattr(a, "about", []) or []), list(getattr(b, "about", []) or [])
        if a is not None and b is not None and before_about != after_about:
            out.append(Difference(SHOWN, where, "categories whose absence it explains changed",
                                  ", ".join(before_about) or "none", ", ".join(after_about) or "none"))
    out += _outlook(old.outlook, new.outlook, {k for k, _ in new.situation.answers})
    situation = new.situation
    return SituationDiff(situation.key, situation.label, situation.query, "changed" if out else "unchanged",
                         tuple(t.label for t in added), tuple(t.label for t in removed), tuple(out))


def _treatment(old: TreatmentResult, new: TreatmentResult) -> list[Difference]:
    out = _text(WORDING, new.label, old.label, new.label, what="label reworded")
    return out + _statement(f"{new.label}: why it appears here", old.explanation, new.explanation)


def _outlook(old: Sequence[OutlookLine], new: Sequence[OutlookLine], tree_keys: set[str]) -> list[Difference]:
    out: list[Difference] = []
    before = {line.note.id: line for line in old}
    after = {line.note.id: line for line in new}
    pairs = [(before[nid], after[nid]) for nid in after if nid in before]
    # a note whose id changed (ids are never shown) is the same note when its title or text says so
    pairs += _pair([x for n, x in before.items() if n not in after], [x for n, x in after.items() if n not in before],
                   lambda line: f"{line.note.title}: {line.note.text}")
    for a, b in pairs:
        if a is None and b is not None:
            out.append(Difference(SHOWN, f"Outlook: {b.note.title}", "outlook note now shown", None, _said(b.note)))
            continue
        if b is None and a is not None:
            out.append(Difference(SHOWN, f"Outlook: {a.note.title}", "outlook note no longer shown",
                                  _said(a.note), None))
            continue
        assert a is not None and b is not None
        where = f"Outlook: {b.note.title}"
        out += _text(WORDING, where, a.note.title, b.note.title, what="title reworded")
        if a.when != b.when:  # the optional answers the note further needs: by ids, else only their words
            ids_a = {k: sorted(v) for k, v in a.note.applies_when.items() if k not in tree_keys}
            ids_b = {k: sorted(v) for k, v in b.note.applies_when.items() if k not in tree_keys}
            out.append(Difference(SHOWN if ids_a != ids_b else WORDING, where,
                                  "condition changed" if ids_a != ids_b else "condition reworded",
                                  a.when or "always", b.when or "always"))
        out += _statement(where, a.note, b.note)
        out += _figures(where, a.note.figures, b.note.figures)
    return out


def _figures(where: str, old: Sequence[Figure], new: Sequence[Figure]) -> list[Difference]:
    out: list[Difference] = []
    for a, b in _pair(list(old), list(new), lambda f: f.label):
        if a is None and b is not None:
            out.append(Difference(SHOWN, where, "figure added", None, f"{b.label}: {b.display}"))
        elif b is None and a is not None:
            out.append(Difference(SHOWN, where, "figure removed", f"{a.label}: {a.display}", None))
        elif a is not None and b is not None:
            if a.value != b.value or _norm(a.display) != _norm(b.display):
                out.append(Difference(SHOWN, f"{where}, figure “{b.label}”", "figure changed",
                                      f"{a.display} ({a.value})", f"{b.display} ({b.value})"))
            if a.applies_when != b.applies_when:
                out.append(Difference(SHOWN, f"{where}, figure “{b.label}”", "figure's condition changed",
                                      _conditions(a.applies_when), _conditions(b.applies_when)))
            out += _text(WORDING, f"{where}, figure", a.label, b.label, what="figure label reworded")
    return out


def _sections(old: PathwayContent, new: PathwayContent) -> tuple[SectionDiff, ...]:
    parts = [
        ("Metadata", _metadata(old, new)),
        ("Questions and options", _questions(old, new)),
        ("Categories", _categories(old, new)),
        ("Category groups", _groups(old, new)),
        ("Outlook", _outlook_statements(old, new)),
        ("Reference sections", _reference(old, new)),
        ("Sources", _sources(old, new)),
    ]
    return tuple(SectionDiff(title, tuple(found)) for title, found in parts)


#: How the outlook's own statements are named in the diff (any other Statement field is named by its key).
OUTLOOK_NAMES = {"depends_on": "What the outlook depends on", "figures_context": "What the figures can and cannot say"}


def _outlook_statements(old: PathwayContent, new: PathwayContent) -> list[Difference]:
    """Every statement of the outlook besides its notes (which are compared per situation)."""
    out: list[Difference] = []
    for name in type(new.outlook).model_fields:
        a, b = getattr(old.outlook, name, None), getattr(new.outlook, name, None)
        if isinstance(a, Statement) or isinstance(b, Statement):
            out += _statement(OUTLOOK_NAMES.get(name, f"Outlook {name}"), a, b)
    return out


def _metadata(old: PathwayContent, new: PathwayContent) -> list[Difference]:
    out: list[Difference] = []
    a, b = old.metadata, new.metadata
    for name in type(b).model_fields:
        before, after = getattr(a, name), getattr(b, name)
        if name == "changes":
            old_versions = {c.version: c for c in before}
            for change in after:
                if change.version not in old_versions:
                    out.append(Difference(RECORD, "Change log", "entry added", None,
                                          f"{change.version} ({change.date.isoformat()}): {change.summary}"))
                elif old_versions[change.version] != change:
                    out.append(Difference(RECORD, "Change log", f"entry {change.version} edited",
                                          old_versions[change.version].summary, change.summary))
            continue
        kind = RECORD if name in RECORD_FIELDS else (SHOWN if name == "id" else WORDING)
        what = "set" if before is None else ("cleared" if after is None else
                                             "reworded" if kind == WORDING else "changed")
        out += _text(kind, f"metadata.{name}", _plain(before), _plain(after), what=what)
    return out


def _questions(old: PathwayContent, new: PathwayContent) -> list[Difference]:
    out: list[Difference] = []
    for a, b in _by_id(old.questions, new.questions):
        if b is None or a is None:
            q = a or b
            assert q is not None
            out.append(_only_in(a is None, f"Question “{q.prompt}” ({q.id})", q.prompt, "question added",
                                "question removed"))
            continue
        where = f"Question {b.id}"
        if a.role != b.role:
            out.append(Difference(SHOWN, where, "role changed", a.role, b.role))
        out += _text(WORDING, where, a.prompt, b.prompt, what="prompt reworded")
        out += _text(WORDING, where, a.short_label, b.short_label, what="short label reworded")
        out += _statement(f"{where}: help", a.help, b.help)
        out += _statement(f"{where}: why it matters", a.why, b.why)
        for x, y in _by_id(a.options, b.options):
            if x is None or y is None:
                o = x or y
                assert o is not None
                out.append(_only_in(x is None, f"{where}, option {o.id}", o.label, "option added", "option removed"))
                continue
            owhere = f"{where}, option {y.id}"
            out += _text(WORDING, owhere, x.label, y.label, what="label reworded")
            out += _text(WORDING, owhere, x.short_label, y.short_label, what="short label reworded")
            out += _statement(f"{owhere}: help", x.help, y.help)
        if [o.id for o in a.options if o.id in {p.id for p in b.options}] != \
                [o.id for o in b.options if o.id in {p.id for p in a.options}]:
            out.append(Difference(WORDING, where, "options reordered", ", ".join(o.id for o in a.options),
                                  ", ".join(o.id for o in b.options)))
    return out


def _categories(old: PathwayContent, new: PathwayContent) -> list[Difference]:
    out: list[Difference] = []
    for a, b in _by_id(old.categories, new.categories):
        if a is None or b is None:
            c = a or b
            assert c is not None
            out.append(_only_in(a is None, f"Category {c.id}", c.label, "declared", "no longer declared"))
            continue
        where = f"Category {b.id}"
        out += _text(WORDING, where, a.label, b.label, what="label reworded")
        if a.group != b.group:
            out.append(Difference(SHOWN, where, "group changed", a.group, b.group))
        out += _statement(f"{where}: what it is", a.description, b.description)
    return out


def _groups(old: PathwayContent, new: PathwayContent) -> list[Difference]:
    out: list[Difference] = []
    for a, b in _by_id(old.category_groups, new.category_groups):
        if a is None or b is None:
            g = a or b
            assert g is not None
            out.append(_only_in(a is None, f"Group {g.id}", g.label))
            continue
        out += _text(WORDING, f"Group {b.id}", a.label, b.label, what="heading reworded")
        out += _statement(f"Group {b.id}: introduction", a.intro, b.intro)
    return out


def _reference(old: PathwayContent, new: PathwayContent) -> list[Difference]:
    out: list[Difference] = []
    for a, b in _by_id(old.reference, new.reference):
        if a is None or b is None:
            r = a or b
            assert r is not None
            out.append(_only_in(a is None, f"Reference {r.id}", r.title, "section added", "section removed"))
            continue
        where = f"Reference: {b.title}"
        out += _text(WORDING, where, a.title, b.title, what="title reworded")
        out += _statement(f"{where}: introduction", a.intro, b.intro)
        for x, y in _pair(list(a.items), list(b.items), lambda i: i.term or i.text):
            term = (y or x).term if (y or x) is not None else None  # type: ignore[union-attr]
            iwhere = f"{where}: {term}" if term else f"{where}: item"
            if x is not None and y is not None:
                out += _text(WORDING, iwhere, x.term, y.term, what="term reworded")
            out += _statement(iwhere, x, y)
    return out


def _sources(old: PathwayContent, new: PathwayContent) -> list[Difference]:
    out: list[Difference] = []
    for a, b in _by_id(old.sources, new.sources):
        if a is None or b is None:
            s = a or b
            assert s is not None
            out.append(_only_in(a is None, f"Source {s.id}", s.title))
            continue
        out += _text(WORDING, f"Source {b.id}", a.title, b.title, what="title changed")
        out += _text(WORDING, f"Source {b.id}", a.description, b.description, what="description changed")
        gone = [s for s in a.sections if s not in b.sections]
        added = [s for s in b.sections if s not in a.sections]
        if added:
            out.append(Difference(WORDING, f"Source {b.id}", "section names for citing added", None, ", ".join(added)))
        if gone:
            out.append(Difference(WORDING, f"Source {b.id}", "section names for citing removed", ", ".join(gone), None))
    return out


# ---- translations -------------------------------------------------------------------------------------------------


def _translations(new: Pathway, old_side: dict[str, Translation],
                  new_side: dict[str, Translation]) -> tuple[TranslationDiff, ...]:
    found = []
    for lang in (lang for lang in LANGUAGES if lang in old_side or lang in new_side):
        a, b = old_side.get(lang), new_side.get(lang)
        if a is None or b is None:
            t = a or b
            assert t is not None
            approval = f"approved on {t.approved_on.isoformat()}" if t.approved_on else "pending review"
            out = [_only_in(a is None, "the whole translation", f"{len(t.entries)} entries, {approval}",
                            "translation added", "translation removed")]
            status = "added" if a is None else "removed"
        else:
            out = _translation_record(a, b) + _entries(a, b)
            status = "changed" if out else "unchanged"
        if b is not None:
            out += _not_current(new, b)
        found.append(TranslationDiff(f"Translation: {LANGUAGES[lang]} ({lang})", tuple(out), lang, status,
                                     a.file if a else None, b.file if b else None))
    return tuple(found)


def _translation_record(old: Translation, new: Translation) -> list[Difference]:
    out: list[Difference] = []
    for name in TRANSLATION_RECORD:
        before, after = _plain(getattr(old, name)), _plain(getattr(new, name))
        what = "set" if before is None else ("cleared" if after is None else "changed")
        out += _text(RECORD, f"translation.{name}", before, after, what=what)
    return out


#: The parts of a translation entry: (field, words naming it in the diff).
ENTRY_PARTS = (("text", "translation"), ("editorial", "translated editorial reason"),
               ("plain", "translated plain-language text"))


def _entries(old: Translation, new: Translation) -> list[Difference]:
    """Entries by key: added or removed (SHOWN), reworded (WORDING), re-checked against a changed English with the
    same words (RECORD); an entry translating the content's record is RECORD throughout."""
    out: list[Difference] = []
    for key in [*new.entries, *(k for k in old.entries if k not in new.entries)]:
        a, b = old.entries.get(key), new.entries.get(key)
        record = key.startswith(RECORD_KEYS)
        if a is None or b is None:
            entry = a or b
            assert entry is not None
            out.append(_only_in(a is None, key, entry.text, "entry added", "entry removed",
                                RECORD if record else SHOWN))
            continue
        found = _parts(key, a, b, ENTRY_PARTS, RECORD if record else WORDING)
        if not found and a.en != b.en:
            found.append(Difference(RECORD, key, "recorded as checked against the English now, words unchanged "
                                    "(fingerprint)", a.en, b.en))
        out += found
    return out


def _not_current(new: Pathway, translation: Translation) -> list[Difference]:
    """Each entry of NEW's translation that does not match NEW's English, with validate's message: the language
    is not offered until every one is fixed."""
    out = []
    for error in check_translation(new, translation):
        why = next((words for start, words in _NOT_CURRENT_WHY if error.message.startswith(start)), "invalid")
        out.append(Difference(SHOWN, error.field or "the whole translation", f"{NOT_CURRENT}: {why}", None,
                              error.format()))
    return out


# ---- statement-level helpers ----------------------------------------------------------------------------------


def _statement(where: str, old: Statement | None, new: Statement | None) -> list[Difference]:
    """Text reworded (WORDING); added or removed, basis changed, editorial flag set or cleared (SHOWN)."""
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        return [Difference(SHOWN, where, "statement added", None, _said(new))]
    if new is None:
        return [Difference(SHOWN, where, "statement removed", _said(old), None)]
    out = _text(WORDING, where, old.text, new.text, what="reworded")
    if _bases(old) != _bases(new):
        out.append(Difference(SHOWN, where, "basis changed", _cite(old), _cite(new)))
    if old.is_editorial != new.is_editorial:
        out.append(Difference(SHOWN, where, "now an editorial assumption" if new.is_editorial
                              else "no longer an editorial assumption", old.editorial, new.editorial))
    elif old.editorial and new.editorial:
        out += _text(WORDING, where, old.editorial, new.editorial, what="editorial reason reworded")
    out += _parts(where, old, new, PLAIN_PARTS)
    return out


#: The plain-language text (the family reading) and its reason for simplifying: (field, words naming it).
PLAIN_PARTS = (("plain", "plain-language text"), ("plain_editorial", "plain-language text's simplification"))


def _parts(where: str, old: Any, new: Any, parts: Sequence[tuple[str, str]], kind: str = WORDING) -> list[Difference]:
    """Optional text fields of one thing in both versions, each added, removed or reworded."""
    out = []
    for name, words in parts:
        a, b = getattr(old, name, None), getattr(new, name, None)
        what = f"{words} added" if a is None else (f"{words} removed" if b is None else f"{words} reworded")
        out += _text(kind, where, a, b, what=what)
    return out


def _only_in(new_only: bool, where: str, words: str, added: str = "added", removed: str = "removed",
             kind: str = SHOWN) -> Difference:
    """A part only one version has: ``added`` with its words as the new value (only in NEW), else ``removed``."""
    return Difference(kind, where, added, None, words) if new_only else Difference(kind, where, removed, words, None)


def _text(kind: str, where: str, old: str | None, new: str | None, what: str = "reworded") -> list[Difference]:
    if _norm(old) == _norm(new):
        return []
    return [Difference(kind, where, what, old, new)]


def _norm(text: str | None) -> str | None:
    return " ".join(text.split()) if isinstance(text, str) else text


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _bases(statement: Statement) -> list[tuple[str, str, str | None]]:
    return [(b.source, b.section, b.reported_by) for b in statement.basis]


def _cite(statement: Statement) -> str:
    return "; ".join(citation(b) for b in statement.basis) or "no basis"


def _said(statement: Statement) -> str:
    flag = f" [editorial assumption: {statement.editorial}]" if statement.editorial else ""
    return f"{_norm(statement.text)} (Basis: {_cite(statement)}){flag}"


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _conditions(conditions: dict[str, list[str]]) -> str:
    return "; ".join(f"{k} in {', '.join(v)}" for k, v in conditions.items()) or "always"


def _by_id(old: Iterable[T], new: Iterable[T]) -> list[tuple[T | None, T | None]]:
    """Pairs matched by ``id``: new order first, then what only OLD has."""
    before = {getattr(x, "id"): x for x in old}
    after = {getattr(x, "id"): x for x in new}
    pairs: list[tuple[T | None, T | None]] = [(before.get(k), v) for k, v in after.items()]
    return pairs + [(v, None) for k, v in before.items() if k not in after]


def _pair(old: list[T], new: list[T], key: Callable[[T], str]) -> list[tuple[T | None, T | None]]:
    """Pairs of items without ids: equal keys first, then the most similar remaining (ratio >= SIMILAR)."""
    left = list(range(len(old)))
    matched: dict[int, int] = {}
    for j, item in enumerate(new):
        for i in left:
            if _norm(key(old[i])) == _norm(key(item)):
                matched[j] = i
                left.remove(i)
                break
    for j, item in enumerate(new):
        if j in matched or not left:
            continue
        ratios = [(difflib.SequenceMatcher(None, _norm(key(old[i])) or "", _norm(key(item)) or "").ratio(), i)
                  for i in left]
        ratio, best = max(ratios)
        if ratio >= SIMILAR:
            matched[j] = best
            left.remove(best)
    pairs: list[tuple[T | None, T | None]] = [(old[matched[j]] if j in matched else None, item)
                                                for j, item in enumerate(new)]
    return pairs + [(old[i], None) for i in left]


# ---- formats ----------------------------------------------------------------------------------------------------


def _md(text: str | None) -> str:
    return "—" if text is None else " ".join(text.split()).replace("|", "\\|")


def word_changes(old: str, new: str) -> list[tuple[str, str]]:
    """A reworded text as runs of words: ("same" | "removed" | "added", words)."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", " ".join(b[j1:j2])))
    return out


#: What a clinical reviewer must see first: a category added or removed, a figure changed, an editorial mark
#: added or removed, a translation removed or not current in NEW (its readers then get the English page instead)
#: (the ``what`` of a Difference, or its start).
SIGNIFICANT = ("category added", "category removed", "figure added", "figure removed", "figure changed",
               "now an editorial assumption", "no longer an editorial assumption", "not shown; editorial mark",
               "translation removed", NOT_CURRENT)


def is_significant(d: Difference) -> bool:
    """True for a clinically significant change (``SIGNIFICANT``)."""
    return d.kind == SHOWN and d.what.startswith(SIGNIFICANT)


def significant_changes(diff: PathwayDiff) -> list[tuple[str, Difference | None, SituationDiff | None]]:
    """The clinically significant changes, situation by situation (a situation added or removed as a whole, with
    no Difference), then in the shared parts: (where, difference, situation)."""
    found: list[tuple[str, Difference | None, SituationDiff | None]] = []
    for s in diff.situations:
        if s.status in ("added", "removed"):
            found.append((s.label, None, s))
        found += [(s.label, d, s) for d in s.differences if is_significant(d)]
    for section in diff.parts:
        found += [(section.title, d, None) for d in section.differences if is_significant(d)]
    return found


def is_rewording(d: Difference) -> bool:
    """A wording difference with both texts, shown as the words that changed."""
    return d.old is not None and d.new is not None and d.kind == WORDING and d.what.endswith("reworded")


def word_diff(old: str, new: str) -> str:
    """The change inside a reworded text, in Markdown: ~~removed~~ and **added** words, the rest as is."""
    marks = {"same": "{}", "removed": "~~{}~~", "added": "**{}**"}
    return " ".join(marks[op].format(words) for op, words in word_changes(old, new)).replace("|", "\\|")


def difference_md(d: Difference) -> str:
    """One difference as a Markdown list item."""
    if is_rewording(d):
        return f"- {_md(d.where)}: {d.what}: {word_diff(d.old, d.new)}"
    if d.old is None:
        return f"- {_md(d.where)}: {d.what}: {_md(d.new)}"
    if d.new is None:
        return f"- {_md(d.where)}: {d.what} (was: {_md(d.old)})"
    return f"- {_md(d.where)}: {d.what}: {_md(d.old)} → {_md(d.new)}"


def summary_line(diff: PathwayDiff) -> str:
    changed = diff.changed_situations
    verdict = ("Clinical content changed: the new version needs review." if diff.clinical else
               "Nothing a reader sees changed (at most the version, dates, approval or change log).")
    line = (f"{verdict} {len(changed)} of {len(diff.situations)} situations differ; "
            f"{diff.count(SHOWN)} changes of what is shown, {diff.count(WORDING)} wording-only changes, "
            f"{diff.count(RECORD)} changes to the content's record.")
    if diff.translations:
        line += " Translations: " + "; ".join(
            f"{LANGUAGES[t.language]} {t.status}" + (f", {len(t.not_current)} entries {NOT_CURRENT}"
                                                     if t.not_current else "") for t in diff.translations) + "."
    return line


def situation_md(diff: PathwayDiff, level: int = 2) -> list[str]:
    """The per-situation part of the diff, headings at ``level``."""
    h = "#" * level
    lines: list[str] = []
    for s in diff.changed_situations:
        lines += [f"{h} {_md(s.label)} ({s.status})", "", f"Answers: `{s.query}`", ""]
        if s.status in ("added", "removed"):
            shown = s.categories_added or s.categories_removed
            lines += [f"- Situation {s.status}; categories shown {'now' if s.status == 'added' else 'before'}: "
                      + ", ".join(shown), ""]
            continue
        if s.categories_added:
            lines.append("**Categories added:** " + ", ".join(s.categories_added) + "  ")
        if s.categories_removed:
            lines.append("**Categories removed:** " + ", ".join(s.categories_removed) + "  ")
        if s.categories_added or s.categories_removed:
            lines.append("")
        shown = [d for d in s.differences if d.kind == SHOWN]
        wording = [d for d in s.differences if d.kind == WORDING]
        if shown:
            lines += ["What is shown:", ""] + [difference_md(d) for d in shown] + [""]
        if wording:
            lines += ["Wording only:", ""] + [difference_md(d) for d in wording] + [""]
    same = [s for s in diff.situations if s.status == "unchanged"]
    if same:
        lines += [f"Unchanged ({len(same)}): " + "; ".join(_md(s.label) for s in same) + ".", ""]
    return lines


def _kinds_md(differences: Sequence[Difference]) -> list[str]:
    lines: list[str] = []
    for kind, title in ((SHOWN, "What is shown"), (WORDING, "Wording only"), (RECORD, "Record")):
        items = [d for d in differences if d.kind == kind]
        if items:
            lines += [f"{title}:", ""] + [difference_md(d) for d in items] + [""]
    return lines


def sections_md(diff: PathwayDiff, level: int = 2) -> list[str]:
    h = "#" * level
    lines: list[str] = []
    for section in diff.sections:
        if not section.differences:
            continue
        lines += [f"{h} {section.title}", ""] + _kinds_md(section.differences)
    quiet = [s.title for s in diff.sections if not s.differences]
    if quiet:
        lines += ["Unchanged: " + ", ".join(quiet) + ".", ""]
    return lines


def translations_md(diff: PathwayDiff, level: int = 2) -> list[str]:
    """Each language's translation: its files, then its differences by kind (entries named by their keys)."""
    if not diff.translations:
        return []
    h = "#" * level
    lines = [f"{h} Translations", "",
             "Each translation beside the pathway file, its entries named by their keys (as `validate` names them): "
             f"added, removed or reworded, then every entry *{NOT_CURRENT}* (stale, missing or an unknown id "
             "against the new English: the language is not offered until each is fixed).", ""]
    for t in diff.translations:
        state = {"added": "only beside NEW", "removed": "only beside OLD", "changed": "differs",
                 "unchanged": "the same words and record"}[t.status]
        lines += [f"{h}# {t.title}", "",
                  f"Old: `{t.old_file or 'none'}`; new: `{t.new_file or 'none'}`: {state}.", ""]
        lines += _kinds_md(t.differences) or ["Nothing differs, and every entry is current.", ""]
    return lines


def to_markdown(diff: PathwayDiff) -> str:
    """The diff for a reviewer: summary, each changed situation (what is shown, then wording), the shared parts."""
    a, b = diff.old.content.metadata, diff.new.content.metadata
    lines = [f"# Clinical diff: {a.title}", "", f"> **{b.disclaimer}**", "",
             f"- Old: `{diff.old_name}`, version {a.version}, last reviewed {a.last_reviewed.isoformat()}",
             f"- New: `{diff.new_name}`, version {b.version}, last reviewed {b.last_reviewed.isoformat()}", "",
             summary_line(diff), "",
             "Situations are matched by their answers. *What is shown* lists categories, statements, notes and "
             "figures that appear or go, and changed bases, editorial flags, figures and conditions; *wording "
             "only* lists the same things reworded (changed words ~~struck~~ and **bold**).", "",
             "## Situations", ""]
    lines += situation_md(diff, level=3)
    lines += sections_md(diff, level=2)
    lines += translations_md(diff, level=2)
    return "\n".join(lines).rstrip("\n") + "\n"


def _difference_dict(d: Difference) -> dict[str, Any]:
    return {"kind": d.kind, "where": d.where, "what": d.what, "old": d.old, "new": d.new}


def to_dict(diff: PathwayDiff) -> dict[str, Any]:
    """A JSON-ready form of the diff."""
    def side(p: Pathway, name: str) -> dict[str, Any]:
        m = p.content.metadata
        return {"name": name, "id": m.id, "version": m.version, "last_reviewed": m.last_reviewed.isoformat()}

    return {
        "old": side(diff.old, diff.old_name),
        "new": side(diff.new, diff.new_name),
        "clinical": diff.clinical,
        "counts": {kind: diff.count(kind) for kind in KINDS},
        "situations": [
            {"key": s.key, "label": s.label, "answers": s.query, "status": s.status,
             "categories_added": list(s.categories_added), "categories_removed": list(s.categories_removed),
             "differences": [_difference_dict(d) for d in s.differences]}
            for s in diff.situations
        ],
        "sections": [{"title": s.title, "differences": [_difference_dict(d) for d in s.differences]}
                     for s in diff.sections],
        "translations": [{"language": t.language, "title": t.title, "status": t.status, "old_file": t.old_file,
                          "new_file": t.new_file, "differences": [_difference_dict(d) for d in t.differences]}
                         for t in diff.translations],
        "disclaimer": diff.new.content.metadata.disclaimer,
    }


def render_diff(diff: PathwayDiff, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(diff)
    if fmt == "json":
        return json.dumps(to_dict(diff), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown diff format: {fmt!r} (must be one of {list(DIFF_FORMATS)})")
