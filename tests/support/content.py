"""Copies of the shipped content with the review dates or approval a test needs, whatever day the tests run and
whatever the shipped file records."""

from __future__ import annotations

import re
from pathlib import Path

from pathways import load_pathway, resolve_pathway
from pathways.translate import translation_path

__all__ = ["PAST_LAST_REVIEW", "PAST_DUE", "overdue_copy", "pending_copy"]

#: A review date in the past whatever day the tests run (and after the copy's last review, as validation needs).
PAST_LAST_REVIEW, PAST_DUE = "2025-01-02", "2026-01-02"


def overdue_copy(directory: Path) -> Path:
    """The shipped content with its review dates moved into the past: valid, and overdue today (its translations
    beside it)."""
    text = resolve_pathway(None).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  last_reviewed: .*$", f"  last_reviewed: {PAST_LAST_REVIEW}", text, count=1)
    text = re.sub(r"(?m)^  next_review_due: .*$", f"  next_review_due: {PAST_DUE}", text, count=1)
    path = directory / "overdue.yaml"
    path.write_text(text, encoding="utf-8")
    _translations_beside(path)
    load_pathway(path)  # still valid content
    return path


def _translations_beside(path: Path) -> None:
    """The shipped translations copied beside the copy at ``path``, named for it (a translation is looked up beside
    its pathway file, by that file's name: ``pathways.translate.translation_path``)."""
    shipped = resolve_pathway(None)
    for translation in shipped.parent.glob(f"{shipped.stem}.*.yaml"):
        language = translation.stem.removeprefix(f"{shipped.stem}.")
        if "." not in language and language != "cases":
            translation_path(path, language).write_text(translation.read_text(encoding="utf-8"), encoding="utf-8")


def pending_copy(directory: Path) -> Path:
    """The shipped content with its approval pending, whatever the shipped file records, and its translations
    beside it (a translation is looked up beside its pathway file)."""
    shipped = resolve_pathway(None)
    text = re.sub(r"(?m)^  approved_on: .*$", "  approved_on: null", shipped.read_text(encoding="utf-8"), count=1)
    path = directory / shipped.name
    path.write_text(text, encoding="utf-8")
    _translations_beside(path)
    assert load_pathway(path).content.metadata.approved_on is None
    return path
