"""The FHIR R4B value sets the FHIR export uses, as named constants (fhir.resources checks shapes, not codes)."""

from __future__ import annotations

__all__ = [
    "FHIR_VERSION",
    "PUBLICATION_STATUS",
    "BUNDLE_TYPE",
    "PLAN_DEFINITION_TYPE_SYSTEM",
    "PLAN_DEFINITION_TYPE",
    "ACTION_GROUPING_BEHAVIOR",
    "ACTION_SELECTION_BEHAVIOR",
    "ACTION_CONDITION_KIND",
    "EXPRESSION_LANGUAGE",
    "RELATED_ARTIFACT_TYPE",
    "USAGE_CONTEXT_TYPE_SYSTEM",
    "USAGE_CONTEXT_TYPE",
    "NARRATIVE_STATUS",
    "QUESTIONNAIRE_ITEM_TYPE",
    "QUESTIONNAIRE_ENABLE_OPERATOR",
    "QUESTIONNAIRE_ENABLE_BEHAVIOR",
    "ITEM_CONTROL_SYSTEM",
    "ITEM_CONTROL",
    "CODE_SYSTEM_CONTENT_MODE",
    "CODE_SYSTEM_HIERARCHY_MEANING",
    "ITEM_CONTROL_EXTENSION",
    "ENABLE_WHEN_EXPRESSION_EXTENSION",
    "XHTML_NAMESPACE",
    "FORBIDDEN",
]

#: The FHIR version of every resource in the export (fhir.resources' R4B package).
FHIR_VERSION = "4.3.0"

#: PublicationStatus (http://hl7.org/fhir/publication-status), required binding of every ``status`` here.
PUBLICATION_STATUS = ("draft", "active", "retired", "unknown")

#: BundleType (http://hl7.org/fhir/bundle-type).
BUNDLE_TYPE = ("document", "message", "transaction", "transaction-response", "batch", "batch-response",
               "history", "searchset", "collection")

#: PlanDefinitionType (extensible binding; we keep to its codes).
PLAN_DEFINITION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
PLAN_DEFINITION_TYPE = ("order-set", "clinical-protocol", "eca-rule", "workflow-definition")

#: ActionGroupingBehavior (http://hl7.org/fhir/action-grouping-behavior).
ACTION_GROUPING_BEHAVIOR = ("visual-group", "logical-group", "sentence-group")

#: ActionSelectionBehavior (http://hl7.org/fhir/action-selection-behavior).
ACTION_SELECTION_BEHAVIOR = ("any", "all", "all-or-none", "exactly-one", "at-most-one", "one-or-more")

#: ActionConditionKind (http://hl7.org/fhir/action-condition-kind).
ACTION_CONDITION_KIND = ("applicability", "start", "stop")

#: ExpressionLanguage (extensible binding in R4B; we keep to its codes).
EXPRESSION_LANGUAGE = ("text/cql", "text/fhirpath", "application/x-fhir-query")

#: RelatedArtifactType (http://hl7.org/fhir/related-artifact-type).
RELATED_ARTIFACT_TYPE = ("documentation", "justification", "citation", "predecessor", "successor",
                         "derived-from", "depends-on", "composed-of")

#: UsageContextType (extensible binding; we keep to its codes).
USAGE_CONTEXT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/usage-context-type"
USAGE_CONTEXT_TYPE = ("gender", "age", "focus", "user", "workflow", "task", "venue", "species", "program")

#: NarrativeStatus (http://hl7.org/fhir/narrative-status).
NARRATIVE_STATUS = ("generated", "extensions", "additional", "empty")

#: QuestionnaireItemType (http://hl7.org/fhir/item-type).
QUESTIONNAIRE_ITEM_TYPE = ("group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time",
                           "string", "text", "url", "choice", "open-choice", "attachment", "reference", "quantity")

#: QuestionnaireItemOperator (http://hl7.org/fhir/questionnaire-enable-operator).
QUESTIONNAIRE_ENABLE_OPERATOR = ("exists", "=", "!=", ">", "<", ">=", "<=")

#: EnableWhenBehavior (http://hl7.org/fhir/questionnaire-enable-behavior).
QUESTIONNAIRE_ENABLE_BEHAVIOR = ("all", "any")

#: Questionnaire item UI control codes (extension questionnaire-itemControl, extensible binding).
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
ITEM_CONTROL = ("list", "table", "htable", "gtable", "atable", "header", "footer", "inline", "prompt", "unit",
                "lower", "upper", "flyover", "help", "legal", "autocomplete", "drop-down", "check-box", "lookup",
                "radio-button", "slider", "spinner", "text-box")

#: CodeSystemContentMode (http://hl7.org/fhir/codesystem-content-mode).
CODE_SYSTEM_CONTENT_MODE = ("not-present", "example", "fragment", "complete", "supplement")

#: CodeSystemHierarchyMeaning (http://hl7.org/fhir/codesystem-hierarchy-meaning).
CODE_SYSTEM_HIERARCHY_MEANING = ("grouped-by", "is-a", "part-of", "classified-with")

#: Core extension: how a questionnaire item is shown (here: a help text).
ITEM_CONTROL_EXTENSION = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
#: SDC extension: a FHIRPath expression that enables an item (used where ``enableWhen`` cannot say it exactly).
ENABLE_WHEN_EXPRESSION_EXTENSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression")

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"

#: Valid codes the export must never use: it is educational content, not an order set, and creates nothing.
FORBIDDEN = {
    "PlanDefinition.type": ("order-set",),
}
