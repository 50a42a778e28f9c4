"""The shipped pathway edited as data (whatever the file's YAML style): with a quote on every basis (its own words
per basis, with markup characters), so that tests of the outputs see quotes whatever the shipped content quotes
yet; or with any other edit a test needs (markup in a statement)."""

from __future__ import annotations

import functools
import itertools
from typing import Any, Callable

import yaml

from pathways import load_pathway_text, resolve_pathway
from pathways.load import Pathway

__all__ = ["quoted_pathway", "edited_pathway", "QUOTE_PREFIX"]

#: Every quote starts with this (then its number), so a test can find them; "&" and "<" test the escaping.
QUOTE_PREFIX = "Source words & <n"


def edited_pathway(edit: Callable[[Any], None]) -> Pathway:
    """The shipped pathway's data, changed in place by ``edit``, loaded (and validated) again."""
    path = resolve_pathway(None)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    return load_pathway_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), str(path))


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@functools.lru_cache(maxsize=1)
def quoted_pathway() -> Pathway:
    """The shipped pathway with ``quote: "Source words & <n N>"`` on each basis (numbered in file order)."""
    counter = itertools.count(1)

    def quote(data: Any) -> None:
        for node in _walk(data):
            if "source" in node and "section" in node:
                node["quote"] = f"{QUOTE_PREFIX} {next(counter)}>"

    return edited_pathway(quote)
