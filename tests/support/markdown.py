"""Reading the app's markdown as a reader sees it: code spans (how links' text is quoted) and the rest."""

from __future__ import annotations

import re

__all__ = ["code_spans", "outside_code_spans"]

#: A code span as views.quoted() writes it: a fence of backticks, a space, the text, a space, the same fence.
_SPAN = re.compile(r"(?<!`)(`+) (.*?) \1(?!`)", re.S)


def code_spans(markdown: str) -> list[str]:
    """The texts quoted as code spans, in order."""
    return [text for _, text in _SPAN.findall(markdown)]


def outside_code_spans(markdown: str) -> str:
    """The markdown with every code span removed."""
    return _SPAN.sub(" ", markdown)
