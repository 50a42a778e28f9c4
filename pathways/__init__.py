"""Relapsed-ALL treatment-pathway explorer: load, validate, evaluate and render declarative pathways."""

from .errors import AnswerError, ContentError, PathwayError, UnknownPathway, ValidationFailed
from .load import (
    CONTENT_DIR,
    DEFAULT_PATHWAY_ID,
    Pathway,
    available_pathways,
    load_pathway,
    load_pathway_text,
    resolve_pathway,
)
from .vocabulary import CATEGORY_IDS, NODE_KINDS

__all__ = [
    "AnswerError",
    "ContentError",
    "PathwayError",
    "ValidationFailed",
    "UnknownPathway",
    "CONTENT_DIR",
    "DEFAULT_PATHWAY_ID",
    "Pathway",
    "available_pathways",
    "load_pathway",
    "load_pathway_text",
    "resolve_pathway",
    "CATEGORY_IDS",
    "NODE_KINDS",
]
