"""Reviewable expected cases kept beside a pathway (answers -> categories that must and must not appear)."""

from __future__ import annotations

from pathlib import Path

import pydantic
from pydantic import BaseModel, ConfigDict

from .errors import AnswerError, ContentError, ValidationFailed, dotted
from .evaluate import evaluate
from .load import CASES_SUFFIX, Pathway
from .yamlsafe import YamlProblem, line_of, parse_yaml

__all__ = ["Case", "OutlookCase", "CaseFile", "cases_path_for", "load_cases", "check_case", "check_outlook_case",
           "run_cases"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Case(_Model):
    """Answers and the categories that must (all of them, for a complete path) and must not appear."""

    name: str
    answers: dict[str, str]
    must_include: list[str] = []
    must_exclude: list[str] = []
    complete: bool = True
    next_question: str | None = None
    basis: str | None = None


class OutlookCase(_Model):
    """Answers and the outlook notes and figures that must appear."""

    name: str
    answers: dict[str, str]
    notes: list[str]
    figures: list[str] = []
    applying_figures: list[str] = []


class CaseFile(_Model):
    """A whole ``<pathway>.cases.yaml`` file."""

    pathway: str
    cases: list[Case]
    outlook_cases: list[OutlookCase] = []


def cases_path_for(pathway_file: str | Path) -> Path:
    """``x.yaml`` -> ``x.cases.yaml`` beside it."""
    path = Path(pathway_file)
    return path.with_name(path.name.removesuffix(".yaml") + CASES_SUFFIX)


def load_cases(path: str | Path) -> tuple[CaseFile, object]:
    """The typed case file and its raw data (for line numbers); ValidationFailed when malformed."""
    file = str(path)
    try:
        raw = parse_yaml(Path(path).read_text(encoding="utf-8"))
        return CaseFile.model_validate(raw), raw
    except YamlProblem as exc:
        raise ValidationFailed([ContentError(file, exc.line, exc.message, hint=exc.hint)]) from None
    except pydantic.ValidationError as exc:
        raise ValidationFailed(
            [ContentError(file, line_of(raw, tuple(e["loc"])), e["msg"], field=dotted(tuple(e["loc"])))
             for e in exc.errors(include_url=False)]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed([ContentError(file, None, f"cannot read cases file: {exc}")]) from None


def check_case(pathway: Pathway, case: Case) -> list[str]:
    """What is wrong with the pathway's answer for ``case`` (empty when it passes)."""
    try:
        result = evaluate(pathway, case.answers)
    except AnswerError as exc:
        return [str(exc)]
    problems = []
    shown = [t.id for t in result.treatments]
    if result.complete != case.complete:
        problems.append(f"complete is {result.complete}, expected {case.complete}")
    if case.complete and sorted(shown) != sorted(case.must_include):
        problems.append(f"categories {sorted(shown)}, expected exactly {sorted(case.must_include)}")
    wrongly = [c for c in case.must_exclude if c in shown]
    if wrongly:
        problems.append(f"categories that must not appear do: {wrongly}")
    if not case.complete:
        if shown:
            problems.append(f"incomplete answers claim treatments: {shown}")
        next_id = result.next_question.id if result.next_question else None
        if next_id != case.next_question:
            problems.append(f"next question is {next_id!r}, expected {case.next_question!r}")
    return problems


def check_outlook_case(pathway: Pathway, case: OutlookCase) -> list[str]:
    """What is wrong with the outlook notes and figures for ``case`` (an unknown question or option included)."""
    try:
        result = evaluate(pathway, case.answers)
    except AnswerError as exc:
        return [str(exc)]
    notes = [n.id for n in result.notes]
    figures = [f.figure.display for n in result.notes for f in n.figures]
    applying = [f.figure.display for n in result.notes for f in n.figures if f.applies]
    problems = []
    if sorted(notes) != sorted(case.notes):
        problems.append(f"outlook notes {sorted(notes)}, expected {sorted(case.notes)}")
    if sorted(figures) != sorted(case.figures):
        problems.append(f"figures {sorted(figures)}, expected {sorted(case.figures)}")
    if sorted(applying) != sorted(case.applying_figures):
        problems.append(f"figures marked as applying {sorted(applying)}, expected {sorted(case.applying_figures)}")
    return problems


def run_cases(pathway: Pathway, path: str | Path) -> list[ContentError]:
    """Every failing case in the file as a ContentError pointing at the case's line (a case that cannot even be
    evaluated, of either kind, too)."""
    case_file, raw = load_cases(path)
    errors = []
    groups = (("cases", case_file.cases, check_case), ("outlook_cases", case_file.outlook_cases, check_outlook_case))
    for key, cases, check in groups:
        for index, case in enumerate(cases):
            for problem in check(pathway, case):  # type: ignore[operator]
                errors.append(ContentError(str(path), line_of(raw, (key, index)), f"case '{case.name}': {problem}"))
    return errors
