"""The clinical diff: per situation what is shown and how it is worded, then the translations beside each version;
exit 0 nothing clinical, 3 something, 1 bad input (with file:line)."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from pathways import load_pathway, resolve_pathway
from pathways.outputs.diff import NOT_CURRENT, RECORD, SHOWN, WORDING, diff_pathways, is_significant, word_diff
from pathways.situations import complete_situations
from pathways.translate import english_texts, translation_path
from pathways.yamlsafe import parse_yaml

ROOT = Path(__file__).parents[1]
SHIPPED_FILE = resolve_pathway(None)
SHIPPED = SHIPPED_FILE.read_text(encoding="utf-8")
PATHWAY = load_pathway(SHIPPED_FILE)
ES_FILE = translation_path(SHIPPED_FILE, "es")
SPANISH = ES_FILE.read_text(encoding="utf-8")
#: The commit whose shipped file is content version 1.0.0 (before the lifecycle fields).
FIRST_RELEASE = "b9e2692"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pathways", "diff", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def plain(value: Any) -> Any:
    """Parsed YAML as plain dicts and lists, for editing and dumping again."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def edited(tmp_path: Path, edit: Callable[[dict], None], name: str = "new.yaml",
           spanish: Callable[[dict], None] | None = None) -> Path:
    """A copy of the shipped content with ``edit`` applied to its data (written back as YAML), its Spanish
    translation copied beside it (with ``spanish`` applied to the translation's data when given)."""
    data = plain(parse_yaml(SHIPPED))
    edit(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    load_pathway(path)  # the edit keeps the content valid
    translation = translation_path(path, "es")
    if spanish is None:
        translation.write_text(SPANISH, encoding="utf-8")
    else:
        es = plain(parse_yaml(SPANISH))
        spanish(es)
        translation.write_text(yaml.safe_dump(es, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    return path


def unchanged(data: dict) -> None:
    """No edit."""


def first_outcome_with(data: dict, at_least: int) -> dict:
    return next(n for n in data["tree"]["nodes"] if n["kind"] == "outcome" and len(n["treatments"]) >= at_least)


def situation_of(outcome_id: str):
    return next(s for s in complete_situations(PATHWAY) if s.outcome.id == outcome_id)


def test_identical_copy_exits_0_and_says_nothing_changed(tmp_path):
    same = tmp_path / "same.yaml"
    same.write_text(SHIPPED, encoding="utf-8")
    translation_path(same, "es").write_text(SPANISH, encoding="utf-8")
    result = run(str(SHIPPED_FILE), str(same))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Nothing a reader sees changed" in result.stdout
    assert f"Unchanged ({len(complete_situations(PATHWAY))})" in result.stdout
    assert "Translations: Español unchanged." in result.stdout
    data = json.loads(run(str(SHIPPED_FILE), str(same), "-f", "json").stdout)
    assert [(t["language"], t["status"], t["differences"]) for t in data["translations"]] == [("es", "unchanged", [])]


def test_one_category_removed_from_one_situation_names_exactly_that_situation_and_category(tmp_path):
    removed: dict[str, str] = {}

    def drop(data: dict) -> None:
        outcome = first_outcome_with(data, 2)
        treatment = outcome["treatments"].pop(1)
        removed.update(outcome=outcome["id"], category=treatment["category"])

    new = edited(tmp_path, drop)
    situation = situation_of(removed["outcome"])
    label = PATHWAY.categories[removed["category"]].label
    treatment_label = next(t.label for t in situation.result.treatments if t.id == removed["category"])

    md = run(str(SHIPPED_FILE), str(new))
    assert md.returncode == 3, md.stdout + md.stderr
    assert f"### {situation.label} (changed)" in md.stdout
    assert f"**Categories removed:** {treatment_label}" in md.stdout
    assert md.stdout.count("(changed)") == 1

    data = json.loads(run(str(SHIPPED_FILE), str(new), "--format", "json").stdout)
    changed = [s for s in data["situations"] if s["status"] != "unchanged"]
    assert [(s["key"], s["categories_removed"], s["categories_added"]) for s in changed] == [
        (situation.key, [treatment_label], [])]
    assert [d["what"] for d in changed[0]["differences"]] == ["category removed"]
    assert all(not s["differences"] for s in data["sections"])
    assert data["clinical"] is True and label


def test_broken_copy_exits_1_with_file_and_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    text = SHIPPED.replace("\n  root: ", "\n  root: [", 1)
    assert text != SHIPPED
    broken.write_text(text, encoding="utf-8")
    line = text[: text.index("\n  root: [") + 1].count("\n") + 1
    result = run(str(SHIPPED_FILE), str(broken))
    assert result.returncode == 1
    assert re.search(rf"^{re.escape(str(broken))}:{line}: invalid YAML", result.stderr, re.M), result.stderr
    assert result.stdout == ""


def test_a_missing_file_or_unknown_revision_exits_1_with_a_message(tmp_path):
    missing = run(str(SHIPPED_FILE), str(tmp_path / "absent.yaml"))
    assert missing.returncode == 1 and "absent.yaml" in missing.stderr
    revision = run("git:no-such-revision-xyz", str(SHIPPED_FILE))
    assert revision.returncode == 1 and "no-such-revision-xyz" in revision.stderr


def test_git_revision_reads_the_shipped_file_as_it_was():
    result = run(f"git:{FIRST_RELEASE}", f"git:{FIRST_RELEASE}:pathways/content/relapsed-all.yaml", "-f", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["old"]["version"] == "1.0.0"
    assert data["old"]["name"] == data["new"]["name"] == f"git:{FIRST_RELEASE}:pathways/content/relapsed-all.yaml"


def test_record_only_changes_exit_0_and_are_listed(tmp_path):
    def bump(data: dict) -> None:
        meta = data["metadata"]
        meta["version"] = "9.9.9"
        meta["last_reviewed"] = datetime.date(2027, 1, 5)
        meta["next_review_due"] = datetime.date(2028, 1, 5)
        meta["approved_on"] = datetime.date(2027, 1, 6)
        meta["changes"] = [{"version": "9.9.9", "date": datetime.date(2027, 1, 5), "summary": "Review only."}] \
            + meta["changes"]

    def spanish(es: dict) -> None:  # the translation kept current: the new change-log entry translated
        key = "metadata.changes.9.9.9.summary"
        es["entries"][key] = {"en": english_texts(load_pathway(new).content)[key].fingerprint, "text": "Solo revisión."}

    new = edited(tmp_path, bump)
    result = run(str(SHIPPED_FILE), str(edited(tmp_path, bump, spanish=spanish)))
    assert result.returncode == 0, result.stdout
    assert "metadata.version: changed: " in result.stdout and "9.9.9 (2027-01-05): Review only." in result.stdout
    assert "- metadata.changes.9.9.9.summary: entry added: Solo revisión." in result.stdout


def _reword(data: dict) -> None:
    outcome = first_outcome_with(data, 1)
    outcome["treatments"][0]["explanation"]["text"] += " Reworded for the test."


def _rebase(data: dict) -> None:
    explanation = first_outcome_with(data, 1)["treatments"][0]["explanation"]
    source = data["sources"][0]
    cited = [(b["source"], b["section"]) for b in explanation.get("basis", [])]
    quote = next((b["quote"] for b in explanation.get("basis", []) if "quote" in b), None)
    explanation["basis"] = [{"source": source["id"], "section": s, **({"quote": quote} if quote else {})}
                            for s in source["sections"] if (source["id"], s) not in cited][:1]


def _flag(data: dict) -> None:
    first_outcome_with(data, 1)["treatments"][0]["explanation"]["editorial"] = "A reading, for the test."


def _figure(data: dict) -> None:
    note = next(n for n in data["outlook"]["notes"] if n.get("figures"))
    note["figures"][0]["value"] = note["figures"][0]["value"] + 1
    note["figures"][0]["display"] = "about 1 in 2 (test)"


def _prompt(data: dict) -> None:
    data["questions"][0]["prompt"] += " (reworded)"


def _option_added(data: dict) -> None:
    outlook = next(q for q in data["questions"] if q.get("role") == "outlook")
    outlook["options"].append({"id": "test_option", "label": "A test option"})


# name: (edit, kind expected, what expected, in a situation (True) or in a shared section (False))
EDITS = {
    "statement-reworded": (_reword, WORDING, "reworded", True),
    "basis-changed": (_rebase, SHOWN, "basis changed", True),
    "editorial-flag-set": (_flag, SHOWN, "now an editorial assumption", True),
    "figure-changed": (_figure, SHOWN, "figure changed", True),
    "question-reworded": (_prompt, WORDING, "prompt reworded", False),
    "option-added": (_option_added, SHOWN, "option added", False),
}


@pytest.mark.parametrize("edit, kind, what, per_situation", EDITS.values(), ids=EDITS.keys())
def test_each_kind_of_change_is_reported_with_its_kind_and_exits_3(tmp_path, edit, kind, what, per_situation):
    new = edited(tmp_path, edit)
    result = run(str(SHIPPED_FILE), str(new), "-f", "json")
    assert result.returncode == 3, result.stdout + result.stderr
    data = json.loads(result.stdout)
    where = data["situations"] if per_situation else data["sections"]
    found = [(d["kind"], d["what"]) for part in where for d in part["differences"]]
    assert (kind, what) in found, found
    assert all(k != RECORD for k, _ in found)


def test_wording_only_changes_are_listed_apart_from_changes_of_what_is_shown(tmp_path):
    md, translations = run(str(SHIPPED_FILE), str(edited(tmp_path, _reword))).stdout.split("## Translations")
    assert "Wording only:" in md and "What is shown:" not in md
    assert f"{NOT_CURRENT}: stale" in translations  # the Spanish of the reworded statement
    assert "**Reworded for the test.**" in md


def test_diff_against_the_first_release_names_the_lifecycle_fields_as_record():
    old = load_pathway(SHIPPED_FILE)
    diff = diff_pathways(old, old)
    assert not diff.clinical and diff.count(SHOWN) == diff.count(WORDING) == diff.count(RECORD) == 0
    result = run(f"git:{FIRST_RELEASE}", str(SHIPPED_FILE), "-f", "json")
    data = json.loads(result.stdout)
    metadata = next(s for s in data["sections"] if s["title"] == "Metadata")
    assert {d["where"] for d in metadata["differences"] if d["kind"] == RECORD} >= {
        "metadata.next_review_due", "Change log"}


def test_word_diff_marks_removed_and_added_words():
    assert word_diff("a b c", "a x c") == "a ~~b~~ **x** c"


# ---- translations ---------------------------------------------------------------------------------------------


def _reword_entry(part: str) -> Callable[[dict], str]:
    """An edit of the Spanish that rewords one part of the first entry that has it; returns the entry's key."""
    def edit(es: dict) -> str:
        key = next(k for k, e in es["entries"].items() if e.get(part))
        es["entries"][key][part] += " (cambiado)"
        return key
    return edit


def _drop_entry(es: dict) -> str:
    key = "categories.targeted_therapy.description"
    del es["entries"][key]
    return key


# name: (edit of the Spanish returning the entry's key, (kind, what) of each difference expected for it)
SPANISH_EDITS = {
    "text-reworded": (_reword_entry("text"), [(WORDING, "translation reworded")]),
    "editorial-reworded": (_reword_entry("editorial"), [(WORDING, "translated editorial reason reworded")]),
    "plain-reworded": (_reword_entry("plain"), [(WORDING, "translated plain-language text reworded")]),
    "entry-removed": (_drop_entry, [(SHOWN, "entry removed"), (SHOWN, f"{NOT_CURRENT}: missing")]),
}


@pytest.mark.parametrize("edit, expected", SPANISH_EDITS.values(), ids=SPANISH_EDITS.keys())
def test_one_spanish_entry_changed_names_exactly_that_entry_and_language(tmp_path, edit, expected):
    changed: list[str] = []
    new = edited(tmp_path, unchanged, spanish=lambda es: changed.append(edit(es)))
    result = run(str(SHIPPED_FILE), str(new), "-f", "json")
    assert result.returncode == 3, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert all(s["status"] == "unchanged" for s in data["situations"])
    assert all(not s["differences"] for s in data["sections"])
    assert [(t["language"], t["status"]) for t in data["translations"]] == [("es", "changed")]
    assert [(d["where"], d["kind"], d["what"]) for d in data["translations"][0]["differences"]] == [
        (changed[0], kind, what) for kind, what in expected]
    md = run(str(SHIPPED_FILE), str(new)).stdout
    assert "### Translation: Español (es)" in md
    assert f"- {changed[0]}: {expected[0][1]}" in md


def test_a_changed_english_statement_makes_its_spanish_entry_not_current_in_new(tmp_path):
    key = "categories.targeted_therapy.description"

    def reword(data: dict) -> None:
        next(c for c in data["categories"] if c["id"] == "targeted_therapy")["description"]["text"] += " Changed."

    result = run(str(SHIPPED_FILE), str(edited(tmp_path, reword)), "-f", "json")
    assert result.returncode == 3
    found = json.loads(result.stdout)["translations"][0]["differences"]
    assert [(d["where"], d["what"]) for d in found] == [(key, f"{NOT_CURRENT}: stale")]
    assert f"stale translation of '{key}'" in found[0]["new"] and "new.es.yaml:" in found[0]["new"]


def test_a_copy_without_its_translation_reports_the_translation_removed_as_significant(tmp_path):
    same = tmp_path / "same.yaml"
    same.write_text(SHIPPED, encoding="utf-8")
    diff = run(str(SHIPPED_FILE), str(same), "-f", "json")
    assert diff.returncode == 3
    translation = json.loads(diff.stdout)["translations"][0]
    assert (translation["status"], translation["new_file"]) == ("removed", None)
    assert [(d["kind"], d["what"]) for d in translation["differences"]] == [(SHOWN, "translation removed")]
    from pathways.outputs.diff import Difference
    assert is_significant(Difference(SHOWN, "the whole translation", "translation removed"))


def test_git_sides_read_the_translations_as_they_were():
    at_head = run("git:HEAD", "git:HEAD:pathways/content/relapsed-all.yaml", "-f", "json")
    assert at_head.returncode == 0, at_head.stderr
    translation = json.loads(at_head.stdout)["translations"][0]
    assert translation["old_file"] == translation["new_file"] == "git:HEAD:pathways/content/relapsed-all.es.yaml"
    assert translation["status"] == "unchanged" and translation["differences"] == []
    before = json.loads(run(f"git:{FIRST_RELEASE}", "git:HEAD", "-f", "json").stdout)["translations"][0]
    assert (before["status"], before["old_file"]) == ("added", None)
    assert before["differences"][0]["what"] == "translation added"
