"""Every export carries the disclaimer, version, last-reviewed date, sources and the date made."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest

from pathways import load_pathway, resolve_pathway
from pathways.evaluate import citation, evaluate
from pathways.outputs.export import to_csv, to_markdown

PATHWAY = load_pathway(resolve_pathway(None))
META = PATHWAY.content.metadata
MADE = datetime.date(2026, 11, 24)
STATES = {
    "none": {},
    "partial": {"age_group": "adult"},
    "complete": {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell"},
}


@pytest.mark.parametrize("state", STATES, ids=list(STATES))
@pytest.mark.parametrize("export", [to_markdown, to_csv], ids=["markdown", "csv"])
def test_export_carries_disclaimer_and_provenance(state, export):
    text = export(evaluate(PATHWAY, STATES[state]), MADE)
    for needed in (META.disclaimer, META.version, META.last_reviewed.isoformat(), PATHWAY.content.sources[0].title,
                   MADE.isoformat(), META.intended_use):
        assert needed in text


def test_incomplete_markdown_claims_no_treatment():
    text = to_markdown(evaluate(PATHWAY, STATES["partial"]), MADE)
    assert "Documented treatment categories" not in text and "Next question" in text


def test_csv_lists_the_path_and_each_category_with_its_basis():
    rows = list(csv.DictReader(io.StringIO(to_csv(evaluate(PATHWAY, STATES["complete"]), MADE))))
    assert [r["value"] for r in rows if r["section"] == "path"] == ["Child", "Yes, the CNS is involved", "B-cell ALL"]
    categories = [r for r in rows if r["section"] == "treatment category"]
    assert len(categories) == 7
    assert all("relapsed-all-overview § treatment-" in r["basis"] for r in categories)
    assert rows[0]["item"] == "Disclaimer"


def shown_statements(result):
    """Every statement the page shows for a result (the page's own order does not matter here)."""
    content = result.pathway.content
    asked = [s.question for s in result.path] + [q for q in result.pathway.outlook_questions()
                                                 if q.id in result.answers and q.id not in result.unused_answers]
    found = [q.why for q in asked] + [q.help for q in asked if q.help]
    if result.outcome is not None:
        found.append(result.outcome.summary)
        groups = {t.group for t in result.treatments}
        found += [g.intro for g in content.category_groups if g.id in groups and g.intro is not None]
        found += [t.explanation for t in result.treatments] + [t.description for t in result.treatments]
        found += list(result.outcome.notes)
    found += [content.outlook.depends_on] + [n.statement for n in result.notes]
    if any(n.figures for n in result.notes):
        found.append(content.outlook.figures_context)
    for section in content.reference:
        found += ([section.intro] if section.intro else []) + list(section.items)
    return found


SITUATIONS = [
    {"age_group": a, "cns_involvement": c, "cell_type": t, **({"time_since_treatment": w} if w else {})}
    for a in ("child", "adult") for c in ("yes", "no") for t in ("b_cell", "t_cell")
    for w in (None, "under_3_years", "3_years_or_more")
] + [STATES["none"], STATES["partial"]]


@pytest.mark.parametrize("answers", SITUATIONS, ids=lambda a: "/".join(a.values()) or "none")
def test_every_statement_the_page_shows_is_in_both_exports_with_its_basis_and_editorial_flag(answers):
    result = evaluate(PATHWAY, answers)
    rows = list(csv.DictReader(io.StringIO(to_csv(result, MADE))))
    markdown = to_markdown(result, MADE)
    statements = shown_statements(result)
    assert any(s.is_editorial for s in statements)
    for statement in statements:
        basis = "; ".join(citation(b) for b in statement.basis)
        assert any(r["value"] == statement.text and r["basis"] == basis
                   and r["editorial_assumption"] == (statement.editorial or "") for r in rows), statement.text
        assert statement.text in markdown and (statement.editorial or "") in markdown


@pytest.mark.parametrize("time", ["under_3_years", "3_years_or_more", None])
def test_figures_carry_their_context_and_which_one_fits_the_situation_described(time):
    answers = {"age_group": "adult", "cns_involvement": "no", "cell_type": "b_cell"}
    result = evaluate(PATHWAY, {**answers, **({"time_since_treatment": time} if time else {})})
    rows = list(csv.DictReader(io.StringIO(to_csv(result, MADE))))
    figures = {r["item"]: r["value"] for r in rows if r["section"] == "outlook figure"}
    described = [label for label, value in figures.items() if value.endswith("(the situation you described)")]
    expected = {"under_3_years": ["Adults, relapse within 3 years, 5-year survival"],
                "3_years_or_more": ["Adults, relapse at a later stage, 5-year survival"], None: []}[time]
    assert described == expected and len(figures) == 2
    context = PATHWAY.content.outlook.figures_context
    assert [r["value"] for r in rows if r["section"] == "outlook figures context"] == [context.text]
    assert context.text in to_markdown(result, MADE)


def test_without_figures_no_context_statement_is_added():
    result = evaluate(PATHWAY, {})
    assert not any(n.figures for n in result.notes)
    assert PATHWAY.content.outlook.figures_context.text not in to_csv(result, MADE)
    assert PATHWAY.content.outlook.figures_context.text not in to_markdown(result, MADE)


@pytest.mark.parametrize("answers", SITUATIONS, ids=lambda a: "/".join(a.values()) or "none")
def test_markdown_cites_every_basis_and_quote_of_every_statement_beside_it(answers):
    from pathways.shown import reference_items, shown
    from tests.support.quoted import quoted_pathway

    for pathway in (PATHWAY, quoted_pathway()):
        view = shown(evaluate(pathway, answers))
        markdown = " ".join(to_markdown(view.result, MADE).split())
        items = [*view.items, *(i for _, _, section in reference_items(pathway) for i in section)]
        for item in items:
            if item.role == "figure" or not item.basis:
                continue
            cited = "; ".join(citation(b) + (f": “{b.quote}”" if b.quote else "") for b in item.basis)
            if item.editorial:
                cited += f"; editorial assumption: {' '.join(item.editorial.split())}"
            text = " ".join(item.text.split())
            # "text *(Basis: ...)*", or the basis on the next line ("*Basis: ...*", in a note "> *Basis: ...*")
            assert re.search(re.escape(text) + r"(?: >)? \*\(?Basis: " + re.escape(cited) + r"\)?\*", markdown), item.key
