"""The family reading in Spanish (``?lang=es&reading=family``), through AppTest: for every situation, the page shows
the Spanish plain texts of what the situation shows (computed from the translated pathway with evaluate/shown),
none of their English, and no English interface word (the walker of tests/test_translate_app.py); and the family
handout in Spanish likewise."""

from __future__ import annotations

import html
import re

import pytest

from pathways.evaluate import evaluate
from pathways.shown import OPTION_HELP, QUESTION_HELP, QUESTION_WHY, shown
import tests.test_family_app as family_app
from tests.test_family_app import ROLES, visible, words
from tests.test_translate_app import (ENGLISH_WORDS, ES, LEFT_AS_IS, PATHWAY, SECTION_IDS, SITUATIONS, app,
                                interface_texts)

#: The outlook question's answer that shows the most outlook notes (the early-relapse note among them).
TIME = "under_3_years"


@pytest.fixture(scope="module", params=SITUATIONS, ids=[s.key for s in SITUATIONS])
def page(request):
    situation = request.param
    answers = {**situation.answer_dict, "time_since_treatment": TIME}
    at = app(lang="es", reading="family", figures="open", **answers)
    assert not at.exception, at.exception
    return answers, at


def test_spanish_family_reading_shows_the_spanish_plain_texts(page, monkeypatch):
    answers, at = page
    monkeypatch.setattr(family_app, "FIGURES_PANEL_LABEL", "Cifras sobre el pronóstico")  # open (figures=open)
    on_page, _ = visible(at._tree)
    text = words("\n".join(on_page))
    spanish, english = shown(evaluate(ES, answers)), shown(evaluate(PATHWAY, answers))
    assert [i.key for i in spanish.by_role(*ROLES)] == [i.key for i in english.by_role(*ROLES)]
    for es, en in zip(spanish.by_role(*ROLES), english.by_role(*ROLES), strict=True):
        assert es.plain and es.plain != en.plain, f"{es.key}: no Spanish plain text"
        assert words(es.plain) in text, es.key
        assert words(en.plain) not in text, en.key
    assert "LLA recidivante: una guía para usted y su familia" in text
    assert "Esto es solo para aprender. No es un consejo médico." in text


def test_spanish_family_reading_has_no_english_interface_word(page):
    _, at = page
    left = []
    for text in interface_texts(at):
        plain = SECTION_IDS.sub(" ", LEFT_AS_IS.sub(" ", re.sub(r"\\(.)", r"\1", text)))
        left += [(match.group(0), plain[max(0, match.start() - 40): match.end() + 40])
                 for match in ENGLISH_WORDS.finditer(plain)]
    assert not left, left[:20]


@pytest.mark.parametrize("situation", SITUATIONS, ids=[s.key for s in SITUATIONS])
def test_spanish_family_handout_is_in_spanish(situation):
    from pathways.catalogue import use_language
    from pathways.outputs.family_handout import family_handout_html

    seen = shown(evaluate(ES, {**situation.answer_dict, "time_since_treatment": TIME}))
    with use_language("es"):
        document = family_handout_html(seen, link="https://example.org/explorer")
    assert '<html lang="es">' in document
    text = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>|data:image[^\"]*", " ", document,
                                                    flags=re.S)).split())
    for item in seen.by_role(*ROLES):
        if item.role not in (QUESTION_WHY, QUESTION_HELP, OPTION_HELP):  # the page's, not the handout's
            assert " ".join(html.escape(item.plain or "").split()) in text, item.key
    assert not ENGLISH_WORDS.findall(LEFT_AS_IS.sub(" ", text))


#: Glossary terms and the anchor Streamlit's front end gives their headings (@sindresorhus/slugify, as bundled by
#: Streamlit 1.67: accents dropped, other characters runs of "-"), written out rather than computed.
ANCHORS = {
    "Sistémica e intratecal": "sistemica-e-intratecal",
    "Células blásticas": "celulas-blasticas",
    "Células B y células T": "celulas-b-y-celulas-t",
    "Sistema nervioso central (SNC)": "sistema-nervioso-central-snc",
    "Central nervous system (CNS)": "central-nervous-system-cns",
    "B cells and T cells": "b-cells-and-t-cells",
    "Niño's año – ñ & ü": "ninos-ano-n-and-u",
}


@pytest.mark.parametrize("term, anchor", ANCHORS.items(), ids=ANCHORS.values())
def test_glossary_link_targets_the_anchor_streamlit_gives_the_heading(term, anchor):
    from views import _glossary_anchor

    assert _glossary_anchor(term) == anchor


def test_every_spanish_glossary_link_names_an_entry_of_the_spanish_glossary():
    """Each medical word's link goes to a heading the Spanish family page shows (accents and all)."""
    from pathways.catalogue import gettext, use_language
    from pathways.family import GLOSSARY_LINKS
    from views import _glossary_anchor, _terms

    terms = _terms(ES)
    with use_language("es"):
        spanish_terms = [gettext(term) for term in GLOSSARY_LINKS.values()]
    targets = {term: _glossary_anchor(term) for term in spanish_terms}
    assert set(targets) <= terms, set(targets) - terms
    assert {"sistemica-e-intratecal", "celulas-blasticas"} <= set(targets.values())
    situation = next(s for s in SITUATIONS if s.key == "adult/yes/b_cell")
    at = app(lang="es", reading="family", **situation.answer_dict)
    links = set(re.findall(r"\]\(#([a-z0-9-]+)\)", "\n".join(m.value for m in at.markdown)))
    assert links and links <= set(targets.values()), links - set(targets.values())
