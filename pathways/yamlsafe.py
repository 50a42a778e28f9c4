"""Safe YAML reading that keeps line numbers, rejects duplicate keys and aliases, and reads yes/no as text."""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["LineDict", "LineList", "YamlProblem", "parse_yaml", "line_of"]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    """The text is not YAML this package accepts; carries the 1-based line and a hint."""

    def __init__(self, line: int | None, message: str, hint: str | None = None):
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(message)


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.key_lines = {}


class LineList(list):
    """A sequence that remembers its own line and the line of each item."""

    line: int = 0
    item_lines: list


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2-style booleans (only true/false) and line-aware containers."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:  # noqa: D401
        if node in self.constructed_objects:
            raise YamlProblem(
                node.start_mark.line + 1,
                "YAML anchors and aliases (&name / *name) are not allowed",
                "write the repeated content out in full so each statement can be reviewed where it stands",
            )
        return super().construct_object(node, deep=deep)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Any:
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) or key is None:
            raise YamlProblem(key_node.start_mark.line + 1, f"mapping key must be text, found {key!r}")
        if key in data:
            raise YamlProblem(
                key_node.start_mark.line + 1,
                f"duplicate key {key!r} (first at line {data.key_lines[key]})",
                "each key may appear once in a mapping; remove or rename one of them",
            )
        data.key_lines[key] = key_node.start_mark.line + 1
        data[key] = loader.construct_object(value_node, deep=True)


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Any:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = []
    yield data
    for item in node.value:
        data.item_lines.append(item.start_mark.line + 1)
        data.append(loader.construct_object(item, deep=True))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)

# YAML 1.1 reads yes/no/on/off as booleans ("the Norway problem"); content ids like "yes" must stay text.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


#: Deeper flow nesting ([[[…, {{{…) is refused before parsing: the C parser recurses and would crash the process.
MAX_FLOW_DEPTH = 100
#: Lines whose leading spaces and "- " markers run longer than this are refused (block nesting, same reason).
MAX_LEADING = 400
_BRACKETS = re.compile(r"[\[\]{}]")
_LEADING = re.compile(r"^[ \t-]+", re.M)


def check_nesting(text: str) -> None:
    """Refuse absurd nesting cheaply, before the recursive C parser sees it."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > MAX_FLOW_DEPTH:
            line = text.count("\n", 0, match.start()) + 1
            raise YamlProblem(line, f"YAML nesting is too deep (more than {MAX_FLOW_DEPTH} levels)",
                              "a pathway file never needs this; is it the right file?")
    for match in _LEADING.finditer(text):
        if match.end() - match.start() > MAX_LEADING:
            line = text.count("\n", 0, match.start()) + 1
            raise YamlProblem(line, f"YAML nesting is too deep (indentation over {MAX_LEADING} columns)",
                              "a pathway file never needs this; is it the right file?")


def parse_yaml(text: str) -> Any:
    """Parse one YAML document into LineDict/LineList containers; raise YamlProblem on any error."""
    check_nesting(text)
    try:
        loader = _Loader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except YamlProblem as exc:
        if exc.message.startswith("YAML anchors"):
            exc.line = _first_alias_line(text) or exc.line
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark  # where the construct began, else where it broke
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem_mark is not None and exc.problem_mark is not mark:
            problem = f"{problem} ({exc.context}, noticed at line {exc.problem_mark.line + 1})"
        raise YamlProblem(line, f"invalid YAML: {problem}", "check indentation, colons and quotes") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, f"invalid YAML: {exc}", "check the file is a single YAML document") from None
    except RecursionError:
        raise YamlProblem(None, "YAML nesting is too deep", "flatten the structure") from None


def _first_alias_line(text: str) -> int | None:
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark.line + 1
    return None


def line_of(data: Any, loc: tuple) -> int | None:
    """The line of the value at ``loc`` inside parsed data: the deepest position that can be located."""
    line = getattr(data, "line", None)
    current = data
    for key in loc:
        if isinstance(current, LineDict) and key in current:
            line = current.key_lines.get(key, line)
            current = current[key]
        elif isinstance(current, LineList) and isinstance(key, int) and 0 <= key < len(current):
            line = current.item_lines[key]
            current = current[key]
        # a key the data lacks (a missing field, or a discriminator tag pydantic adds): stay put
    return line
