"""Text from a handout PDF as a reader copies it: the body as one line, without page footers and graph labels."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

__all__ = ["normal", "pdf_text", "FOOTER_TOP", "GRAPH_LARGEST"]


def normal(text: str) -> str:
    """Text as one line: a line broken after a hyphen joined again, every run of white space one space."""
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "-", text)).strip()


#: Text lower on the page than this (points from the bottom) is the page footer; smaller than this size, the graph.
FOOTER_TOP, GRAPH_LARGEST = 38, 8.9


def pdf_text(pdf: bytes) -> str:
    """The body text a reader copies from the pages (pypdf), as one line: without the page footers and the graph's
    labels, so a paragraph that runs on to the next page reads as one (footers and graph: footer_text, graph_text)."""
    parts: list[str] = []

    def visit(text, cm, tm, font, size):
        scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
        if text.strip() == "•":  # list markers are drawn after the page's text
            return
        if text == "\n" or (size * scale >= GRAPH_LARGEST and tm[5] * cm[3] + cm[5] >= FOOTER_TOP):
            parts.append(text)

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
        parts.append("\n")
    return normal("".join(parts))


