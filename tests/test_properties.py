"""Property-based tests: damaged or random pathway files, random answers and random links never crash anything."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from pathways.outputs.export import result_to_dict
from pathways import AnswerError, Pathway, ValidationFailed, load_pathway, load_pathway_text, resolve_pathway
from pathways.evaluate import evaluate
from pathways.load import MAX_FILE_BYTES
from tests.support.cards import CARD_TAGS
from tests.support.markdown import code_spans, outside_code_spans

ROOT = Path(__file__).parents[1]
APP = str(ROOT / "app.py")
SHIPPED_FILE = resolve_pathway(None)
SHIPPED_TEXT = SHIPPED_FILE.read_text(encoding="utf-8")
SHIPPED_LINES = SHIPPED_TEXT.splitlines(keepends=True)
PATHWAY = load_pathway(SHIPPED_FILE)
SHIPPED_DATA = yaml.load(SHIPPED_TEXT, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
QUESTIONS = {q.id: [o.id for o in q.options] for q in PATHWAY.content.questions}
CATEGORY_LABELS = {c.label for c in PATHWAY.content.categories}
DISCLAIMER = PATHWAY.content.metadata.disclaimer
#: Query parameters Streamlit itself reads (the app never reports them).
STREAMLIT_PARAMS = ("embed", "embed_options")
NOTICE_MAX = 60  # the app quotes at most this many characters of a link part

# Reproducible in CI: the same examples on every run, nothing written to .hypothesis/.
FAST = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(FAST, max_examples=25)


def assert_clean_failure(exc: ValidationFailed, lines: int) -> None:
    """A refusal a maintainer can act on: every problem names the file, a plausible line and a message."""
    assert exc.errors, "ValidationFailed without any problem listed"
    for error in exc.errors:
        assert error.file and error.message
        assert error.line is None or 0 <= error.line <= lines + 1, error
        assert error.format().startswith(f"{error.file}:")


def load_or_refuse(text: str) -> Pathway | None:
    """The loader's only outcomes: a Pathway, or ValidationFailed (anything else fails the test)."""
    try:
        return load_pathway_text(text, "fuzz.yaml")
    except ValidationFailed as exc:
        assert_clean_failure(exc, text.count("\n") + 1)
        return None


# ---- damaged copies of the shipped file ------------------------------------------------------------

line_index = st.integers(min_value=0, max_value=len(SHIPPED_LINES) - 1)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    lines = list(SHIPPED_LINES)
    for _ in range(draw(st.integers(1, 4))):
        i, j = draw(line_index), draw(line_index)
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "indent", "dedent", "truncate"]))
        if action == "delete":
            del lines[min(i, len(lines) - 1)]
        elif action == "duplicate":
            lines.insert(i, lines[min(i, len(lines) - 1)])
        elif action == "swap" and i < len(lines) and j < len(lines):
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "replace" and i < len(lines):
            lines[i] = draw(st.text(max_size=80)) + "\n"
        elif action == "indent" and i < len(lines):
            lines[i] = "  " + lines[i]
        elif action == "dedent" and i < len(lines):
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i]
        elif action == "truncate":
            lines = lines[:i]
        if not lines:
            break
    return "".join(lines)


@FAST
@given(mutated_text())
def test_shipped_file_with_lines_deleted_duplicated_or_swapped_loads_or_is_refused_cleanly(text):
    load_or_refuse(text)


@FAST
@given(position=st.integers(0, len(SHIPPED_TEXT.encode())), junk=st.binary(min_size=1, max_size=64))
def test_random_bytes_inside_the_shipped_file_load_or_are_refused_cleanly(tmp_path_factory, position, junk):
    data = SHIPPED_TEXT.encode()
    path = tmp_path_factory.getbasetemp() / "bytes.yaml"
    path.write_bytes(data[:position] + junk + data[position:])
    try:
        load_pathway(path)
    except ValidationFailed as exc:
        assert_clean_failure(exc, data.count(b"\n") + junk.count(b"\n") + 1)


# Values that stress types: text where a number or list is expected, and the other way round.
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
                    st.sampled_from(["yes", "no", "child", "age", "", "~", "null", "1e9", "combination_chemotherapy"]))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=30)


@st.composite
def structurally_damaged(draw: st.DrawFn) -> str:
    """The shipped content as data with one value somewhere replaced, removed or given an extra key."""
    data = copy.deepcopy(SHIPPED_DATA)
    for _ in range(draw(st.integers(1, 3))):
        node, parent, key = data, None, None
        for _depth in range(draw(st.integers(1, 8))):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            parent, key = node, draw(st.sampled_from(keys))
            child = node[key]
            if not isinstance(child, (dict, list)) or draw(st.booleans()):
                break
            node = child
        if parent is None:
            continue
        action = draw(st.sampled_from(["replace", "remove", "extra"]))
        if action == "replace":
            parent[key] = draw(documents)
        elif action == "remove":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(scalars)
        else:
            parent.append(draw(documents))
    return yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False)


@FAST
@given(structurally_damaged())
def test_shipped_content_with_values_replaced_or_removed_loads_or_is_refused_cleanly(text):
    pathway = load_or_refuse(text)
    if pathway is not None:  # whatever still validates must still evaluate every documented situation
        for age in QUESTIONS["age_group"]:
            evaluate(pathway, {"age_group": age})


@FAST
@given(documents)
def test_random_yaml_documents_are_refused_cleanly(document):
    text = yaml.dump(document, Dumper=DUMPER, allow_unicode=True)
    assert load_or_refuse(text) is None


@FAST
@given(st.text(max_size=400))
def test_random_text_is_refused_cleanly(text):
    assert load_or_refuse(text) is None


@pytest.mark.parametrize("text", ["[" * 200, "{a: " * 200, "- " * 200 + "x", "[" * 5_000 + "]" * 5_000,
                                  "[" * 30_000, "- " * 30_000 + "x", "a:\n" + "".join(" " * i + "b:\n" for i in
                                                                                        range(1, 3_000))],
                         ids=["flow-200", "mapping-200", "block-200", "balanced-5000", "flow-30000", "block-30000",
                              "indent-3000"])
def test_deeply_nested_yaml_is_refused_without_crashing_the_process(tmp_path, text):
    """Runs in a child process: a crash in the C YAML parser would otherwise take the test run (or the app) down."""
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    code = (
        "import sys, json\n"
        "from pathways import load_pathway, ValidationFailed\n"
        "try:\n    load_pathway(sys.argv[1])\n    print(json.dumps('loaded'))\n"
        "except ValidationFailed as exc:\n    print(json.dumps(exc.errors[0].format()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, f"the loader crashed the process (exit code {done.returncode}): {done.stderr[-500:]}"
    message = json.loads(done.stdout)
    assert message.startswith(f"{path}:"), message


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no 20 MB write
    with pytest.raises(ValidationFailed, match=r"over the limit"):
        load_pathway(path)


# ---- random answers ----------------------------------------------------------------------------------

answer_keys = st.one_of(st.sampled_from(sorted(QUESTIONS)), st.text(max_size=20))
answer_values = st.one_of(st.sampled_from(sorted({o for options in QUESTIONS.values() for o in options})),
                          st.text(max_size=20), st.none(), st.integers())


@FAST
@given(st.dictionaries(answer_keys, answer_values, max_size=6))
def test_any_answers_give_a_consistent_result_or_a_clean_answer_error(answers):
    try:
        result = evaluate(PATHWAY, answers)
    except AnswerError as exc:
        assert exc.key in answers
        bad_question = exc.key not in QUESTIONS
        assert bad_question or answers[exc.key] not in QUESTIONS[exc.key]
        assert str(exc).startswith("unknown question" if bad_question else "unknown option")
        return
    assert all(k in QUESTIONS and v in QUESTIONS[k] for k, v in answers.items())
    if result.complete:
        assert result.outcome is not None and result.treatments
        assert {t.label for t in result.treatments} <= CATEGORY_LABELS
    else:
        assert result.treatments == () and result.next_question is not None
        assert result.next_question.id not in answers
    json.dumps(result_to_dict(result))  # the export shape stays serialisable


# ---- random links in the app -------------------------------------------------------------------------

MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "**bold**", "[link](http://evil.example)",
          "$x^2$", ":red[red]", "<iframe src=//evil.example>", "javascript:alert(1)", "`code`", "\\", "# heading"]
link_text = st.one_of(st.sampled_from(MARKUP), st.text(min_size=1, max_size=30),
                      st.text(alphabet="<>&\"'`*_[](){}#:=!|~$\\/", min_size=1, max_size=30),
                      st.builds(lambda a, b: a * b, st.sampled_from(["x", "<b>", "é"]), st.integers(61, 3000)))


def unescape(markdown: str) -> str:
    """What a reader sees of the app's escaped markdown (the app puts a backslash before markup characters)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def visible(text: str) -> str:
    return text if len(text) <= NOTICE_MAX else text[:NOTICE_MAX]


def all_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "warning", "info", "error", "code", "title", "subheader"):
        parts += [str(getattr(e, "value", "") or "") for e in at.get(kind)]
    return "\n".join(parts)


@st.composite
def links(draw: st.DrawFn) -> dict[str, list[str]]:
    """A query string: unknown keys with markup, known keys with bad or repeated values."""
    query: dict[str, list[str]] = {}
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.one_of(st.sampled_from(sorted(QUESTIONS)), link_text))
        if not key.strip() or key in STREAMLIT_PARAMS:
            continue
        values = draw(st.lists(st.one_of(link_text, st.sampled_from(QUESTIONS.get(key, ["x"]))), min_size=1,
                               max_size=3))
        query[key] = values
    return query


@SLOW
@given(links())
def test_any_link_gives_a_working_page_that_quotes_ignored_parts_as_text(query):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, values in query.items():
        at.query_params[key] = values
    at.run()
    assert not at.exception
    text = all_text(at)
    assert DISCLAIMER in unescape(text)
    ignored = []  # what the notice must quote: unknown keys, bad answers, and known keys given repeatedly
    for key, values in query.items():
        if key not in QUESTIONS:
            ignored.append(key)
        elif values[-1] not in QUESTIONS[key]:
            ignored.append(values[-1])
        elif len(values) > 1:
            ignored.append(key)
    notices = [w.value for w in at.warning if "were ignored" in w.value]
    if not ignored:
        assert not notices
        return
    assert len(notices) == 1
    quoted = code_spans(notices[0])
    for part in ignored:  # each quoted whole (whitespace runs shown as one space) inside a code span
        assert any(" ".join(visible(part).split()) in span for span in quoted), (part, notices[0])
    assert not re.search(r"(?<!\\)[<>\[\]`*]", outside_code_spans(notices[0])), notices[0]  # no markup outside


def test_unsafe_html_is_never_enabled_in_the_app_or_the_package():
    sources = [ROOT / "app.py", ROOT / "views.py", *sorted((ROOT / "pathways").rglob("*.py"))]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        if source.name == "app.py":  # fixed style sheets (layout and focus, print), never text from content
            text = text.replace(f"st.html({' + '.join(STYLE_SHEETS)})", "", 1)  # both in one element
            for script in SCRIPTS:
                text = text.replace(f"st.html({script}, unsafe_allow_javascript=True)", "", 1)
            # the iframe's size script: deploy/embed/frame-size.js, fixed text, and origins checked by embedding.py
            text = text.replace("st.html(size_script, unsafe_allow_javascript=True)", "", 1)
            # the category cards: fixed tags around texts with every angle bracket escaped (cards_md, text_only;
            # test_the_cards_element_holds_no_tag_but_its_own_fixed_boxes below)
            text = text.replace("st.markdown(cards_md(view), anchors=False, unsafe_allow_html=True)", "", 1)
        assert "unsafe_allow_html" not in text, f"{source.name} enables unsafe_allow_html"
        assert not re.search(r"\bst\.html\(|components\.v1", text), f"{source.name} renders raw HTML"


@given(st.text(alphabet=st.sampled_from(list("<>\\ab &;/=\"'\n")), max_size=40))
@settings(FAST, max_examples=300)
def test_text_only_leaves_no_angle_bracket_unescaped_and_changes_nothing_else(text):
    from views import text_only

    out = text_only(text)
    assert not re.search(r"[<>]", re.sub(r"\\.", "", out, flags=re.S))  # none left outside an escape
    if "\\" not in text:  # (with backslashes in it, the escapes already there are read first: checked above)
        assert out == text.replace("<", "\\<").replace(">", "\\>")  # only the brackets gained a backslash
    assert text_only(out) == out  # escaping twice changes nothing


def test_the_cards_element_holds_no_tag_but_its_own_fixed_boxes():
    """Every situation's cards element, as shipped and with a hostile text put into every part (summary, group
    headings, cards, an added note): outside the fixed boxes no angle bracket is left unescaped."""
    import app
    import views
    from pathways.situations import complete_situations

    pathway = views.load_pathway(views.resolve_pathway(None))
    hostile = "</div><img src=x onerror=alert(1)> \\<b>"
    for situation in complete_situations(pathway):
        view = views.view_for(pathway, views.pathway_key(pathway), dict(situation.answer_dict), False)
        spoiled = dataclasses.replace(view, summary_md=view.summary_md + hostile,
                                      groups=tuple((h + hostile, ids) for h, ids in view.groups),
                                      cards={k: v + hostile for k, v in view.cards.items()},
                                      notes=(*view.notes, hostile))
        for body in (app.cards_md(view), app.cards_md(spoiled)):
            outside = CARD_TAGS.sub("", body)
            assert not re.search(r"[<>]", re.sub(r"\\.", "", outside, flags=re.S)), outside
            assert body.count("<div") == body.count("</div>")
            assert {c for c in re.findall(r"st-key-card_([a-z0-9_\-]+)", body)} == set(view.cards)


#: The style sheets app.py may add with st.html: module constants holding style rules only.
STYLE_SHEETS = ("PAGE_CSS", "PRINT_CSS")
#: The scripts app.py may add (copy link, the full-screen mark, scroll to the result, print): module constants, one
#: script each, that request nothing from anywhere.
SCRIPTS = ("COPY_JS", "FULL_SCREEN_JS", "SCROLL_JS", "PRINT_JS")


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_script_the_app_adds_is_a_constant_that_requests_nothing(script):
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    value = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(getattr(t, "id", None) == script for t in node.targets))
    assert isinstance(value, ast.Constant) and isinstance(value.value, str), f"{script} must be a literal string"
    js = value.value
    assert js.startswith("<script>") and js.endswith("</script>") and js.count("<script") == 1, js
    assert not re.search(r"(?i)fetch\(|XMLHttpRequest|https?:|import\(|eval\(|innerHTML|sendBeacon|WebSocket", js), js


@pytest.mark.parametrize("sheet", STYLE_SHEETS)
def test_each_style_sheet_the_app_adds_is_a_constant_with_style_rules_only(sheet):
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    value = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(getattr(t, "id", None) == sheet for t in node.targets))
    assert isinstance(value, ast.Constant) and isinstance(value.value, str), f"{sheet} must be a literal string"
    css = value.value
    assert css.startswith("<style>") and css.endswith("</style>") and css.count("<") == 2, css
    assert not re.search(r"(?i)url\(|@import|expression\(|javascript:", css), css
