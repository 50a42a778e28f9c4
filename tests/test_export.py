"""Every export carries the disclaimer, version, last-reviewed date, sources and the date made."""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from pathways import load_pathway, resolve_pathway
from pathways.evaluate import evaluate
from pathways.export import to_csv, to_markdown

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
    assert all("relapsed-all-overview § treatment-children" in r["basis"] for r in categories)
    assert rows[0]["item"] == "Disclaimer"
