"""Reading level of the plain-language texts, measured with a library (textstat's Flesch-Kincaid grade).

textstat is imported on first use only, so the app's first load does not pay for it (about 0.2 s). The version
is pinned (requirements.txt): versions count syllables differently, and a grade is only comparable within one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .errors import ContentError, dotted
from .model import PathwayContent, Statement
from .yamlsafe import line_of

__all__ = ["MAX_GRADE", "ASK_PREFIX", "PlainScore", "grade", "plain_scores", "family_text", "readability_findings",
           "library_version"]

#: Keys of the generic questions a family may ask (their text is already plain: it is scored as it stands).
ASK_PREFIX = "ask_the_care_team."
#: The highest Flesch-Kincaid grade a plain text may have (NIH and AMA advise grade 6 to 8 for patients).
MAX_GRADE = 8.0


@dataclass(frozen=True)
class PlainScore:
    """One plain text with its key (as ``keyed_statements``), its location in the file and its grade."""

    key: str
    loc: tuple
    statement: Statement
    grade: float

    @property
    def too_hard(self) -> bool:
        return self.grade > MAX_GRADE


@functools.lru_cache(maxsize=1)
def _textstat() -> Any:
    import textstat  # lazily: only validate, the review pack and the tests need it

    return textstat


def library_version() -> str:
    """The measuring library and its version, as a report names it (e.g. 'textstat 0.7.4')."""
    from importlib.metadata import version

    return f"textstat {version('textstat')}"


@functools.lru_cache(maxsize=1024)
def grade(text: str) -> float:
    """The Flesch-Kincaid grade of ``text`` as textstat computes it.

    >>> grade("The brain and the spinal cord.") <= MAX_GRADE
    True
    """
    return float(_textstat().flesch_kincaid_grade(" ".join(text.split())))


def plain_scores(content: PathwayContent) -> list[PlainScore]:
    """Every statement that has a plain text, in file order, with its grade."""
    from .shown import keyed_statements  # shown imports evaluate; keep this module light to import
    from .validate import _statements

    locs = {id(statement): loc for loc, statement in _statements(content)}
    scores = []
    for key, statement in keyed_statements(content):
        text = family_text(key, statement)
        if text is not None:
            scores.append(PlainScore(key, locs.get(id(statement), ()), statement, grade(text)))
    return scores


def family_text(key: str, statement: Statement) -> str | None:
    """What a family reads of a statement: its plain text; for a question to ask the care team, its text."""
    if statement.plain is not None:
        return statement.plain
    return statement.text if key.startswith(ASK_PREFIX) else None


def readability_findings(content: PathwayContent, file: str, raw: Any = None) -> list[ContentError]:
    """A warning (``validate --strict`` fails on it) for each plain text above ``MAX_GRADE``, with its line."""
    found = []
    for score in plain_scores(content):
        if not score.too_hard:
            continue
        loc = score.loc + ("plain" if score.statement.plain is not None else "text",)
        found.append(ContentError(
            file, line_of(raw, loc) if raw is not None and score.loc else None,
            f"warning: plain-language text {score.key!r} reads at Flesch-Kincaid grade {score.grade:.1f}, above "
            f"{MAX_GRADE:g} ({library_version()})",
            field=dotted(loc),
            hint="shorter sentences and shorter words; keep every figure and hedge of the statement"))
    return found
