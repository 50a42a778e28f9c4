"""The pathway as a FHIR R4B Bundle: a Questionnaire for the questions, a CodeSystem for their codes, an
ActivityDefinition per category and a PlanDefinition whose outcome actions apply by ``text/fhirpath`` conditions
over a QuestionnaireResponse. Built as plain dicts from the content; its codes are checked against their value sets
(fhir.resources does not check codes) and every resource is validated with fhir.resources' R4B models.

Nothing clinical is written here: every text comes from the pathway file. See docs/interoperability.md.
"""

from __future__ import annotations

import datetime
import html
import itertools
import json
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..errors import PathwayError
from ..evaluate import Result, TreatmentResult, citation, evaluate
from ..shown import GROUP_INTRO, NOTE, Item, Shown, shown
from .export import about_lines, basis_words
from .fhir_codes import (
    ACTION_CONDITION_KIND,
    ACTION_GROUPING_BEHAVIOR,
    ACTION_SELECTION_BEHAVIOR,
    BUNDLE_TYPE,
    CODE_SYSTEM_CONTENT_MODE,
    CODE_SYSTEM_HIERARCHY_MEANING,
    ENABLE_WHEN_EXPRESSION_EXTENSION,
    EXPRESSION_LANGUAGE,
    FHIR_VERSION,
    FORBIDDEN,
    ITEM_CONTROL,
    ITEM_CONTROL_EXTENSION,
    ITEM_CONTROL_SYSTEM,
    NARRATIVE_STATUS,
    PLAN_DEFINITION_TYPE,
    PLAN_DEFINITION_TYPE_SYSTEM,
    PUBLICATION_STATUS,
    QUESTIONNAIRE_ENABLE_BEHAVIOR,
    QUESTIONNAIRE_ENABLE_OPERATOR,
    QUESTIONNAIRE_ITEM_TYPE,
    RELATED_ARTIFACT_TYPE,
    USAGE_CONTEXT_TYPE,
    USAGE_CONTEXT_TYPE_SYSTEM,
    XHTML_NAMESPACE,
)
from ..load import Pathway
from ..model import OutcomeNode, Question, QuestionNode, Statement

__all__ = [
    "DEFAULT_CANONICAL_BASE",
    "FHIR_VERSION",
    "FhirExportError",
    "FhirCodeError",
    "CanonicalBaseError",
    "to_bundle",
    "to_json",
    "build_bundle",
    "check_codes",
    "validate_bundle",
    "answer_term",
    "MAX_PATHS",
    "TRANSLATION_EXTENSION",
    "add_translations",
]

#: A placeholder base for the canonical URLs (example.org is reserved for examples): a site that publishes the
#: resources gives its own base (``--base`` on the command line).
DEFAULT_CANONICAL_BASE = "http://example.org/fhir/relapsed-all-explorer"
#: More root-to-node paths than this (a tree that shares nodes between branches can have very many) are refused.
MAX_PATHS = 20000
#: Answer combinations checked to prove a question's ``enableWhen`` exact; beyond it an expression is used.
MAX_STATES = 20000

_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9._~\-]+)*$")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

#: One condition on the answers: (question id, option id).
Term = tuple[str, str]


class FhirExportError(PathwayError):
    """The pathway cannot be written as FHIR as it is, or the Bundle built from it is not valid FHIR."""


class CanonicalBaseError(FhirExportError):
    """The canonical base given for the resources' URLs is not an http(s) URL."""

    def __init__(self, base: str):
        self.base = base
        super().__init__(f"canonical base {base!r} is not an http(s) URL without a trailing '/' "
                         f"(for example {DEFAULT_CANONICAL_BASE!r})")


class FhirCodeError(FhirExportError):
    """A coded value in the Bundle is not in its value set (or is one the export must never use)."""

    def __init__(self, where: str, code: Any, allowed: Iterable[str], reason: str | None = None):
        self.where = where
        self.code = code
        self.allowed = list(allowed)
        if reason:
            text = f"code {code!r} at {where} is not allowed: {reason}"
        else:
            text = f"invalid code {code!r} at {where} (must be one of {self.allowed})"
        super().__init__(text)


# ---- public entry points --------------------------------------------------------------------------------------


def to_bundle(pathway: Pathway, base: str = DEFAULT_CANONICAL_BASE,
              made: datetime.date | None = None, translations: Mapping[str, Pathway] | None = None) -> dict[str, Any]:
    """The checked and validated Bundle (type ``collection``) for a pathway, as plain JSON-ready dicts; ``made``
    adds the date it was made to the narrative (without it the output depends on the content alone).
    ``translations`` (language -> the pathway translated, pathways.translate.translated) adds each text's
    translations with FHIR's standard translation extension (``add_translations``)."""
    bundle = build_bundle(pathway, base, made)
    if translations:
        from ..translate import use_language

        others = {}
        for lang, other in translations.items():
            with use_language(lang):  # the fixed words of the export (citations, conditions) in that language too
                others[lang] = build_bundle(other, base, made)
        add_translations(bundle, others)
    check_codes(bundle)
    validate_bundle(bundle)
    return bundle


def to_json(pathway: Pathway, base: str = DEFAULT_CANONICAL_BASE, made: datetime.date | None = None,
            translations: Mapping[str, Pathway] | None = None) -> str:
    """The Bundle as indented JSON text (UTF-8, ending in a newline)."""
    return json.dumps(to_bundle(pathway, base, made, translations), indent=2, ensure_ascii=False) + "\n"


#: FHIR's standard extension for a string's translation (sub-extensions ``lang`` and ``content``), carried on the
#: string's primitive element (``_text``, ``_title``...).
TRANSLATION_EXTENSION = "http://hl7.org/fhir/StructureDefinition/translation"
#: The string elements whose translations are carried (the narrative's div is written for one language: not these).
TRANSLATED_ELEMENTS = ("text", "title", "description", "display", "textEquivalent", "label", "purpose",
                       "usage")


def add_translations(bundle: dict[str, Any], translated: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Add to ``bundle`` (built from the English) the translation extension on every text element whose value in a
    translated bundle (built the same way from the translated pathway, so of the same shape) differs."""
    def walk(english: Any, others: dict[str, Any], where: str) -> None:
        if isinstance(english, dict):
            for key, value in list(english.items()):
                if key.startswith("_"):
                    continue
                theirs = {lang: other.get(key) if isinstance(other, dict) else None for lang, other in others.items()}
                if key in TRANSLATED_ELEMENTS and isinstance(value, str):
                    extensions = [{"url": TRANSLATION_EXTENSION, "extension": [
                        {"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text}]}
                        for lang, text in theirs.items() if isinstance(text, str) and text != value]
                    if extensions:
                        english[f"_{key}"] = {"extension": extensions}
                elif isinstance(value, (dict, list)):
                    walk(value, theirs, f"{where}.{key}")
        elif isinstance(english, list):
            for lang, other in others.items():
                if not isinstance(other, list) or len(other) != len(english):
                    raise FhirExportError(f"the {lang} translation does not have the shape of the English at {where}")
            for index, value in enumerate(english):
                walk(value, {lang: other[index] for lang, other in others.items()}, f"{where}[{index}]")

    walk(bundle, dict(translated), "Bundle")
    return bundle


def answer_term(question_id: str, option_id: str, system: str, prefix: str = "") -> str:
    """The FHIRPath test that a QuestionnaireResponse answers ``question_id`` with ``option_id``."""
    return (f"{prefix}item.where(linkId = {_literal(question_id)}).answer.value"
            f".where(system = {_literal(system)} and code = {_literal(option_id)}).exists()")


# ---- building -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Urls:
    base: str
    pathway_id: str

    @property
    def plan(self) -> str:
        return f"{self.base}/PlanDefinition/{_fhir_id(self.pathway_id)}"

    @property
    def questionnaire(self) -> str:
        return f"{self.base}/Questionnaire/{_fhir_id(self.pathway_id)}"

    @property
    def codes(self) -> str:
        return f"{self.base}/CodeSystem/{_fhir_id(self.pathway_id)}"

    def activity_id(self, category_id: str) -> str:
        return _fhir_id(f"{self.pathway_id}-{category_id}")

    def activity(self, category_id: str) -> str:
        return f"{self.base}/ActivityDefinition/{self.activity_id(category_id)}"

    @property
    def editorial_extension(self) -> str:
        return f"{self.base}/StructureDefinition/editorial-assumption"

    @property
    def basis_extension(self) -> str:
        return f"{self.base}/StructureDefinition/basis"

    @property
    def note_about_extension(self) -> str:
        return f"{self.base}/StructureDefinition/note-about"

    @property
    def figure_matches_extension(self) -> str:
        return f"{self.base}/StructureDefinition/figure-matches"


def build_bundle(pathway: Pathway, base: str = DEFAULT_CANONICAL_BASE,
                 made: datetime.date | None = None) -> dict[str, Any]:
    """The Bundle as plain dicts, before its codes are checked and it is validated (see ``to_bundle``)."""
    if not _URL.match(base):
        raise CanonicalBaseError(base)
    urls = _Urls(base, pathway.id)
    _check_unique_codes(pathway)
    paths = _paths(pathway)
    resources = [_plan_definition(pathway, urls, paths, made), _questionnaire(pathway, urls, paths),
                 _code_system(pathway, urls)]
    resources += [_activity_definition(pathway, urls, c.id, made) for c in pathway.content.categories]
    return {
        "resourceType": "Bundle",
        "id": _fhir_id(f"{pathway.id}-bundle"),
        "type": "collection",
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }


def _common(pathway: Pathway, urls: _Urls, kind: str, ident: str, name: str, title: str) -> dict[str, Any]:
    """The metadata every definitional resource carries."""
    meta = pathway.content.metadata
    return {
        "resourceType": kind,
        "id": ident,
        "url": f"{urls.base}/{kind}/{ident}",
        "version": meta.version,
        "name": name,
        "title": title,
        "status": _status(pathway),
        "date": _date(pathway),
    }


def _status(pathway: Pathway) -> str:
    """``active`` once the content records its approval, ``draft`` before."""
    return "active" if pathway.content.metadata.approved_on else "draft"


def _date(pathway: Pathway) -> str:
    """When the content last changed: the newest change-log date, else the last review."""
    meta = pathway.content.metadata
    dates = [c.date for c in meta.changes]
    return max(dates + [meta.last_reviewed]).isoformat()


def _plan_definition(pathway: Pathway, urls: _Urls, paths: _Paths, made: datetime.date | None) -> dict[str, Any]:
    meta = pathway.content.metadata
    plan = _common(pathway, urls, "PlanDefinition", _fhir_id(pathway.id), _name(pathway.id), meta.title)
    plan["text"] = {"status": "generated", "div": _narrative(pathway, made)}
    plan["type"] = {"coding": [{"system": PLAN_DEFINITION_TYPE_SYSTEM, "code": "clinical-protocol",
                                "display": "Clinical Protocol"}]}
    plan["description"] = meta.population
    plan["useContext"] = [
        {"code": {"system": USAGE_CONTEXT_TYPE_SYSTEM, "code": "user", "display": "User Type"},
         "valueCodeableConcept": {"text": meta.audience}},
        {"code": {"system": USAGE_CONTEXT_TYPE_SYSTEM, "code": "focus", "display": "Clinical Focus"},
         "valueCodeableConcept": {"text": meta.population}},
    ]
    plan["purpose"] = meta.intended_use
    plan["usage"] = meta.disclaimer
    if meta.approved_on:
        plan["approvalDate"] = meta.approved_on.isoformat()
    plan["lastReviewDate"] = meta.last_reviewed.isoformat()
    period = {k: v.isoformat() for k, v in (("start", meta.approved_on), ("end", meta.next_review_due)) if v}
    if period:
        plan["effectivePeriod"] = period  # in use from sign-off until the next review is due
    if meta.approved_on and meta.approved_by:
        plan["endorser"] = [{"name": meta.approved_by}]  # a role, never a person; only once it has signed
    plan["relatedArtifact"] = (
        [{"type": "citation", "label": s.id, "display": s.title, "citation": s.description}
         for s in pathway.content.sources]
        + [{"type": "documentation", "label": "Editorial policy", "display": meta.editorial_policy},
           {"type": "depends-on", "label": "Questionnaire", "resource": urls.questionnaire},
           {"type": "depends-on", "label": "CodeSystem", "resource": urls.codes}]
        + [{"type": "documentation", "label": f"Version {c.version} ({c.date.isoformat()})", "display": c.summary}
           for c in meta.changes]
    )
    plan["action"] = [{
        "id": "pathway",
        "title": meta.title,
        "groupingBehavior": "logical-group",
        "selectionBehavior": "at-most-one",
        "action": [_outcome_action(pathway, urls, _shown_at(pathway, node, paths), paths.to[node.id])
                   for node in pathway.outcomes()],
    }, _outlook_action(pathway, urls, paths)]
    return plan


def _x(text: str) -> str:
    """Text for XHTML element content."""
    return html.escape(text, quote=False)


def _div(parts: Iterable[str]) -> dict[str, Any]:
    """A generated narrative (``text``) from XHTML fragments whose text is already escaped."""
    return {"status": "generated", "div": f'<div xmlns="{XHTML_NAMESPACE}">' + "".join(parts) + "</div>"}


def _statement_xhtml(statement: Statement | Item, lead: str = "") -> str:
    """A statement in a narrative: its text, its editorial mark with the reason, its basis (with quotes)."""
    head = f"<b>{_x(lead)}</b> " if lead else ""
    parts = [f"<p>{head}{_x(statement.text)}</p>"]
    if statement.editorial:
        parts.append(f"<p><i>Editorial assumption:</i> {_x(statement.editorial)}</p>")
    if statement.basis:
        parts.append(f"<p><i>Basis:</i> {_x('; '.join(basis_words(b) for b in statement.basis))}</p>")
    return "".join(parts)


def _narrative(pathway: Pathway, made: datetime.date | None) -> str:
    """The disclaimer, intended use and provenance as XHTML (the same lines as every other export)."""
    meta = pathway.content.metadata
    lines = [f"<p><b>{html.escape(meta.title, quote=False)}</b></p>"]
    day = made or meta.last_reviewed  # without a date made, the narrative depends on the content alone
    lines += [f"<p><b>{html.escape(label, quote=False)}:</b> {html.escape(value, quote=False)}</p>"
              for label, value in about_lines(pathway, day) if made is not None or label != "Made on"]
    return f'<div xmlns="{XHTML_NAMESPACE}">' + "".join(lines) + "</div>"


def _shown_at(pathway: Pathway, node: OutcomeNode, paths: _Paths) -> Shown:
    """What the outcome shows: ``shown`` for the first answers whose path reaches it."""
    for terms in paths.to.get(node.id, []):
        if _consistent(terms):
            view = shown(evaluate(pathway, dict(terms)))
            if view.result.outcome is not None and view.result.outcome.id == node.id:
                return view
    # No consistent answers reach it (a shared node asked again): what the outcome itself shows, without a path.
    treatments = tuple(TreatmentResult(c.id, t.label or c.label, c.group, c.description, t.explanation)
                       for t in node.treatments for c in [pathway.categories[t.category]])
    return shown(Result(pathway, {}, (), True, None, None, node, treatments, ()))


def _outcome_action(pathway: Pathway, urls: _Urls, view: Shown, paths: list[tuple[Term, ...]]) -> dict:
    """An outcome as the situation that reaches it shows it: summary, each group (its introduction) with its
    categories (why each appears here), then the notes."""
    node = view.result.outcome
    assert node is not None
    intros = {i.group: i for i in view.by_role(GROUP_INTRO)}
    groups = []
    for group in pathway.content.category_groups:
        members = [c for c in view.categories if c.group == group.id]
        if not members:
            continue
        entry: dict[str, Any] = {"id": f"{node.id}.{group.id}", "title": group.label,
                                 "groupingBehavior": "visual-group", "selectionBehavior": "any"}
        if group.id in intros:
            entry.update(_statement(urls, pathway, intros[group.id], "description"))
        entry["action"] = [
            {"id": f"{node.id}.{c.id}", "title": c.label, **_statement(urls, pathway, c.explanation, "description"),
             "definitionCanonical": urls.activity(c.id)}
            for c in members
        ]
        groups.append(entry)
    notes = []
    for index, note in enumerate(view.by_role(NOTE), 1):
        entry = {"id": f"{node.id}.note-{index}", **_statement(urls, pathway, note, "textEquivalent")}
        about = [{"url": urls.note_about_extension, "valueCanonical": urls.activity(c)} for c in note.about]
        if about:
            entry["extension"] = entry.get("extension", []) + about
        notes.append(entry)
    summary = view.item(f"nodes.{node.id}.summary")
    return {
        "id": node.id,
        "title": node.title,
        **_statement(urls, pathway, summary, "description"),
        "condition": [{"kind": "applicability", "expression": {
            "language": "text/fhirpath",
            "description": _in_words(pathway, paths),
            "expression": _any_path(paths, urls.codes),
        }}],
        "groupingBehavior": "logical-group",
        "selectionBehavior": "any",
        "action": groups + notes,
    }


def _outlook_action(pathway: Pathway, urls: _Urls, paths: _Paths) -> dict[str, Any]:
    """The outlook: what it depends on, then one action per outlook note, applying when its answers are given
    (a tree question only once the tree has asked it, as the engine reads it), its figures as sub-actions."""
    outlook = pathway.content.outlook
    notes = []
    for note in outlook.notes:
        entry: dict[str, Any] = {"id": f"outlook.{note.id}", "title": note.title,
                                 **_statement(urls, pathway, note, "textEquivalent")}
        if note.applies_when:
            entry["condition"] = [{"kind": "applicability",
                                   "expression": _when(pathway, paths, note.applies_when, urls.codes)}]
        figures = []
        for index, figure in enumerate(note.figures, 1):
            shown: dict[str, Any] = {"id": f"outlook.{note.id}.figure-{index}", "title": figure.label,
                                     "textEquivalent": figure.display}
            if figure.applies_when:  # shown either way (as the app does); the extension says if it matches
                shown["extension"] = [{"url": urls.figure_matches_extension,
                                       "valueExpression": _when(pathway, paths, figure.applies_when, urls.codes)}]
            figures.append(shown)
        if figures and outlook.figures_context is not None:  # shown wherever figures are
            figures.insert(0, {"id": f"outlook.{note.id}.figures-context",
                               **_statement(urls, pathway, outlook.figures_context, "textEquivalent")})
        if figures:
            entry["action"] = figures
        notes.append(entry)
    return {"id": "outlook", **_statement(urls, pathway, outlook.depends_on, "description"),
            "groupingBehavior": "logical-group", "selectionBehavior": "any", "action": notes}


def _when(pathway: Pathway, paths: _Paths, conditions: Mapping[str, list[str]], system: str) -> dict[str, Any]:
    """A FHIRPath Expression: every question in ``conditions`` has one of its listed answers, and a tree question
    counts only once the tree has asked it (the engine ignores an answer the path has not reached)."""
    tree = {q.id for q in pathway.tree_questions()}
    parts, words = [], []
    for question_id, options in conditions.items():
        question = pathway.questions[question_id]
        answer = " or ".join(answer_term(question_id, o, system) for o in options)
        answer = f"({answer})" if len(options) > 1 else answer
        if question_id in tree:
            reached = [" and ".join(answer_term(q, o, system) for q, o in p)
                       for p in _visibility_paths(paths, pathway, question_id)]
            answer = " or ".join(f"({r} and {answer})" if r else answer for r in reached) or "false"
        parts.append(f"({answer})" if " or " in answer else answer)
        labels = [o.label for o in question.options if o.id in options]
        words.append(_asked_as(question, " or ".join(labels)))
    return {"language": "text/fhirpath", "description": "; ".join(words), "expression": " and ".join(parts)}


def _statement(urls: _Urls, pathway: Pathway, statement: Statement | Item, field: str) -> dict[str, Any]:
    """A statement's text in ``field``, its basis as citations, its editorial flag as an extension."""
    out: dict[str, Any] = {}
    if statement.editorial:
        out["extension"] = [{"url": urls.editorial_extension, "valueString": statement.editorial}]
    out[field] = statement.text
    if statement.basis:
        out["documentation"] = _citations(pathway, statement)
    return out


def _citations(pathway: Pathway, statement: Statement | Item) -> list[dict[str, Any]]:
    """A statement's basis as RelatedArtifacts: the citation, the source's title and, where the content quotes it,
    the source's own words (``citation``)."""
    titles = {s.id: s.title for s in pathway.content.sources}
    return [{"type": "citation", "label": citation(b), "display": titles.get(b.source, b.source),
             **({"citation": b.quote} if b.quote else {})}
            for b in statement.basis]


def _activity_definition(pathway: Pathway, urls: _Urls, category_id: str,
                         made: datetime.date | None = None) -> dict[str, Any]:
    category = pathway.categories[category_id]
    group = next(g for g in pathway.content.category_groups if g.id == category.group)
    activity = _common(pathway, urls, "ActivityDefinition", urls.activity_id(category_id), _name(category_id),
                       category.label)
    activity["text"] = _div([f"<p><b>{_x(category.label)}</b> ({_x(group.label)})</p>",
                             _statement_xhtml(category.description, "What it is:"),
                             f"<p>{_x(pathway.content.metadata.disclaimer)}</p>",
                             _version_line(pathway)])
    if category.description.editorial:
        activity["extension"] = [{"url": urls.editorial_extension, "valueString": category.description.editorial}]
    activity["description"] = category.description.text
    activity["usage"] = pathway.content.metadata.disclaimer
    activity["topic"] = [{"text": group.label}]
    activity["relatedArtifact"] = _citations(pathway, category.description)
    activity["code"] = {"coding": [{"system": urls.codes, "code": category_id, "display": category.label}]}
    return activity  # no ``kind``: nothing here is a request to be made (docs/interoperability.md)


def _code_system(pathway: Pathway, urls: _Urls) -> dict[str, Any]:
    meta = pathway.content.metadata
    codes = _common(pathway, urls, "CodeSystem", _fhir_id(pathway.id), _name(pathway.id) + "Codes", meta.title)
    concepts = [
        {"code": q.id, "display": q.short_label, "definition": q.prompt,
         "concept": [{"code": o.id, "display": o.label} for o in q.options]}
        for q in _ordered_questions(pathway)
    ]
    concepts += [{"code": c.id, "display": c.label, "definition": c.description.text}
                 for c in pathway.content.categories]
    rows = []
    for concept in concepts:
        rows.append(f"<tr><td>{_x(concept['code'])}</td><td>{_x(concept['display'])}</td>"
                    f"<td>{_x(concept.get('definition', ''))}</td></tr>")
        rows += [f"<tr><td>{_x(child['code'])}</td><td>{_x(child['display'])}</td><td>an answer to "
                 f"{_x(concept['code'])}</td></tr>" for child in concept.get("concept", [])]
    codes["text"] = _div([f"<p><b>{_x(meta.title)}</b>: the codes of its questions, answers and categories</p>",
                          f"<p>{_x(meta.disclaimer)}</p>",
                          "<table><thead><tr><th>Code</th><th>Display</th><th>Definition</th></tr></thead><tbody>",
                          *rows, "</tbody></table>", _version_line(pathway)])
    codes.update({
        "purpose": meta.intended_use,
        "caseSensitive": True,
        "hierarchyMeaning": "grouped-by",
        "content": "complete",
        "count": len(concepts) + sum(len(c.get("concept", [])) for c in concepts),
        "concept": concepts,
    })
    return codes


def _questionnaire(pathway: Pathway, urls: _Urls, paths: _Paths) -> dict[str, Any]:
    meta = pathway.content.metadata
    form = _common(pathway, urls, "Questionnaire", _fhir_id(pathway.id), _name(pathway.id) + "Questions",
                   meta.title)
    form["purpose"] = meta.intended_use
    enabling = _enabling(pathway, urls.codes, paths)
    items = []
    for question in _ordered_questions(pathway):
        item: dict[str, Any] = {
            "linkId": question.id,
            "code": [{"system": urls.codes, "code": question.id, "display": question.short_label}],
            "text": question.prompt,
            "type": "choice",
            "required": question.role == "tree",
            "answerOption": [{"valueCoding": {"system": urls.codes, "code": o.id, "display": o.label}}
                             for o in question.options],
        }
        item.update(enabling.get(question.id, {}))
        children = []
        if question.help is not None:
            children.append(_display(urls, f"{question.id}.help", question.help, "help", "Help-Button"))
        children.append(_display(urls, f"{question.id}.why", question.why))
        for option in question.options:
            if option.help is not None:  # shown once the option is chosen
                helper = _display(urls, f"{question.id}.{option.id}.help", option.help)
                helper["enableWhen"] = [{"question": question.id, "operator": "=",
                                         "answerCoding": {"system": urls.codes, "code": option.id}}]
                children.append(helper)
        item["item"] = children
        items.append(item)
    form["item"] = items
    parts = [f"<p><b>{_x(meta.title)}</b></p>", f"<p>{_x(meta.disclaimer)}</p>", "<ol>"]
    for question in _ordered_questions(pathway):
        optional = "" if question.role == "tree" else " (optional)"
        parts.append(f"<li><p><b>{_x(question.prompt)}</b>{optional}</p><ul>")
        for option in question.options:
            parts.append(f"<li>{_x(option.label)}"
                         + (_statement_xhtml(option.help) if option.help is not None else "") + "</li>")
        parts.append("</ul>")
        if question.help is not None:
            parts.append(_statement_xhtml(question.help, "How to answer:"))
        parts.append(_statement_xhtml(question.why, "Why it is asked:") + "</li>")
    form["text"] = _div([*parts, "</ol>", _version_line(pathway)])
    return form


def _display(urls: _Urls, link_id: str, statement: Statement, control: str | None = None,
             control_display: str = "") -> dict[str, Any]:
    """A display item holding a statement, its editorial reason and its basis (with quotes) as extensions."""
    extension: list[dict[str, Any]] = []
    if control is not None:
        extension.append({"url": ITEM_CONTROL_EXTENSION, "valueCodeableConcept": {
            "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": control, "display": control_display}]}})
    if statement.editorial:
        extension.append({"url": urls.editorial_extension, "valueString": statement.editorial})
    extension += [{"url": urls.basis_extension, "valueString": basis_words(b)} for b in statement.basis]
    item: dict[str, Any] = {"linkId": link_id, "type": "display", "text": statement.text}
    if extension:
        item["extension"] = extension
    return item


def _version_line(pathway: Pathway) -> str:
    meta = pathway.content.metadata
    return (f"<p>Content version {_x(meta.version)}, last reviewed {meta.last_reviewed.isoformat()}; "
            f"sources: {_x('; '.join(s.title for s in pathway.content.sources))}.</p>")


def _ordered_questions(pathway: Pathway) -> list[Question]:
    """Tree questions in the order they first appear from the root, then the optional outlook questions."""
    return pathway.tree_questions() + pathway.outlook_questions()


# ---- the tree as conditions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Paths:
    """Every root-to-node path of the tree (as answer terms, repeats dropped), by node id."""

    to: dict[str, list[tuple[Term, ...]]]


def _paths(pathway: Pathway) -> _Paths:
    found: dict[str, list[tuple[Term, ...]]] = {}
    count = 0
    stack: list[tuple[str, tuple[Term, ...]]] = [(pathway.content.tree.root, ())]
    while stack:
        node_id, terms = stack.pop()
        found.setdefault(node_id, []).append(terms)
        count += 1
        if count > MAX_PATHS:
            raise FhirExportError(f"{pathway.file}: more than {MAX_PATHS:,} root-to-node paths; too many to write "
                                  "as conditions (share fewer nodes between branches, or split the pathway)")
        node = pathway.nodes[node_id]
        if isinstance(node, QuestionNode):
            for option, target in reversed(list(node.branches.items())):
                term = (node.question, option)
                stack.append((target, terms if term in terms else terms + (term,)))
    for node_id in found:
        found[node_id].reverse()
    return _Paths(found)


def _consistent(terms: tuple[Term, ...]) -> bool:
    """False when the path needs two different answers to one question (no answer set can follow it)."""
    seen: dict[str, str] = {}
    return all(seen.setdefault(q, o) == o for q, o in terms)


def _any_path(paths: list[tuple[Term, ...]], system: str, prefix: str = "") -> str:
    """FHIRPath: the answers follow one of ``paths`` (each a conjunction of answer terms)."""
    conjunctions = [" and ".join(answer_term(q, o, system, prefix) for q, o in terms) or "true" for terms in paths]
    if len(conjunctions) == 1:
        return conjunctions[0]
    return " or ".join(f"({c})" for c in conjunctions)


def _in_words(pathway: Pathway, paths: list[tuple[Term, ...]]) -> str:
    """The condition in words, from the content's question and option labels."""
    def words(terms: tuple[Term, ...]) -> str:
        parts = []
        for q, o in terms:
            question = pathway.questions[q]
            option = next(x for x in question.options if x.id == o)
            parts.append(_asked_as(question, option.label))
        return "; ".join(parts)

    return " | ".join(words(t) for t in paths)


def _asked_as(question: Question, answer: str) -> str:
    """A question and its answer in words: ``Child or adult? Child``, ``Time since initial treatment: ...``."""
    label = question.short_label
    return f"{label} {answer}" if label.endswith("?") else f"{label}: {answer}"


def _visibility_paths(paths: _Paths, pathway: Pathway, question_id: str) -> list[tuple[Term, ...]]:
    """The minimal consistent paths to the nodes that ask ``question_id`` (absorbed ones dropped)."""
    sets: list[frozenset[Term]] = []
    for node in pathway.content.tree.nodes:
        if isinstance(node, QuestionNode) and node.question == question_id:
            sets += [frozenset(t) for t in paths.to.get(node.id, []) if _consistent(t)]
    minimal = {s for s in sets if not any(other < s for other in sets)}
    return [tuple(sorted(s)) for s in sorted(minimal, key=lambda s: (len(s), sorted(s)))]


def _enabling(pathway: Pathway, system: str, paths: _Paths) -> dict[str, dict[str, Any]]:
    """Each tree question's enabling rule: ``enableWhen`` where it says exactly when the tree asks the question
    (checked on every combination of answers), else the SDC ``enableWhenExpression`` extension."""
    root = pathway.root
    root_question = root.question if isinstance(root, QuestionNode) else None
    incoming: dict[str, set[Term]] = {}
    for node in pathway.content.tree.nodes:
        if isinstance(node, QuestionNode):
            for option, target in node.branches.items():
                child = pathway.nodes[target]
                if isinstance(child, QuestionNode):
                    incoming.setdefault(child.question, set()).add((node.question, option))
    tree = pathway.tree_questions()
    candidates = {q.id: incoming.get(q.id, set()) for q in tree if q.id != root_question}
    cyclic = _on_cycles({q: {p for p, _ in terms} for q, terms in candidates.items()})
    states = _states(pathway, tree)
    out: dict[str, dict[str, Any]] = {}
    for question_id, terms in candidates.items():
        exact = (states is not None and question_id not in cyclic
                 and all(_enabled_by(terms, visible, state) == (question_id in visible)
                         for state, visible in states))
        if exact:
            out[question_id] = _enable_when(pathway, terms, system)
        else:
            expression = _any_path(_visibility_paths(paths, pathway, question_id), system, "%resource.")
            out[question_id] = {"extension": [{"url": ENABLE_WHEN_EXPRESSION_EXTENSION, "valueExpression": {
                "language": "text/fhirpath", "expression": expression or "false"}}]}
    return out


def _enable_when(pathway: Pathway, terms: set[Term], system: str) -> dict[str, Any]:
    conditions: list[dict[str, Any]] = []
    by_question: dict[str, set[str]] = {}
    for q, o in terms:
        by_question.setdefault(q, set()).add(o)
    for question in _ordered_questions(pathway):
        chosen = by_question.get(question.id)
        if not chosen:
            continue
        if chosen == {o.id for o in question.options}:
            conditions.append({"question": question.id, "operator": "exists", "answerBoolean": True})
            continue
        conditions += [{"question": question.id, "operator": "=", "answerCoding": {"system": system, "code": o.id}}
                       for o in question.options if o.id in chosen]
    rule: dict[str, Any] = {"enableWhen": conditions}
    if len(conditions) > 1:
        rule["enableBehavior"] = "any"
    return rule


def _enabled_by(terms: set[Term], visible: set[str], state: Mapping[str, str | None]) -> bool:
    """An ``enableWhen`` made of ``terms`` (any of them), where a hidden question counts as unanswered."""
    by_question: dict[str, set[str]] = {}
    for q, o in terms:
        by_question.setdefault(q, set()).add(o)
    return any(q in visible and state.get(q) in options for q, options in by_question.items())


def _states(pathway: Pathway, tree: list[Question]) -> list[tuple[dict[str, str | None], set[str]]] | None:
    """Every combination of tree answers (each question unanswered or one option) with the questions the tree
    asks for it; None when there are more than ``MAX_STATES``."""
    total = 1
    for question in tree:
        total *= len(question.options) + 1
        if total > MAX_STATES:
            return None
    choices = [[None, *(o.id for o in q.options)] for q in tree]
    out = []
    for values in itertools.product(*choices):
        state = dict(zip((q.id for q in tree), values))
        out.append((state, _asked(pathway, state)))
    return out


def _asked(pathway: Pathway, state: Mapping[str, str | None]) -> set[str]:
    """The questions the tree asks for these answers: those on the path and the first unanswered one."""
    asked: set[str] = set()
    node = pathway.root
    while isinstance(node, QuestionNode):
        asked.add(node.question)
        chosen = state.get(node.question)
        if chosen is None:
            break
        node = pathway.nodes[node.branches[chosen]]
    return asked


def _on_cycles(edges: Mapping[str, set[str]]) -> set[str]:
    """Nodes of a directed graph that lie on a cycle."""
    on: set[str] = set()
    for start in edges:
        stack, seen = list(edges.get(start, ())), set()
        while stack:
            node = stack.pop()
            if node == start:
                on.add(start)
                break
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
    return on


# ---- checks ------------------------------------------------------------------------------------------------------


def check_codes(bundle: Mapping[str, Any]) -> None:
    """Check every coded value against its value set; raise FhirCodeError naming the first bad one."""
    _code("Bundle.type", bundle.get("type"), BUNDLE_TYPE)
    resources = [e.get("resource", {}) for e in bundle.get("entry", [])]
    activities = {r.get("url") for r in resources if r.get("resourceType") == "ActivityDefinition"}
    for resource in resources:
        where = f"{resource.get('resourceType')}/{resource.get('id')}"
        _code(f"{where}.status", resource.get("status"), PUBLICATION_STATUS)
        if "text" in resource:
            _code(f"{where}.text.status", resource["text"].get("status"), NARRATIVE_STATUS)
            _xhtml(f"{where}.text.div", resource["text"].get("div"))
        _artifacts(f"{where}.relatedArtifact", resource.get("relatedArtifact", []))
        for i, context in enumerate(resource.get("useContext", [])):
            _coding(f"{where}.useContext[{i}].code", context.get("code", {}), USAGE_CONTEXT_TYPE_SYSTEM,
                    USAGE_CONTEXT_TYPE)
        kind = resource.get("resourceType")
        if kind == "PlanDefinition":
            for i, coding in enumerate(resource.get("type", {}).get("coding", [])):
                _coding(f"{where}.type.coding[{i}]", coding, PLAN_DEFINITION_TYPE_SYSTEM, PLAN_DEFINITION_TYPE,
                        FORBIDDEN["PlanDefinition.type"], "the export is educational content, not an order set")
            _actions(f"{where}.action", resource.get("action", []), activities)
        elif kind == "ActivityDefinition":
            if "kind" in resource:
                raise FhirCodeError(f"{where}.kind", resource["kind"], (),
                                    "an ActivityDefinition kind makes it a request (an order); categories are "
                                    "information, so the export leaves kind out")
        elif kind == "Questionnaire":
            items = resource.get("item", [])
            _items(f"{where}.item", items, _answer_codes(items))
        elif kind == "CodeSystem":
            _code(f"{where}.content", resource.get("content"), CODE_SYSTEM_CONTENT_MODE)
            if "hierarchyMeaning" in resource:
                _code(f"{where}.hierarchyMeaning", resource["hierarchyMeaning"], CODE_SYSTEM_HIERARCHY_MEANING)


def _code(where: str, code: Any, allowed: tuple[str, ...], forbidden: tuple[str, ...] = (),
          reason: str | None = None) -> None:
    if code not in allowed:
        raise FhirCodeError(where, code, allowed)
    if code in forbidden:
        raise FhirCodeError(where, code, [c for c in allowed if c not in forbidden], reason)


def _coding(where: str, coding: Mapping[str, Any], system: str, allowed: tuple[str, ...],
            forbidden: tuple[str, ...] = (), reason: str | None = None) -> None:
    if coding.get("system") != system:
        raise FhirCodeError(f"{where}.system", coding.get("system"), [system])
    _code(f"{where}.code", coding.get("code"), allowed, forbidden, reason)


def _artifacts(where: str, artifacts: list[Mapping[str, Any]]) -> None:
    for i, artifact in enumerate(artifacts):
        _code(f"{where}[{i}].type", artifact.get("type"), RELATED_ARTIFACT_TYPE)


def _actions(where: str, actions: list[Mapping[str, Any]], activities: set[str]) -> None:
    for i, action in enumerate(actions):
        here = f"{where}[{i}]"
        if "type" in action:
            raise FhirCodeError(f"{here}.type", action["type"], (),
                                "an action type (create, update, ...) asks a system to do something; the export "
                                "only informs")
        if "groupingBehavior" in action:
            _code(f"{here}.groupingBehavior", action["groupingBehavior"], ACTION_GROUPING_BEHAVIOR)
        if "selectionBehavior" in action:
            _code(f"{here}.selectionBehavior", action["selectionBehavior"], ACTION_SELECTION_BEHAVIOR)
        for j, condition in enumerate(action.get("condition", [])):
            _code(f"{here}.condition[{j}].kind", condition.get("kind"), ACTION_CONDITION_KIND)
            _code(f"{here}.condition[{j}].expression.language", condition.get("expression", {}).get("language"),
                  EXPRESSION_LANGUAGE)
        _artifacts(f"{here}.documentation", action.get("documentation", []))
        for j, extension in enumerate(action.get("extension", [])):
            if "valueExpression" in extension:
                _code(f"{here}.extension[{j}].valueExpression.language",
                      extension["valueExpression"].get("language"), EXPRESSION_LANGUAGE)
        target = action.get("definitionCanonical")
        if target is not None and target not in activities:
            raise FhirExportError(f"{here}.definitionCanonical {target!r} names no ActivityDefinition in the Bundle")
        _actions(f"{here}.action", action.get("action", []), activities)


def _answer_codes(items: list[Mapping[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    return {item["linkId"]: {(o["valueCoding"].get("system"), o["valueCoding"].get("code"))
                             for o in item.get("answerOption", []) if "valueCoding" in o}
            for item in items if "linkId" in item}


def _items(where: str, items: list[Mapping[str, Any]], answers: Mapping[str, set[tuple[str, str]]]) -> None:
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        _code(f"{here}.type", item.get("type"), QUESTIONNAIRE_ITEM_TYPE)
        if "enableBehavior" in item:
            _code(f"{here}.enableBehavior", item["enableBehavior"], QUESTIONNAIRE_ENABLE_BEHAVIOR)
        for j, rule in enumerate(item.get("enableWhen", [])):
            _code(f"{here}.enableWhen[{j}].operator", rule.get("operator"), QUESTIONNAIRE_ENABLE_OPERATOR)
            if rule.get("question") not in answers:
                raise FhirExportError(f"{here}.enableWhen[{j}].question {rule.get('question')!r} names no item")
            coding = rule.get("answerCoding")
            if coding is not None and (coding.get("system"), coding.get("code")) not in answers[rule["question"]]:
                raise FhirCodeError(f"{here}.enableWhen[{j}].answerCoding", coding.get("code"),
                                    sorted(c for _, c in answers[rule["question"]]))
        for j, extension in enumerate(item.get("extension", [])):
            if extension.get("url") == ITEM_CONTROL_EXTENSION:
                for k, coding in enumerate(extension.get("valueCodeableConcept", {}).get("coding", [])):
                    _coding(f"{here}.extension[{j}].valueCodeableConcept.coding[{k}]", coding, ITEM_CONTROL_SYSTEM,
                            ITEM_CONTROL)
            elif extension.get("url") == ENABLE_WHEN_EXPRESSION_EXTENSION:
                _code(f"{here}.extension[{j}].valueExpression.language",
                      extension.get("valueExpression", {}).get("language"), EXPRESSION_LANGUAGE)
        _items(f"{here}.item", item.get("item", []), answers)


def _xhtml(where: str, div: Any) -> None:
    try:
        element = ElementTree.fromstring(div if isinstance(div, str) else "")
    except ElementTree.ParseError as exc:
        raise FhirExportError(f"{where} is not well-formed XHTML: {exc}") from None
    if element.tag != f"{{{XHTML_NAMESPACE}}}div":
        raise FhirExportError(f"{where} must be an XHTML <div> in the namespace {XHTML_NAMESPACE}")


def validate_bundle(bundle: Mapping[str, Any]) -> None:
    """Validate the Bundle and every resource in it with fhir.resources' R4B models."""
    import pydantic
    from fhir.resources.R4B.bundle import Bundle

    try:
        Bundle.model_validate(bundle)
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors(include_url=False)[:5])
        raise FhirExportError(f"the FHIR Bundle does not validate as R4B ({exc.error_count()} problems): "
                              f"{problems}") from None


# ---- names and ids --------------------------------------------------------------------------------------------------


def _check_unique_codes(pathway: Pathway) -> None:
    """Question, option and category ids become codes of one CodeSystem, where each code must be unique."""
    owners: dict[str, list[str]] = {}
    for question in _ordered_questions(pathway):
        owners.setdefault(question.id, []).append(f"question '{question.id}'")
        for option in question.options:
            owners.setdefault(option.id, []).append(f"an option of question '{question.id}'")
    for category in pathway.content.categories:
        owners.setdefault(category.id, []).append(f"category '{category.id}'")
    clashes = {code: who for code, who in owners.items() if len(who) > 1}
    if clashes:
        code, who = next(iter(clashes.items()))
        raise FhirExportError(
            f"{pathway.file}: id '{code}' is used by {' and '.join(who)}; in FHIR they are codes of one "
            "CodeSystem, which must be unique. Hint: give them distinct ids (e.g. 'cns_yes')")
    ids = [f"{pathway.id}-{c.id}" for c in pathway.content.categories]
    fhir_ids = [_fhir_id(i) for i in ids]
    if len(set(fhir_ids)) != len(fhir_ids):
        raise FhirExportError(f"{pathway.file}: two category ids differ only in '_' and '-', so their FHIR ids "
                              "clash. Hint: rename one")


def _fhir_id(text: str) -> str:
    ident = text.replace("_", "-")
    if not _FHIR_ID.match(ident):
        raise FhirExportError(f"{text!r} cannot be a FHIR id (at most 64 letters, digits, '-' and '.'). "
                              "Hint: use a shorter pathway id")
    return ident


def _name(ident: str) -> str:
    """A computable name (``[A-Z][A-Za-z0-9_]*``) from an id: ``car_t_cell_therapy`` -> ``CarTCellTherapy``."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-]", ident) if part)
    return name if name[:1].isalpha() else "P" + name


def _literal(text: str) -> str:
    """A FHIRPath string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
