"""Reading pathway files: bytes to YAML to the typed model to a validated, indexed Pathway."""

from __future__ import annotations

import contextlib
import gc
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pydantic

from .errors import ContentError, UnknownPathway, ValidationFailed, dotted
from .model import Category, Node, OutcomeNode, PathwayContent, Question, QuestionNode
from .validate import check_rules
from .vocabulary import NODE_KINDS
from .yamlsafe import LineDict, YamlProblem, line_of, parse_yaml

__all__ = [
    "Pathway",
    "CONTENT_DIR",
    "DEFAULT_PATHWAY_ID",
    "MAX_FILE_BYTES",
    "available_pathways",
    "resolve_pathway",
    "load_pathway",
    "load_pathway_text",
]

CONTENT_DIR = Path(__file__).parent / "content"
DEFAULT_PATHWAY_ID = "relapsed-all"
CASES_SUFFIX = ".cases.yaml"
#: Larger files are refused before parsing (a guard against accidental or hostile input).
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Pathway:
    """A validated pathway and lookup tables built once at load time."""

    content: PathwayContent
    file: str
    nodes: dict[str, Node]
    questions: dict[str, Question]
    categories: dict[str, Category]
    #: The language of its texts, and whether that translation still waits for sign-off (pathways/translate.py).
    language: str = "en"
    translation_pending: bool = False

    @property
    def id(self) -> str:
        return self.content.metadata.id

    @property
    def root(self) -> Node:
        return self.nodes[self.content.tree.root]

    def tree_questions(self) -> list[Question]:
        """Tree questions in the order they first appear from the root (breadth first)."""
        order: list[str] = []
        queue = [self.content.tree.root]
        seen = set(queue)
        while queue:
            node = self.nodes[queue.pop(0)]
            if isinstance(node, QuestionNode):
                if node.question not in order:
                    order.append(node.question)
                for target in node.branches.values():
                    if target not in seen:
                        seen.add(target)
                        queue.append(target)
        return [self.questions[q] for q in order]

    def outlook_questions(self) -> list[Question]:
        return [q for q in self.content.questions if q.role == "outlook"]

    def outcomes(self) -> list[OutcomeNode]:
        return [n for n in self.content.tree.nodes if isinstance(n, OutcomeNode)]


def available_pathways(directory: Path = CONTENT_DIR) -> dict[str, Path]:
    """Shipped pathways by id (the file stem); ``*.cases.yaml`` files are test cases and ``<id>.<lang>.yaml`` files
    translations (pathways/translate.py), not pathways."""
    return {
        p.name[: -len(".yaml")]: p
        for p in sorted(directory.glob("*.yaml"))
        if not p.name.endswith(CASES_SUFFIX) and "." not in p.name[: -len(".yaml")]
    }


def resolve_pathway(ref: str | None) -> Path:
    """A shipped pathway id or a file path to a file path; None means the default pathway."""
    shipped = available_pathways()
    if ref is None:
        return shipped[DEFAULT_PATHWAY_ID]
    if ref in shipped:
        return shipped[ref]
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    raise UnknownPathway(ref, sorted(shipped))


def load_pathway(path: str | Path) -> Pathway:
    """Load and validate a pathway file; raise ValidationFailed listing every problem found."""
    name = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationFailed([_too_big(name, size)])
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValidationFailed([ContentError(name, None, f"cannot read file: {exc.strerror or exc}")]) from None
    return load_pathway_bytes(data, name)


def load_pathway_bytes(data: bytes, file: str) -> Pathway:
    """Decode (strict UTF-8) and load pathway bytes."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed([_too_big(file, len(data))])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationFailed(
            [ContentError(file, line, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})", hint="save it as UTF-8")]
        ) from None
    return load_pathway_text(text, file)


def load_pathway_text(text: str, file: str = "<text>") -> Pathway:
    """Parse, type-check and rule-check pathway text; return a Pathway or raise ValidationFailed."""
    with _gc_paused():
        return _load_text(text, file)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: loading creates many objects and no cycles, and the collector's
    repeated passes over a growing heap made large files load in superlinear time (see docs/performance.md)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_text(text: str, file: str) -> Pathway:
    try:
        raw = parse_yaml(text)
    except YamlProblem as exc:
        raise ValidationFailed([ContentError(file, exc.line, exc.message, hint=exc.hint)]) from None
    if not isinstance(raw, LineDict):
        raise ValidationFailed(
            [ContentError(file, getattr(raw, "line", 1), f"a pathway file must be a YAML mapping, found {type(raw).__name__}",
                          hint="start with 'schema_version: 1'")]
        )
    try:
        content = PathwayContent.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise ValidationFailed([_from_pydantic(err, raw, file) for err in exc.errors(include_url=False)]) from None
    errors = check_rules(content, raw, file)
    if errors:
        raise ValidationFailed(errors)
    return _index(content, file)


def _index(content: PathwayContent, file: str) -> Pathway:
    return Pathway(
        content=content,
        file=file,
        nodes={n.id: n for n in content.tree.nodes},
        questions={q.id: q for q in content.questions},
        categories={c.id: c for c in content.categories},
    )


def _too_big(file: str, size: int) -> ContentError:
    return ContentError(
        file, None, f"file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,}", hint="is this really a pathway file?"
    )


# ---- turning pydantic's errors into ours ----------------------------------------------------


def _from_pydantic(err: Any, raw: Any, file: str) -> ContentError:
    loc = tuple(err["loc"])
    if loc[:2] == ("tree", "nodes") and len(loc) > 3 and loc[3] in NODE_KINDS:
        loc = loc[:3] + loc[4:]  # drop the node-kind tag pydantic inserts for the union
    kind = err["type"]
    message = str(err["msg"]).removeprefix("Value error, ")
    hint = None
    found = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        message = f"unknown key '{loc[-1]}'" + (f" (allowed: {allowed})" if allowed else "")
        hint = "remove it or fix its spelling"
    elif kind == "missing":
        message = f"missing required key '{loc[-1]}'"
        hint = "add it (every field is described in docs/content-format.md)"
    elif kind.endswith("_type") or kind == "model_type" or kind == "model_attributes_type":
        message = f"{message}, found {_describe(found)}"
        if kind == "string_type":
            hint = "put the value in quotes to make it text"
    elif kind == "string_pattern_mismatch":
        message = f"invalid id {found!r}: ids use lowercase letters, digits, '_' and '-'"
        hint = "for example 'child_cns'"
    elif kind == "literal_error":
        message = f"{message}, found {found!r}"
        hint = "use one of the allowed values"
    elif kind.startswith("union_tag"):
        hint = "set 'kind' to 'question' or 'outcome'"
        loc = loc + ("kind",)
    elif kind == "value_error":
        hint = "every clinical statement needs its basis or an editorial flag"
    hint = hint or "see docs/content-format.md for what this field takes"
    return ContentError(
        file=file, line=line_of(raw, loc), message=message, node=_node_id(raw, loc), field=dotted(loc), hint=hint
    )


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _node_id(raw: Any, loc: tuple) -> str | None:
    try:
        if loc[:2] == ("tree", "nodes") and isinstance(loc[2], int):
            ident = raw["tree"]["nodes"][loc[2]].get("id")
            return ident if isinstance(ident, str) else None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return None



def _allowed_keys(loc: tuple) -> list[str]:
    """Field names of the model found at ``loc`` (following lists, dicts and the node-kind union)."""
    annotation: Any = PathwayContent
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is typing.Union or str(typing.get_origin(annotation)) == "types.UnionType":
        annotation = _unwrap(_without_none(annotation))
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _step(annotation: Any, part: Any) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        field = annotation.model_fields.get(part)
        return field.annotation if field else None
    if origin is list and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    if origin is typing.Union or str(origin) == "types.UnionType":
        for arg in typing.get_args(annotation):
            arg = _unwrap(arg)
            kind = getattr(arg, "model_fields", {}).get("kind")
            if kind is not None and part in typing.get_args(kind.annotation):
                return arg
        return _step(_without_none(annotation), part)
    return None


def _without_none(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 else None
