"""Fixed vocabularies: identifiers that deep links, the CLI and integrations rely on."""

from __future__ import annotations

__all__ = [
    "NODE_KINDS",
    "QUESTION_ROLES",
    "CATEGORY_IDS",
    "CATEGORY_GROUPS",
    "REFERENCE_SECTION_IDS",
    "SCHEMA_VERSION",
]

#: The version of the content format this package reads.
SCHEMA_VERSION = 1

#: Kinds of node in a decision tree.
NODE_KINDS = ("question", "outcome")

#: ``tree`` questions steer the decision tree; ``outlook`` questions only select outlook notes.
QUESTION_ROLES = ("tree", "outlook")

#: Treatment categories an outcome may name (a public contract).
CATEGORY_IDS = (
    "combination_chemotherapy",
    "targeted_therapy",
    "stem_cell_transplant",
    "car_t_cell_therapy",
    "radiation_therapy",
    "systemic_chemotherapy",
    "intrathecal_chemotherapy",
)

#: How the app groups categories: main treatments, and those directed at the CNS.
CATEGORY_GROUPS = ("main", "cns_directed")

#: Reference sections every pathway must provide, in display order.
REFERENCE_SECTION_IDS = ("risk_factors", "diagnostic_tests", "remission", "glossary")
