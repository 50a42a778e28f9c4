"""Docs that can be tested are: every content field is documented; the README names the commands it promises."""

from __future__ import annotations

import re
from pathlib import Path

import pydantic
import pytest

from pathways import model

ROOT = Path(__file__).parents[1]
FORMAT = (ROOT / "docs/content-format.md").read_text()
MODELS = [m for m in vars(model).values()
          if isinstance(m, type) and issubclass(m, pydantic.BaseModel) and m.__module__ == model.__name__
          and not m.__name__.startswith("_")]


def section(name: str) -> str:
    match = re.search(rf"^## {name}\b.*?(?=^## |\Z)", FORMAT, re.S | re.M)
    assert match, f"docs/content-format.md has no section '## {name}'"
    return match.group(0)


@pytest.mark.parametrize("model_class", MODELS, ids=[m.__name__ for m in MODELS])
def test_every_content_field_is_documented(model_class):
    text = section(model_class.__name__)
    for field in model_class.model_fields:
        assert f"`{field}`" in text, f"{model_class.__name__}.{field} is not documented"
