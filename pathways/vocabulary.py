"""Fixed vocabularies: identifiers that deep links, the CLI and integrations rely on."""

from __future__ import annotations

__all__ = [
    "NODE_KINDS",
    "QUESTION_ROLES",
    "CATEGORY_IDS",
    "CATEGORY_GROUPS",
    "REFERENCE_SECTION_IDS",
    "SCHEMA_VERSION",
    "PAGE_KEYS",
    "PAGE_KEY_PREFIXES",
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

#: The page's own widget and session-state keys and link parameters. A question's id is its widget's key and its
#: parameter in a link, so no question may take one of these (validate refuses it); tests/test_guard.py checks
#: that every key app.py uses is listed here.
PAGE_KEYS = (
    "reset", "link_read", "link_notices", "compare", "compare_with", "compare_panel", "basis_panel", "path_table",
    "downloads_panel", "situations_panel", "full_tree", "graph_box", "ask_and_graph", "open_situations",
    "embed", "embed_options",
    "about_panel", "clinic", "copy_link", "figures", "figures_panel", "graph_area", "graph_path", "opened_situation",
    "result", "result_actions", "share_link", "view", "was_complete", "whole_tree", "lang", "languages", "reading",
    "masthead",
)
#: Prefixes of the page's keys made per item (a card per category, a button per situation, each download).
PAGE_KEY_PREFIXES = ("card_", "cards_", "open_situation", "download_", "family_ref_", "src_", "why_", "language_")
