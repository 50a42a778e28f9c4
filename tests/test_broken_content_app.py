"""Broken content fails closed in the app: an error page naming file and line, never a category or a traceback."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

import pytest
from streamlit.testing.v1 import AppTest

from pathways import load_pathway, resolve_pathway
from pathways.load import MAX_FILE_BYTES

ROOT = Path(__file__).parents[1]
APP = str(ROOT / "app.py")
SHIPPED = resolve_pathway(None).read_text(encoding="utf-8")
CATEGORY_LABELS = [c.label for c in load_pathway(resolve_pathway(None)).content.categories]


def replace(old: str, new: str) -> Callable[[str], str]:
    def damage(text: str) -> str:
        assert old in text, f"the shipped file no longer contains {old!r}: update this test's damage"
        return text.replace(old, new, 1)

    return damage


def empty_treatments(node: str) -> Callable[[str], str]:
    """Replace the treatment list of outcome ``node`` with an empty one."""

    def damage(text: str) -> str:
        start = text.index(f"    - id: {node}\n")
        first = text.index("      treatments:\n", start)
        notes = text.index("      notes:", first)
        return text[:first] + "      treatments: []\n" + text[notes:]

    return damage


# damage: (how to break the shipped text, expected message, text on the line the error must name)
DAMAGES = {
    "bad-yaml": (replace("  root: age\n", "  root: [age\n"), r"invalid YAML", "  root: [age"),
    "wrong-type": (replace('  version: "1.2.0"\n', "  version: 1.0\n"), r"valid string, found 1\.0 \(float\)",
                   "  version: 1.0"),
    "unknown-key": (replace("  root: age\n", "  root: age\n  colour: red\n"), r"unknown key 'colour'",
                    "  colour: red"),
    "dangling-reference": (replace("{child: child_cns, adult: adult_cns}", "{child: child_cns, adult: adult_cnss}"),
                           r"leads to unknown node 'adult_cnss'", "adult: adult_cnss"),
    "cycle": (replace("{b_cell: adult_cns_b, t_cell: adult_cns_t}", "{b_cell: age, t_cell: adult_cns_t}"),
              r"cycle: branch 'b_cell' leads back to 'age'", "{b_cell: age,"),
    "unreachable-node": (replace("{b_cell: adult_no_cns_b, t_cell: adult_no_cns_t}",
                                 "{b_cell: adult_no_cns_b, t_cell: adult_no_cns_b}"),
                         r"node 'adult_no_cns_t' is not reachable", "    - id: adult_no_cns_t\n"),
    "missing-basis": (replace("      text: Chemotherapy that combines two or more anticancer drugs.\n"
                              "      plain: Chemotherapy that uses two or more cancer drugs at once.\n"
                              "      basis:\n        - source: relapsed-all-overview\n"
                              "          section: treatment-children\n"
                              "          quote: \"combination chemotherapy, which uses more than one anticancer "
                              "drug\"\n",
                              "      text: Chemotherapy that combines two or more anticancer drugs.\n"),
                      r"neither a basis nor an editorial flag",
                      "    description:\n      text: Chemotherapy that combines"),
    "empty-outcome": (empty_treatments("child_no_cns_t"), r"outcome names no treatment category", "treatments: []"),
    "unknown-category": (replace("        - category: targeted_therapy\n", "        - category: homeopathy\n"),
                         r"unknown category: 'homeopathy'", "category: homeopathy"),
    "duplicate-node-id": (replace("    - id: adult_cns\n", "    - id: child_cns\n"),
                          r"duplicate node id 'child_cns'", "    - id: child_cns\n    - id: child_cns"),
}


def line_of(text: str, needle: str) -> int:
    if needle.startswith("    - id: child_cns\n    - id: child_cns"):  # the second of two equal lines
        first = text.index("    - id: child_cns\n")
        return text[: text.index("    - id: child_cns\n", first + 1)].count("\n") + 1
    return text[: text.index(needle)].count("\n") + 1


def page_text(at: AppTest) -> str:
    """Every string the page holds (all elements' protobufs), markdown escapes removed."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return "\n".join(parts).replace("\\", "")


def run_app(monkeypatch: pytest.MonkeyPatch, path: Path, **query: str) -> AppTest:
    monkeypatch.setenv("PATHWAY_FILE", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def assert_error_page(at: AppTest, path: Path, message: str, line: int | None) -> None:
    assert not at.exception, at.exception
    text = page_text(at)
    assert "Traceback" not in text
    assert at.error, "no error message on the page"
    problems = "\n".join(c.value for c in at.code)
    where = r"(?<![/\w])" + re.escape(path.name) + (f":{line}:" if line is not None else r":\d+:")
    assert re.search(where + ".*" + message, problems), problems
    assert str(path.parent) not in text, "the page shows where the server keeps its files"
    for label in CATEGORY_LABELS:
        assert label not in text, f"category {label!r} shown while the content is invalid"
    assert not at.radio, "questions offered while the content is invalid"


@pytest.mark.parametrize("damage, message, needle", DAMAGES.values(), ids=DAMAGES.keys())
def test_damaged_content_shows_error_page_with_file_and_line_and_no_category(tmp_path, monkeypatch, damage,
                                                                            message, needle):
    text = damage(SHIPPED)
    path = tmp_path / "pathway.yaml"
    path.write_text(text, encoding="utf-8")
    at = run_app(monkeypatch, path, age_group="child", cns_involvement="yes", cell_type="b_cell")
    assert_error_page(at, path, message, line_of(text, needle))


def test_file_that_is_not_utf8_shows_error_page_with_file_and_line(tmp_path, monkeypatch):
    data = SHIPPED.encode().replace(b"  population: >-\n", b"  population: >-\n    Caf\xe9\n", 1)
    path = tmp_path / "latin1.yaml"
    path.write_bytes(data)
    line = data[: data.index(b"Caf\xe9")].count(b"\n") + 1
    at = run_app(monkeypatch, path, age_group="adult", cns_involvement="no", cell_type="t_cell")
    assert_error_page(at, path, r"not valid UTF-8", line)


def test_file_over_the_size_limit_shows_error_page_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    path.write_text(SHIPPED, encoding="utf-8")  # valid content at the start ...
    with path.open("r+b") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # ... padded (sparsely) past the limit
    at = run_app(monkeypatch, path, age_group="child", cns_involvement="no", cell_type="b_cell")
    assert_error_page(at, path, r"over the limit", None)


def test_missing_file_shows_error_page_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "gone.yaml"
    at = run_app(monkeypatch, path, age_group="child")
    assert_error_page(at, path, r"cannot read file", None)


def test_content_broken_while_the_app_runs_is_never_served_as_valid(tmp_path, monkeypatch):
    path = tmp_path / "pathway.yaml"
    path.write_text(SHIPPED, encoding="utf-8")
    at = run_app(monkeypatch, path, age_group="child", cns_involvement="yes")
    at = at.radio(key="cell_type").set_value("b_cell").run()
    assert "Intrathecal chemotherapy" in page_text(at)  # valid content: the categories are shown

    damage, message, needle = DAMAGES["dangling-reference"]
    broken = damage(SHIPPED)
    path.write_text(broken, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later edit, even on coarse clocks
    at = at.radio(key="cell_type").set_value("t_cell").run()  # the user goes on answering
    assert_error_page(at, path, message, line_of(broken, needle))

    path.write_text(SHIPPED, encoding="utf-8")  # fixed again: the app recovers without a restart
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(age_group="child", cns_involvement="yes", cell_type="b_cell")
    at = at.run()
    assert not at.exception and "Intrathecal chemotherapy" in page_text(at)


def test_every_damage_here_is_refused_by_the_loader_too(tmp_path):
    """Guards this file: a damage that stopped breaking the content would make its app test meaningless."""
    for name, (damage, message, _needle) in DAMAGES.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(damage(SHIPPED), encoding="utf-8")
        with pytest.raises(Exception, match=message):
            try:
                load_pathway(path)
            except Exception as exc:
                raise Exception("; ".join(e.format() for e in exc.errors)) from None  # type: ignore[attr-defined]
