"""The content's quotes checked against the source's own text (``python -m pathways validate --source FILE``).

A basis may quote the passage a statement rests on. A quote must appear in the source verbatim once white space,
quotation marks, apostrophes and dashes are normalised (curly or straight, en or em dash or hyphen); an ellipsis
(``…`` or ``...``) marks words left out, and the parts around it must appear in order, at most ``MAX_GAP``
characters apart. The project ships the quotes, never the article: the check needs the source's text.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from .errors import ContentError, dotted
from .model import PathwayContent
from .shown import keyed_statements
from .validate import statement_locations
from .yamlsafe import line_of

__all__ = ["normalise", "quote_in", "first_difference", "quote_problems", "MAX_GAP"]

#: How many characters of the source an ellipsis may stand for.
MAX_GAP = 200
_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
})
_ELLIPSIS = re.compile(r"\s*(?:\u2026|\.\.\.)\s*")


def normalise(text: str) -> str:
    """Text with quotation marks, apostrophes and dashes made straight and white space runs made one space.

    >>> normalise("a person\u2019s  age,\\n 30\u201340%")
    "a person's age, 30-40%"
    """
    return " ".join(text.translate(_TRANSLATE).split())


def quote_in(quote: str, source: str) -> bool:
    """True when ``quote`` appears in ``source`` (both normalised here), an ellipsis standing for left-out words.

    >>> quote_in("the risk increases \u2026 age of 50 years", "the risk increases again at the age of 50 years")
    True
    >>> quote_in("the risk decreases", "the risk increases")
    False
    """
    text = normalise(source)
    parts = [normalise(p) for p in _ELLIPSIS.split(quote) if normalise(p)]
    if not parts:
        return False
    return _parts_in(parts, text)


def _parts_in(parts: list[str], text: str) -> bool:
    start = text.find(parts[0])
    while start >= 0:
        end, ok = start + len(parts[0]), True
        for part in parts[1:]:
            found = text.find(part, end)
            if found < 0 or found - end > MAX_GAP + 1:
                ok = False
                break
            end = found + len(part)
        if ok:
            return True
        start = text.find(parts[0], start + 1)
    return False


def first_difference(quote: str, source: str) -> str:
    """Where a quote stops matching the source: the first word that neither its longest matching start nor its
    longest matching end covers (in the first part, around an ellipsis, that is not in the source).

    >>> first_difference("the risk decreases again once", "the risk increases again once")
    "'decreases' (after 'the risk')"
    >>> first_difference("high dose radiation therapy", "a high count; low dose radiation therapy")
    "'high' (the first word)"
    """
    text = normalise(source)
    for part in (normalise(p) for p in _ELLIPSIS.split(quote)):
        words = part.split()
        if not words or part in text:
            continue
        n = len(words)
        head = 0
        while head < n and " ".join(words[: head + 1]) in text:
            head += 1
        tail = 0
        while tail < n and " ".join(words[n - tail - 1:]) in text:
            tail += 1
        index = head if head < n - tail or head >= tail else n - tail - 1
        if index == 0:
            return f"{words[0]!r} (the first word)"
        return f"{words[index]!r} (after {' '.join(words[max(0, index - 4):index])!r})"
    return f"the order of the parts around an ellipsis, or a gap of more than {MAX_GAP} characters"


def quote_problems(content: PathwayContent, raw: Any, file: str, texts: Mapping[str, str],
                   names: Mapping[str, str] | None = None) -> list[ContentError]:
    """Quotes not found in the source text, and statements (not editorial) that cite a checked source unquoted.

    ``texts`` maps a source id to its text; ``names`` to how to name it (its file). Each problem names the
    statement by its key (``pathways.shown.keyed_statements``) with the file's line.
    """
    names = names or {}
    locations = {id(statement): loc for loc, statement in statement_locations(content)}
    problems: list[ContentError] = []
    for key, statement in keyed_statements(content):
        loc = locations.get(id(statement), ())
        node = key.split(".")[1] if key.startswith("nodes.") else None
        for index, basis in enumerate(statement.basis):
            if basis.quote is None or basis.source not in texts:
                continue
            if not quote_in(basis.quote, texts[basis.source]):
                where = loc + ("basis", index, "quote")
                differs = first_difference(basis.quote, texts[basis.source])
                problems.append(ContentError(
                    file, line_of(raw, where) if raw is not None else None,
                    f"statement {key}: quote not found in source '{basis.source}' "
                    f"({names.get(basis.source, basis.source)}): differs at {differs}",
                    node=node, field=dotted(where),
                    hint="copy the passage exactly from the source (white space, curly or straight quotation marks "
                         "and dashes may differ; '…' marks words left out)",
                ))
        checked = [b for b in statement.basis if b.source in texts]
        if checked and not statement.is_editorial and not any(b.quote for b in checked):
            where = loc + ("basis",)
            problems.append(ContentError(
                file, line_of(raw, where) if raw is not None else None,
                f"statement {key} is not editorial but quotes no passage of the source",
                node=node, field=dotted(where),
                hint="add 'quote: <the source's own words it rests on>' to one of its bases, or mark it "
                     "'editorial: <reason>' if it is our reading",
            ))
    return problems
