"""Every output agrees with the one description of what a situation shows (``pathways.shown``).

For every complete answer set (each situation without the optional outlook answer and with each of its options),
every statement of ``shown(...)`` appears in every output that shows the situation, with its basis (the source's
own words too, where the output gives bases) and its editorial mark; and no output shows a statement of the
pathway that the situation does not show (or that is not in the reference sections, where the output has them).

Table-driven: one ``Output`` per rendering. The page (AppTest) and the comparison are added to ``OUTPUTS`` by
their owners (see ``PAGE_AND_COMPARISON`` at the end).
"""

from __future__ import annotations

import datetime
import html
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import pytest

from pathways import load_pathway, resolve_pathway
from pathways.evaluate import citation, evaluate
from pathways.outputs import export, fhir, handout, table
from pathways.shown import (FIGURE, OPTION_HELP, QUESTION_WHY, SITUATION_ROLES, SUMMARY, Item, Shown, keyed_statements,
                            reference_items, shown)
from pathways.situations import complete_situations
from tests.support.pdf import normal, pdf_text
from tests.support.quoted import quoted_pathway

PATHWAY = load_pathway(resolve_pathway(None))
MADE = datetime.date(2026, 12, 1)
SITUATIONS = complete_situations(PATHWAY)
OUTLOOK = PATHWAY.outlook_questions()
#: Every complete answer set: each situation, without an outlook answer and with each option of each.
ANSWER_SETS = [(s.key, s.answer_dict) for s in SITUATIONS] + [
    (f"{s.key}+{o.id}", {**s.answer_dict, q.id: o.id}) for s in SITUATIONS for q in OUTLOOK for o in q.options]
QUOTED = quoted_pathway()
#: The same checks on the shipped pathway with a quote on every basis (each situation once, without the outlook
#: answer): every output that gives bases must give the source's words too.
QUOTED_SETS = [(f"quoted:{s.key}", s.answer_dict) for s in SITUATIONS]
#: How far after a statement's text its basis and editorial mark may stand (a long reason and several citations).
WINDOW = 2500


@dataclass(frozen=True)
class Rendered:
    """An output's text for a situation, or its JSON (checked dict by dict)."""

    text: str = ""
    data: Any = None


@dataclass(frozen=True)
class Output:
    """One output: how it renders a situation and what it shows of it.

    ``roles``: the roles of ``Shown`` items it shows (every other role is left out on purpose, said in ``left_out``);
    ``reference``: whether it shows the reference sections; ``quotes``: whether it gives the source's words;
    ``allowed``: further statement keys it may show for the situation (a table row shows every optional answer)."""

    name: str
    render: Callable[[Shown], Rendered]
    roles: tuple[str, ...] = SITUATION_ROLES
    left_out: str = ""
    reference: bool = False
    quotes: bool = True
    applies: Callable[[dict[str, str]], bool] = lambda answers: True
    allowed: Callable[[Shown], set[str]] = lambda view: set()
    same_reading: str | None = None


# ---- the renderers --------------------------------------------------------------------------------------------


def markdown(view: Shown) -> Rendered:
    return Rendered(normal(export.shown_to_markdown(view, MADE)))


def csv_text(view: Shown) -> Rendered:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(export.shown_to_csv(view, MADE))))
    return Rendered(normal("\n".join(" | ".join(row) for row in rows)))


def result_json(view: Shown) -> Rendered:
    return Rendered(data=json.loads(json.dumps(export.shown_to_dict(view))))


_TABLES: dict[int, table.DecisionTable] = {}


def _table(view: Shown) -> table.DecisionTable:
    return _TABLES.setdefault(id(view.pathway), table.decision_table(view.pathway))


def _row(view: Shown) -> table.Row:
    row = _table(view).row_for(view.result.answers)
    assert row is not None
    return row


def table_json(view: Shown) -> Rendered:
    data = json.loads(table.render_table(_table(view), "json"))
    index = _table(view).rows.index(_row(view))
    return Rendered(data=data["rows"][index])


def table_markdown(view: Shown) -> Rendered:
    text = table.to_markdown(_table(view), MADE)
    index = _table(view).rows.index(_row(view)) + 1
    shared = text.split("## Shown for every situation", 1)[1].split("\n## ", 1)[0]
    own = text.split(f"\n## {index}. ", 1)[1].split("\n## ", 1)[0]
    return Rendered(normal(shared + "\n" + own))


def _table_allowed(view: Shown) -> set[str]:
    return {i.key for i in _row(view).items}


def handout_html_text(view: Shown) -> Rendered:
    document = handout.shown_handout_html(view, MADE)
    body = document.split("<body>", 1)[1]
    return Rendered(normal(html.unescape(re.sub(r"<[^>]+>", " ", body))))


_PDFS: dict[str, str] = {}


def handout_pdf_text(view: Shown) -> Rendered:
    """The handout as a reader copies it from the PDF (made once per situation: PDFs take a second each)."""
    key = f"{id(view.pathway)}:{view.key}"
    if key not in _PDFS:
        _PDFS[key] = pdf_text(handout.html_to_pdf(handout.shown_handout_html(view, MADE)))
    return Rendered(_PDFS[key])


_BUNDLES: dict[int, dict] = {}


def fhir_parts(view: Shown) -> Rendered:
    """The situation's parts of the Bundle: its outcome's action, the outlook notes that apply, the Questionnaire's
    items for the questions answered, and the ActivityDefinitions of its categories."""
    bundle = _BUNDLES.setdefault(id(view.pathway), fhir.to_bundle(view.pathway))
    resources = {r["resource"]["resourceType"] + "/" + r["resource"]["id"]: r["resource"] for r in bundle["entry"]}
    plan = next(r for r in resources.values() if r["resourceType"] == "PlanDefinition")
    pathway_action, outlook = plan["action"]
    outcome = next(a for a in pathway_action["action"] if a["id"] == view.result.outcome.id)
    notes = {i.note for i in view.items if i.note}
    outlook = {**{k: v for k, v in outlook.items() if k != "action"},
               "action": [a for a in outlook["action"] if a["id"].removeprefix("outlook.") in notes]}
    questionnaire = next(r for r in resources.values() if r["resourceType"] == "Questionnaire")
    asked = {i.question for i in view.items if i.question}
    answers = view.result.answers

    def enabled(child: dict) -> bool:  # an option's help shows once that option is chosen, as a form filler does
        return all(answers.get(rule["question"]) == rule["answerCoding"]["code"] for rule in child.get("enableWhen", []))

    items = [{**i, "item": [c for c in i.get("item", []) if enabled(c)]}
             for i in questionnaire["item"] if i["linkId"] in asked]
    categories = {c.id for c in view.categories}
    activities = [r for r in resources.values() if r["resourceType"] == "ActivityDefinition"
                  and r["code"]["coding"][0]["code"] in categories]
    return Rendered(data=[outcome, outlook, items, [{k: v for k, v in a.items() if k != "text"} for a in activities]])


OUTPUTS = [
    Output("markdown", markdown, reference=True),
    Output("csv", csv_text, reference=True),
    Output("result-json", result_json),
    Output("table-json", table_json, allowed=_table_allowed),
    Output("table-markdown", table_markdown, allowed=_table_allowed),
    Output("handout-html", handout_html_text, roles=tuple(r for r in SITUATION_ROLES if r not in (QUESTION_WHY, SUMMARY)),
           left_out="the summary says what the category cards say; the questions' reasons are the page's",
           same_reading=handout.SAME_READING),
    Output("handout-pdf", handout_pdf_text, applies=lambda answers: False,
           roles=tuple(r for r in SITUATION_ROLES if r not in (QUESTION_WHY, SUMMARY)),
           left_out="as handout-html", same_reading=handout.SAME_READING),
    Output("fhir", fhir_parts),
]


# ---- the checks -----------------------------------------------------------------------------------------------


def _basis_words(item: Item, quotes: bool) -> list[str]:
    return [export.basis_words(b, quotes) for b in item.basis]


def _dicts(data: Any) -> Iterable[dict]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _dicts(value)
    elif isinstance(data, list):
        for value in data:
            yield from _dicts(value)


def _strings(data: Any) -> Iterable[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _holders(data: Any, text: str) -> list[str]:
    """Each JSON object that holds ``text`` as a value, as its strings (its basis and mark are beside it)."""
    return ["\n".join(_strings(d)) for d in _dicts(data) if any(v == text for v in d.values())]


def _missing(output: Output, item: Item, rendered: Rendered) -> str | None:
    """What of ``item`` the output does not show (None when it shows all: text, basis, quotes, editorial mark)."""
    needed = [] if item.role == FIGURE else [*(citation(b) for b in item.basis),
                                             *(b.quote for b in item.basis if b.quote and output.quotes)]
    reason = item.editorial if item.role != FIGURE else None
    if rendered.data is not None:
        holders = _holders(rendered.data, item.text)
        if not holders:
            return "text"
        if not any(all(n in h for n in needed) and (reason is None or reason in h) for h in holders):
            return "basis or editorial mark beside the text"
        return None
    text = rendered.text
    at = [m.start() for m in re.finditer(re.escape(normal(item.text)), text)]
    if not at:
        return "text"
    for start in at:
        window = text[start: start + len(item.text) + WINDOW]
        reasons = [normal(reason)] + ([output.same_reading] if output.same_reading else []) if reason else []
        if all(normal(n) in window for n in needed) and (not reasons or any(r in window for r in reasons)):
            return None
    return "basis or editorial mark after the text"


VIEWS = {name: shown(evaluate(PATHWAY, answers)) for name, answers in ANSWER_SETS}
VIEWS |= {name: shown(evaluate(QUOTED, answers)) for name, answers in QUOTED_SETS}
#: The handout PDF is made once per situation (a second each), for the quoted pathway: it has all the others have.
CASES = [(o, name) for o in OUTPUTS for name, answers in ANSWER_SETS if o.applies(answers)]
CASES += [(o, name) for o in OUTPUTS for name, answers in QUOTED_SETS if o.applies(answers) or o.name == "handout-pdf"]


@pytest.mark.parametrize("output, situation", CASES, ids=[f"{o.name}-{n}" for o, n in CASES])
def test_every_shown_statement_is_in_the_output_with_its_basis_and_mark(output, situation):
    view = VIEWS[situation]
    rendered = output.render(view)
    problems = {}
    for item in view.items:
        if item.role in output.roles and (problem := _missing(output, item, rendered)) is not None:
            problems[item.key] = problem
    if output.reference:
        for _, _, items in reference_items(view.pathway):
            for item in items:
                if (problem := _missing(output, item, rendered)) is not None:
                    problems[item.key] = problem
    assert not problems, problems


@pytest.mark.parametrize("output, situation", CASES, ids=[f"{o.name}-{n}" for o, n in CASES])
def test_the_output_shows_no_statement_the_situation_does_not_show(output, situation):
    view = VIEWS[situation]
    rendered = output.render(view)
    text = rendered.text if rendered.data is None else json.dumps(rendered.data, ensure_ascii=False)
    text = text if rendered.data is None else text.replace("\\\"", "\"")
    statements = dict(keyed_statements(view.pathway.content))
    reference = {i.key for _, _, items in reference_items(view.pathway) for i in items}
    allowed = {i.key for i in view.items} | output.allowed(view) | (reference if output.reference else set())
    containing = {key: s.text for key, s in statements.items() if key in allowed}
    extra = []
    for key, statement in statements.items():
        words = statement.text if rendered.data is not None else normal(statement.text)
        if key in allowed or words not in text:
            continue
        if any(words in other for other in containing.values()):  # part of a statement that is shown
            continue
        extra.append(key)
    assert not extra, f"{output.name} shows statements {situation} does not: {extra}"


def test_every_output_is_checked_for_every_answer_set():
    assert len(ANSWER_SETS) == len(SITUATIONS) * (1 + sum(len(q.options) for q in OUTLOOK)) == 24
    assert {o.name for o in OUTPUTS} >= {"markdown", "csv", "result-json", "table-json", "table-markdown",
                                        "handout-html", "handout-pdf", "fhir"}
    assert sum(1 for o, _ in CASES if o.name == "handout-pdf") == len(SITUATIONS)  # one PDF per situation
    assert all(any(b.quote for b in i.basis) for v in VIEWS.values() if v.pathway is QUOTED for i in v.items
               if i.basis)


def test_a_dropped_editorial_mark_is_caught():
    """The check itself: an output that drops a statement's editorial reason fails it."""
    view = next(v for v in VIEWS.values() if any(i.is_editorial and i.role == OPTION_HELP for i in v.items))
    item = next(i for i in view.items if i.is_editorial and i.role == OPTION_HELP)
    rendered = markdown(view)
    assert _missing(OUTPUTS[0], item, rendered) is None
    assert _missing(OUTPUTS[0], item, Rendered(rendered.text.replace(normal(item.editorial), ""))) is not None


# ---- the comparison handout: two situations in one document -------------------------------------------------------

PAIRS = [(a, b) for i, a in enumerate(SITUATIONS) for b in SITUATIONS[i + 1:]]
HANDOUT = next(o for o in OUTPUTS if o.name == "handout-html")


@pytest.mark.parametrize("first, second", PAIRS, ids=[f"{a.key}-vs-{b.key}" for a, b in PAIRS])
def test_comparison_handout_shows_both_situations_statements_and_no_other(first, second):
    from pathways.outputs.compare import compare

    document = handout.comparison_html(compare(first, second), MADE)
    text = normal(html.unescape(re.sub(r"<[^>]+>", " ", document.split("<body>", 1)[1])))
    views = [shown(first.result), shown(second.result)]
    problems = {(n, i.key): problem for n, view in enumerate(views, 1) for i in view.items
                if i.role in HANDOUT.roles and (problem := _missing(HANDOUT, i, Rendered(text))) is not None}
    assert not problems, problems
    allowed = {i.key for view in views for i in view.items}
    statements = dict(keyed_statements(PATHWAY.content))
    shown_texts = [normal(s.text) for k, s in statements.items() if k in allowed]
    extra = [k for k, s in statements.items() if k not in allowed and normal(s.text) in text
             and not any(normal(s.text) in other for other in shown_texts)]
    assert not extra, extra


# ---- the page and the comparison ---------------------------------------------------------------------------------
# PAGE_AND_COMPARISON: the page (AppTest: at.markdown / at.caption text for the answers) and the comparison (one
# Shown per side, checked for each pair of answer sets) join OUTPUTS here as Output(name, render, ...), where
# ``render`` returns a Rendered with the text the page or comparison shows for the view.
