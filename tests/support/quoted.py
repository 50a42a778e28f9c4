"""The shipped pathway with a quote on every basis (its own words per basis, with markup characters), so that
tests of the outputs see quotes whatever the shipped content quotes yet."""

from __future__ import annotations

import functools
import itertools
import re

from pathways import load_pathway_text, resolve_pathway
from pathways.load import Pathway

__all__ = ["quoted_pathway", "QUOTE_PREFIX"]

#: Every quote starts with this (then its number), so a test can find them; "&" and "<" test the escaping.
QUOTE_PREFIX = "Source words & <n"
_BASIS = re.compile(r"\{source: [^{}]+\}")


@functools.lru_cache(maxsize=1)
def quoted_pathway() -> Pathway:
    """The shipped pathway with ``quote: "Source words & <n N>"`` added to each basis (numbered in file order)."""
    path = resolve_pathway(None)
    text = path.read_text(encoding="utf-8")
    counter = itertools.count(1)
    quoted = _BASIS.sub(lambda m: m.group(0)[:-1] + f', quote: "{QUOTE_PREFIX} {next(counter)}>"}}', text)
    return load_pathway_text(quoted, str(path))
