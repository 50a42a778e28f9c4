"""The app's all-situations table, its comparison of two situations and its handout download, through AppTest:
every mark and every difference checked against evaluate, links that reopen what they name."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from pathways import load_pathway, resolve_pathway
from pathways.evaluate import evaluate
from pathways.situations import complete_situations
from tests.support.cards import card_ids

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


def situations_table(at: AppTest):
    """The all-situations table the app shows (a DataFrame: situations as the index, categories as columns)."""
    (table,) = [t.value for t in at.table if t.value.index.name == "Situation"]
    return table


def unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)  # undo markdown escaping


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
    assert not [t for t in at.table if t.value.index.name == "Situation"]
    assert f"{PATHWAY.id}-situations.csv" not in downloads
    assert not [b for b in at.button if b.key.startswith("open_situation")]
    at = open_panel(at, "situations_panel")
    assert len(situations_table(at)) == 8 and f"{PATHWAY.id}-situations.csv" in downloads


def test_situations_table_has_a_row_per_situation_with_the_marks_evaluate_gives():
    table = situations_table(open_panel(app(), "situations_panel"))
    assert [unescaped(c) for c in table.columns] == [c.label for c in PATHWAY.content.categories]
    assert len(table) == len(SITUATIONS) == 8
    by_words = {" · ".join(s.option_label for s in evaluate(PATHWAY, situation.answer_dict).path): situation
                for situation in SITUATIONS}
    for words, cells in table.iterrows():
        result = evaluate(PATHWAY, by_words[unescaped(words)].answer_dict)  # the row's situation, evaluated anew
        shown = {t.id: t for t in result.treatments}
        withheld = {c for n in result.outcome.notes if n.editorial for c in n.about}
        for category, cell in zip(PATHWAY.content.categories, cells):
            treatment = shown.get(category.id)
            editorial = (treatment.explanation.editorial is not None) if treatment else category.id in withheld
            expected = ("✔" if treatment else "✘") + (" †" if editorial else "")
            assert cell.startswith(expected + " "), (words, category.id, cell)
            assert ("not shown" not in cell) == bool(treatment)  # in words too, not by symbol alone


@pytest.mark.parametrize("number, situation", list(enumerate(SITUATIONS, 1)), ids=[s.key for s in SITUATIONS])
def test_each_rows_button_opens_its_situation_keeping_the_outlook_answer(number, situation):
    start = SITUATIONS[-1] if situation is SITUATIONS[0] else SITUATIONS[0]
    at = open_panel(app(**start.answer_dict, time_since_treatment="under_3_years"), "situations_panel")
    table = situations_table(at)
    assert [unescaped(w).endswith("(on screen)") for w in table.index] == [s is start for s in SITUATIONS]
    button = at.button(key=f"open_situation_{number}")
    assert unescaped(button.label) == situation.label and not button.disabled
    at = button.click().run()
    assert card_ids(at) == {t.id for t in situation.result.treatments}  # the page shows that situation
    assert dict(at.query_params) == {**situation.answer_dict, "time_since_treatment": "under_3_years"}
    assert at.button(key=f"open_situation_{number}").disabled  # it is the one on screen now


def test_situations_csv_has_every_situation_and_the_disclaimer(downloads):
    open_panel(app(), "situations_panel")
    rows = list(csv.reader(io.StringIO(downloads[f"{PATHWAY.id}-situations.csv"].decode())))
    situations = [r for r in rows[1:] if not r[0].startswith("about:")]
    assert [r[1] for r in situations] == [s.query for s in SITUATIONS]
    assert any(r[0] == "about: Disclaimer" and r[1] == PATHWAY.content.metadata.disclaimer for r in rows)


# ---- compare two situations -------------------------------------------------------------------------------


def comparison_table(at: AppTest) -> dict[str, tuple[str, str, str]]:
    (table,) = [t for t in at.table if "Where" in t.value.columns]
    category, first, second, where = table.value.columns
    assert first.startswith("1 (on screen): ") and second.startswith("2: ")  # the headers name the situations
    return {r[category]: (r[first], r[second], r[where]) for _, r in table.value.iterrows()}


OTHERS = [s for s in SITUATIONS if s.key != FIRST.key]


@pytest.mark.parametrize("other", OTHERS, ids=[s.key for s in OTHERS])
def test_choosing_a_second_situation_lists_exactly_what_differs_and_puts_it_in_the_link(other):
    at = open_panel(app(**FIRST.answer_dict), "compare_panel")
    assert FIRST.key not in at.selectbox(key="compare_with").options  # never compared with itself
    at = at.selectbox(key="compare_with").set_value(other.key).run()
    r1, r2 = evaluate(PATHWAY, FIRST.answer_dict), evaluate(PATHWAY, other.answer_dict)
    one, two = {t.id: t for t in r1.treatments}, {t.id: t for t in r2.treatments}
    rows = comparison_table(at)
    assert set(rows) == {(one.get(c) or two[c]).label for c in one.keys() | two.keys()}  # each side's wording
    for category in one.keys() | two.keys():
        first, second, where = rows[(one.get(category) or two[category]).label]
        assert first == ("✔ shown" if category in one else "✘ not shown")
        assert second == ("✔ shown" if category in two else "✘ not shown")
        assert where == {(True, True): "✔ ✔ In both", (True, False): "✔ ✘ Only in situation 1",
                         (False, True): "✘ ✔ Only in situation 2"}[(category in one, category in two)]
    text = unescaped(markdown(at))
    assert "What differs" in text and "Nothing: both situations show the same statements" not in text
    for category in one.keys() ^ two.keys():
        side = 1 if category in one else 2
        assert f"**{(one.get(category) or two[category]).label}**: only in situation {side}" in text
    assert f"Situation 2: {other.outcome.title}" in text
    for note in other.outcome.notes:  # each side's notes
        assert note.text[:40] in text
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
    assert any("Nothing is shown about treatment" in i.value for i in at.info)  # says what is missing


def test_opening_a_situation_from_the_table_says_so_and_brings_its_result_into_view():
    at = open_panel(app(**FIRST.answer_dict), "situations_panel")
    number, other = next((n, s) for n, s in enumerate(SITUATIONS, 1) if s.key != FIRST.key)
    at = at.button(key=f"open_situation_{number}").click().run()
    assert any(other.label in unescaped(i.value) for i in at.info)  # a status (a live region) says what opened
    assert [c for c in at.get("flex_container") if c.key == "result"]
    assert any("scrollIntoView" in h.proto.body for h in at.get("html"))


def test_opening_the_situation_compared_with_swaps_the_comparison_instead_of_comparing_it_with_itself():
    other = SITUATIONS[5]
    at = open_panel(app(**FIRST.answer_dict, compare=other.key), "situations_panel")
    number = SITUATIONS.index(other) + 1
    at = at.button(key=f"open_situation_{number}").click().run()
    assert at.query_params["compare"] == FIRST.key  # the one on screen before
    assert at.selectbox(key="compare_with").value == FIRST.key
    assert f"Situation 1 (on screen): {other.outcome.title}" in unescaped(markdown(at))
