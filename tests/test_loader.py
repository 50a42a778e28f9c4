"""The loader leaves the process as it found it: the garbage collector it pauses while loading is on again after a
load, a failed load included, and stays off when the caller had turned it off."""

from __future__ import annotations

import gc

import pytest

from pathways import ValidationFailed, load_pathway, load_pathway_text, resolve_pathway

SHIPPED = resolve_pathway(None).read_text(encoding="utf-8")


@pytest.fixture
def collector():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("text", [SHIPPED, SHIPPED.replace("  root: ", "  root: nowhere_", 1), "- not a mapping"],
                         ids=["valid", "invalid", "not-a-mapping"])
def test_loading_turns_the_garbage_collector_back_on(collector, text):
    gc.enable()
    try:
        load_pathway_text(text, "p.yaml")
    except ValidationFailed:
        pass
    assert gc.isenabled()


def test_loading_leaves_a_collector_the_caller_turned_off_off(collector):
    gc.disable()
    load_pathway(resolve_pathway(None))
    assert not gc.isenabled()
