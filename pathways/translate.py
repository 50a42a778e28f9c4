"""Translations of a pathway: content files keyed by stable ids, each entry fingerprinting the English it translates.

A translation lives beside its pathway as ``<pathway>.<lang>.yaml`` (``relapsed-all.es.yaml``). Its entries are
keyed by the keys of :func:`pathways.shown.keyed_statements` for statements and by keys made the same way for
labels (``questions.age_group.prompt``, ``nodes.child_cns_b.title``, ``outlook.notes.children_survival.figures.0
.display``, ``reported_by.research_from_2020``). Each entry records ``en``: the fingerprint of the exact English it
translates (text, editorial reason and plain text of a statement; the words of a label). When the English changes,
the fingerprint no longer matches and :func:`check_translation` reports the entry as stale: a translation can never
silently go on saying what the English said last year.

:func:`translated` returns the Pathway with every text in the language, so every output renders it without knowing
about languages; it fails closed (raises ValidationFailed) on any stale, missing or unknown entry.

The interface's own words (headings, buttons, notices) are not content: they go through gettext catalogues
(``pathways/locales/<lang>/LC_MESSAGES/messages.po``, managed with Babel; docs/translations.md). :func:`gettext`
translates into the language of the current context (:func:`use_language`), so the outputs' fixed words follow the
language of the page or command that asked.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .catalogue import (LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE, catalogue, current_language, gettext, ngettext,
                        use_language)
from .errors import ContentError, ValidationFailed
from .load import Pathway, _index
from .model import PathwayContent
from .yamlsafe import LineDict, YamlProblem, line_of, parse_yaml

__all__ = [
    "SOURCE_LANGUAGE", "LANGUAGES", "LOCALE_DIR", "FINGERPRINT_LENGTH", "Slot", "Entry", "Translation",
    "fingerprint", "slots", "english_texts", "translation_path", "translation_files", "load_translation",
    "parse_translation", "translation_fingerprint", "check_translation", "translated", "translate_pathway", "side_by_side", "gettext", "ngettext", "use_language", "current_language",
    "catalogue",
]

#: Hex digits of sha256 kept as an entry's fingerprint (48 bits: a changed text never matches by chance in practice).
FINGERPRINT_LENGTH = 12
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
_TOP_KEYS = ("translation_of", "language", "approved_on", "approved_by", "next_review_due", "translator_note",
             "entries")
_ENTRY_KEYS = ("en", "text", "editorial", "plain")


def fingerprint(*parts: str | None) -> str:
    """The fingerprint of an English text (and its editorial reason and plain text): a sha256 prefix."""
    data = json.dumps([p for p in parts], ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:FINGERPRINT_LENGTH]


# ---- what there is to translate -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One translatable text of a pathway: its key, where it is (``loc`` in the file), and its English.

    A statement slot (``statement=True``) has text, editorial reason and plain text; a label slot only text.
    ``holder``/``field`` point into a ``model_dump`` of the content, where :func:`translated` writes the language.
    """

    key: str
    loc: tuple
    text: str
    editorial: str | None = None
    plain: str | None = None
    statement: bool = False
    holder: Any = field(default=None, compare=False, repr=False)
    field: str = "text"

    @property
    def fingerprint(self) -> str:
        if self.statement:
            return fingerprint(self.text, self.editorial, self.plain)
        return fingerprint(self.text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _statement(key: str, loc: tuple, data: dict | None, reported: dict[str, Slot]) -> Iterator[Slot]:
    if data is None:
        return
    yield Slot(key, loc, data["text"], data.get("editorial"), data.get("plain"), True, data)
    if data.get("plain_editorial") is not None:  # why the plain text says less: translated as a text of its own
        yield Slot(f"{key}.plain_editorial", loc + ("plain_editorial",), data["plain_editorial"], holder=data,
                   field="plain_editorial")
    for index, basis in enumerate(data.get("basis") or []):
        who = basis.get("reported_by")
        if not who:
            continue
        key = f"reported_by.{_slug(who)}"
        if key not in reported:  # one entry per cited work; every basis naming it is translated by it
            reported[key] = Slot(key, loc + ("basis", index, "reported_by"), who, holder=[], field="reported_by")
        reported[key].holder.append(basis)


def _label(key: str, loc: tuple, holder: dict, name: str) -> Iterator[Slot]:
    value = holder.get(name)
    if value is not None:
        yield Slot(key, loc + (name,), value, holder=holder, field=name)


def slots(data: dict) -> Iterator[Slot]:
    """Every translatable text of a content dump (``PathwayContent.model_dump()``), statements keyed as
    ``keyed_statements`` keys them, in file order; the cited works' names (``reported_by``) last."""
    reported: dict[str, Slot] = {}
    meta = data["metadata"]
    for name in ("title", "intended_use", "audience", "population", "disclaimer", "editorial_policy", "approved_by"):
        yield from _label(f"metadata.{name}", ("metadata",), meta, name)
    for index, change in enumerate(meta.get("changes") or []):
        yield from _label(f"metadata.changes.{change['version']}.summary", ("metadata", "changes", index), change,
                          "summary")
    for index, source in enumerate(data["sources"]):
        loc = ("sources", index)
        yield from _label(f"sources.{source['id']}.title", loc, source, "title")
        yield from _label(f"sources.{source['id']}.description", loc, source, "description")
    for index, group in enumerate(data["category_groups"]):
        loc = ("category_groups", index)
        yield from _label(f"category_groups.{group['id']}.label", loc, group, "label")
        yield from _statement(f"category_groups.{group['id']}.intro", loc + ("intro",), group.get("intro"), reported)
    for index, category in enumerate(data["categories"]):
        loc, base = ("categories", index), f"categories.{category['id']}"
        yield from _label(f"{base}.label", loc, category, "label")
        yield from _statement(f"{base}.description", loc + ("description",), category["description"], reported)
    for index, question in enumerate(data["questions"]):
        loc, base = ("questions", index), f"questions.{question['id']}"
        yield from _label(f"{base}.prompt", loc, question, "prompt")
        yield from _label(f"{base}.short_label", loc, question, "short_label")
        yield from _statement(f"{base}.help", loc + ("help",), question.get("help"), reported)
        yield from _statement(f"{base}.why", loc + ("why",), question["why"], reported)
        for o_index, option in enumerate(question["options"]):
            o_loc, o_base = loc + ("options", o_index), f"{base}.options.{option['id']}"
            yield from _label(f"{o_base}.label", o_loc, option, "label")
            yield from _label(f"{o_base}.short_label", o_loc, option, "short_label")
            yield from _statement(f"{o_base}.help", o_loc + ("help",), option.get("help"), reported)
    for index, node in enumerate(data["tree"]["nodes"]):
        if node.get("kind") != "outcome":
            continue
        loc, base = ("tree", "nodes", index), f"nodes.{node['id']}"
        yield from _label(f"{base}.title", loc, node, "title")
        yield from _label(f"{base}.short_title", loc, node, "short_title")
        yield from _statement(f"{base}.summary", loc + ("summary",), node["summary"], reported)
        for t_index, treatment in enumerate(node["treatments"]):
            t_loc, t_base = loc + ("treatments", t_index), f"{base}.treatments.{treatment['category']}"
            yield from _label(f"{t_base}.label", t_loc, treatment, "label")
            yield from _statement(f"{t_base}.explanation", t_loc + ("explanation",), treatment["explanation"],
                                  reported)
        for n_index, note in enumerate(node.get("notes") or []):
            yield from _statement(f"{base}.notes.{n_index}", loc + ("notes", n_index), note, reported)
    outlook = data["outlook"]
    yield from _statement("outlook.depends_on", ("outlook", "depends_on"), outlook["depends_on"], reported)
    yield from _statement("outlook.figures_context", ("outlook", "figures_context"), outlook.get("figures_context"),
                          reported)
    for index, note in enumerate(outlook["notes"]):
        loc, base = ("outlook", "notes", index), f"outlook.notes.{note['id']}"
        yield from _label(f"{base}.title", loc, note, "title")
        yield from _statement(base, loc, note, reported)
        for f_index, figure in enumerate(note.get("figures") or []):
            f_loc = loc + ("figures", f_index)
            yield from _label(f"{base}.figures.{f_index}.label", f_loc, figure, "label")
            yield from _label(f"{base}.figures.{f_index}.display", f_loc, figure, "display")
    for index, section in enumerate(data["reference"]):
        loc, base = ("reference", index), f"reference.{section['id']}"
        yield from _label(f"{base}.title", loc, section, "title")
        yield from _statement(f"{base}.intro", loc + ("intro",), section.get("intro"), reported)
        for i_index, item in enumerate(section["items"]):
            yield from _label(f"{base}.items.{i_index}.term", loc + ("items", i_index), item, "term")
            yield from _statement(f"{base}.items.{i_index}", loc + ("items", i_index), item, reported)
    for index, statement in enumerate(data.get("ask_the_care_team") or []):
        yield from _statement(f"ask_the_care_team.{index}", ("ask_the_care_team", index), statement, reported)
    yield from reported.values()


def english_texts(content: PathwayContent) -> dict[str, Slot]:
    """Every translatable text of the content by key."""
    return {slot.key: slot for slot in slots(content.model_dump())}


# ---- a translation file -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One translated text: the fingerprint of the English it translates, the translation, and its line."""

    key: str
    en: str
    text: str
    editorial: str | None
    plain: str | None
    line: int


@dataclass(frozen=True)
class Translation:
    """A language's translation of a pathway, with its own review and sign-off."""

    file: str
    translation_of: str
    language: str
    approved_on: datetime.date | None
    approved_by: str
    next_review_due: datetime.date | None
    translator_note: str
    entries: dict[str, Entry]
    entries_line: int

    @property
    def approved(self) -> bool:
        return self.approved_on is not None


def translation_fingerprint(translation: Translation) -> str:
    """SHA-256 of what a translation says (every entry's key, English fingerprint and texts), without its record
    (approval, review date, translator's note): recording the sign-off does not change it, any change to a
    translated text or to the English it was checked against does."""
    entries = {key: [e.en, e.text, e.editorial, e.plain] for key, e in sorted(translation.entries.items())}
    canonical = json.dumps([translation.translation_of, translation.language, entries], ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def translation_path(pathway_file: str | Path, language: str) -> Path:
    """Where the ``language`` translation of a pathway file lives: ``<stem>.<language>.yaml`` beside it."""
    path = Path(pathway_file)
    return path.with_name(f"{path.name.removesuffix('.yaml').removesuffix('.yml')}.{language}.yaml")


def translation_files(pathway_file: str | Path) -> dict[str, Path]:
    """The translations beside a pathway file, by language."""
    return {lang: path for lang in LANGUAGES if lang != SOURCE_LANGUAGE
            if (path := translation_path(pathway_file, lang)).exists()}


def _problem(file: str, line: int | None, message: str, hint: str, key: str | None = None) -> ContentError:
    return ContentError(file, line, message, field=key, hint=hint)


def _date(raw: LineDict, name: str, file: str, errors: list[ContentError]) -> datetime.date | None:
    value = raw.get(name)
    if value is None or isinstance(value, datetime.date):
        return value
    errors.append(_problem(file, raw.key_lines.get(name), f"'{name}' must be a date YYYY-MM-DD or null, found "
                           f"{value!r}", "write it as 2027-01-31", name))
    return None


def load_translation(path: str | Path) -> Translation:
    """Read a translation file; raise ValidationFailed (file:line) when its shape is wrong."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed([ContentError(file, None, f"cannot read translation: {exc}")]) from None
    return parse_translation(text, file)


def parse_translation(text: str, file: str) -> Translation:
    """A translation from its file's text (``file`` names it in messages: a path, or ``git:REV:path``); raise
    ValidationFailed (file:line) when its shape is wrong."""
    try:
        raw = parse_yaml(text)
    except YamlProblem as exc:
        raise ValidationFailed([ContentError(file, exc.line, exc.message, hint=exc.hint)]) from None
    if not isinstance(raw, LineDict):
        raise ValidationFailed([ContentError(file, 1, "a translation file must be a YAML mapping",
                                             hint="start with 'translation_of: <pathway id>'")])
    errors: list[ContentError] = []
    for key in raw:
        if key not in _TOP_KEYS:
            errors.append(_problem(file, raw.key_lines[key], f"unknown key '{key}' (allowed: {list(_TOP_KEYS)})",
                                   "remove it or fix its spelling", str(key)))
    for key in ("translation_of", "language", "approved_by", "translator_note", "entries"):
        if key not in raw:
            errors.append(_problem(file, raw.line, f"missing required key '{key}'",
                                   "every field is described in docs/translations.md", key))
    language = raw.get("language")
    if "language" in raw and (not isinstance(language, str) or language not in LANGUAGES
                              or language == SOURCE_LANGUAGE or not _LANG.match(language)):
        errors.append(_problem(file, raw.key_lines["language"], f"unknown language {language!r} (must be one of "
                               f"{[lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]})",
                               "add the language to pathways.translate.LANGUAGES first", "language"))
    approved_on = _date(raw, "approved_on", file, errors)
    next_review = _date(raw, "next_review_due", file, errors)
    entries: dict[str, Entry] = {}
    data = raw.get("entries")
    if "entries" in raw and not isinstance(data, LineDict):
        errors.append(_problem(file, raw.key_lines["entries"], "'entries' must be a mapping of keys to entries",
                               "see docs/translations.md", "entries"))
        data = LineDict()
    for key, value in (data or {}).items():
        line = data.key_lines[key]
        where = f"entries.{key}"
        if not isinstance(value, LineDict):
            errors.append(_problem(file, line, "an entry must be a mapping with 'en' and 'text'",
                                   "see docs/translations.md", where))
            continue
        unknown = [k for k in value if k not in _ENTRY_KEYS]
        for k in unknown:
            errors.append(_problem(file, value.key_lines[k], f"unknown key '{k}' (allowed: {list(_ENTRY_KEYS)})",
                                   "remove it or fix its spelling", f"{where}.{k}"))
        texts = {k: value.get(k) for k in _ENTRY_KEYS}
        bad = [k for k, v in texts.items() if v is not None and not (isinstance(v, str) and v.strip())]
        if "en" in bad:
            bad.remove("en")
            errors.append(_problem(file, value.key_lines["en"],
                                   f"'en' must be a quoted fingerprint, found {texts['en']!r}",
                                   "write it in quotes, as validate prints it: en: \"0a1b2c3d4e5f\"", f"{where}.en"))
        bad += [k for k in ("en", "text") if texts[k] is None]
        if bad:
            errors.append(_problem(file, line, f"entry needs text in {', '.join(sorted(set(bad)))}",
                                   "'en' is the English's fingerprint (python -m pathways validate prints it), "
                                   "'text' the translation", where))
            continue
        entries[str(key)] = Entry(str(key), texts["en"], texts["text"], texts["editorial"], texts["plain"], line)
    if errors:
        raise ValidationFailed(errors)
    return Translation(file, raw["translation_of"], language, approved_on, raw["approved_by"], next_review,
                       raw["translator_note"], entries, raw.key_lines["entries"])


# ---- staleness: the check --------------------------------------------------------------------------------------


def check_translation(pathway: Pathway, translation: Translation, raw: Any = None) -> list[ContentError]:
    """Every problem of a translation against the pathway: stale entries (the English changed since), texts with
    no translation, entries whose key no longer exists, an editorial or plain text missing from an entry. Each
    names the translation file and line; a missing one also names the English's line in the pathway file (from
    ``raw``, the pathway file parsed with ``parse_yaml``, when given)."""
    file = translation.file
    errors: list[ContentError] = []
    if translation.translation_of != pathway.id:
        errors.append(_problem(file, 1, f"translates pathway {translation.translation_of!r}, not {pathway.id!r}",
                               "set translation_of to the pathway's metadata id", "translation_of"))
    english = english_texts(pathway.content)
    for key, slot in english.items():
        entry = translation.entries.get(key)
        if entry is None:
            where = f" (English at {pathway.file}:{line_of(raw, slot.loc)})" if raw is not None else ""
            errors.append(_problem(file, translation.entries_line, f"missing translation of '{key}'{where}",
                                   f"add an entry '{key}' with en: \"{slot.fingerprint}\" and its translation", key))
            continue
        if entry.en != slot.fingerprint:
            errors.append(_problem(file, entry.line, f"stale translation of '{key}': the English changed since it was "
                                   f"translated (fingerprint {entry.en}, the English now {slot.fingerprint})",
                                   f"update the translation from the English now: {_short(slot.text)}, then set "
                                   f"en: \"{slot.fingerprint}\"", key))
            continue
        for part in ("editorial", "plain"):
            if getattr(slot, part) is not None and getattr(entry, part) is None:
                errors.append(_problem(file, entry.line, f"the translation of '{key}' lacks the {part} text the "
                                       "English has", f"add '{part}:' with its translation", key))
            elif getattr(slot, part) is None and getattr(entry, part) is not None:
                errors.append(_problem(file, entry.line, f"the translation of '{key}' has a {part} text the "
                                       "English does not have", f"remove '{part}:'", key))
    for key, entry in translation.entries.items():
        if key not in english:
            errors.append(_problem(file, entry.line, f"unknown id '{key}': the pathway has no such text (removed or "
                                   "renamed)", "remove the entry, or rename it to the text's key now", key))
    return sorted(errors, key=lambda e: (e.line or 0, e.field or ""))


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def translated(pathway: Pathway, translation: Translation) -> Pathway:
    """The pathway with every text in the translation's language; raise ValidationFailed (fail closed) when the
    translation has any problem, so no reader is ever shown a stale or partial translation as current."""
    errors = check_translation(pathway, translation)
    if errors:
        raise ValidationFailed(errors)
    data = pathway.content.model_dump()
    for slot in list(slots(data)):
        entry = translation.entries[slot.key]
        if slot.statement:
            slot.holder["text"] = entry.text
            if entry.editorial is not None:
                slot.holder["editorial"] = entry.editorial
            if entry.plain is not None:
                slot.holder["plain"] = entry.plain
        elif isinstance(slot.holder, list):
            for holder in slot.holder:
                holder[slot.field] = entry.text
        else:
            slot.holder[slot.field] = entry.text
    content = PathwayContent.model_validate(data)
    return dataclasses.replace(_index(content, pathway.file), language=translation.language,
                               translation_pending=not translation.approved)


def side_by_side(pathway: Pathway, translation: Translation) -> str:
    """The review pack of a translation: its sign-off state, then every text with its English and its translation
    side by side (Markdown), each marked ok, stale or missing, and the entries whose key no longer exists."""
    meta = pathway.content.metadata

    def cell(text: str | None) -> str:
        return " ".join((text or "").split()).replace("|", "\\|")

    approved = (f"approved on {translation.approved_on.isoformat()} by {translation.approved_by}"
                if translation.approved_on else f"pending: not yet signed off (to be signed off by: "
                f"{translation.approved_by})")
    lines = [f"# Translation review: {meta.title} ({pathway.id} {meta.version}), {LANGUAGES[translation.language]}",
             "", f"- File: `{Path(translation.file).name}`", f"- Approval: {approved}",
             f"- Next review due: {translation.next_review_due.isoformat() if translation.next_review_due else 'not set'}",
             f"- Translator's note: {cell(translation.translator_note)}", "",
             "| key | status | English | translation |", "| --- | --- | --- | --- |"]
    english = english_texts(pathway.content)
    for key, slot in english.items():
        entry = translation.entries.get(key)
        status = "missing" if entry is None else ("stale" if entry.en != slot.fingerprint else "ok")
        for part in ("text", "editorial", "plain"):
            source = getattr(slot, part)
            if source is None:
                continue
            target = getattr(entry, part) if entry is not None else None
            name = key if part == "text" else f"{key} ({part})"
            lines.append(f"| `{name}` | {status} | {cell(source)} | {cell(target)} |")
    unknown = [key for key in translation.entries if key not in english]
    if unknown:
        lines += ["", "Entries whose key no longer exists: " + ", ".join(f"`{k}`" for k in unknown)]
    return "\n".join(lines) + "\n"


def translate_pathway(pathway: Pathway, language: str) -> Pathway:
    """The pathway in ``language`` from the translation file beside it; raise ValidationFailed when there is none
    or it has any problem (stale, missing, unknown: fail closed)."""
    if language == SOURCE_LANGUAGE:
        return pathway
    path = translation_path(pathway.file, language)
    if not path.exists():
        raise ValidationFailed([ContentError(str(path), None, f"no {LANGUAGES.get(language, language)} translation "
                                             f"of {pathway.id!r}", hint="see docs/translations.md to add one")])
    return translated(pathway, load_translation(path))
