"""The explorer app through Streamlit's AppTest: questions, path, categories, deep links, downloads, fail closed."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from pathways import load_pathway, resolve_pathway
from pathways.cases import cases_path_for, load_cases
from pathways.evaluate import evaluate
from tests.support.cards import CARD_TAGS, card_ids as cards  # cards on the page, by category id
from tests.support.markdown import code_spans, outside_code_spans

ROOT = Path(__file__).parents[1]
APP = str(ROOT / "app.py")
PATHWAY = load_pathway(resolve_pathway(None))
DISCLAIMER = PATHWAY.content.metadata.disclaimer
CATEGORY_LABELS = {c.id: c.label for c in PATHWAY.content.categories}
CASES = [c for c in load_cases(cases_path_for(resolve_pathway(None)))[0].cases if c.complete]
EDGE = re.compile(r"^\s*(\w+) -> (\w+) \[(.*)\]\s*$", re.M)


def app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def click(at: AppTest, **answers: str) -> AppTest:
    for key, value in answers.items():
        at = at.radio(key=key).set_value(value).run()
    return at


SVG_EDGE = re.compile(r'<g id="edge\d+" class="([^"]*)">\s*<title>(.*?)</title>(.*?)</g>', re.S)


def graph_svg(at: AppTest) -> str:
    """The SVG the page shows as the graph (drawn on the server, sent as a data: image)."""
    images = at.get("image")
    assert len(images) == 1, "the page shows exactly one graph image"
    url = images[0].proto.imgs[0].url
    assert url.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(url.split(",", 1)[1]).decode("utf-8")


def chosen(at: AppTest) -> set[tuple[str, str]]:
    """Edges drawn as the path taken: thick (stroke-width 3.5) and classed edge-chosen."""
    edges = set()
    for classes, title, body in SVG_EDGE.findall(graph_svg(at)):
        if "edge&#45;chosen" in classes and 'stroke-width="3.5"' in body:
            edges.add(tuple(html.unescape(title).split("->")))
    return edges


def chosen_in_dot(dot: str) -> set[tuple[str, str]]:
    return {(a, b) for a, b, attrs in EDGE.findall(dot) if "penwidth=3.5" in attrs}


def page_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "warning", "info", "error", "code", "title", "subheader"):
        parts += [str(getattr(e, "value", "") or getattr(e.proto, "body", "")) for e in at.get(kind)]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))  # undo markdown escaping


def assert_disclaimer(at: AppTest) -> None:
    """The content's disclaimer stands out at the top of the page (a warning box), not only in the footer."""
    assert any(DISCLAIMER in re.sub(r"\\(.)", r"\1", w.value) for w in at.warning)


@pytest.fixture
def downloads(monkeypatch) -> list[bytes]:
    """The data of every download the app offers, made as a click would make it (the app defers it)."""
    captured: list[bytes] = []
    original = MediaFileManager.add_deferred

    def recording(self, data_callable, *args, **kwargs):
        data = data_callable()
        captured.append(data if isinstance(data, bytes) else str(data).encode())
        return original(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return captured


def test_first_view_asks_only_the_first_question_and_shows_no_category():
    at = app()
    assert not at.exception
    assert [r.key for r in at.radio] == ["age_group"]
    assert at.radio(key="age_group").value is None
    assert cards(at) == set()
    assert "Nothing is shown about treatment" in page_text(at)
    assert_disclaimer(at)


@pytest.mark.parametrize(
    ("answers", "path"),
    [
        ({"age_group": "child"}, [("age", "child_cns")]),
        ({"age_group": "adult"}, [("age", "adult_cns")]),
        ({"age_group": "adult", "cns_involvement": "no"}, [("age", "adult_cns"), ("adult_cns", "adult_no_cns_cell")]),
        ({"age_group": "child", "cns_involvement": "yes", "cell_type": "t_cell"},
         [("age", "child_cns"), ("child_cns", "child_cns_cell"), ("child_cns_cell", "child_cns_t")]),
    ],
    ids=["child", "adult", "adult-no-cns", "child-cns-t"],
)
def test_each_answer_moves_the_highlighted_path(answers, path):
    at = click(app(), **answers)
    assert not at.exception
    assert chosen(at) == set(path)


def test_editorial_assumption_in_a_question_is_badged_beside_it_and_its_reason_folds_behind_a_toggle():
    at = app()
    age_help = PATHWAY.questions["age_group"].help
    assert age_help.editorial, "the shipped age question rests on an editorial assumption"
    badged = [m.value for m in at.markdown if m.value.startswith(":orange-badge[:material/info: Editorial assumption]")]
    assert len(badged) == 1 and "18" in badged[0]
    assert age_help.editorial not in badged[0].replace("\\", "")  # the reason is behind its toggle
    (toggle,) = [e for e in at.expander if e.label.startswith("Why this assumption?")]
    assert "Child or adult?" in toggle.label  # named for its question
    assert not toggle.markdown  # built only when opened: a click elsewhere does not pay for it
    at.session_state["why_age_group"] = True
    (toggle,) = [e for e in at.run().expander if e.label.startswith("Why this assumption?")]
    assert age_help.editorial in re.sub(r"\\(.)", r"\1", toggle.markdown[0].value)


def result_block(at: AppTest):
    """The compact result under the last question (a container keyed "result")."""
    (block,) = [c for c in at.get("flex_container") if c.key == "result"]
    return block


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_result_sits_under_the_last_question_with_its_categories_marks_and_actions(case):
    at = app(**case.answers)
    assert not at.exception
    block = result_block(at)
    text = re.sub(r"\\(.)", r"\1", "\n".join(m.value for m in block.markdown))
    result = evaluate(PATHWAY, case.answers)
    assert result.outcome.title in text and " · ".join(s.option_label for s in result.path) in text
    for treatment in result.treatments:  # each category in this situation's words, † where editorial
        mark = " †" if treatment.explanation.editorial else ""
        assert re.search(rf"^- {re.escape(treatment.label + mark)}$", text, re.M), (treatment.label, text)
    assert ("† marks a category an editorial assumption puts here" in text) == any(
        t.explanation.editorial for t in result.treatments)
    assert DISCLAIMER in text  # the disclaimer again, with the result
    assert [b.key for b in block.get("download_button")] == ["download_handout"]
    assert block.get("download_button")[0].proto.type == "primary"
    assert [b.proto.label for b in block.get("link_button")] == ["Print"]
    assert [b.key for b in block.button] == ["copy_link"]


def test_no_result_block_until_the_path_is_complete():
    at = app(age_group="adult", cns_involvement="no")
    assert not [c for c in at.get("flex_container") if c.key == "result"]
    assert "Nothing is shown about treatment" in page_text(at)


def test_the_metadata_folds_into_one_about_line_after_the_short_disclaimer(monkeypatch):
    meta = PATHWAY.content.metadata
    monkeypatch.setenv("PATHWAYS_TODAY", meta.last_reviewed.isoformat())  # a day its review is not overdue
    at = app()
    (about,) = [e for e in at.expander if e.label.startswith("About this content")]
    assert meta.version in about.label and meta.last_reviewed.isoformat() in about.label
    text = re.sub(r"\\(.)", r"\1", "\n".join(m.value for m in about.markdown))
    for needed in (meta.intended_use, "Approval:", PATHWAY.content.sources[0].title):
        assert needed in text
    labels = re.findall(r"^\*\*([^*]+):\*\*", text, re.M)
    assert "Intended use" in labels and len(labels) == len(set(labels)), labels  # each line once
    assert at.warning[0].value.replace("\\", "").startswith(f"**{DISCLAIMER[:40]}")  # the disclaimer comes first


@pytest.mark.parametrize("public", [None, "https://intranet.example.org/pathways/"], ids=["own-address", "public-url"])
def test_the_link_to_this_view_carries_the_answers_and_the_comparison(monkeypatch, public):
    if public:
        monkeypatch.setenv("PUBLIC_URL", public)
    answers = {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell"}
    at = app(**answers, compare="adult/yes/t_cell")
    (link,) = code_spans(next(m.value for m in result_block(at).markdown if "Link to this view" in m.value))
    base, _, query = link.partition("?")
    assert base == (public or "")  # AppTest has no browser address; a browser gives the frame's own
    from urllib.parse import parse_qsl
    assert dict(parse_qsl(query)) == {**answers, "compare": "adult/yes/t_cell"}


def test_print_opens_the_situation_as_a_page_of_its_own_with_every_category():
    answers = {"age_group": "adult", "cns_involvement": "yes", "cell_type": "t_cell"}
    at = app(**answers)
    (button,) = result_block(at).get("link_button")
    from urllib.parse import parse_qsl
    assert dict(parse_qsl(button.proto.url.lstrip("?"))) == {**answers, "view": "print"}
    at = app(**answers, view="print")
    assert not at.exception and not at.radio and not at.get("image")
    text = page_text(at)
    assert_disclaimer(at)
    for treatment in evaluate(PATHWAY, answers).treatments:
        assert treatment.label in text and treatment.explanation.text in text
    assert "About these figures" in text


def test_graph_image_has_a_text_alternative_naming_the_path():
    at = click(app(), age_group="adult", cns_involvement="no")
    alt = at.get("image")[0].proto.imgs[0].alt
    assert "Child or adult?: Adult" in alt and "next question: B-cell or T-cell?" in alt


def test_browser_renderer_setting_sends_the_same_highlighted_path_as_dot(monkeypatch):
    monkeypatch.setenv("GRAPH_RENDERER", "browser")
    at = click(app(), age_group="child", cns_involvement="yes", cell_type="t_cell")
    assert not at.exception and not at.get("image")
    dot = at.get("graphviz_chart")[0].proto.spec
    assert chosen_in_dot(dot) == {("age", "child_cns"), ("child_cns", "child_cns_cell"),
                                  ("child_cns_cell", "child_cns_t")}


def test_unknown_renderer_setting_gives_an_error_page_naming_it_and_no_category(monkeypatch):
    monkeypatch.setenv("GRAPH_RENDERER", "canvas")
    at = app(age_group="child", cns_involvement="yes", cell_type="b_cell")
    assert not at.exception
    assert "GRAPH_RENDERER='canvas' is not one of: server, browser" in page_text(at)
    assert cards(at) == set() and not at.radio and not at.get("image")
    assert "not medical advice" in page_text(at)


def test_next_question_appears_only_once_it_matters_and_is_marked_in_the_graph():
    at = click(app(), age_group="adult")
    assert [r.key for r in at.radio] == ["age_group", "cns_involvement"]
    assert "▶ NEXT: Spread to the CNS?" in html.unescape(graph_svg(at))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_complete_situation_shows_exactly_the_documented_categories(case):
    at = click(app(), **case.answers)
    assert not at.exception
    assert cards(at) == set(case.must_include)
    text = page_text(at)
    for treatment in evaluate(PATHWAY, case.answers).treatments:  # the situation's own wording of each
        assert treatment.label in text
    assert "basis: relapsed-all-overview § treatment-" in text.lower()
    assert_disclaimer(at)


def test_deep_link_restores_answers_and_shows_the_outcome():
    at = app(age_group="adult", cns_involvement="no", cell_type="t_cell")
    assert not at.exception
    values = {r.key: r.value for r in at.radio}
    assert values.items() >= {"age_group": "adult", "cns_involvement": "no", "cell_type": "t_cell"}.items()
    assert cards(at) == {"combination_chemotherapy", "stem_cell_transplant", "targeted_therapy", "radiation_therapy"}
    assert not [w for w in at.warning if "link were ignored" in w.value]  # no notice for a valid link (the
    # overdue-review warning may be there, on a day after the content's review date)


def test_clicking_writes_the_answers_into_the_link():
    at = click(app(), age_group="child", cns_involvement="yes", cell_type="b_cell")
    link = {k: (v if isinstance(v, str) else v[-1]) for k, v in at.query_params.items()}
    assert link == {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell"}


def test_reset_clears_answers_categories_and_link():
    at = click(app(age_group="child", cns_involvement="yes", cell_type="b_cell"))
    at = at.button(key="reset").click().run()
    assert [r.key for r in at.radio] == ["age_group"] and at.radio(key="age_group").value is None
    assert cards(at) == set()
    assert not [k for k in at.query_params if k in PATHWAY.questions]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"agegroup": "child"}, "agegroup"),
        ({"age_group": "teen"}, "teen"),
        ({"age_group": "<script>alert(1)</script>"}, "<script>alert(1)</script>"),
        ({"x" * 300: "1"}, "x" * 60 + "…"),
    ],
    ids=["unknown-key", "unknown-value", "markup", "very-long"],
)
def test_unknown_link_parts_are_ignored_with_a_notice_naming_them(query, named):
    at = app(**query)
    assert not at.exception
    notices = [w.value for w in at.warning if "link were ignored" in w.value]
    assert len(notices) == 1
    assert named in code_spans(notices[0])  # quoted as a code span: shown as text, never read as markup
    assert "<script>" not in outside_code_spans(notices[0])
    assert cards(at) == set()
    assert_disclaimer(at)


def test_embed_parameter_is_not_reported_as_unknown():
    at = app(embed="true", age_group="child")
    assert not [w for w in at.warning if "link were ignored" in w.value]


@pytest.mark.parametrize(
    ("damage", "old", "new"),
    [
        ("dangling", "branches: {child: child_cns, adult: adult_cns}", "branches: {child: child_cns, adult: nowhere}"),
        ("bad-yaml", "  root: age\n", "  root: [age\n"),
        ("missing-basis", "      basis:\n        - source: relapsed-all-overview\n"
                          "          section: treatment-children\n"
                          "          quote: \"combination chemotherapy, which uses more than one anticancer drug\"\n"
                          "  - id: targeted", "\n  - id: targeted"),
    ],
    ids=["dangling", "bad-yaml", "missing-basis"],
)
def test_broken_content_shows_the_error_page_and_no_category(tmp_path, monkeypatch, damage, old, new):
    text = resolve_pathway(None).read_text()
    assert old in text
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace(old, new, 1))
    monkeypatch.setenv("PATHWAY_FILE", str(broken))
    at = app(age_group="child", cns_involvement="yes", cell_type="b_cell")
    assert not at.exception
    text = page_text(at)
    assert "could not be loaded" in text and f"{broken.name}:" in text and str(broken.parent) not in text
    assert not at.radio and cards(at) == set()
    for label in CATEGORY_LABELS.values():
        assert label not in text
    assert "not medical advice" in text


def test_markup_in_the_content_is_shown_as_text_in_the_cards_never_read_as_html(tmp_path, monkeypatch):
    """The categories are one Markdown element that lets fixed HTML draw the boxes; a label or a description that
    holds HTML must stay text (escaped), never close a box or add an element."""
    served = tmp_path / "markup.yaml"
    hostile = '</div><img src=x onerror="alert(1)"> & <b>bold</b>'
    text = resolve_pathway(None).read_text()
    text = text.replace("    label: Combination chemotherapy\n", f"    label: '{hostile}'\n", 1)
    text = text.replace("      text: Chemotherapy that combines two or more anticancer drugs.",
                        f"      text: 'Two drugs {hostile}.'", 1)
    served.write_text(text)
    monkeypatch.setenv("PATHWAY_FILE", str(served))
    at = app(age_group="child", cns_involvement="no", cell_type="b_cell")
    (section,) = [m.value for m in at.markdown if 'class="pw-card st-key-card_' in m.value]
    assert "combination_chemotherapy" in cards(at)
    outside_tags = CARD_TAGS.sub("", section)
    assert re.findall(r"(?<!\\)[<>]", outside_tags) == []  # every other < and > escaped: text, not a tag
    assert section.count("<div") == section.count("</div>")  # the boxes close as they open
    assert "\\<img src=x" in section and "\\</div\\>" in section  # the hostile text is there, as text


def test_content_edited_into_an_invalid_state_is_not_served_as_valid(tmp_path, monkeypatch):
    served = tmp_path / "live.yaml"
    text = resolve_pathway(None).read_text()
    served.write_text(text)
    monkeypatch.setenv("PATHWAY_FILE", str(served))
    at = app(age_group="child", cns_involvement="no", cell_type="b_cell")
    assert cards(at)
    served.write_text(text.replace("root: age", "root: nowhere") + "\n")
    at = at.run()
    assert cards(at) == set() and "could not be loaded" in page_text(at)


@pytest.mark.parametrize(
    "answers",
    [{}, {"age_group": "adult"}, {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell"}],
    ids=["none", "partial", "complete"],
)
def test_every_download_carries_disclaimer_version_review_date_and_sources(downloads, answers):
    at = app(**answers)
    handout = {"download_handout"} if len(answers) == 3 else set()  # a handout is made for a complete situation
    assert {b.key for b in at.get("download_button")} == handout  # the data files' panel is closed: not built
    assert len(downloads) == len(handout)
    downloads.clear()
    at = open_panel(at, "downloads_panel")
    assert {b.key for b in at.get("download_button")} == {
        "download_markdown", "download_csv", "download_svg", "download_dot", "download_fhir", *handout}
    meta = PATHWAY.content.metadata
    assert len(downloads) == 5 + len(handout)
    for data in downloads:
        if data.startswith(b"%PDF-"):  # the handout: its text, as a PDF reader gives it
            from pypdf import PdfReader

            data = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).encode()
        text = html.unescape(data.decode("utf-8", errors="replace"))
        text = re.sub(r"\s+", " ", re.sub(r"\\l|\\n|</text>\s*<text[^>]*>", " ", text))
        for needed in ("Educational information only", meta.version, meta.last_reviewed.isoformat(),
                       PATHWAY.content.sources[0].title):
            assert needed in text, (needed, text[:300])


def test_open_downloads_panel_follows_later_answers(downloads):
    at = open_panel(app(age_group="child", cns_involvement="no", cell_type="t_cell"), "downloads_panel")
    downloads.clear()
    at = at.radio(key="cell_type").set_value("b_cell").run()
    (summary,) = [d.decode() for d in downloads if d.startswith(b"#")]
    assert "**B-cell ALL**" in summary and "**T-cell ALL**" not in summary  # the answer given now, not before
    assert "Documented treatment categories: Child, CNS not involved, B-cell ALL" in summary


def open_panel(at: AppTest, key: str) -> AppTest:
    """Open an expander as a click on its label does (its content is built only while it is open)."""
    at.session_state[key] = True
    return at.run()


def test_basis_panel_lists_inputs_decisions_and_sources():
    at = app(age_group="child", cns_involvement="no", cell_type="t_cell")
    assert "Decisions taken" not in page_text(at)  # closed: not built
    at = open_panel(at, "basis_panel")
    text = page_text(at)
    for needed in ("Inputs used", "Decisions taken", "relapsed-all-overview § treatment-children",
                   PATHWAY.content.metadata.population):
        assert needed in text


def test_path_table_is_a_text_alternative_to_the_graph():
    at = app(age_group="adult", cns_involvement="yes", cell_type="b_cell")
    assert not at.table  # closed: not built
    at = open_panel(at, "path_table")
    table = at.table[0].value
    assert list(table["Answer"])[:3] == ["Adult", "Yes, the CNS is involved", "B-cell ALL"]
    labels = [t.label for t in evaluate(PATHWAY, {"age_group": "adult", "cns_involvement": "yes",
                                                  "cell_type": "b_cell"}).treatments]
    assert "Low-dose radiation therapy" in labels and set(labels) <= set(table["Answer"])


def test_figures_are_closed_until_asked_and_their_caution_comes_before_the_numbers():
    at = app(age_group="adult", cns_involvement="no", cell_type="b_cell")
    assert not at.get("vega_lite_chart") and "5.8%" not in page_text(at)  # closed: not built, not pushed
    at = open_panel(at, "figures_panel")
    text = page_text(at)
    context = PATHWAY.content.outlook.figures_context.text
    assert context in text and text.index(context) < text.index("5.8%")
    assert "for reference" not in text


def test_outlook_question_selects_the_figure_that_applies():
    at = app(age_group="adult", cns_involvement="no", cell_type="b_cell", time_since_treatment="under_3_years",
             figures="open")
    assert at.radio(key="time_since_treatment").value == "under_3_years"
    assert at.query_params["figures"] == "open"  # kept in the link while open
    chart = at.get("vega_lite_chart")[0].proto
    (dataset,) = chart.datasets  # sent as Arrow once per answer set, the form the browser reads
    rows = pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    assert {r["Display"]: r["Applies"] for r in rows} == {"5.8%": "the situation you described",
                                                          "20%": "not the situation you described"}
    assert json.loads(chart.spec)["data"] == {"name": dataset.name}


def test_pathway_too_large_to_draw_whole_shows_the_path_neighbourhood_and_offers_its_dot(tmp_path, monkeypatch):
    import yaml

    from pathways.outputs.render import DRAW_LIMIT
    from tests.support.generate import generated_pathway_data

    big = tmp_path / "big.yaml"
    big.write_text(yaml.safe_dump(generated_pathway_data(DRAW_LIMIT + 100)), encoding="utf-8")
    monkeypatch.setenv("PATHWAY_FILE", str(big))
    at = app()
    assert not at.exception
    assert not [t for t in at.toggle if t.key == "full_tree"], "no 'full tree' switch for a tree too large to draw"
    assert "too many to draw whole" in page_text(at)
    assert graph_svg(at).count('class="node') < 40, "the page draws the neighbourhood, not the whole tree"
    labels = [b.proto.label for b in open_panel(at, "downloads_panel").get("download_button")]
    assert "Graph (DOT)" in labels and "Graph (SVG)" not in labels


def test_medium_pathway_offers_the_full_tree_on_request(tmp_path, monkeypatch):
    import yaml

    from pathways.outputs.render import FOCUS_THRESHOLD
    from tests.support.generate import generated_pathway_data

    medium = tmp_path / "medium.yaml"
    medium.write_text(yaml.safe_dump(generated_pathway_data(FOCUS_THRESHOLD * 2)), encoding="utf-8")
    monkeypatch.setenv("PATHWAY_FILE", str(medium))
    at = app()
    focused = graph_svg(at).count('class="node')
    at = at.toggle(key="full_tree").set_value(True).run()
    assert not at.exception
    assert graph_svg(at).count('class="node') > focused
    assert "Graph (SVG)" in [b.proto.label for b in open_panel(at, "downloads_panel").get("download_button")]


# ---- the page agrees with pathways.shown (a cross-check until tests/test_cross_output.py covers the page) ----


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_page_shows_every_statement_of_shown_with_its_basis_and_editorial_reason(case):
    from pathways.evaluate import citation
    from pathways.shown import QUESTION_HELP, QUESTION_WHY, shown_for

    seen = shown_for(PATHWAY, case.answers)
    at = app(**case.answers, figures="open")
    at = open_panel(at, "basis_panel")
    text = re.sub(r"\s+", " ", page_text(at))
    for item in seen.items:
        if item.role == QUESTION_HELP:
            continue  # under its question (test_editorial_assumption_in_a_question_...)
        assert " ".join(item.text.split()) in text, (item.key, item.text[:60])
        if item.editorial:
            assert " ".join(item.editorial.split()) in text, (item.key, "editorial reason")
        for basis in item.basis:
            assert citation(basis) in text, (item.key, citation(basis))
    assert len(seen.by_role(QUESTION_WHY)) == len(seen.result.path) + (1 if "time_since_treatment" in case.answers
                                                                         else 0)
