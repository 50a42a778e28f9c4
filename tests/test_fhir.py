"""The FHIR export: valid R4B, codes in their value sets, and a third-party FHIRPath engine (fhirpathpy) choosing
exactly what the engine chooses, for the shipped pathway and the generated large one."""

from __future__ import annotations

import copy
import datetime
import itertools
import json
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models

from pathways import Pathway, load_pathway, load_pathway_text, resolve_pathway
from pathways.cli import main
from pathways.evaluate import evaluate
from pathways.outputs.fhir import (
    DEFAULT_CANONICAL_BASE,
    CanonicalBaseError,
    FhirCodeError,
    FhirExportError,
    build_bundle,
    check_codes,
    to_bundle,
    to_json,
    validate_bundle,
)
from pathways.outputs.fhir_codes import ENABLE_WHEN_EXPRESSION_EXTENSION, FHIR_VERSION
from tests.support.generate import generated_pathway_data

ROOT = Path(__file__).parents[1]
SHIPPED = load_pathway(resolve_pathway(None))
BROKEN = sorted((ROOT / "tests/fixtures/broken").glob("*.yaml"))


@lru_cache(maxsize=None)
def shipped_bundle() -> dict[str, Any]:
    """The export of the shipped pathway (made once: the tests only read it)."""
    return to_bundle(SHIPPED)


@lru_cache(maxsize=None)
def generated() -> tuple[Pathway, dict[str, Any]]:
    """The generated pathway the benchmarks use (about 1,000 nodes) and its export."""
    pathway = load_pathway_text(yaml.safe_dump(generated_pathway_data(1000)), "generated.yaml")
    return pathway, to_bundle(pathway)


def resource(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    return found


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


# ---- valid FHIR, built from the content -------------------------------------------------------------------------


def test_shipped_export_validates_as_r4b_resource_by_resource():
    bundle = shipped_bundle()
    assert bundle["type"] == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["PlanDefinition", "Questionnaire", "CodeSystem"] + ["ActivityDefinition"] * len(
        SHIPPED.content.categories)
    for entry in bundle["entry"]:
        model = get_fhir_model_class(entry["resource"]["resourceType"])
        assert model.__module__.startswith("fhir.resources.R4B.")
        parsed = model.model_validate(entry["resource"])
        assert entry["fullUrl"] == parsed.url, "each entry is addressed by its canonical URL"
    check_codes(bundle)  # raises on a bad code


def test_export_carries_disclaimer_purpose_version_and_review_date():
    meta = SHIPPED.content.metadata
    plan = shipped_bundle()["entry"][0]["resource"]
    assert plan["resourceType"] == "PlanDefinition"
    assert plan["usage"] == meta.disclaimer
    assert plan["purpose"] == meta.intended_use
    assert plan["version"] == meta.version and plan["lastReviewDate"] == meta.last_reviewed.isoformat()
    assert plan["type"]["coding"][0]["code"] == "clinical-protocol"
    narrative = re.sub(r"<[^>]+>", "", plan["text"]["div"])
    for needed in (meta.disclaimer, meta.intended_use, meta.version, meta.last_reviewed.isoformat(),
                   SHIPPED.content.sources[0].title):
        assert needed in narrative
    citations = [a for a in plan["relatedArtifact"] if a["type"] == "citation"]
    assert [a["display"] for a in citations] == [s.title for s in SHIPPED.content.sources]
    for activity in resources(shipped_bundle(), "ActivityDefinition"):
        assert activity["usage"] == meta.disclaimer


@pytest.mark.parametrize("approved_on", [None, "2026-12-31"], ids=["pending", "approved"])
def test_approval_and_review_dates_map_to_status_approval_and_effective_period(approved_on):
    text = resolve_pathway(None).read_text(encoding="utf-8")  # pending or approved as the test needs, whatever the
    text = re.sub(r"(?m)^  approved_on: .*$", f"  approved_on: {approved_on or 'null'}", text, count=1)  # file says
    pathway = load_pathway_text(text, "approval.yaml")
    meta = pathway.content.metadata
    assert meta.next_review_due and meta.approved_by and meta.changes
    due = meta.next_review_due.isoformat()
    if approved_on:
        expected = {"status": "active", "approvalDate": approved_on,
                    "effectivePeriod": {"start": approved_on, "end": due}, "endorser": [{"name": meta.approved_by}]}
    else:
        expected = {"status": "draft", "approvalDate": None, "effectivePeriod": {"end": due}, "endorser": None}
    bundle = to_bundle(pathway)
    plan = resource(bundle, "PlanDefinition")
    assert {key: plan.get(key) for key in expected} == expected
    assert {e["resource"]["status"] for e in bundle["entry"]} == {expected["status"]}
    assert plan["date"] == max([c.date for c in meta.changes] + [meta.last_reviewed]).isoformat()
    versions = [a for a in plan["relatedArtifact"] if a["label"].startswith("Version ")]
    assert [a["display"] for a in versions] == [c.summary for c in meta.changes]
    narrative = re.sub(r"<[^>]+>", "", plan["text"]["div"])
    assert ("pending" in narrative) is (approved_on is None)


def test_every_category_is_an_activity_definition_that_orders_nothing():
    activities = {a["code"]["coding"][0]["code"]: a for a in resources(shipped_bundle(), "ActivityDefinition")}
    assert list(activities) == [c.id for c in SHIPPED.content.categories]
    for category in SHIPPED.content.categories:
        activity = activities[category.id]
        assert activity["title"] == category.label
        assert activity["description"] == category.description.text
        assert [a["label"] for a in activity["relatedArtifact"]] == [
            f"{b.source} § {b.section}" for b in category.description.basis]
        assert "kind" not in activity, "a kind would make it a request (an order)"


def actions_of(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action of a PlanDefinition, depth first."""
    out, stack = [], list(reversed(plan["action"]))
    while stack:
        action = stack.pop()
        out.append(action)
        stack.extend(reversed(action.get("action", [])))
    return out


def test_outcome_actions_carry_summary_categories_notes_and_their_basis():
    plan = resource(shipped_bundle(), "PlanDefinition")
    top, _ = plan["action"]
    assert top["selectionBehavior"] == "at-most-one"
    by_id = {a["id"]: a for a in top["action"]}
    assert list(by_id) == [o.id for o in SHIPPED.outcomes()]
    for outcome in SHIPPED.outcomes():
        action = by_id[outcome.id]
        assert action["title"] == outcome.title and action["description"] == outcome.summary.text
        leaves = [a for a in actions_of(action) if "definitionCanonical" in a]
        assert [a["description"] for a in leaves] == [
            t.explanation.text for g in SHIPPED.content.category_groups
            for t in outcome.treatments if SHIPPED.categories[t.category].group == g.id]
        notes = [a for a in action["action"] if "textEquivalent" in a]
        assert [n["textEquivalent"] for n in notes] == [n.text for n in outcome.notes]
        for note, statement in zip(notes, outcome.notes):
            flags = [x["valueString"] for x in note.get("extension", []) if x["url"].endswith("/editorial-assumption")]
            assert flags == ([statement.editorial] if statement.editorial else [])
            about = [x["valueCanonical"].rsplit("/", 1)[1] for x in note.get("extension", [])
                     if x["url"].endswith("/note-about")]
            assert about == [f"relapsed-all-{c}".replace("_", "-") for c in statement.about]
            assert len(note["documentation"]) == len(statement.basis)
    assert not any("type" in a for a in actions_of(plan)), "no action asks a system to create anything"


def test_outlook_notes_and_figures_carry_their_text_basis_and_conditions_in_words():
    _, outlook = resource(shipped_bundle(), "PlanDefinition")["action"]
    content = SHIPPED.content.outlook
    assert outlook["description"] == content.depends_on.text
    assert [a["id"] for a in outlook["action"]] == [f"outlook.{n.id}" for n in content.notes]
    for action, note in zip(outlook["action"], content.notes):
        assert (action["title"], action["textEquivalent"]) == (note.title, note.text)
        cited = [f"{b.source} § {b.section}" for b in note.basis]
        assert [d["label"] for d in action["documentation"]] == [
            f"{b.reported_by}, as reported by {c}" if b.reported_by else c for b, c in zip(note.basis, cited)]
        words = action["condition"][0]["expression"]["description"]
        for question_id, options in note.applies_when.items():
            question = SHIPPED.questions[question_id]
            assert question.short_label in words
            assert all(o.label in words for o in question.options if o.id in options)
        figures = [f for f in action.get("action", []) if ".figure-" in f["id"]]
        assert [f["textEquivalent"] for f in figures] == [f.display for f in note.figures]
        context = [f for f in action.get("action", []) if f["id"].endswith(".figures-context")]
        if note.figures and content.figures_context is not None:
            (shown,) = context
            assert shown["textEquivalent"] == content.figures_context.text
            flags = [x["valueString"] for x in shown.get("extension", []) if x["url"].endswith("/editorial-assumption")]
            assert flags == ([content.figures_context.editorial] if content.figures_context.editorial else [])
        else:
            assert context == []


def test_treatment_label_of_a_situation_is_the_action_title():
    labelled = [(o.id, t) for o in SHIPPED.outcomes() for t in o.treatments if t.label]
    assert labelled, "the shipped content words some categories its own way for a situation"
    titles = {a["id"]: a.get("title") for a in actions_of(resource(shipped_bundle(), "PlanDefinition"))}
    for outcome in SHIPPED.outcomes():
        for t in outcome.treatments:
            assert titles[f"{outcome.id}.{t.category}"] == (t.label or SHIPPED.categories[t.category].label)


def test_questionnaire_has_one_choice_item_per_question_with_option_codes():
    form = resource(shipped_bundle(), "Questionnaire")
    codes = resource(shipped_bundle(), "CodeSystem")
    questions = SHIPPED.tree_questions() + SHIPPED.outlook_questions()
    assert [i["linkId"] for i in form["item"]] == [q.id for q in questions]
    for item, question in zip(form["item"], questions):
        assert item["type"] == "choice" and item["text"] == question.prompt
        assert [o["valueCoding"]["code"] for o in item["answerOption"]] == [o.id for o in question.options]
        assert {o["valueCoding"]["system"] for o in item["answerOption"]} == {codes["url"]}
        assert item["required"] is (question.role == "tree"), "the outlook question is optional"
    concepts = {c["code"]: c for c in codes["concept"]}
    for question in questions:
        assert [c["code"] for c in concepts[question.id]["concept"]] == [o.id for o in question.options]
    assert codes["url"].startswith(DEFAULT_CANONICAL_BASE + "/")


# ---- the code checks -----------------------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the Bundle at a dotted path (``entry[0].resource.status``)."""
    def change(bundle: dict[str, Any]) -> None:
        target: Any = bundle
        parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
        for part in parts[:-1]:
            target = target[int(part[1:-1])] if part.startswith("[") else target[part]
        last = parts[-1]
        if last.startswith("["):
            target[int(last[1:-1])] = value
        else:
            target[last] = value
    return change


PD, Q, CS, AD = "entry[0].resource", "entry[1].resource", "entry[2].resource", "entry[3].resource"
OUTCOME = f"{PD}.action[0].action[0]"
BROKEN_CODES = [
    ("bundle-type", _set("type", "pile"), r"'pile' at Bundle\.type"),
    ("plan-status", _set(f"{PD}.status", "bogus"), r"'bogus' at PlanDefinition/relapsed-all\.status"),
    ("questionnaire-status", _set(f"{Q}.status", "live"), r"Questionnaire/relapsed-all\.status"),
    ("codesystem-status", _set(f"{CS}.status", "final"), r"CodeSystem/relapsed-all\.status"),
    ("activity-status", _set(f"{AD}.status", "approved"), r"ActivityDefinition/[a-z-]+\.status"),
    ("plan-type", _set(f"{PD}.type.coding[0].code", "pathway"), r"type\.coding\[0\]\.code"),
    ("plan-type-system", _set(f"{PD}.type.coding[0].system", "http://example.org/types"), r"coding\[0\]\.system"),
    ("plan-type-order-set", _set(f"{PD}.type.coding[0].code", "order-set"), r"not allowed: .*not an order set"),
    ("grouping-behavior", _set(f"{PD}.action[0].groupingBehavior", "bunch"), r"action\[0\]\.groupingBehavior"),
    ("selection-behavior", _set(f"{PD}.action[0].selectionBehavior", "one"), r"action\[0\]\.selectionBehavior"),
    ("condition-kind", _set(f"{OUTCOME}.condition[0].kind", "when"), r"condition\[0\]\.kind"),
    ("expression-language", _set(f"{OUTCOME}.condition[0].expression.language", "text/python"),
     r"expression\.language"),
    ("documentation-type", _set(f"{OUTCOME}.documentation[0].type", "reference"), r"documentation\[0\]\.type"),
    ("related-artifact-type", _set(f"{PD}.relatedArtifact[0].type", "source"), r"relatedArtifact\[0\]\.type"),
    ("use-context-type", _set(f"{PD}.useContext[0].code.code", "audience"), r"useContext\[0\]\.code\.code"),
    ("narrative-status", _set(f"{PD}.text.status", "written"), r"text\.status"),
    ("item-type", _set(f"{Q}.item[0].type", "radio"), r"item\[0\]\.type"),
    ("enable-operator", _set(f"{Q}.item[1].enableWhen[0].operator", "=="), r"enableWhen\[0\]\.operator"),
    ("enable-behavior", _set(f"{Q}.item[1].enableBehavior", "some"), r"item\[1\]\.enableBehavior"),
    ("enable-answer", _set(f"{Q}.item[1].enableWhen[0]", {"question": "age_group", "operator": "=",
                                                          "answerCoding": {"system": "x", "code": "teen"}}),
     r"'teen' at .*enableWhen\[0\]\.answerCoding"),
    ("item-control", _set(f"{Q}.item[0].item[0].extension[0].valueCodeableConcept.coding[0].code", "tooltip"),
     r"coding\[0\]\.code"),
    ("codesystem-content", _set(f"{CS}.content", "all"), r"CodeSystem/relapsed-all\.content"),
    ("hierarchy-meaning", _set(f"{CS}.hierarchyMeaning", "tree"), r"hierarchyMeaning"),
    ("activity-kind", _set(f"{AD}.kind", "ServiceRequest"), r"\.kind is not allowed: .*request"),
    ("action-type", _set(f"{OUTCOME}.type", {"coding": [{"code": "create"}]}), r"\.type is not allowed"),
    ("figure-expression-language",
     _set(f"{PD}.action[1].action[3].action[1].extension[0].valueExpression.language", "text/python"),
     r"'text/python' at .*extension\[0\]\.valueExpression\.language"),
]


@pytest.mark.parametrize(("change", "message"), [b[1:] for b in BROKEN_CODES], ids=[b[0] for b in BROKEN_CODES])
def test_a_broken_code_is_named_with_the_allowed_ones(change, message):
    bundle = copy.deepcopy(shipped_bundle())
    check_codes(bundle)
    change(bundle)
    with pytest.raises(FhirCodeError, match=message) as raised:
        check_codes(bundle)
    if "not allowed" not in message:
        assert raised.value.allowed and "must be one of" in str(raised.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(f"{OUTCOME}.action[0].action[0].definitionCanonical", "http://example.org/x"),
         "names no ActivityDefinition"),
        (_set(f"{Q}.item[1].enableWhen[0].question", "age"), "names no item"),
        (_set(f"{PD}.text.div", "<div>unclosed"), "not well-formed XHTML"),
        (_set(f"{PD}.text.div", "<div>no namespace</div>"), "XHTML <div> in the namespace"),
    ],
    ids=["dangling-activity", "enable-unknown-question", "narrative-not-xml", "narrative-not-xhtml"],
)
def test_a_broken_reference_or_narrative_is_reported(change, message):
    bundle = copy.deepcopy(shipped_bundle())
    change(bundle)
    with pytest.raises(FhirExportError, match=message):
        check_codes(bundle)


def test_fhir_resources_rejects_a_wrong_shape():
    bundle = copy.deepcopy(shipped_bundle())
    bundle["entry"][0]["resource"]["lastReviewDate"] = "24 November 2026"
    with pytest.raises(FhirExportError, match=r"does not validate as R4B .*lastReviewDate"):
        validate_bundle(bundle)


def test_option_id_shared_by_two_questions_cannot_be_a_code_twice():
    text = resolve_pathway(None).read_text(encoding="utf-8").replace("b_cell", "child")
    pathway = load_pathway_text(text, "shared.yaml")
    with pytest.raises(FhirExportError, match=r"shared\.yaml: id 'child' is used by an option of question "
                                              r"'age_group' and an option of question 'cell_type'"):
        build_bundle(pathway)


@pytest.mark.parametrize("base", ["ftp://example.org/x", "http://example.org/x/", "example.org", "http://a b"],
                         ids=["not-http", "trailing-slash", "no-scheme", "space"])
def test_canonical_base_must_be_an_http_url(base):
    with pytest.raises(CanonicalBaseError, match="is not an http"):
        build_bundle(SHIPPED, base)


def test_canonical_base_names_every_resource():
    bundle = to_bundle(SHIPPED, "https://fhir.hospital.example/pathways")
    for entry in bundle["entry"]:
        assert entry["resource"]["url"].startswith("https://fhir.hospital.example/pathways/")
    assert DEFAULT_CANONICAL_BASE not in json.dumps(bundle)


# ---- the export means what the engine means (fhirpathpy) --------------------------------------------------------


@lru_cache(maxsize=None)
def fhirpath(expression: str) -> Callable[..., list]:
    return fhirpath_compile(expression, models["r4"])


def holds(expression: str, response: dict[str, Any], context: dict[str, Any] | None = None) -> bool:
    result = fhirpath(expression)(response, context or {})
    assert result in ([True], [False]), (expression[:200], result)
    return result == [True]


def response_for(bundle: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """A QuestionnaireResponse to the exported Questionnaire with these answers."""
    form, codes = resource(bundle, "Questionnaire"), resource(bundle, "CodeSystem")
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed" if answers else "in-progress",
        "questionnaire": form["url"],
        "item": [{"linkId": question, "answer": [{"valueCoding": {"system": codes["url"], "code": option}}]}
                 for question, option in answers.items()],
    }


def applicable(actions: list[dict[str, Any]], response: dict[str, Any]) -> list[dict[str, Any]]:
    """The actions whose applicability conditions all hold (each with fhirpathpy)."""
    return [a for a in actions
            if all(holds(c["expression"]["expression"], response) for c in a.get("condition", [])
                   if c["kind"] == "applicability")]


def categories_applying(action: dict[str, Any], response: dict[str, Any], codes: dict[str, str]) -> list[str]:
    """Category ids the applicable sub-actions point to, in order (sub-actions apply only under their parent)."""
    found = []
    for sub in applicable(action.get("action", []), response):
        if "definitionCanonical" in sub:
            found.append(codes[sub["definitionCanonical"]])
        found += categories_applying(sub, response, codes)
    return found


def answer_sets(pathway: Pathway) -> list[dict[str, str]]:
    """Every combination of answers: each question unanswered or answered with one of its options."""
    questions = pathway.tree_questions() + pathway.outlook_questions()
    combos = itertools.product(*[[None, *(o.id for o in q.options)] for q in questions])
    return [{q.id: v for q, v in zip(questions, values) if v is not None} for values in combos]


def assert_same_as_engine(pathway: Pathway, bundle: dict[str, Any], answers: dict[str, str]) -> None:
    result = evaluate(pathway, answers)
    response = response_for(bundle, answers)
    plan = resource(bundle, "PlanDefinition")
    codes = {a["url"]: a["code"]["coding"][0]["code"] for a in resources(bundle, "ActivityDefinition")}
    top, outlook = applicable(plan["action"], response)  # the pathway and the outlook apply always
    assert (top["id"], outlook["id"]) == ("pathway", "outlook")
    notes = applicable(outlook["action"], response)
    assert [n["id"] for n in notes] == [f"outlook.{n.id}" for n in result.notes], answers
    for action, note in zip(notes, result.notes):
        figures = [f for f in action.get("action", []) if ".figure-" in f["id"]]
        assert [f["title"] for f in figures] == [f.figure.label for f in note.figures]
        for shown, figure in zip(figures, note.figures):
            matches = [x["valueExpression"]["expression"] for x in shown.get("extension", [])
                       if x["url"].endswith("/figure-matches")]
            if matches:
                assert holds(matches[0], response) is (figure.applies is True), (answers, shown["title"])
            else:
                assert figure.applies is None
    chosen = applicable(top["action"], response)
    if result.complete:
        assert [a["id"] for a in chosen] == [result.outcome.id], answers
        (outcome,) = chosen
        assert categories_applying(outcome, response, codes) == sorted(
            (t.id for t in result.treatments),
            key=lambda c: ([g.id for g in pathway.content.category_groups].index(pathway.categories[c].group),
                           [t.id for t in result.treatments].index(c))), answers
        assert {t.id for t in result.treatments} == set(categories_applying(outcome, response, codes))
    else:
        assert chosen == [], (answers, [a["id"] for a in chosen])


SHIPPED_ANSWERS = answer_sets(SHIPPED)


def test_every_answer_set_of_the_shipped_pathway_is_covered():
    complete = [a for a in SHIPPED_ANSWERS if evaluate(SHIPPED, a).complete]
    assert len(SHIPPED_ANSWERS) == 81 and len(complete) == 8 * 3  # 8 situations, each with 3 outlook answers
    assert {evaluate(SHIPPED, a).outcome.id for a in complete} == {o.id for o in SHIPPED.outcomes()}


@pytest.mark.parametrize("answers", SHIPPED_ANSWERS, ids=["&".join(f"{k}={v}" for k, v in a.items()) or "none"
                                                         for a in SHIPPED_ANSWERS])
def test_fhirpath_chooses_the_outcome_and_categories_the_engine_chooses(answers):
    assert_same_as_engine(SHIPPED, shipped_bundle(), answers)


def sample(pathway: Pathway, size: int) -> list[dict[str, str]]:
    """Every complete situation's answers, then partial answer sets, evenly spread, to ``size`` in all."""
    every = answer_sets(pathway)
    complete = [a for a in every if evaluate(pathway, a).complete]
    partial = [a for a in every if not evaluate(pathway, a).complete]
    unique_complete = list({tuple(sorted(evaluate(pathway, a).answers.items())): a for a in complete}.values())
    picked = unique_complete[: size // 2]
    step = max(1, len(partial) // (size - len(picked)))
    return picked + partial[::step][: size - len(picked)]


def test_generated_large_pathway_export_validates_and_agrees_with_the_engine_on_a_sample():
    pathway, bundle = generated()
    assert len(pathway.nodes) >= 999
    plan = resource(bundle, "PlanDefinition")
    assert len(plan["action"][0]["action"]) == len(pathway.outcomes())
    assert len(plan["action"][1]["action"]) == len(pathway.content.outlook.notes)
    answers = sample(pathway, 12)
    assert any(evaluate(pathway, a).complete for a in answers) and any(
        not evaluate(pathway, a).complete for a in answers)
    for a in answers:
        assert_same_as_engine(pathway, bundle, a)


# ---- the Questionnaire asks what the tree asks ----------------------------------------------------------------


def enabled_items(bundle: dict[str, Any], answers: dict[str, str]) -> set[str]:
    """Items a form filler enables for these answers, in FHIR's terms: an item is enabled by its enableWhen (a
    hidden item counts as unanswered) or by its enableWhenExpression (fhirpathpy, over the answers shown)."""
    form = resource(bundle, "Questionnaire")
    shown: dict[str, str] = {}
    enabled: set[str] = set()
    for _ in form["item"]:  # enough passes for every chain of dependencies to settle
        for item in form["item"]:
            expression = [x["valueExpression"]["expression"] for x in item.get("extension", [])
                          if x["url"] == ENABLE_WHEN_EXPRESSION_EXTENSION]
            if expression:
                on = holds(expression[0], response_for(bundle, shown), {"resource": response_for(bundle, shown)})
            elif "enableWhen" in item:
                tests = [rule["question"] in shown and (
                    rule["operator"] == "exists" or shown[rule["question"]] == rule["answerCoding"]["code"])
                    for rule in item["enableWhen"]]
                on = any(tests) if item.get("enableBehavior") == "any" else all(tests)
            else:
                on = True
            if on:
                enabled.add(item["linkId"])
                if item["linkId"] in answers:
                    shown[item["linkId"]] = answers[item["linkId"]]
            else:
                enabled.discard(item["linkId"])
                shown.pop(item["linkId"], None)
    return enabled


def asked(pathway: Pathway, answers: dict[str, str]) -> set[str]:
    result = evaluate(pathway, answers)
    ids = {s.question.id for s in result.path} | {q.id for q in pathway.outlook_questions()}
    return ids | ({result.next_question.id} if result.next_question else set())


def test_shipped_questionnaire_uses_plain_enable_when():
    form = resource(shipped_bundle(), "Questionnaire")
    assert not any(x["url"] == ENABLE_WHEN_EXPRESSION_EXTENSION for i in form["item"] for x in i.get("extension", []))
    assert [("enableWhen" in i) for i in form["item"]] == [False, True, True, False]


@pytest.mark.parametrize("answers", SHIPPED_ANSWERS[::4], ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items())
                         or "none")
def test_shipped_questionnaire_shows_the_questions_the_tree_asks(answers):
    assert enabled_items(shipped_bundle(), answers) == asked(SHIPPED, answers)


def test_generated_questionnaire_shows_the_questions_the_tree_asks():
    pathway, bundle = generated()
    for answers in sample(pathway, 12):
        assert enabled_items(bundle, answers) == asked(pathway, answers), answers


def test_a_response_to_the_questionnaire_is_valid_r4b():
    QuestionnaireResponse.model_validate(response_for(shipped_bundle(), {"age_group": "child"}))


# ---- the command and its errors -------------------------------------------------------------------------------


def test_export_command_writes_the_bundle(tmp_path):
    out = tmp_path / "bundle.json"
    result = subprocess.run([sys.executable, "-m", "pathways", "export", "--format", "fhir", "-o", str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == json.loads(to_json(SHIPPED, made=datetime.date.today()))
    validate_bundle(written)


@pytest.mark.parametrize("fixture", BROKEN, ids=[p.stem for p in BROKEN])
def test_invalid_content_gives_the_validate_errors_and_writes_nothing(fixture, tmp_path, capsys):
    assert main(["validate", str(fixture)]) == 1
    expected = capsys.readouterr().err.splitlines()
    out = tmp_path / "bundle.json"
    assert main(["export", "--format", "fhir", "--pathway", str(fixture), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == expected and re.match(r".+\.yaml:\d+: ", expected[0])
    assert list(tmp_path.iterdir()) == [], "no output file, not even a partial one"


def test_export_keeps_an_existing_file_when_content_is_invalid(tmp_path, capsys):
    out = tmp_path / "bundle.json"
    out.write_text("previous", encoding="utf-8")
    assert main(["export", "-f", "fhir", "-p", str(BROKEN[0]), "-o", str(out)]) == 1
    assert out.read_text(encoding="utf-8") == "previous"


def test_export_refuses_a_bad_base_as_a_usage_error(tmp_path, capsys):
    out = tmp_path / "bundle.json"
    assert main(["export", "-f", "fhir", "--base", "ftp://x", "-o", str(out)]) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err and not out.exists()


def test_export_format_is_required_and_checked(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["export", "-f", "xml", "-o", "x.json"])
    assert exited.value.code == 2 and "invalid choice: 'xml'" in capsys.readouterr().err


def test_fhir_version_is_r4b():
    assert FHIR_VERSION == "4.3.0"


# ---- the docs' excerpt is the current output -------------------------------------------------------------------


def test_interoperability_doc_excerpts_are_the_current_output():
    from tests.support.fhir_doc import DOC, render_excerpts

    text = DOC.read_text(encoding="utf-8")
    assert render_excerpts(text) == text, "stale excerpt: run python -m tests.support.fhir_doc"
    assert text.count("<!-- fhir-excerpt:") >= 2


# ---- the app offers it ---------------------------------------------------------------------------------------------


def test_downloads_panel_offers_the_fhir_bundle_made_only_on_click(monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import AppTest

    import views

    deferred: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def recording(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        deferred[file_name] = data_callable  # kept, not called: a click would call it
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    builds: list[str] = []
    real = views.fhir_json
    monkeypatch.setattr(views, "fhir_json", lambda *a, **k: builds.append("built") or real(*a, **k))
    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    views._fhir_bundle.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["age_group"] = "child"
    at = at.run()
    assert not [b for b in at.get("download_button") if b.key == "download_fhir"], "closed panel: no button"
    at.session_state["downloads_panel"] = True
    at = at.run()
    assert not at.exception
    (button,) = [b for b in at.get("download_button") if b.key == "download_fhir"]
    assert button.proto.label == "FHIR Bundle (JSON)"
    assert builds == [], "the Bundle is made only when its button is clicked"
    click = deferred["relapsed-all-fhir.json"]
    data, again = click(), click()
    assert builds == ["built"], "made once, then cached"
    assert data is again
    plan = json.loads(data)["entry"][0]["resource"]
    meta = SHIPPED.content.metadata
    assert plan["usage"] == meta.disclaimer
    narrative = re.sub(r"<[^>]+>", "", plan["text"]["div"])
    assert meta.disclaimer in narrative and f"Made on: {datetime.date.today().isoformat()}" in narrative


NARRATED = ("PlanDefinition", "Questionnaire", "CodeSystem", "ActivityDefinition")


@pytest.mark.parametrize("kind", NARRATED, ids=NARRATED)
def test_every_resource_has_a_generated_narrative_with_the_disclaimer(kind):
    import xml.etree.ElementTree as ElementTree

    bundle = to_bundle(SHIPPED)
    resources = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    assert resources
    for resource in resources:
        assert resource["text"]["status"] == "generated"
        div = ElementTree.fromstring(resource["text"]["div"])
        words = " ".join("".join(div.itertext()).split())
        assert " ".join(SHIPPED.content.metadata.disclaimer.split()) in words
        if kind == "ActivityDefinition":
            category = SHIPPED.categories[resource["code"]["coding"][0]["code"]]
            assert category.label in words and " ".join(category.description.text.split()) in words
        if kind == "Questionnaire":
            for question in SHIPPED.content.questions:
                assert question.prompt in words and " ".join(question.why.text.split()) in words
                for option in question.options:
                    if option.help is not None:
                        assert " ".join(option.help.text.split()) in words
                        assert option.help.editorial is None or " ".join(option.help.editorial.split()) in words


def test_narratives_print_markup_in_the_content_as_text():
    import xml.etree.ElementTree as ElementTree

    from tests.support.quoted import edited_pathway

    def edit(data):
        category = next(c for c in data["categories"] if c["id"] == "targeted_therapy")
        category["description"]["text"] = "<b>Aimed</b> & " + category["description"]["text"]

    pathway = edited_pathway(edit)
    activity = next(e["resource"] for e in to_bundle(pathway)["entry"]
                    if e["resource"]["resourceType"] == "ActivityDefinition"
                    and e["resource"]["code"]["coding"][0]["code"] == "targeted_therapy")
    assert "&lt;b&gt;Aimed&lt;/b&gt; &amp; " in activity["text"]["div"]
    assert "<b>Aimed</b> & " in "".join(ElementTree.fromstring(activity["text"]["div"]).itertext())
