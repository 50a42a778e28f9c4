"""The family reading through Streamlit's AppTest: for every situation and both outlook answers, every plain text
of the situation and no clinician text; every editorial marker opens its reason; the switch is part of the link;
the clinic's details shown, and a broken details file named while the pathway is still shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pathways import load_pathway, resolve_pathway
from pathways.family import FAMILY_TITLE, PLAIN_DISCLAIMER, READING_PARAM
from pathways.shown import (CATEGORY, EXPLANATION, FIGURES_CONTEXT, GROUP_INTRO, NOTE, OPTION_HELP, OUTLOOK_BASIS,
                            OUTLOOK_NOTE, QUESTION_HELP, QUESTION_WHY, SUMMARY, shown_for)
from pathways.situations import complete_situations

ROOT = Path(__file__).parents[1]
APP = str(ROOT / "app.py")
PATHWAY = load_pathway(resolve_pathway(None))
META = PATHWAY.content.metadata
CASES = [(s, t) for s in complete_situations(PATHWAY) for t in ("under_3_years", "3_years_or_more")]
IDS = [f"{s.key}+{t}" for s, t in CASES]
ROLES = (QUESTION_WHY, QUESTION_HELP, OPTION_HELP, SUMMARY, GROUP_INTRO, CATEGORY, EXPLANATION, NOTE, OUTLOOK_BASIS,
         OUTLOOK_NOTE, FIGURES_CONTEXT)
FIGURES_PANEL_LABEL = "Numbers about the outlook"


def app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def words(markdown: str) -> str:
    """Markdown as the words a reader sees: links, escapes and directives removed, white space collapsed."""
    text = re.sub(r"\[([^\]]*)\]\(#[^)]*\)", r"\1", markdown)
    text = re.sub(r":[a-z\-]+\[", "", text).replace("\\", "")
    return " ".join(text.split())


def visible(node, inside_marker: bool = False) -> tuple[list[str], list[str]]:
    """Markdown shown on the page (closed panels other than the figures' left out) and markdown inside markers."""
    shown, behind = [], []
    for child in getattr(node, "children", {}).values():
        kind = getattr(child, "type", "")
        if kind == "popover":
            s, b = visible(child, True)
            behind += s + b
            continue
        if kind == "expander" and FIGURES_PANEL_LABEL not in child.label:
            s, b = visible(child, True)
            behind += s + b
            continue
        if kind in ("markdown", "alert", "title", "warning", "info", "error", "success"):
            (behind if inside_marker else shown).append(str(child.value))
        s, b = visible(child, inside_marker)
        shown += s
        behind += b
    return shown, behind


@pytest.fixture(scope="module")
def pages() -> dict[str, tuple[str, str]]:
    out = {}
    for (situation, time), key in zip(CASES, IDS):
        at = app(**situation.answer_dict, time_since_treatment=time, reading="family", figures="open")
        assert not at.exception, at.exception
        shown, behind = visible(at._tree)
        out[key] = (words("\n".join(shown)), words("\n".join(behind)))
    return out


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_family_reading_shows_every_plain_text_of_the_situation(case, pages):
    situation, time = case
    page, _ = pages[f"{situation.key}+{time}"]
    seen = shown_for(PATHWAY, {**situation.answer_dict, "time_since_treatment": time})
    assert words(PLAIN_DISCLAIMER) in page and FAMILY_TITLE not in ("",)
    for item in seen.by_role(*ROLES):
        assert item.plain, f"{item.key} has no plain text"
        assert words(item.plain) in page, item.key
    for category in seen.categories:
        assert category.label in page


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_family_reading_shows_no_clinician_text(case, pages):
    situation, time = case
    page, _ = pages[f"{situation.key}+{time}"]
    seen = shown_for(PATHWAY, {**situation.answer_dict, "time_since_treatment": time})
    assert "Basis:" not in page and "relapsed-all-overview" not in page and "§" not in page
    assert words(META.disclaimer) not in page  # in plain words instead; the content's own is under "About"
    assert words(META.title) not in page
    for item in seen.items:
        if item.plain and words(item.plain) != words(item.text):
            assert words(item.text) not in page, item.key
        if item.editorial:
            assert words(item.editorial) not in page, item.key


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_editorial_marker_opens_its_reason(case, pages):
    situation, time = case
    page, behind = pages[f"{situation.key}+{time}"]
    seen = shown_for(PATHWAY, {**situation.answer_dict, "time_since_treatment": time})
    for item in seen.by_role(*ROLES):
        if item.editorial:
            assert words(item.plain or "") + " †" in page or item.role in (QUESTION_HELP, OPTION_HELP), item.key
            assert words(item.editorial) in behind, item.key
        for basis in item.basis:
            if basis.quote:
                assert words(basis.quote) in behind, item.key


def test_switch_writes_the_reading_into_the_link_and_back():
    at = app(age_group="child", cns_involvement="no", cell_type="b_cell")
    assert at.button_group(key=READING_PARAM).value == "clinician" and READING_PARAM not in at.query_params
    at = at.button_group(key=READING_PARAM).set_value("family").run()
    assert at.query_params[READING_PARAM] == ["family"] or at.query_params[READING_PARAM] == "family"
    assert at.title[0].value == FAMILY_TITLE
    again = app(**{k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()})
    assert again.button_group(key=READING_PARAM).value == "family" and again.title[0].value == FAMILY_TITLE
    back = again.button_group(key=READING_PARAM).set_value("clinician").run()
    assert READING_PARAM not in back.query_params and back.title[0].value != FAMILY_TITLE


def test_unknown_reading_in_a_link_is_named_and_ignored():
    at = app(reading="patients")
    assert any("unknown reading" in w.value for w in at.warning)
    assert at.button_group(key=READING_PARAM).value == "clinician"


def test_clinician_reading_is_unchanged_by_default():
    at = app(age_group="adult", cns_involvement="yes", cell_type="t_cell")
    page = words("\n".join(m.value for m in at.markdown))
    assert "Basis:" in page and words(PLAIN_DISCLAIMER) not in page


def test_clinic_details_are_shown_when_a_file_is_given(monkeypatch):
    monkeypatch.setenv("CLINIC_FILE", str(ROOT / "deploy/clinic.example.yaml"))
    at = app(age_group="child", cns_involvement="no", cell_type="b_cell", reading="family")
    page = words("\n".join(m.value for m in at.markdown))
    assert "From your clinic: Example Children's Haematology Service" in page and "+44 20 7946 0001" in page


@pytest.mark.parametrize("fixture", ["wrong_type", "unknown_key", "too_long", "markup"])
def test_broken_clinic_file_gives_a_notice_and_the_pathway_is_still_shown(monkeypatch, fixture):
    path = ROOT / f"tests/fixtures/clinic/{fixture}.yaml"
    monkeypatch.setenv("CLINIC_FILE", str(path))
    at = app(age_group="child", cns_involvement="no", cell_type="b_cell", reading="family")
    assert not at.exception
    assert any("clinic's contact details cannot be shown" in e.value for e in at.error)
    assert any(str(path) in c.value for c in at.code)
    page = words("\n".join(m.value for m in at.markdown))
    assert "From your clinic" not in page and "Combination chemotherapy" in page
