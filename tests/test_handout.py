"""The PDF handout, read back as a reader would (pdftotext, pypdf): for every complete situation and for a compared
pair, what it must say, what it must not, how long it is, and what a screen reader gets."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from pathways import load_pathway, resolve_pathway
from pathways.outputs.compare import compare
from pathways.evaluate import evaluate
from pathways.outputs.handout import (BODY_PT, EDITORIAL_MARK, MAX_COMPARISON_PAGES, MAX_PAGES, HandoutError, comparison_pdf,
                                      handout_html, handout_pdf)
from pathways.situations import complete_situations
from tests.support.pdf import normal, pdf_text

ROOT = Path(__file__).parents[1]
SHIPPED = resolve_pathway(None)
PATHWAY = load_pathway(SHIPPED)
META = PATHWAY.content.metadata
SITUATIONS = complete_situations(PATHWAY)
MADE = datetime.date(2026, 12, 1)
LABELS = {c.id: c.label for c in PATHWAY.content.categories}


def graph_text(pdf: bytes) -> str:
    """Everything pdftotext (Debian's poppler-utils) reads, the graph's labels included, as one line."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True,
                          timeout=120)
    return normal(done.stdout.decode("utf-8"))


def structure(pdf: bytes) -> tuple[PdfReader, list[tuple[str, dict]]]:
    """The PDF and its structure elements (tag, element) in document order: what a screen reader walks."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[tuple[str, dict]] = []

    def walk(node) -> None:
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        if "/S" in node:
            found.append((str(node["/S"]), node))
        kids = node.get("/K")
        kids = kids.get_object() if hasattr(kids, "get_object") else kids
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    root = reader.trailer["/Root"]
    if "/StructTreeRoot" in root:
        walk(root["/StructTreeRoot"])
    return reader, found


@pytest.fixture(scope="module")
def handouts() -> dict[str, bytes]:
    """The handout of every complete situation, made once for the module."""
    return {s.key: handout_pdf(s.result, MADE) for s in SITUATIONS}


@pytest.mark.parametrize("situation", SITUATIONS, ids=[s.key for s in SITUATIONS])
def test_handout_of_every_situation_says_what_the_page_shows_and_nothing_else(handouts, situation):
    pdf = handouts[situation.key]
    text = pdf_text(pdf)
    result = evaluate(PATHWAY, situation.answer_dict)
    assert pdf.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(pdf)).pages) <= MAX_PAGES
    assert text.startswith(normal(META.title)) and normal(META.disclaimer) in text[:800]  # the disclaimer on top
    for step in result.path:  # the situation in words
        assert f"{step.question.short_label} {step.option_label}" in text
    assert f"Handout for one situation: {result.outcome.title}" in text
    shown = {t.id for t in result.treatments}
    for treatment in result.treatments:
        assert f"{treatment.label} What it is: {normal(treatment.description.text)}" in text
        assert f"Why it appears here: {normal(treatment.explanation.text)}" in text
    assert text.count("What it is:") == len(shown)
    for note in result.outcome.notes:  # every note, editorial ones marked with their reason
        assert normal(note.text) in text
        if note.editorial:
            assert f"{EDITORIAL_MARK}: {normal(note.editorial)}" in text
    for note in result.notes:  # the outlook notes, and the figures' context statement wherever figures are
        assert normal(note.statement.text) in text
    context = PATHWAY.content.outlook.figures_context
    assert (normal(context.text) in text) == any(n.figures for n in result.notes)
    # No category that is not shown: its label appears nowhere but inside a statement that mentions it.
    rest = text
    from pathways.shown import shown as shown_items

    for item in shown_items(result).items:  # every statement, its reason and the source's words it quotes
        for words in (item.text, item.editorial or "", *item.quotes):
            rest = rest.replace(normal(words), "")
    graph = graph_text(pdf)
    for category_id in set(LABELS) - shown:
        assert LABELS[category_id] not in rest, category_id
        assert f"• {LABELS[category_id]}" not in graph, category_id  # the outcome's list on the graph
    for needle in (f"Content version: {META.version}", f"Last reviewed: {META.last_reviewed.isoformat()}",
                   f"Made on: {MADE.isoformat()}", PATHWAY.content.sources[0].title):
        assert needle in text
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    footers = graph_text(pdf)  # every page's footer: version, review date, source, date made, page number
    lines = re.sub(r"Page \d+ of \d+ ", "", footers)  # pdftotext may read the page number between its two lines
    assert lines.count(f"content version {META.version} · last reviewed {META.last_reviewed.isoformat()}") == pages
    assert lines.count(f"made {MADE.isoformat()}") == pages
    assert [f"Page {n} of {pages}" in footers for n in range(1, pages + 1)] == [True] * pages


@pytest.mark.parametrize("situation", SITUATIONS, ids=[s.key for s in SITUATIONS])
def test_handout_graph_is_vector_with_the_path_ticked(handouts, situation):
    pdf = handouts[situation.key]
    reader = PdfReader(io.BytesIO(pdf))
    assert all(not page.images for page in reader.pages)  # drawn, not a picture
    text = graph_text(pdf)
    for step in situation.result.path:
        option = next(o for o in step.question.options if o.id == step.option_id)
        assert f"✔ {option.graph_label}" in text
    assert f"✔ {situation.outcome.short_title}" in text
    assert all(f"• {t.label}" in text for t in situation.result.treatments)


def test_handout_is_tagged_pdf_ua_with_headings_and_the_graph_described(handouts):
    pdf = handouts[SITUATIONS[0].key]
    reader, elements = structure(pdf)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "en"
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()  # PDF/UA-1 declared
    tags = [tag for tag, _ in elements]
    assert tags.count("/H1") == 1 and tags.count("/H3") == len(SITUATIONS[0].result.treatments)
    assert {"/H2", "/P", "/L", "/LI"} <= set(tags)
    (figure,) = [e for tag, e in elements if tag == "/Figure"]
    alt = str(figure["/Alt"])
    assert SITUATIONS[0].outcome.title in alt and all(s.option_label in alt for s in SITUATIONS[0].result.path)
    assert reader.metadata.title.startswith(META.title)


def test_handout_fonts_are_embedded_from_the_machine(handouts):
    reader = PdfReader(io.BytesIO(handouts[SITUATIONS[0].key]))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded, so nothing is looked up to read it
    assert {"DejaVu-Sans", "DejaVu-Sans-Bold"} <= fonts


def test_handout_body_is_set_at_11_points_or_more(handouts):
    reader = PdfReader(io.BytesIO(handouts[SITUATIONS[0].key]))
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
            sizes.setdefault(text.strip(), size * scale)

    reader.pages[0].extract_text(visitor_text=visit)
    body = [text for text in sizes if "What it is" in text or "Why it appears" in text or "Educational" in text]
    assert body and all(sizes[t] >= BODY_PT - 0.01 for t in body), {t: sizes[t] for t in body}


@pytest.mark.parametrize("situation", SITUATIONS, ids=[s.key for s in SITUATIONS])
@pytest.mark.parametrize("time", ["under_3_years", "3_years_or_more"])
def test_handout_with_the_outlook_answer_too_stays_within_its_pages(situation, time):
    result = evaluate(PATHWAY, {**situation.answer_dict, "time_since_treatment": time})
    assert len(PdfReader(io.BytesIO(handout_pdf(result, MADE))).pages) <= MAX_PAGES


def test_outlook_answer_is_in_the_situation_and_selects_the_figure():
    result = evaluate(PATHWAY, {**SITUATIONS[-1].answer_dict, "time_since_treatment": "3_years_or_more"})
    text = pdf_text(handout_pdf(result, MADE))
    assert "Time since initial treatment: At a later stage (3 years or more)" in text
    assert "20% (the situation you described)" in text and "5.8% (not the situation you described)" in text


@pytest.mark.parametrize("answers", [{}, {"age_group": "adult"}], ids=["unanswered", "half-answered"])
def test_no_handout_for_an_incomplete_situation(answers):
    with pytest.raises(HandoutError, match=r"incomplete situation: question '\w+' is not answered"):
        handout_pdf(evaluate(PATHWAY, answers))


def test_text_from_the_content_is_escaped_not_read_as_markup():
    result = SITUATIONS[0].result
    html = handout_html(result, MADE)
    assert "<script" not in html.lower()
    assert html.count("<h3>") == len(result.treatments)


PAIRS = [(SITUATIONS[0], SITUATIONS[4]), (SITUATIONS[3], SITUATIONS[6]), (SITUATIONS[1], SITUATIONS[1])]


@pytest.mark.parametrize("first, second", PAIRS, ids=[f"{a.key}-vs-{b.key}" for a, b in PAIRS])
def test_comparison_handout_marks_what_differs_with_text_and_symbol(first, second):
    comparison = compare(first, second)
    pdf = comparison_pdf(comparison, MADE)
    text = pdf_text(pdf)
    reader, elements = structure(pdf)
    assert len(reader.pages) <= MAX_COMPARISON_PAGES and normal(META.disclaimer) in text[:900]
    assert f"Situation 1: {first.outcome.title}. Situation 2: {second.outcome.title}." in text
    for line in comparison.categories:
        assert f"{line.category.label} ({line.symbol} {line.words})" in text
    for note in (*comparison.first.notes, *comparison.second.notes):
        assert normal(note.text) in text
    if comparison.same_categories:
        assert "What differs: nothing" in text
    else:
        only1 = ", ".join(LABELS[c] for c in comparison.only_first) or "none"
        only2 = ", ".join(LABELS[c] for c in comparison.only_second) or "none"
        assert f"only in situation 1: {only1}; only in situation 2: {only2}." in text
    assert [tag for tag, _ in elements].count("/Figure") == 2
    assert {"/Table", "/TH", "/TD"} <= {tag for tag, _ in elements}


# ---- the command ---------------------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pathways", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_cli_writes_a_handout_and_a_comparison(tmp_path):
    out = tmp_path / "handout.pdf"
    done = run_cli("handout", "-a", "age_group=child", "-a", "cns_involvement=no", "-a", "cell_type=t_cell",
                   "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Child, CNS not involved, T-cell ALL" in pdf_text(out.read_bytes())
    both = tmp_path / "compare.pdf"
    done = run_cli("handout", "-a", "age_group=child", "-a", "cns_involvement=no", "-a", "cell_type=t_cell",
                   "--compare", "adult/no/t_cell", "-o", str(both), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = pdf_text(both.read_bytes())
    assert "Situation 2: Adult, CNS not involved, T-cell ALL." in text and "Only in situation 2" in text


@pytest.mark.parametrize("args, message", [
    (["-a", "age_group=child"], "incomplete situation: question 'cns_involvement' is not answered"),
    (["-a", "age_group=teen"], "unknown option 'teen'"),
    (["-a", "age_group=adult", "-a", "cns_involvement=no", "-a", "cell_type=b_cell", "--compare", "adult/maybe"],
     "unknown situation 'adult/maybe'"),
    (["-a", "age_group=adult", "-a", "cns_involvement=no", "-a", "cell_type=b_cell", "--compare", "age_group=child"],
     "situation 2 is not complete: question 'cns_involvement'"),
    (["-a", "age_group=adult", "-a", "cns_involvement=no", "-a", "cell_type=b_cell", "--compare", "child/no/b_cell",
      "--compare", "age_group=child"], "either one situation key (e.g. adult/yes/b_cell) or KEY=VALUE answers"),
], ids=["incomplete", "bad-answer", "bad-situation-key", "incomplete-second", "mixed-compare"])
def test_cli_refuses_bad_input_with_exit_1_or_2_and_writes_no_file(tmp_path, args, message):
    """Exit 1 for an input problem (incomplete or unknown answers, an unknown situation), 2 for a usage error."""
    out = tmp_path / "handout.pdf"
    done = run_cli("handout", *args, "-o", str(out), cwd=tmp_path)
    assert done.returncode == (2 if "either one situation key" in message else 1) and message in done.stderr, \
        done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def _with_markup():
    """The shipped pathway with markup and an ampersand in a category's description."""
    from tests.support.quoted import edited_pathway

    def edit(data):
        category = next(c for c in data["categories"] if c["id"] == "combination_chemotherapy")
        category["description"]["text"] = "<b>Bold</b> & <i>drugs</i> " + category["description"]["text"]

    return edited_pathway(edit)


def test_markup_in_the_content_is_printed_as_text_not_read_as_html():
    pathway = _with_markup()
    html = handout_html(evaluate(pathway, {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell"}),
                        MADE)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;i&gt;drugs&lt;/i&gt;" in html
    assert "<b>" not in html and "<i>" not in html


@pytest.mark.parametrize("situation", SITUATIONS, ids=[s.key for s in SITUATIONS])
def test_every_category_has_its_description_basis_and_its_explanation_basis_and_marks(situation):
    from pathways.outputs.export import basis_words
    from pathways.shown import shown

    view = shown(situation.result)
    html = handout_html(situation.result, MADE)
    for category in view.categories:
        card = html.split(f"<h3>{category.label}</h3>", 1)[1].split("</div>", 1)[0]
        what, why = card.split("Why it appears here:", 1)
        for part, item in ((what, category.description), (why, category.explanation)):
            if item.basis:
                assert "Basis: " + "; ".join(basis_words(b) for b in item.basis) in part.replace("&#x27;", "'"), \
                    item.key
            if item.editorial:
                assert EDITORIAL_MARK in part, item.key
    for note in view.by_role("note"):
        if note.editorial:
            assert f"<strong>{EDITORIAL_MARK}:</strong>" in html


def test_the_answers_help_is_on_the_handout_with_its_editorial_mark():
    def chosen_help(situation):
        return [(q, o) for q, oid in situation.answer_dict.items() for o in PATHWAY.questions[q].options
                if o.id == oid and o.help is not None]

    situation = next(s for s in SITUATIONS if chosen_help(s))  # the age assumption, in the shipped content
    text = pdf_text(handout_pdf(situation.result, MADE))
    for question_id, option in chosen_help(situation):
        assert f"{option.label}: {normal(option.help.text)}" in text
        question = PATHWAY.questions[question_id]
        assert question.help is None or normal(question.help.text) in text
        if option.help.editorial:
            assert normal(option.help.editorial) in text
