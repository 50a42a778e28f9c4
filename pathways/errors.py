"""Exceptions raised by the pathway package; only the edges (CLI, app) turn them into messages."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PathwayError", "ContentError", "ValidationFailed", "AnswerError", "UnknownPathway", "dotted"]


class PathwayError(Exception):
    """Base class of every error this package raises on purpose."""


@dataclass(frozen=True)
class ContentError:
    """One problem found in a pathway file: where it is, what is wrong, and how to fix it."""

    file: str
    line: int | None
    message: str
    node: str | None = None
    field: str | None = None
    hint: str | None = None

    def format(self) -> str:
        """Render as ``file:line: [node] field: message Hint: ...`` (one line)."""
        where = f"{self.file}:{self.line if self.line is not None else 0}"
        parts = []
        if self.node:
            parts.append(f"node '{self.node}'")
        if self.field:
            parts.append(f"at {self.field}")
        prefix = (", ".join(parts) + ": ") if parts else ""
        hint = f" Hint: {self.hint}" if self.hint else ""
        return f"{where}: {prefix}{self.message}{hint}"

    def __str__(self) -> str:
        return self.format()


class ValidationFailed(PathwayError):
    """A pathway file could not be loaded or did not validate; carries every problem found."""

    def __init__(self, errors: list[ContentError]):
        self.errors = list(errors)
        count = len(self.errors)
        head = self.errors[0].format() if self.errors else "unknown problem"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"pathway content is invalid: {head}{more}")


class UnknownPathway(PathwayError):
    """A pathway reference is neither a shipped pathway id nor a YAML file."""

    def __init__(self, ref: str, shipped: list[str]):
        self.ref = ref
        super().__init__(f"unknown pathway: {ref!r} (must be one of {shipped} or a .yaml file)")


class AnswerError(PathwayError):
    """An answer names a question or option the pathway does not have."""

    def __init__(self, key: str, value: str | None, allowed: list[str], kind: str):
        self.key = key
        self.value = value
        self.allowed = list(allowed)
        self.kind = kind
        if kind == "question":
            text = f"unknown question: {key!r} (must be one of {self.allowed})"
        else:
            text = f"unknown option {value!r} for question {key!r} (must be one of {self.allowed})"
        super().__init__(text)


def dotted(loc: tuple) -> str:
    """A location tuple as a readable path: ``("tree", "nodes", 3, "id")`` -> ``tree.nodes[3].id``."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            text = part if isinstance(part, str) else repr(part)
            out += f".{text}" if out else text
    return out
