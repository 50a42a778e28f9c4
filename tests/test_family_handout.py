"""The family handout, read back as a reader would (pypdf): in English and Spanish, for every situation and both
outlook answers, with and without the clinic file, at most two pages; the plain texts, the questions, the clinic's
details, the link, text at 9 pt or more, no clinician text."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from pathways import load_pathway, resolve_pathway
from pathways.catalogue import gettext, use_language
from pathways.clinic import load_clinic
from pathways.family import PLAIN_DISCLAIMER, plain_of
from pathways.outputs.family_handout import (GRAPH_PT, MIN_GRAPH_PT, family_handout_html, family_handout_pdf,
                                             graph_scale, path_dot)
from pathways.outputs.handout import HandoutError
from pathways.outputs.render import render_svg
from pathways.shown import CATEGORY, EXPLANATION, ask_items, shown_for
from pathways.situations import complete_situations
from pathways.translate import translate_pathway

ROOT = Path(__file__).parents[1]
PATHWAY = load_pathway(resolve_pathway(None))
CLINIC = load_clinic(ROOT / "deploy/clinic.example.yaml")
MADE = datetime.date(2026, 12, 1)
LINK = "http://localhost:8501/?age_group=child&reading=family"
CASES = [(s, t) for s in complete_situations(PATHWAY) for t in ("under_3_years", "3_years_or_more")]
IDS = [f"{s.key}+{t}" for s, t in CASES]


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "-", text)).strip()


#: Text lower on the page than this (points from the bottom) is the page footer.
FOOTER_TOP = 38


def read_back(pdf: bytes) -> tuple[str, float, int]:
    """The text a reader copies (one line; the page footers at the end, so a paragraph that runs on to the next
    page reads as one), the smallest text size drawn (points), the page count."""
    parts: list[str] = []
    footers: list[str] = []
    sizes: list[float] = []

    def visit(text, cm, tm, font, size):
        scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
        if text.strip() and text.strip() != "•":
            sizes.append(size * scale)
        # WeasyPrint draws the page in CSS px (0.75 pt); the drawing has its own transform and is drawn at the end
        if text.strip() and abs(cm[0] - 0.75) > 0.01:
            return
        (parts if text == "\n" or tm[5] * cm[3] + cm[5] >= FOOTER_TOP else footers).append(text)

    pages = PdfReader(io.BytesIO(pdf)).pages
    for page in pages:
        page.extract_text(visitor_text=visit)
        parts.append("\n")
    return normal("".join(parts) + " " + " ".join(footers)), min(sizes), len(pages)


@pytest.fixture(scope="module")
def handouts() -> dict[str, tuple[str, float, int]]:
    """Every situation's family handout with both outlook answers, read back once."""
    out = {}
    for (situation, time), key in zip(CASES, IDS):
        shown = shown_for(PATHWAY, {**situation.answer_dict, "time_since_treatment": time})
        out[key] = read_back(family_handout_pdf(shown, link=LINK, clinic=CLINIC, made=MADE))
    return out


PENDING = "This translation is pending review by a qualified medical translator."
#: Each language's pathway (Spanish: the translation the page and ``handout --lang es`` use; its text is longer).
PATHWAYS = {"en": PATHWAY, "es": translate_pathway(PATHWAY, "es")}
#: Every language x situation x outlook answer x with and without the clinic's file.
PAGE_CASES = [(lang, s.key, t, with_clinic) for lang in PATHWAYS for s in complete_situations(PATHWAY)
              for t in ("under_3_years", "3_years_or_more") for with_clinic in (True, False)]
PAGE_IDS = [f"{lang}-{key}+{t}-{'clinic' if c else 'no_clinic'}" for lang, key, t, c in PAGE_CASES]


@pytest.mark.parametrize(("lang", "key", "time", "with_clinic"), PAGE_CASES, ids=PAGE_IDS)
def test_family_handout_is_at_most_two_pages_in_print_sizes(lang, key, time, with_clinic):
    pathway = PATHWAYS[lang]
    situation = next(s for s in complete_situations(pathway) if s.key == key)
    answers = {**situation.answer_dict, "time_since_treatment": time}
    # the link the page gives (every answer, the reading and the language): long enough to wrap on paper
    link = ("https://relapsed-all.example.org/?" + "&".join(f"{k}={v}" for k, v in answers.items())
            + f"&reading=family&lang={lang}")
    with use_language(lang):
        pdf = family_handout_pdf(shown_for(pathway, answers), link=link, clinic=CLINIC if with_clinic else None,
                                 made=MADE)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages <= 2, f"{pages} pages"
    text, smallest, _ = read_back(pdf)
    assert smallest >= MIN_GRAPH_PT - 0.1, f"text drawn at {smallest:.1f} pt"
    with use_language(lang):
        last_page, pending = f"{gettext('Page')} {pages} {gettext('of')} {pages}", gettext(PENDING)
    assert link in text.replace(" ", "") and last_page in text  # the link whole, the page numbers
    assert (normal(pending) in text) == pathway.translation_pending


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_family_handout_holds_every_plain_text_the_questions_the_clinic_and_the_link(case, handouts):
    situation, time = case
    text = handouts[f"{situation.key}+{time}"][0]
    shown = shown_for(PATHWAY, {**situation.answer_dict, "time_since_treatment": time})
    assert normal(PLAIN_DISCLAIMER) in text
    assert shown.title in text
    for category in shown.categories:
        assert category.label in text
        for item in (category.description, category.explanation):
            assert item.plain and normal(item.plain) in text, item.key
    for item in shown.by_role("summary", "note", "outlook_depends_on", "outlook_note", "figures_context"):
        assert item.plain and normal(item.plain) in text, item.key
    for item in ask_items(PATHWAY):
        assert normal(plain_of(item)) in text
    assert CLINIC.service in text and all(p.number in text for p in CLINIC.phones)
    assert LINK in text.replace(" ", "")
    assert PATHWAY.content.metadata.version in text and "Page 1 of" in text


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_family_handout_has_no_clinician_text(case, handouts):
    situation, time = case
    text = handouts[f"{situation.key}+{time}"][0]
    shown = shown_for(PATHWAY, {**situation.answer_dict, "time_since_treatment": time})
    assert "Basis:" not in text and "relapsed-all-overview" not in text and "§" not in text
    for item in shown.items:
        if item.plain and normal(item.plain) != normal(item.text):
            assert normal(item.text) not in text, item.key
        if item.editorial:
            assert normal(item.editorial) not in text, item.key
    if any(i.is_editorial for i in shown.by_role(CATEGORY, EXPLANATION)):
        assert "† marks our reading" in text


def test_family_handout_without_clinic_file_shows_no_clinic_details():
    shown = shown_for(PATHWAY, CASES[0][0].answer_dict)
    document = family_handout_html(shown, made=MADE)
    assert "From your clinic" not in document and "See this online" not in document


def test_path_drawing_prints_at_nine_points_or_more():
    for situation in complete_situations(PATHWAY):
        svg = render_svg(path_dot(shown_for(PATHWAY, situation.answer_dict)))
        assert GRAPH_PT * graph_scale(svg) >= MIN_GRAPH_PT, situation.key


@pytest.mark.parametrize("link", ["javascript:alert(1)", "http://x/ y", "ftp://host/file"],
                         ids=["script", "space", "not-http"])
def test_a_bad_link_is_refused(link: str):
    shown = shown_for(PATHWAY, CASES[0][0].answer_dict)
    with pytest.raises(HandoutError, match="link back to the view"):
        family_handout_html(shown, link=link)


def test_incomplete_situation_has_no_family_handout():
    with pytest.raises(HandoutError, match="incomplete situation"):
        family_handout_html(shown_for(PATHWAY, {"age_group": "child"}))


def test_family_handout_is_tagged_for_screen_readers():
    pdf = family_handout_pdf(shown_for(PATHWAY, CASES[0][0].answer_dict), made=MADE)
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en"


def test_cli_writes_the_family_handout(tmp_path: Path):
    out = tmp_path / "family.pdf"
    done = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "pathways", "handout", "--family", "-a",
                           "age_group=adult", "-a", "cns_involvement=no", "-a", "cell_type=b_cell", "--link", LINK,
                           "--clinic", str(ROOT / "deploy/clinic.example.yaml"), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert CLINIC.service in read_back(out.read_bytes())[0]


@pytest.mark.parametrize("with_clinic", [True, False], ids=["clinic-file", "no-clinic-file"])
def test_clinician_handout_carries_the_clinic_details_only_when_a_file_is_given(with_clinic):
    """Issue #21: the clinic's details on both handouts, marked as the clinic's; none without the file."""
    from pathways.evaluate import evaluate
    from pathways.outputs.compare import compare
    from pathways.outputs.handout import comparison_pdf, handout_pdf

    first, second = (s.result for s in complete_situations(PATHWAY)[:2])
    clinic = CLINIC if with_clinic else None
    for pdf in (handout_pdf(evaluate(PATHWAY, first.answers), MADE, clinic=clinic),
                comparison_pdf(compare(first, second), MADE, clinic=clinic)):
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
        assert (CLINIC.service in text) is with_clinic
        assert ("These details come from your clinic" in text) is with_clinic
        for phone in CLINIC.phones:
            assert (" ".join(phone.number.split()) in text) is with_clinic
