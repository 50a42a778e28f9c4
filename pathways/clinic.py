"""The clinic's own details (who to call here): a deployment file, validated like content, never part of the pathway.

A deployment names the file with the ``CLINIC_FILE`` setting (deploy/clinic.example.yaml shows every field). No
file means no details are shown. A file that does not validate raises ``ClinicError`` with every problem
(file:line, field, hint); the page then says so and shows the pathway without the details. Fields are short plain
text: markup, scripts and links are refused, and phone numbers are checked for shape.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from .errors import ContentError, PathwayError, dotted
from .yamlsafe import YamlProblem, line_of, parse_yaml

__all__ = ["CLINIC_ENV", "MAX_BYTES", "Phone", "Clinic", "ClinicError", "load_clinic", "load_clinic_text",
           "clinic_from_env"]

#: The setting (environment variable) that names the clinic-details file.
CLINIC_ENV = "CLINIC_FILE"
#: Larger files are refused before parsing.
MAX_BYTES = 64 * 1024
#: Characters that would make a field markup, a script or a link on the page or in a PDF.
_MARKUP = re.compile(r"[<>`\[\]{}]|&[#a-zA-Z0-9]+;|javascript:|data:|https?://|\*\*|__", re.I)
#: A phone number: digits with spaces, dashes, dots, brackets, an optional leading + (7 to 20 digits).
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{5,24}[0-9]$")


def _plain(text: str) -> str:
    if _MARKUP.search(text):
        raise ValueError("must be plain text: no markup, script, link or HTML entity (<, >, `, [, ], {, }, "
                         "http://, javascript:)")
    if any(ord(c) < 32 and c not in "\n" for c in text):
        raise ValueError("must not hold control characters")
    return text


def _phone(text: str) -> str:
    digits = sum(c.isdigit() for c in text)
    if not _PHONE.match(text) or not 7 <= digits <= 20:
        raise ValueError("must be a phone number: digits, spaces, dashes, dots or brackets, an optional leading "
                         "+, 7 to 20 digits (e.g. '+44 20 7946 0000')")
    return text


Short = Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True), AfterValidator(_plain)]
Note = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True), AfterValidator(_plain)]
Number = Annotated[str, StringConstraints(min_length=1, max_length=30, strip_whitespace=True), AfterValidator(_phone)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Phone(_Model):
    """A number to call, with what it is for (e.g. 'Ward, day and night')."""

    label: Short
    number: Number


class Clinic(_Model):
    """The service's own details, shown as coming from the clinic."""

    service: Short
    phones: Annotated[list[Phone], Field(min_length=1, max_length=4)]
    hours: Short | None = None
    note: Note | None = None


class ClinicError(PathwayError):
    """A clinic-details file that cannot be used; carries every problem found."""

    def __init__(self, errors: list[ContentError]):
        self.errors = list(errors)
        head = self.errors[0].format() if self.errors else "unknown problem"
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"clinic details are invalid: {head}{more}")


def _problems(exc: pydantic.ValidationError, raw: Any, file: str) -> list[ContentError]:
    found = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            allowed = list(Clinic.model_fields) if len(loc) == 1 else list(Phone.model_fields)
            message, hint = f"unknown key {loc[-1]!r} (allowed: {allowed})", "remove it or fix its spelling"
        elif kind == "missing":
            message, hint = f"missing required key {loc[-1]!r}", "add it (deploy/clinic.example.yaml has every field)"
        elif kind == "string_too_long":
            limit = error.get("ctx", {}).get("max_length")
            message, hint = f"too long (at most {limit} characters)", "shorten it; the page and handout have little room"
        else:
            message = error["msg"].removeprefix("Value error, ")
            hint = "see deploy/clinic.example.yaml"
            if kind in ("string_type", "list_type", "model_type", "dict_type"):
                value = error.get("input")
                message = f"{message}, found {value!r} ({type(value).__name__})"
        found.append(ContentError(file, line_of(raw, loc), message, field=dotted(loc), hint=hint))
    return found


def load_clinic_text(text: str, file: str = "<text>") -> Clinic:
    """Parse and validate clinic-details text; raise ClinicError with every problem."""
    try:
        raw = parse_yaml(text)
    except YamlProblem as exc:
        raise ClinicError([ContentError(file, exc.line, f"invalid YAML: {exc.message}",
                                        hint="check the indentation and quotes")]) from None
    if not isinstance(raw, dict):
        raise ClinicError([ContentError(file, 1, "the clinic details must be a YAML mapping",
                                        hint="start with 'service:' (see deploy/clinic.example.yaml)")])
    try:
        return Clinic.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise ClinicError(_problems(exc, raw, file)) from None


def load_clinic(path: str | Path) -> Clinic:
    """Read, parse and validate a clinic-details file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClinicError([ContentError(str(path), None, f"cannot read the file ({exc.strerror})",
                                        hint=f"check the path given by {CLINIC_ENV}")]) from None
    if len(data) > MAX_BYTES:
        raise ClinicError([ContentError(str(path), None, f"file too large ({len(data):,} bytes, at most "
                                        f"{MAX_BYTES:,})", hint="the clinic details are a few short lines")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ClinicError([ContentError(str(path), None, "not UTF-8 text", hint="save the file as UTF-8")]) from None
    return load_clinic_text(text, str(path))


def clinic_from_env(environ: Any = None) -> Clinic | None:
    """The clinic details the deployment names (None when ``CLINIC_FILE`` is unset or empty); raises ClinicError."""
    import os

    value = (environ if environ is not None else os.environ).get(CLINIC_ENV) or None
    return load_clinic(value) if value else None
