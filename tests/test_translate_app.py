"""The page in Spanish (``?lang=es``), through AppTest: every statement the English page shows, in Spanish, with the
same categories, figures and editorial marks (computed against evaluate/shown); no English interface word left, on
the page and on its error pages (content refused, a fault caught by the guard, answers cleared by a content change);
a stale translation is not offered and the English is shown with a notice in Spanish (docs/translations.md)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from guard import ERROR_HEADLINE, GENERIC_DISCLAIMER
from pathways import load_pathway, resolve_pathway
from pathways.evaluate import evaluate
from pathways.shown import shown
from pathways.situations import complete_situations
from pathways.translate import english_texts, load_translation, translated
from tests.support.cards import card_ids as cards  # cards on the page, by category id
from tests.support.content import pending_copy

ROOT = Path(__file__).parents[1]
APP = str(ROOT / "app.py")
PATHWAY_FILE = resolve_pathway(None)
PATHWAY = load_pathway(PATHWAY_FILE)
ES_FILE = PATHWAY_FILE.with_name(f"{PATHWAY.id}.es.yaml")
SPANISH = load_translation(ES_FILE)
ES = translated(PATHWAY, SPANISH)
SITUATIONS = complete_situations(PATHWAY)


def app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def open_panel(at: AppTest, key: str) -> AppTest:
    at.session_state[key] = True
    return at.run()


def page_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "warning", "info", "error", "code", "title", "subheader", "html"):
        parts += [str(getattr(e, "value", "") or getattr(e.proto, "body", "")) for e in at.get(kind)]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))  # undo markdown escaping


#: The source's own words, quoted in English on every page (marked lang="en" on a page in another language).
QUOTE = re.compile(r"“[^“”]*”")


def html_blocks(at: AppTest) -> list[str]:
    return [str(e.proto.body) for e in at.get("html")]


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s.key)
def test_spanish_page_shows_every_statement_the_english_page_shows_in_spanish(situation):
    answers = {**situation.answer_dict, "time_since_treatment": "under_3_years"}
    english_page = page_text(open_panel(app(**answers), "basis_panel"))
    at = open_panel(app(lang="es", **answers), "basis_panel")
    assert not at.exception
    text = page_text(at)
    english = shown(evaluate(PATHWAY, answers))
    spanish = shown(evaluate(ES, answers))
    assert cards(at) == {c.id for c in english.categories} == {c.id for c in spanish.categories}
    on_page = [(en, es) for en, es in zip(english.items, spanish.items, strict=True) if en.text in english_page]
    assert len(on_page) >= len(english.items) // 2, "the English page shows most statements"
    for en, es in on_page:
        assert es.text in text, (es.key, es.text)
        if en.text != es.text:
            assert en.text not in QUOTE.sub("", text), (en.key, "English left on the Spanish page")
        if en.editorial is not None and en.editorial in english_page:
            assert es.editorial in text, (es.key, "editorial reason missing")
    assert text.count(":material/info: Suposición editorial]") == english_page.count(":material/info: Editorial assumption]")
    assert text.count("†") == english_page.count("†")
    assert any('document.documentElement.lang = "es"' in block for block in html_blocks(at))


def test_spanish_page_says_the_translation_is_pending_review_in_spanish():
    at = app(lang="es")
    assert not SPANISH.approved  # shipped pending review: the notice must show
    assert any("pendiente de revisión" in w.value for w in at.warning)  # the details, under the About line
    about = [e for e in at.expander if e.label.startswith("Sobre este contenido")]
    assert len(about) == 1 and "**traducción pendiente de revisión**" in about[0].label  # the line, in the first view
    assert not any("pending review" in e.label for e in app().expander)  # the English page is not a translation
    assert any(SPANISH.entries["metadata.disclaimer"].text in re.sub(r"\\(.)", r"\1", w.value) for w in at.warning)


def test_unknown_language_in_the_link_is_ignored_with_a_notice_naming_it():
    at = app(lang="fr")
    assert not at.exception
    assert any("unknown language ` fr ` (allowed: en, es)" in w.value for w in at.warning)
    assert any('document.documentElement.lang = "en"' in block for block in html_blocks(at))


def test_english_page_is_declared_english_and_offers_spanish():
    at = app()
    assert any('document.documentElement.lang = "en"' in block for block in html_blocks(at))
    assert at.button(key="language_es").label == "Español"
    at = at.button(key="language_es").click().run()
    assert at.query_params["lang"] == ["es"] or at.query_params["lang"] == "es"
    assert any('document.documentElement.lang = "es"' in block for block in html_blocks(at))
    assert at.button(key="language_en").label == "English"


def test_stale_translation_is_not_offered_and_the_english_is_shown_with_a_notice_in_spanish(tmp_path, monkeypatch):
    key = "categories.targeted_therapy.description"
    english = PATHWAY.content.categories[1].description.text
    assert english_texts(PATHWAY.content)[key].text == english
    (tmp_path / PATHWAY_FILE.name).write_text(
        PATHWAY_FILE.read_text(encoding="utf-8").replace(english, english[:-1] + ", for example.", 1), encoding="utf-8")
    (tmp_path / ES_FILE.name).write_text(ES_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("PATHWAY_FILE", str(tmp_path / PATHWAY_FILE.name))
    situation = next(s for s in SITUATIONS if "targeted_therapy" in {t.id for t in s.result.treatments})
    at = app(lang="es", **situation.answer_dict)
    assert not at.exception
    text = page_text(at)
    assert english[:-1] + ", for example." in text  # the English page, current
    assert SPANISH.entries[key].text not in text  # never the stale Spanish
    notices = [b for b in html_blocks(at) if 'lang="es"' in b and "no está disponible" in b]
    assert len(notices) == 1
    assert any('document.documentElement.lang = "en"' in block for block in html_blocks(at))
    assert not [b for b in at.button if (b.key or "").startswith("language_")], "a language with a problem is not offered"
    assert not any("pendiente de revisión" in w.value for w in at.warning)


# ---- no English interface word left ---------------------------------------------------------------------------

#: Words that are English and not Spanish: any of them on the Spanish page is an interface string left untranslated.
ENGLISH_WORDS = re.compile(r"(?i)\b(the|and|of|with|for|this|that|your|you|what|why|which|how|shown|answer|answers|"
                           r"question|questions|situation|outlook|basis|reference|download|figures|graph|"
                           r"treatment|categories|category|assumption|result|next|print|copy|link|"
                           r"summary|compare|every|table|path|step|where|nothing|pending|approval|version)\b")
#: What may stay as it is on any page: the source's own words, the ids of sources and sections (a citation's
#: "source § section"), file formats, proper names, style sheets, scripts and code spans (a link).
LEFT_AS_IS = re.compile(r"“[^“”]*”|[a-z0-9-]+ § [a-z0-9-]+|<style>.*?</style>|<script>.*?</script>|`[^`]*`|"
                        r"\((?:Markdown|CSV|SVG|DOT|JSON|PDF)[^)]*\)|docs/\S+|scripts/\S+|Leukemia Care", re.S)


#: The sources' section ids are identifiers (a citation names them), the same in every language.
SECTION_IDS = re.compile(r"\b(" + "|".join(re.escape(s) for source in PATHWAY.content.sources
                                           for s in source.sections) + r")\b")


def interface_texts(at: AppTest) -> list[str]:
    """Every text a reader meets on the page: markdown, alerts, titles, labels, help, options, table headers."""
    texts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            for name in ("body", "label", "help", "placeholder", "alt"):
                value = getattr(proto, name, None)
                if isinstance(value, str) and value:
                    texts.append(value)
            if hasattr(proto, "options"):
                texts.extend(str(getattr(o, "content", o)) for o in proto.options)
        value = getattr(node, "value", None)
        if getattr(node, "type", "") == "table" and value is not None:
            texts.extend([str(c) for c in value.columns] + [str(value.index.name or "")])
            texts.extend([str(i) for i in value.index] + [str(v) for v in value.to_numpy().ravel()])
        for child in getattr(node, "children", {}).values():
            walk(child)
    walk(at._tree)
    for image in at.get("image"):
        texts += [i.caption for i in image.proto.imgs]
    return texts


def test_spanish_page_has_no_english_interface_word_with_every_panel_open():
    situation = next(s for s in SITUATIONS if s.key == "adult/yes/b_cell")
    at = app(lang="es", time_since_treatment="under_3_years", **situation.answer_dict)
    for panel in ("basis_panel", "path_table", "figures_panel", "situations_panel", "compare_panel",
                  "downloads_panel", "about_panel", *(f"why_{q.id}" for q in PATHWAY.content.questions)):
        at.session_state[panel] = True
    at.session_state["compare_with"] = "child/yes/b_cell"
    at = at.run()
    assert not at.exception
    left = []
    for text in interface_texts(at):
        plain = SECTION_IDS.sub(" ", LEFT_AS_IS.sub(" ", re.sub(r"\\(.)", r"\1", text)))
        left += [(match.group(0), plain[max(0, match.start() - 40): match.end() + 40])
                 for match in ENGLISH_WORDS.finditer(plain)]
    assert not left, left[:20]


# ---- the error pages in Spanish ---------------------------------------------------------------------------------


def english_words_left(at: AppTest) -> list[tuple[str, str]]:
    """Each English interface word on the page, with its context (the source's words and ids left as they are)."""
    left = []
    for text in interface_texts(at):
        plain = SECTION_IDS.sub(" ", LEFT_AS_IS.sub(" ", re.sub(r"\\(.)", r"\1", text)))
        left += [(match.group(0), plain[max(0, match.start() - 40): match.end() + 40])
                 for match in ENGLISH_WORDS.finditer(plain)]
    return left


def app_constant(name: str) -> str:
    """An interface constant of app.py (``NAME = N_("...")``), read without running the page."""
    import ast

    for node in ast.parse(Path(APP).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == [name]:
            return ast.literal_eval(node.value.args[0] if isinstance(node.value, ast.Call) else node.value)
    raise LookupError(name)


def spanish(message: str) -> str:
    from pathways.catalogue import catalogue

    words = catalogue("es").gettext(message)
    assert words != message, f"no Spanish for {message!r}"
    return words


def broken_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / PATHWAY_FILE.name
    broken.write_text(PATHWAY_FILE.read_text(encoding="utf-8").replace("\n  root: ", "\n  root: [", 1), encoding="utf-8")
    monkeypatch.setenv("PATHWAY_FILE", str(broken))


def approval_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """REQUIRE_APPROVAL on, serving a copy whose approval is pending (whatever the shipped file records)."""
    monkeypatch.setenv("PATHWAY_FILE", str(pending_copy(tmp_path)))
    monkeypatch.setenv("REQUIRE_APPROVAL", "1")


# name: (how the server is set up, the page's headline as app.py names it)
REFUSED = {
    "broken-content": (broken_file, "CONTENT_PROBLEM"),
    "setting-problem": (lambda tmp_path, monkeypatch: monkeypatch.setenv("GRAPH_RENDERER", "nonsense"),
                        "SETTING_PROBLEM"),
    "approval-required": (lambda tmp_path, monkeypatch: approval_required(tmp_path, monkeypatch), "NOT_APPROVED"),
}


@pytest.mark.parametrize("setup, headline", REFUSED.values(), ids=REFUSED.keys())
def test_refused_page_speaks_spanish_and_keeps_the_problems_as_written(tmp_path, monkeypatch, setup, headline):
    setup(tmp_path, monkeypatch)
    at = app(lang="es")
    assert not at.exception
    assert [e.value for e in at.error] == [spanish(app_constant(headline))]
    assert [t.value for t in at.title] == [spanish("Pathway explorer")]
    assert any(spanish(GENERIC_DISCLAIMER) in w.value for w in at.warning)
    assert any('document.documentElement.lang = "es"' in block for block in html_blocks(at))
    assert at.get("code"), "the problems, as validate or the setting's check writes them, for the maintainers"
    assert not english_words_left(at), english_words_left(at)[:20]


@pytest.mark.error_page
@pytest.mark.parametrize("name", ["read_link", "show_disclaimer", "show_result", "show_downloads"])
def test_guards_error_page_after_a_fault_speaks_spanish(name):
    from tests.support.apptest import error_ids
    from tests.test_guard import CALLED, with_fault

    CALLED.clear()
    at = AppTest.from_string(with_fault(name), default_timeout=60)
    at.query_params.update(lang="es", age_group="adult", cns_involvement="no", cell_type="b_cell")
    at.session_state["downloads_panel"] = True
    at = at.run()
    assert name in CALLED and len(error_ids(at)) == 1
    headline = [e.value for e in at.error if spanish(ERROR_HEADLINE) in e.value]
    assert len(headline) == 1 and f"{spanish('Error id: `{error_id}`').split(':')[0]}: `" in headline[0]
    assert any(spanish(GENERIC_DISCLAIMER) in w.value for w in at.warning)
    assert not english_words_left(at), english_words_left(at)[:20]


def test_answer_no_longer_an_option_is_cleared_with_a_notice_in_spanish(tmp_path, monkeypatch):
    """The content changed under an open Spanish page (an option renamed, its translation kept current)."""
    served = tmp_path / PATHWAY_FILE.name
    served.write_text(PATHWAY_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ES_FILE.name).write_text(ES_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("PATHWAY_FILE", str(served))
    at = app(lang="es", age_group="adult", cns_involvement="no", cell_type="b_cell", compare="child/no/b_cell")
    stat = served.stat()
    served.write_text(PATHWAY_FILE.read_text(encoding="utf-8").replace("- id: b_cell", "- id: b_lineage")
                      .replace("{b_cell:", "{b_lineage:"), encoding="utf-8")
    os.utime(served, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    (tmp_path / ES_FILE.name).write_text(ES_FILE.read_text(encoding="utf-8").replace(
        "questions.cell_type.options.b_cell.", "questions.cell_type.options.b_lineage."), encoding="utf-8")
    at.run()
    assert any('document.documentElement.lang = "es"' in block for block in html_blocks(at)), "Spanish still offered"
    head = spanish("The content changed while this page was open (now version {version}).").split("{")[0]
    notices = [w.value for w in at.warning if head in w.value]
    assert len(notices) == 1, [w.value for w in at.warning]
    assert "ya no es una de sus opciones" in notices[0] and "la comparación" in notices[0]
    assert at.radio(key="cell_type").value is None
    assert not [w for w, _ in english_words_left(at)], english_words_left(at)[:20]


def _downloads_in_spanish() -> dict[str, str]:
    """The page's data files for one situation and for every situation, made as the page makes them in Spanish."""
    import datetime

    from pathways.catalogue import use_language
    from pathways.outputs.export import to_csv, to_markdown
    from pathways.outputs.table import decision_table
    from pathways.outputs.table import to_csv as table_csv

    made = datetime.date(2026, 12, 1)
    with use_language("es"):
        complete = evaluate(ES, {**SITUATIONS[0].answer_dict, "time_since_treatment": "under_3_years"})
        started = evaluate(ES, {"age_group": "adult"})
        return {"summary-md": to_markdown(complete, made), "summary-csv": to_csv(complete, made),
                "incomplete-md": to_markdown(started, made), "situations-csv": table_csv(decision_table(ES), made)}


@pytest.mark.parametrize("name", ["summary-md", "summary-csv", "incomplete-md", "situations-csv"])
def test_spanish_data_files_have_no_english_fixed_word(name):
    text = _downloads_in_spanish()[name]
    plain = SECTION_IDS.sub(" ", LEFT_AS_IS.sub(" ", text))
    left = [(m.group(0), plain[max(0, m.start() - 40): m.end() + 40]) for m in ENGLISH_WORDS.finditer(plain)]
    assert not left, left[:20]
    if name.endswith("csv"):  # the header too
        header = text.splitlines()[0]
        assert header.startswith("sección,elemento,valor") or header.startswith("situación,enlace,"), header
