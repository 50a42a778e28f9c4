"""Content fidelity: figures exact, wording our own, every basis and assumption visible in the content."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pathways import available_pathways, load_pathway, resolve_pathway
from pathways.validate import _statements

ROOT = Path(__file__).parents[1]
SOURCE = ROOT.parent / "shared" / "source" / "relapsed-all-overview.txt"
PATHWAY = load_pathway(resolve_pathway(None))
COPY_WINDOW = 9  # this many consecutive words shared with the source count as a copied sentence


def source_text() -> str:
    assert SOURCE.exists(), f"the reference source is expected at {SOURCE} (shared/ beside the repository)"
    return SOURCE.read_text(encoding="utf-8")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:[-–'’][a-z0-9]+)*", text.lower())


def all_texts() -> list[tuple[str, str]]:
    texts = [(".".join(map(str, loc)), s.text) for loc, s in _statements(PATHWAY.content)]
    for loc, s in _statements(PATHWAY.content):
        texts += [(".".join(map(str, loc)) + ".editorial", s.editorial)] if s.editorial else []
    return texts


def test_every_figure_is_quoted_exactly_as_the_source_gives_it():
    source = source_text()
    figures = [f.display for n in PATHWAY.content.outlook.notes for f in n.figures]
    assert figures, "the shipped pathway should chart the outlook figures"
    for display in figures:
        assert display in source, display
    for note in PATHWAY.content.outlook.notes:
        for figure in note.figures:
            assert f"{figure.value:g}" in figure.display


def test_every_percentage_and_year_span_in_the_content_appears_in_the_source():
    """Numbers in statements resting on the source are the source's (editorial ones are our own, and marked)."""
    source = source_text()
    for loc, statement in _statements(PATHWAY.content):
        if statement.is_editorial:
            continue
        where, text = ".".join(map(str, loc)), statement.text
        for number in re.findall(r"\d+(?:\.\d+)?(?:–\d+)?%|\d+ years?|\d+ months", text):
            assert number in source, f"{where}: {number!r} is not in the source"


def test_no_sentence_is_copied_from_the_source():
    source = words(source_text())
    windows = {tuple(source[i:i + COPY_WINDOW]) for i in range(len(source) - COPY_WINDOW + 1)}
    for where, text in all_texts():
        ours = words(text)
        for i in range(len(ours) - COPY_WINDOW + 1):
            assert tuple(ours[i:i + COPY_WINDOW]) not in windows, f"{where} copies: {' '.join(ours[i:i + 12])}"


def test_copy_check_would_catch_a_copied_sentence():
    copied = "A CBC measures the number of red blood cells, white blood cells, and platelets in the blood."
    source = words(source_text())
    ours = words(copied)
    assert any(" ".join(ours[i:i + COPY_WINDOW]) in " ".join(source) for i in range(len(ours) - COPY_WINDOW + 1))


def test_source_sections_match_the_source_readme():
    readme = (SOURCE.parent / "README.md").read_text()
    listed = re.findall(r"^- `([a-z-]+)` —", readme, re.M)
    assert PATHWAY.content.sources[0].sections == listed


@pytest.mark.parametrize(
    ("what", "statement"),
    [
        ("child/adult age boundary", PATHWAY.questions["age_group"].help),
        ("CAR T not shown for child T-cell", PATHWAY.nodes["child_no_cns_t"].notes[0]),
        *[(f"{category} for adults with CNS spread", treatment.explanation)
          for node in ("adult_cns_b", "adult_cns_t") for treatment in PATHWAY.nodes[node].treatments
          for category in ("systemic_chemotherapy", "intrathecal_chemotherapy") if treatment.category == category],
        ("the CNS defined, fluid from the spinal canal", PATHWAY.questions["cns_involvement"].help),
        ("lumbar puncture: spinal canal, not cord",
         next(i for r in PATHWAY.content.reference for i in r.items if i.term == "Lumbar puncture")),
        ("survival figures are about groups", PATHWAY.content.outlook.figures_context),
        ("'at a later stage' read as 3 years or more", PATHWAY.questions["time_since_treatment"].help),
        ("CAR T not shown for adult T-cell", PATHWAY.nodes["adult_cns_t"].notes[0]),
        ("blast cells defined", next(i for r in PATHWAY.content.reference for i in r.items if i.term == "Blast cells")),
        ("the closing summary's sentence cited under outlook", PATHWAY.content.outlook.depends_on),
    ],
    ids=["age-boundary", "car-t-t-cell", "systemic-adult-b", "intrathecal-adult-b", "systemic-adult-t",
         "intrathecal-adult-t", "cns-definition", "lumbar-puncture", "figures-context", "time-bands",
         "car-t-adult-t-cell", "blast-cells", "closing-summary"],
)
def test_what_the_source_does_not_say_is_marked_as_an_editorial_assumption(what, statement):
    assert statement is not None and statement.is_editorial, what


def test_an_editorial_reason_gives_our_reading_never_the_source_as_its_voice():
    for loc, statement in _statements(PATHWAY.content):
        if statement.editorial:
            assert "the source says" not in statement.editorial.lower() or "we read" in statement.editorial, loc


def test_adults_whose_relapse_reached_the_cns_get_the_cns_options_cited_to_the_cns_paragraph():
    for node in ("adult_cns_b", "adult_cns_t"):
        shown = {t.category: t for t in PATHWAY.nodes[node].treatments}
        for category in ("systemic_chemotherapy", "intrathecal_chemotherapy"):
            assert [b.section for b in shown[category].explanation.basis] == ["treatment-cns"]
            assert "care team" in shown[category].explanation.text


def test_adults_transplant_and_radiation_cards_rest_on_the_adults_list_not_the_cns_paragraph():
    """The CNS paragraph applies to adults only by our reading, which the adults' CNS summary marks."""
    for node in ("adult_cns_b", "adult_cns_t"):
        shown = {t.category: t for t in PATHWAY.nodes[node].treatments}
        for category in ("stem_cell_transplant", "radiation_therapy"):
            explanation = shown[category].explanation
            assert [b.section for b in explanation.basis] == ["treatment-adults"] and not explanation.is_editorial
        summary = PATHWAY.nodes[node].summary
        assert summary.is_editorial and "treatment-cns" in [b.section for b in summary.basis]


@pytest.mark.parametrize(("where", "text", "phrase"), [
    ("age_group.why", PATHWAY.questions["age_group"].why.text, "may vary"),
    ("child_cns_b.summary", PATHWAY.nodes["child_cns_b"].summary.text, "may prescribe"),
    ("child_cns_t.summary", PATHWAY.nodes["child_cns_t"].summary.text, "may prescribe"),
    ("cell_type.help", PATHWAY.questions["cell_type"].help.text, "can use immunophenotyping"),
    ("adult_no_cns_t CAR T note", PATHWAY.nodes["adult_no_cns_t"].notes[0].text, "concerns relapsed B-cell ALL"),
    ("adult_cns_t CAR T note", PATHWAY.nodes["adult_cns_t"].notes[0].text, "concerns relapsed B-cell ALL"),
], ids=["age-may-vary", "child-cns-b-may-prescribe", "child-cns-t-may-prescribe", "immunophenotyping-can-identify",
        "adult-no-cns-t-b-cell-evidence", "adult-cns-t-b-cell-evidence"])
def test_the_sources_hedges_and_scope_are_kept(where, text, phrase):
    assert phrase in " ".join(text.split()), where


def test_the_time_help_promises_figures_for_adults_only():
    """For children the answer selects a note, never a figure (the children's figure does not depend on it)."""
    help_text = " ".join(PATHWAY.questions["time_since_treatment"].help.text.split())
    assert "For adults it marks which of the source's two survival figures matches" in help_text
    timed = [n for n in PATHWAY.content.outlook.notes for f in n.figures if "time_since_treatment" in f.applies_when]
    assert timed and all(n.applies_when == {"age_group": ["adult"]} for n in timed)


def test_other_works_are_cited_as_reported_by_the_source():
    cited = ("2018", "2020", "National Cancer Institute", "American Cancer Society", "Leukemia Care")
    for where, text in all_texts():
        if where.endswith(".editorial"):
            continue
        for work in cited:
            if work in text:
                assert "report" in text, f"{where} cites {work} directly"


def test_statements_with_a_cited_work_carry_it_in_their_basis():
    for loc, statement in _statements(PATHWAY.content):
        for work in ("2018", "2020", "Leukemia Care", "National Cancer Institute", "American Cancer Society"):
            if work in statement.text:
                assert any(b.reported_by and work.split()[0] in b.reported_by for b in statement.basis), loc


@pytest.mark.parametrize("pathway_id", sorted(available_pathways()))
def test_disclaimer_says_educational_not_advice_and_care_team(pathway_id):
    meta = load_pathway(available_pathways()[pathway_id]).content.metadata
    text = meta.disclaimer.lower()
    assert "educational" in text and "not medical advice" in text and "care team" in text


def test_the_sources_title_is_shown_as_ours_in_the_about_lines_and_the_disclaimer_block():
    """The copy we have names no title, author, publisher or date: every output says the title is our description."""
    from pathways.outputs.export import about_lines, disclaimer_block

    source = PATHWAY.content.sources[0]
    assert source.title_is_ours
    shown = "(title ours; the copy we have names no title, author, publisher or date)"
    assert source.display_title == f"{source.title} {shown}"
    assert shown in dict(about_lines(PATHWAY))["Sources"]
    assert disclaimer_block(PATHWAY)["sources"][0]["title"] == source.display_title


@pytest.mark.parametrize(("fields", "shown"), [
    ({}, "T (title ours; the copy we have names no title, author, publisher or date)"),
    ({"publisher": "A clinic"}, "T (title ours; the copy we have names no title, author or date)"),
    ({"author": "A writer", "publisher": "A clinic", "published": "2026-01-02"},
     "T (title ours; the copy we have names no title)"),
], ids=["nothing-known", "publisher-known", "all-but-title-known"])
def test_a_title_of_ours_says_what_the_copy_does_not_name(fields, shown):
    import datetime

    from pathways.model import Source

    if "published" in fields:
        fields = {**fields, "published": datetime.date.fromisoformat(fields["published"])}
    assert Source(id="s", title="T", description="d", sections=["a"], title_is_ours=True, **fields).display_title \
        == shown
