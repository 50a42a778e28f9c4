"""Insert plain-language texts from a draft file into a pathway file, as text (comments and layout kept).

    python scripts/apply_plain.py scripts/plain-draft.yaml pathways/content/relapsed-all.yaml

Each draft entry names statements by their keys (``pathways.shown.keyed_statements``), the English it was written
from (``text``), the ``plain`` text and an optional ``plain_editorial``. ``plain:`` goes right after the statement's
``text:`` value. An entry whose statement has changed since is refused (update the draft first); a statement that
already has the same plain text is left alone. ``ask_the_care_team`` is appended when the file has none. The file is
written only when every entry applies and the result validates.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from pathways.errors import ValidationFailed  # noqa: E402
from pathways.load import load_pathway, load_pathway_text  # noqa: E402
from pathways.shown import keyed_statements  # noqa: E402
from pathways.validate import _statements  # noqa: E402
from pathways.yamlsafe import line_of, parse_yaml  # noqa: E402

WIDTH = 112


def _norm(text: str) -> str:
    return " ".join(text.split())


def _block(indent: int, key: str, text: str) -> list[str]:
    """``key: >-`` and the text folded at WIDTH, indented under it (a short text on one line, quoted if needed)."""
    pad = " " * indent
    one = f"{pad}{key}: {text}"
    try:
        plain_scalar = yaml.safe_load(f"{key.lstrip('- ')}: {text}") == {key.lstrip('- '): text}
    except yaml.YAMLError:
        plain_scalar = False
    if len(one) <= WIDTH and plain_scalar:
        return [one]
    lines = textwrap.wrap(text, WIDTH - indent - 2, break_long_words=False, break_on_hyphens=False)
    return [f"{pad}{key}: >-", *(f"{pad}  {line}" for line in lines)]


def apply(draft_path: Path, pathway_path: Path) -> list[str]:
    """Write the plain texts into the pathway file; return the problems (nothing written when there are any)."""
    draft = yaml.safe_load(draft_path.read_text(encoding="utf-8"))
    source = pathway_path.read_text(encoding="utf-8")
    pathway = load_pathway(pathway_path)
    raw = parse_yaml(source)
    locs = {id(s): loc for loc, s in _statements(pathway.content)}
    by_key = {key: (locs[id(s)], s) for key, s in keyed_statements(pathway.content)}
    lines = source.split("\n")
    problems: list[str] = []
    inserts: dict[int, list[str]] = {}
    for entry in draft.get("plain", []):
        for key in entry["keys"]:
            if key not in by_key:
                problems.append(f"{key}: no such statement")
                continue
            loc, statement = by_key[key]
            if _norm(statement.text) != _norm(entry["text"]):
                problems.append(f"{key}: the statement changed since the plain text was written:\n"
                                f"    was: {_norm(entry['text'])}\n    now: {_norm(statement.text)}")
                continue
            if statement.plain is not None:
                if _norm(statement.plain) != _norm(entry["plain"]):
                    problems.append(f"{key}: already has a different plain text")
                continue
            line = line_of(raw, loc + ("text",))
            assert line is not None
            column = lines[line - 1].index("text:")
            end = line  # the first line after the text's value: more indented or blank lines belong to it
            while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > column):
                end += 1
            while lines[end - 1].strip() == "":
                end -= 1
            block = _block(column, "plain", _norm(entry["plain"]))
            if entry.get("plain_editorial"):
                block += _block(column, "plain_editorial", _norm(entry["plain_editorial"]))
            inserts[end] = block
    if problems:
        return problems
    for at in sorted(inserts, reverse=True):
        lines[at:at] = inserts[at]
    text = "\n".join(lines)
    if draft.get("ask_the_care_team") and not pathway.content.ask_the_care_team:
        block = ["", "# Generic questions a family may want to ask the care team (the family reading and handout):",
                 "# prompts for a conversation, not clinical statements, so each is editorial and rests on no source.",
                 "ask_the_care_team:"]
        for item in draft["ask_the_care_team"]:
            block += _block(2, "- text", _norm(item["text"]))
            block += _block(4, "editorial", _norm(draft["ask_editorial"]))
        text = text.rstrip("\n") + "\n" + "\n".join(block) + "\n"
    try:
        load_pathway_text(text, str(pathway_path))
    except ValidationFailed as exc:
        return [e.format() for e in exc.errors]
    pathway_path.write_text(text, encoding="utf-8")
    return []


if __name__ == "__main__":
    found = apply(Path(sys.argv[1]), Path(sys.argv[2]))
    for problem in found:
        print(problem, file=sys.stderr)
    sys.exit(1 if found else 0)
