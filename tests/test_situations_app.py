"""The app's all-situations table, its comparison of two situations and its handout download, through AppTest:
every mark and every difference checked against evaluate, links that reopen what they name."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from pathways import load_pathway, resolve_pathway
from pathways.evaluate import evaluate
from pathways.situations import complete_situations

ROOT = Path(__file__).parents[1]
APP = str(ROOT / "app.py")
PATHWAY = load_pathway(resolve_pathway(None))
SITUATIONS = complete_situations(PATHWAY)
LABELS = {c.id: c.label for c in PATHWAY.content.categories}
FIRST = SITUATIONS[0]


def app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def open_panel(at: AppTest, key: str) -> AppTest:
    """Open an expander as a click on its label does (its content is built only while it is open)."""
    at.session_state[key] = True
    return at.run()


def markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


class _Table(HTMLParser):
    """The situations table as the browser builds it: header cells, and per row its link and cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.header: list[str] = []
        self.rows: list[dict] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append({"href": None, "target": None, "cells": []})
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "a" and self.rows:
            self.rows[-1]["href"], self.rows[-1]["target"] = dict(attrs)["href"], dict(attrs).get("target")

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell).strip()
            (self.header if self._in_head else self.rows[-1]["cells"]).append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def situations_table(at: AppTest) -> _Table:
    (source,) = [str(m.value) for m in at.markdown if "<table" in str(m.value)]
    parser = _Table()
    parser.feed(source)
    return parser


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """The data of every download the app offers by file name, made as a click would make it (the app defers it)."""
    captured: dict[str, bytes] = {}
    original = MediaFileManager.add_deferred

    def recording(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        data = data_callable()
        captured[file_name] = data if isinstance(data, bytes) else str(data).encode()
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return captured


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


# ---- every situation at a glance --------------------------------------------------------------------------


def test_situations_panel_is_built_only_while_open(downloads):
    at = app(**FIRST.answer_dict)
    assert "<table" not in markdown(at) and f"{PATHWAY.id}-situations.csv" not in downloads
    at = open_panel(at, "situations_panel")
    assert "<table" in markdown(at) and f"{PATHWAY.id}-situations.csv" in downloads


def test_situations_table_has_a_row_per_situation_with_the_marks_evaluate_gives():
    table = situations_table(open_panel(app(), "situations_panel"))
    assert table.header == ["Situation", *[c.label for c in PATHWAY.content.categories]]
    assert len(table.rows) == len(SITUATIONS) == 8
    for row in table.rows:
        answers = dict(parse_qsl(row["href"].lstrip("?")))
        result = evaluate(PATHWAY, answers)
        assert result.complete and row["cells"][0] == " · ".join(s.option_label for s in result.path)
        shown = {t.id: t for t in result.treatments}
        withheld = {c for n in result.outcome.notes if n.editorial for c in n.about}
        for category, cell in zip(PATHWAY.content.categories, row["cells"][1:]):
            treatment = shown.get(category.id)
            editorial = (treatment.explanation.editorial is not None) if treatment else category.id in withheld
            expected = ("✔" if treatment else "✘") + (" †" if editorial else "")
            assert cell.startswith(expected + " "), (answers, category.id, cell)
            assert ("not shown" not in cell) == bool(treatment)  # in words too, not by symbol alone


def test_each_row_link_opens_its_situation_in_the_same_frame():
    # (Inside an iframe the link also carries embed=true: tests/test_situations_browser.py clicks one there.)
    table = situations_table(open_panel(app(**FIRST.answer_dict, time_since_treatment="under_3_years"),
                                        "situations_panel"))
    assert [r["cells"][0].endswith("(on screen)") for r in table.rows] == [s.key == FIRST.key for s in SITUATIONS]
    for row, situation in zip(table.rows, SITUATIONS):
        assert row["target"] == "_self"
        query = dict(parse_qsl(html.unescape(row["href"]).lstrip("?")))
        assert query == {**situation.answer_dict, "time_since_treatment": "under_3_years"}  # the outlook answer kept
        opened = app(**query)  # following the link: a new page load with these parameters
        keys = {c.key.removeprefix("card_") for c in opened.get("flex_container") if (c.key or "").startswith("card_")}
        assert keys == {t.id for t in situation.result.treatments}
        assert not opened.get("warning") or all("link were ignored" not in w.value for w in opened.warning)


def test_situations_csv_has_every_situation_and_the_disclaimer(downloads):
    open_panel(app(), "situations_panel")
    rows = list(csv.reader(io.StringIO(downloads[f"{PATHWAY.id}-situations.csv"].decode())))
    situations = [r for r in rows[1:] if not r[0].startswith("about:")]
    assert [r[1] for r in situations] == [s.query for s in SITUATIONS]
    assert any(r[0] == "about: Disclaimer" and r[1] == PATHWAY.content.metadata.disclaimer for r in rows)


# ---- compare two situations -------------------------------------------------------------------------------


def comparison_table(at: AppTest) -> dict[str, tuple[str, str, str]]:
    (table,) = [t for t in at.table if "Where" in t.value.columns]
    return {r["Category"]: (r["Situation 1"], r["Situation 2"], r["Where"]) for _, r in table.value.iterrows()}


@pytest.mark.parametrize("other", SITUATIONS, ids=[s.key for s in SITUATIONS])
def test_choosing_a_second_situation_lists_exactly_what_differs_and_puts_it_in_the_link(other):
    at = open_panel(app(**FIRST.answer_dict), "compare_panel")
    at = at.selectbox(key="compare_with").set_value(other.key).run()
    one = {t.id for t in evaluate(PATHWAY, FIRST.answer_dict).treatments}
    two = {t.id for t in evaluate(PATHWAY, other.answer_dict).treatments}
    rows = comparison_table(at)
    assert set(rows) == {LABELS[c] for c in one | two}
    for category in one | two:
        first, second, where = rows[LABELS[category]]
        assert first == ("✔ shown" if category in one else "✘ not shown")
        assert second == ("✔ shown" if category in two else "✘ not shown")
        assert where == {(True, True): "✔ ✔ In both", (True, False): "✔ ✘ Only in situation 1",
                         (False, True): "✘ ✔ Only in situation 2"}[(category in one, category in two)]
    text = markdown(at)
    only1 = ", ".join(LABELS[c] for c in LABELS if c in one - two) or "none"
    only2 = ", ".join(LABELS[c] for c in LABELS if c in two - one) or "none"
    assert (f"only in situation 1: {only1}; only in situation 2: {only2}." in text) == (one != two)
    assert f"Situation 2: {other.outcome.title}" in text
    for note in other.outcome.notes:  # each side's notes
        assert note.text[:40] in text.replace("\\", "")
    assert at.query_params["compare"] == other.key


def test_a_comparison_link_reopens_the_comparison_with_its_panel_open():
    other = SITUATIONS[5]
    at = app(**FIRST.answer_dict, compare=other.key)
    assert at.session_state["compare_panel"] is True and at.selectbox(key="compare_with").value == other.key
    assert f"Situation 2: {other.outcome.title}" in markdown(at) and comparison_table(at)
    assert at.query_params["compare"] == other.key


def test_the_comparison_stays_in_the_link_while_its_panel_is_closed():
    at = app(**FIRST.answer_dict, compare=SITUATIONS[2].key)
    at.session_state["compare_panel"] = False
    at = at.run()
    assert at.query_params["compare"] == SITUATIONS[2].key
    at = open_panel(at.radio(key="cell_type").set_value("t_cell").run(), "compare_panel")
    assert at.selectbox(key="compare_with").value == SITUATIONS[2].key
    assert "Situation 1 (on screen): Child, CNS involved, T-cell ALL" in markdown(at)


@pytest.mark.parametrize("value", ["adult/maybe", "", "<b>x</b>"], ids=["unknown", "empty", "markup"])
def test_a_bad_comparison_in_the_link_gives_a_notice_naming_it_and_no_comparison(value):
    at = app(**FIRST.answer_dict, compare=value)
    (notice,) = [w.value for w in at.warning if "link were ignored" in w.value]
    assert "unknown situation" in notice and (value or " ") in notice and "adult/yes/b_cell" in notice
    assert "compare" not in at.query_params


def test_an_incomplete_situation_asks_for_every_answer_before_comparing():
    at = open_panel(app(age_group="adult"), "compare_panel")
    assert not at.get("selectbox")
    assert any("Answer every question on the path first" in i.value for i in at.info)


# ---- the handout ------------------------------------------------------------------------------------------


def test_handout_downloads_for_the_situation_and_the_comparison_on_screen(downloads):
    other = SITUATIONS[7]
    at = open_panel(app(**FIRST.answer_dict, compare=other.key), "downloads_panel")
    keys = {b.key for b in at.get("download_button")}
    assert {"download_handout", "download_compare_pdf", "download_compare_pdf_panel"} <= keys
    handout = pdf_text(downloads[f"{PATHWAY.id}-handout.pdf"])
    assert f"Handout for one situation: {FIRST.outcome.title}" in handout
    assert PATHWAY.content.metadata.disclaimer[:40] in handout
    comparison = pdf_text(downloads[f"{PATHWAY.id}-comparison.pdf"])
    assert f"Situation 2: {other.outcome.title}" in comparison


def test_no_handout_button_until_the_situation_is_complete():
    at = open_panel(app(age_group="child"), "downloads_panel")
    assert "download_handout" not in {b.key for b in at.get("download_button")}
    assert any("made for a complete situation" in m.value for m in at.markdown)  # small grey text, not a caption
