"""Translations as content: fingerprints catch every changed English text, validate names it, the translated
pathway carries every statement with its figures and editorial marks, and the interface catalogue is complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pathways import ValidationFailed, available_pathways, load_pathway
from pathways.evaluate import evaluate
from pathways.shown import keyed_statements, shown
from pathways.situations import complete_situations
from pathways.translate import (LOCALE_DIR, check_translation, english_texts, gettext, load_translation, translated,
                                translation_files, use_language)
from pathways.yamlsafe import line_of, parse_yaml

ROOT = Path(__file__).parents[1]
PATHWAY_FILE = available_pathways()["relapsed-all"]
ES_FILE = PATHWAY_FILE.with_name("relapsed-all.es.yaml")
PATHWAY = load_pathway(PATHWAY_FILE)
SPANISH = load_translation(ES_FILE)
ES = translated(PATHWAY, SPANISH)
#: A figure, a count of years or months, a percentage range: what a translation must carry over exactly.
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:–\d+)?%?")


def validate(*files: Path) -> subprocess.CompletedProcess:
    """``validate`` with its problems (stderr) and its ok lines (stdout) in one text, as ``.stdout``."""
    return subprocess.run([sys.executable, "-m", "pathways", "validate", *map(str, files)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, cwd=ROOT, timeout=60)


def copy_with(tmp_path: Path, english: str | None = None, spanish: str | None = None) -> tuple[Path, Path]:
    """The shipped pathway and its Spanish translation copied side by side, either text replaced."""
    pathway, translation = tmp_path / "relapsed-all.yaml", tmp_path / "relapsed-all.es.yaml"
    pathway.write_text(english if english is not None else PATHWAY_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    translation.write_text(spanish if spanish is not None else ES_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    return pathway, translation


def changed_english(key: str) -> str:
    """The pathway file with the English of ``key`` changed by a word (the line that holds it)."""
    text = PATHWAY_FILE.read_text(encoding="utf-8")
    slot = english_texts(PATHWAY.content)[key]
    line = line_of(parse_yaml(text), slot.loc + (("text",) if slot.statement else ()))
    lines = text.splitlines(keepends=True)
    body = lines[line - 1].rstrip("\n")
    assert not body.rstrip().endswith(("'", '"', ">-", ">", "|")), f"pick a key written on one plain line: {body}"
    lines[line - 1] = body + " (changed)\n"
    return "".join(lines)


def entry_block(text: str, key: str) -> tuple[int, int]:
    """The first and last line (0-based, exclusive end) of an entry in a translation file's text."""
    lines = text.splitlines()
    start = lines.index(f"  {key}:")
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")), len(lines))
    return start, end


# ---- the shipped translation ----------------------------------------------------------------------------------


def test_shipped_spanish_translation_has_no_problem():
    assert check_translation(PATHWAY, SPANISH) == []
    assert translation_files(PATHWAY_FILE) == {"es": ES_FILE}


def test_translation_keys_are_the_statement_keys_of_shown():
    keys = english_texts(PATHWAY.content)
    assert {key for key, _ in keyed_statements(PATHWAY.content)} <= set(keys)
    assert all(keys[key].statement for key, _ in keyed_statements(PATHWAY.content))


def test_translation_files_are_not_offered_as_pathways():
    assert "relapsed-all.es" not in available_pathways()


def test_spanish_translation_is_pending_until_signed_off():
    assert SPANISH.language == "es" and SPANISH.approved_by and SPANISH.translator_note


@pytest.mark.parametrize("key", sorted(english_texts(PATHWAY.content)))
def test_translation_keeps_every_figure_and_editorial_mark(key):
    english = english_texts(PATHWAY.content)[key]
    entry = SPANISH.entries[key]
    for part in ("text", "editorial", "plain"):
        source, target = getattr(english, part), getattr(entry, part)
        assert (source is None) == (target is None), part
        if source is not None:
            assert sorted(NUMBER.findall(source)) == sorted(NUMBER.findall(target)), (part, source, target)


# ---- staleness, missing, unknown: validate names each with file:line ---------------------------------------------


@pytest.mark.parametrize("key", ["categories.targeted_therapy.description", "categories.targeted_therapy.label"],
                         ids=["statement", "label"])
def test_changing_one_english_text_makes_validate_name_exactly_that_entry_stale(tmp_path, key):
    pathway, translation = copy_with(tmp_path, english=changed_english(key))
    result = validate(pathway)
    assert result.returncode == 1, result.stdout
    problems = [line for line in result.stdout.splitlines() if str(translation) in line]
    line = entry_block(ES_FILE.read_text(encoding="utf-8"), key)[0] + 1
    assert len(problems) == 1, result.stdout
    assert problems[0].startswith(f"{translation}:{line}: at {key}: stale translation of '{key}'")


def test_stale_translation_is_never_applied(tmp_path):
    pathway, translation = copy_with(tmp_path, english=changed_english("categories.targeted_therapy.description"))
    with pytest.raises(ValidationFailed, match="stale translation of 'categories.targeted_therapy.description'"):
        translated(load_pathway(pathway), load_translation(translation))


def test_missing_translation_is_reported_with_the_lines_of_both_files(tmp_path):
    key = "outlook.notes.adults_survival"
    text = ES_FILE.read_text(encoding="utf-8")
    start, end = entry_block(text, key)
    lines = text.splitlines(keepends=True)
    pathway, translation = copy_with(tmp_path, spanish="".join(lines[:start] + lines[end:]))
    result = validate(pathway)
    assert result.returncode == 1
    entries_line = text.splitlines().index("entries:") + 1
    english_line = line_of(parse_yaml(PATHWAY_FILE.read_text(encoding="utf-8")), english_texts(PATHWAY.content)[key].loc)
    assert (f"{translation}:{entries_line}: at {key}: missing translation of '{key}' (English at {pathway}:"
            f"{english_line})") in result.stdout


def test_translation_of_an_unknown_id_is_reported_with_its_line(tmp_path):
    text = ES_FILE.read_text(encoding="utf-8") + "  nodes.no_such_node.summary:\n    en: \"000000000000\"\n    text: Nada.\n"
    pathway, translation = copy_with(tmp_path, spanish=text)
    result = validate(pathway)
    assert result.returncode == 1
    line = len(text.splitlines()) - 2
    assert f"{translation}:{line}: at nodes.no_such_node.summary: unknown id 'nodes.no_such_node.summary'" in result.stdout


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("language: es\n", "language: xx\n"), "unknown language 'xx'"),
    (lambda t: t.replace("translation_of: relapsed-all\n", "translation_of: other\n"), "translates pathway 'other'"),
    (lambda t: t.replace("next_review_due: 2027-12-01\n", "next_review_due: soon\n"), "'next_review_due' must be a date"),
    (lambda t: t.replace("entries:\n", "colour: red\nentries:\n"), "unknown key 'colour'"),
    (lambda t: re.sub(r'en: "[0-9a-f]+"', "en: 123456789012", t, count=1), "'en' must be a quoted fingerprint"),
], ids=["unknown_language", "other_pathway", "bad_date", "unknown_key", "unquoted_fingerprint"])
def test_malformed_translation_file_is_reported(tmp_path, edit, message):
    pathway, translation = copy_with(tmp_path, spanish=edit(ES_FILE.read_text(encoding="utf-8")))
    result = validate(pathway)
    assert result.returncode == 1 and message in result.stdout and str(translation) in result.stdout


def test_entry_without_the_editorial_reason_the_english_has_is_reported(tmp_path):
    key = "questions.age_group.help"
    text = ES_FILE.read_text(encoding="utf-8")
    start, end = entry_block(text, key)
    lines = text.splitlines(keepends=True)
    block = "".join(lines[start:end])
    block = block[: block.index("    editorial:")]
    pathway, translation = copy_with(tmp_path, spanish="".join(lines[:start]) + block + "".join(lines[end:]))
    result = validate(pathway)
    assert result.returncode == 1
    assert f"{translation}:{start + 1}: at {key}: the translation of '{key}' lacks the editorial text" in result.stdout


# ---- the translated pathway ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("situation", complete_situations(PATHWAY), ids=lambda s: s.key)
def test_translated_pathway_shows_every_statement_in_spanish_with_the_same_marks(situation):
    english = shown(evaluate(PATHWAY, situation.answer_dict))
    spanish = shown(evaluate(ES, situation.answer_dict))
    assert [i.key for i in spanish.items] == [i.key for i in english.items]
    assert [c.id for c in spanish.categories] == [c.id for c in english.categories]
    for en, es in zip(english.items, spanish.items):
        assert es.text == SPANISH.entries[en.key if en.role != "figure" else f"{en.key}.display"].text
        assert es.is_editorial == en.is_editorial and es.applies == en.applies
        assert [(b.source, b.section) for b in es.basis] == [(b.source, b.section) for b in en.basis]
        assert sorted(NUMBER.findall(es.text)) == sorted(NUMBER.findall(en.text))
        if es.figure is not None:
            assert es.figure.value == en.figure.value


def test_interface_words_come_from_the_compiled_catalogue():
    with use_language("es"):
        assert gettext("About these figures") == "Sobre estas cifras"
    assert gettext("About these figures") == "About these figures"


def test_compiled_catalogue_matches_its_po_file():
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    po_path = LOCALE_DIR / "es/LC_MESSAGES/messages.po"
    with po_path.open("rb") as po, po_path.with_suffix(".mo").open("rb") as mo:
        written, compiled = read_po(po), read_mo(mo)
    assert {m.id: m.string for m in written if m.id and m.string} == {m.id: m.string for m in compiled if m.id}
    assert not [m.id for m in written if m.id and not m.string], "untranslated interface strings"
    assert not [m.id for m in written if m.id and m.fuzzy], "fuzzy interface strings: review them"


# ---- FHIR: the translations travel with the standard extension -------------------------------------------------


def es_translation(element: dict, name: str) -> str:
    """The Spanish of a FHIR string element, read from its translation extension."""
    from pathways.outputs.fhir import TRANSLATION_EXTENSION

    (extension,) = [e for e in element[f"_{name}"]["extension"] if e["url"] == TRANSLATION_EXTENSION]
    parts = {p["url"]: p for p in extension["extension"]}
    assert parts["lang"]["valueCode"] == "es"
    return parts["content"]["valueString"]


def test_fhir_export_carries_each_statement_translation_and_still_validates():
    from pathways.outputs.fhir import to_bundle

    bundle = to_bundle(PATHWAY, translations={"es": ES})  # to_bundle checks codes and validates as R4B
    resources = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    items = {}

    def walk_items(found: list) -> None:
        for item in found:
            items[item["linkId"]] = item
            walk_items(item.get("item", []))
    walk_items(resources["Questionnaire"]["item"])
    for question in PATHWAY.content.questions:
        assert es_translation(items[question.id], "text") == SPANISH.entries[f"questions.{question.id}.prompt"].text
        if question.help is not None:
            assert es_translation(items[f"{question.id}.help"], "text") == \
                SPANISH.entries[f"questions.{question.id}.help"].text
        for option, answer in zip(question.options, items[question.id]["answerOption"]):
            assert es_translation(answer["valueCoding"], "display") == \
                SPANISH.entries[f"questions.{question.id}.options.{option.id}.label"].text
    actions = {}

    def walk_actions(found: list) -> None:
        for action in found:
            actions[action["id"]] = action
            walk_actions(action.get("action", []))
    walk_actions(resources["PlanDefinition"]["action"])
    assert es_translation(resources["PlanDefinition"], "title") == SPANISH.entries["metadata.title"].text
    for node in PATHWAY.outcomes():
        action = actions[node.id]
        assert es_translation(action, "title") == SPANISH.entries[f"nodes.{node.id}.title"].text
        assert es_translation(action, "description") == SPANISH.entries[f"nodes.{node.id}.summary"].text
        for t in node.treatments:
            assert es_translation(actions[f"{node.id}.{t.category}"], "description") == \
                SPANISH.entries[f"nodes.{node.id}.treatments.{t.category}.explanation"].text
        for index, note in enumerate(node.notes):
            assert es_translation(actions[f"{node.id}.note-{index + 1}"], "textEquivalent") == \
                SPANISH.entries[f"nodes.{node.id}.notes.{index}"].text
    for note in PATHWAY.content.outlook.notes:
        assert es_translation(actions[f"outlook.{note.id}"], "textEquivalent") == \
            SPANISH.entries[f"outlook.notes.{note.id}"].text


# ---- the handout in Spanish -----------------------------------------------------------------------------------


@pytest.mark.parametrize("situation", complete_situations(PATHWAY), ids=lambda s: s.key)
def test_spanish_handout_shows_every_statement_the_english_one_shows_in_spanish(situation):
    import html

    from pathways.outputs.handout import handout_html

    answers = {**situation.answer_dict, "time_since_treatment": "3_years_or_more"}
    english_doc = html.unescape(handout_html(evaluate(PATHWAY, answers)))
    with use_language("es"):
        spanish_doc = html.unescape(handout_html(evaluate(ES, answers)))
    assert '<html lang="es">' in spanish_doc and '<html lang="en">' in english_doc
    assert "pendiente de revisión" in spanish_doc and "pendiente de revisión" not in english_doc
    english_items = shown(evaluate(PATHWAY, answers)).items
    spanish_items = shown(evaluate(ES, answers)).items
    on_handout = [(en, es) for en, es in zip(english_items, spanish_items) if en.text in english_doc]
    assert len(on_handout) >= 5
    for en, es in on_handout:
        assert es.text in spanish_doc, es.key
        if en.editorial and en.editorial in english_doc:
            assert es.editorial in spanish_doc, es.key
    assert spanish_doc.count("† Suposición editorial") == english_doc.count("† Editorial assumption")


def test_spanish_handout_pdf_is_tagged_spanish():
    import io

    from pypdf import PdfReader

    from pathways.outputs.handout import handout_pdf, pdf_available

    assert pdf_available()
    situation = complete_situations(PATHWAY)[0]
    with use_language("es"):
        data = handout_pdf(evaluate(ES, situation.answer_dict))
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "es"
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Suposición editorial" in " ".join(text.split()) or "Fundamento" in text


# ---- the review pack of a translation --------------------------------------------------------------------------


def test_translation_review_pack_puts_english_and_spanish_side_by_side_and_marks_a_stale_entry(tmp_path):
    key = "categories.targeted_therapy.description"
    pathway, _ = copy_with(tmp_path, english=changed_english(key))
    result = subprocess.run([sys.executable, "-m", "pathways", "translation", "es", "--pathway", str(pathway)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1
    rows = {line.split(" | ")[0].strip("| `"): line for line in result.stdout.splitlines() if line.startswith("| `")}
    assert f"| stale | {english_texts(load_pathway(pathway).content)[key].text} | {SPANISH.entries[key].text} |" in rows[key]
    assert "| ok |" in rows["metadata.disclaimer"]
    assert "pending" in result.stdout


def test_translation_review_pack_ends_with_a_sign_off_block_naming_its_fingerprint(tmp_path):
    from pathways.outputs.review import DECISIONS, SIGN_OFF_FIELDS
    from pathways.translate import translation_fingerprint

    result = subprocess.run([sys.executable, "-m", "pathways", "translation", "es"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    sign_off = result.stdout.split("\n## Sign-off\n", 1)[1]
    for field in SIGN_OFF_FIELDS:
        assert re.search(rf"^\| {re.escape(field)} \| \S", sign_off, re.M), field
    assert all(f"☐ {decision}" in sign_off for decision in DECISIONS)
    assert f"translation fingerprint (SHA-256) `{translation_fingerprint(SPANISH)}`" in sign_off
    assert f"| Role | {SPANISH.approved_by} |" in sign_off
    # recording the sign-off leaves the fingerprint as signed; changing any entry does not
    text = ES_FILE.read_text(encoding="utf-8")
    _, approved = copy_with(tmp_path, spanish=text.replace("approved_on: null", "approved_on: 2027-01-05", 1))
    assert translation_fingerprint(load_translation(approved)) == translation_fingerprint(SPANISH)
    key = "metadata.disclaimer"
    _, changed = copy_with(tmp_path, spanish=text.replace(SPANISH.entries[key].text[:30],
                                                          SPANISH.entries[key].text[:30] + "x", 1))
    assert translation_fingerprint(load_translation(changed)) != translation_fingerprint(SPANISH)


# ---- the handout command in a language ------------------------------------------------------------------------


def handout(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pathways", "handout", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=180)


def pdf_text(path: Path) -> tuple[str, str]:
    """The PDF's declared language and its text as one line (pypdf, as the handout tests read it)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    return str(reader.trailer["/Root"]["/Lang"]), " ".join(" ".join(p.extract_text() for p in reader.pages).split())


SITUATION = "adult/yes/b_cell"
#: name: (the command's extra arguments, Spanish fixed words the handout prints)
HANDOUTS = {
    "clinician": ([], ["Por qué aparece aquí:", "Fundamento"]),
    "family": (["--family", "--link", "https://intranet.example/pathways/"], []),
    "comparison": (["--compare", "child/yes/b_cell"], ["✔ se muestra", "solo en la situación 1"]),
}


@pytest.mark.parametrize("extra, words", HANDOUTS.values(), ids=HANDOUTS.keys())
def test_handout_command_with_lang_es_writes_the_spanish_handout(tmp_path, extra, words):
    situation = next(s for s in complete_situations(PATHWAY) if s.key == SITUATION)
    answers = [a for key, value in situation.answer_dict.items() for a in ("-a", f"{key}={value}")]
    out = tmp_path / "handout.pdf"
    done = handout(*answers, *extra, "--lang", "es", "-o", str(out))
    assert done.returncode == 0, done.stderr
    language, text = pdf_text(out)
    assert language == "es"
    spanish = shown(evaluate(ES, situation.answer_dict))
    english = shown(evaluate(PATHWAY, situation.answer_dict))
    for es, en in zip(spanish.categories, english.categories, strict=True):  # every category, in Spanish
        assert " ".join(es.label.split()) in text, es.label
        assert en.label == es.label or " ".join(en.label.split()) not in text, en.label
    assert all(word in text for word in words), [w for w in words if w not in text]
    assert "pendiente de revisión" in text
    for english_word in ("Why it appears here", "Basis:", "✔ shown", "Questions you may want to ask"):
        assert english_word not in text


def _missing(tmp_path: Path) -> tuple[Path, str]:
    pathway, translation = copy_with(tmp_path)
    translation.unlink()
    return pathway, f"{translation}:0: no Español translation of 'relapsed-all'"


def _stale(tmp_path: Path) -> tuple[Path, str]:
    key = "categories.targeted_therapy.description"
    pathway, translation = copy_with(tmp_path, english=changed_english(key))
    line = SPANISH.entries[key].line
    return pathway, f"{translation}:{line}: at {key}: stale translation of '{key}'"


@pytest.mark.parametrize("make", [_missing, _stale], ids=["missing", "stale"])
def test_handout_command_refuses_a_missing_or_stale_translation_naming_the_file(tmp_path, make):
    pathway, message = make(tmp_path)
    out = tmp_path / "handout.pdf"
    done = handout("-p", str(pathway), "-a", "age_group=adult", "-a", "cns_involvement=yes", "-a", "cell_type=b_cell",
                   "--lang", "es", "-o", str(out))
    assert done.returncode == 1
    assert message in done.stderr, done.stderr
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
