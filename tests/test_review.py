"""The review pack: the shipped version's pack in docs/review is current; a pack holds the decision table, every
statement by situation with its basis and editorial reason, the editorial assumptions, the diff and a sign-off."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pathways import load_pathway, resolve_pathway
from pathways.lifecycle import approval_text
from pathways.outputs.diff import diff_refs
from pathways.outputs.review import (DECISIONS, SIGN_OFF_FIELDS, content_fingerprint, pack_name, review_command, review_pack,
                                     render_review, slug)
from pathways.situations import complete_situations
from pathways.translate import load_translation, translation_path
from tests.support.a11y import axe_findings

ROOT = Path(__file__).parents[1]
REVIEW_DIR = ROOT / "docs" / "review"
SHIPPED_FILE = resolve_pathway(None)
ES_FILE = translation_path(SHIPPED_FILE, "es")
PATHWAY = load_pathway(SHIPPED_FILE)
META = PATHWAY.content.metadata
FORMATS = ("md", "html")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pathways", "review", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def shipped_against() -> str | None:
    """The --against of the committed pack, read from its own 'Made with' line."""
    text = (REVIEW_DIR / pack_name(PATHWAY, "md")).read_text(encoding="utf-8")
    found = re.search(r"\| \*\*Made with\*\* \| `python -m pathways review(?: --against (\S+))?`", text)
    assert found, "the committed pack has no 'Made with' line"
    return found.group(1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_shipped_versions_review_pack_is_committed_and_current(fmt):
    path = REVIEW_DIR / pack_name(PATHWAY, fmt)
    regenerate = (f"python -m pathways review --against git:<commit of the previous version> "
                  f"-o docs/review/{pack_name(PATHWAY, fmt)}")
    assert path.exists(), f"no review pack for version {META.version}: run `{regenerate}`"
    against = shipped_against()
    if against:
        regenerate = f"python -m pathways review --against {against} -o docs/review/{pack_name(PATHWAY, fmt)}"
    diff = diff_refs(against, str(SHIPPED_FILE)) if against else None
    pack = review_pack(PATHWAY, diff, review_command(None, against))
    expected = render_review(pack, fmt)
    assert path.read_text(encoding="utf-8") == expected, (
        f"docs/review/{path.name} is stale (the content changed since it was made): run `{regenerate}` "
        "(for both .md and .html) and commit it")


def test_only_the_shipped_versions_pack_is_kept():
    """Earlier versions' packs live in git history; a stale one left here would read as current."""
    names = {p.name for p in REVIEW_DIR.glob(f"{PATHWAY.id}-*.*")}
    assert names == {pack_name(PATHWAY, fmt) for fmt in FORMATS}, names


@pytest.fixture(scope="module")
def pack_md() -> str:
    return (REVIEW_DIR / pack_name(PATHWAY, "md")).read_text(encoding="utf-8")


def test_pack_carries_disclaimer_version_dates_and_approval(pack_md):
    assert pack_md.count(META.disclaimer) >= 2  # at the top and under the sign-off
    for needed in (f"| **Content version** | {META.version} |", f"| **Last reviewed** | {META.last_reviewed}",
                   f"| **Next review due** | {META.next_review_due}", f"| **Approval** | {approval_text(META)}",
                   content_fingerprint(PATHWAY)):
        assert needed in pack_md, needed


def test_pack_has_the_decision_table_and_every_situation_with_its_statements(pack_md):
    situations = complete_situations(PATHWAY)
    table = pack_md.split("## 4. Decision table", 1)[1].split("## 5.", 1)[0]
    assert len(re.findall(r"^\| \d+ \|", table, re.M)) == len(situations)
    for number, situation in enumerate(situations, 1):
        assert f"### Situation {number}: {situation.label}" in pack_md
        section = pack_md.split(f"### Situation {number}:", 1)[1].split("### Situation", 1)[0]
        section = " ".join(section.split())
        for treatment in situation.result.treatments:
            assert f"**{treatment.label}:** {' '.join(treatment.explanation.text.split())}" in section
            if treatment.explanation.editorial:
                assert " ".join(treatment.explanation.editorial.split()) in section
        for note in situation.outcome.notes:
            assert " ".join(note.text.split()) in section


def test_pack_lists_every_editorial_assumption(pack_md):
    listed = pack_md.split("## 7. Editorial assumptions", 1)[1].split("## 8.", 1)[0]
    flat = " ".join(listed.split())
    editorial = _editorial_texts()
    assert editorial, "the shipped content has editorial assumptions"
    for text in editorial:
        assert " ".join(text.split()).replace("|", "\\|") in flat, text
    assert f"{len(editorial)} statements are" in flat


def _editorial_texts() -> list[str]:
    """Every editorial statement of the content, found by the validator's own walk over every statement."""
    from pathways.validate import _statements

    return [s.text for _, s in _statements(PATHWAY.content) if s.editorial]


def test_pack_ends_with_a_sign_off_block(pack_md):
    sign_off = pack_md.split("## 9. Sign-off", 1)[1]
    for field in SIGN_OFF_FIELDS:  # printed lines for name, role, signature and date
        assert re.search(rf"^\| {re.escape(field)} \| \S", sign_off, re.M), field
    for decision in DECISIONS:
        assert f"☐ {decision}" in sign_off.replace("\\", "")
    assert content_fingerprint(PATHWAY) in sign_off


def test_pack_against_the_previous_version_lists_the_differences_by_situation(pack_md, tmp_path):
    against = shipped_against()
    assert against, "the shipped pack is made against the previous version"
    diff = diff_refs(against, str(SHIPPED_FILE))
    section = pack_md.split("## 8. Differences from the previous version", 1)[1].split("## 9.", 1)[0]
    for situation in diff.changed_situations:
        assert f"### {situation.label} ({situation.status})" in section
    same = tmp_path / "same.yaml"
    same.write_text(SHIPPED_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    translation_path(same, "es").write_text(ES_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    assert "Nothing a reader sees changed" in run("--against", str(same)).stdout
    assert "Not compared: make the pack with --against OLD" in run().stdout


def test_pack_is_deterministic_and_carries_no_clock_date():
    first = render_review(review_pack(PATHWAY), "md")
    assert first == render_review(review_pack(PATHWAY), "md")
    assert "Made on" not in first


def test_review_writes_html_by_suffix_and_refuses_a_broken_previous_version(tmp_path):
    out = tmp_path / "pack.html"
    made = run("-o", str(out))
    assert made.returncode == 0, made.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page and "@media print" in page
    assert not re.search(r"<script|\bsrc=|\bhref=\"(?!#)|url\(|@import", page), "the page must need nothing else"
    broken = tmp_path / "broken.yaml"
    broken.write_text(SHIPPED_FILE.read_text(encoding="utf-8").replace("\n  root: ", "\n  root: [", 1))
    refused = run("--against", str(broken), "-o", str(tmp_path / "x.md"))
    assert refused.returncode == 1
    assert re.search(rf"^{re.escape(str(broken))}:\d+: invalid YAML", refused.stderr, re.M), refused.stderr
    assert not (tmp_path / "x.md").exists()


@pytest.mark.browser
def test_html_pack_is_accessible_and_prints_to_a4_pages_in_chromium_without_requests(browser, tmp_path):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    path = REVIEW_DIR / pack_name(PATHWAY, "html")
    page.goto(path.resolve().as_uri())
    assert page.locator("h2#sign-off").is_visible()
    findings = axe_findings(page)
    assert not findings, "\n".join(map(str, findings))  # WCAG 2.2 AA: a reviewer may use a screen reader
    pdf = page.pdf(format="A4", print_background=True)
    page.close()
    assert requests == [path.resolve().as_uri()]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 6, pages  # the main sections start on their own pages
    (tmp_path / "pack.pdf").write_bytes(pdf)


def test_contents_link_to_every_section_in_markdown_and_html(pack_md):
    page = (REVIEW_DIR / pack_name(PATHWAY, "html")).read_text(encoding="utf-8")
    contents = pack_md.split("## Contents", 1)[1].split("\n## ", 1)[0]
    targets = re.findall(r"\]\(#([^)]+)\)", pack_md)
    headings = {slug(h) for h in re.findall(r"^#{1,4} (.+)$", pack_md, re.M)}
    assert len(re.findall(r"^- \[", contents, re.M)) == 10 and targets  # 7a: the plain-language texts
    assert not [t for t in targets if t not in headings]  # each link lands on a heading
    ids = set(re.findall(r' id="([^"]+)"', page))
    links = re.findall(r'<a href="#([^"]+)"', page)
    assert len(links) >= 9 + len(complete_situations(PATHWAY)) and not [t for t in links if t not in ids]


def test_clinically_significant_changes_come_first(pack_md):
    from pathways.outputs.diff import significant_changes

    diff = diff_refs(shipped_against(), str(SHIPPED_FILE))
    found = significant_changes(diff)
    assert found, "1.1.0 added categories and editorial marks against 1.0.0"
    first = pack_md.split("## 1. Clinically significant changes", 1)[1].split("\n## 2.", 1)[0]
    assert pack_md.index("## 1. Clinically significant changes") < pack_md.index("## 4. Decision table")
    assert len(re.findall(r"^- ", first, re.M)) == len(found)
    for where, d, _ in found:
        assert f"**{where}:**" in first and (d is None or d.what in first)


def test_every_statement_has_the_sources_words_beside_it():
    from pathways.evaluate import citation
    from pathways.shown import keyed_statements
    from tests.support.quoted import quoted_pathway

    pathway = quoted_pathway()
    text = " ".join(render_review(review_pack(pathway), "md").split())
    for key, statement in keyed_statements(pathway.content):
        for basis in statement.basis:
            beside = f"{' '.join(statement.text.split())}"
            words = f"**What the source says** ({citation(basis)}): “{basis.quote}”".replace("&", "&").replace(
                "<", "\\<").replace(">", "\\>")
            starts = [m.start() for m in re.finditer(re.escape(beside), text)]
            assert any(words in text[at: at + len(beside) + 3000] for at in starts), key


@pytest.mark.browser
def test_html_pack_with_quotes_and_significant_changes_is_accessible(browser, tmp_path):
    """A pack as content with quotes will make it (a quote on every basis), against the previous version."""
    from pathways.outputs.diff import diff_pathways, load_side
    from tests.support.quoted import quoted_pathway

    old, name = load_side(shipped_against())
    pack = review_pack(quoted_pathway(), diff_pathways(old, quoted_pathway(), name, "quoted"), "test")
    path = tmp_path / "pack.html"
    path.write_text(render_review(pack, "html"), encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    assert page.locator("span.quote").count() > 100 and page.locator("h2#significant + p").is_visible()
    page.locator('a[href="#sign-off"]').click()
    assert page.evaluate("location.hash") == "#sign-off"
    findings = axe_findings(page)
    page.close()
    assert not findings, "\n".join(map(str, findings))


def test_pack_lists_a_reworded_spanish_entry_and_a_stale_one_first(tmp_path):
    """Against an OLD whose Spanish words one entry differently, for a NEW whose English changed one statement."""
    reworded, stale = "metadata.disclaimer", "categories.targeted_therapy.description"
    old = tmp_path / "old" / "relapsed-all.yaml"
    old.parent.mkdir()
    old.write_text(SHIPPED_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    spanish = ES_FILE.read_text(encoding="utf-8")
    disclaimer = load_translation(ES_FILE).entries[reworded].text  # the shipped Spanish; OLD has one word more
    head = disclaimer[:disclaimer.index(" ", 30)]
    assert spanish.count(head) == 1
    translation_path(old, "es").write_text(spanish.replace(head, head + " antes", 1), encoding="utf-8")
    new = tmp_path / "relapsed-all.yaml"
    english = SHIPPED_FILE.read_text(encoding="utf-8")
    target = PATHWAY.categories["targeted_therapy"].description.text
    assert english.count(target) == 1
    new.write_text(english.replace(target, target + " Changed.", 1), encoding="utf-8")
    translation_path(new, "es").write_text(spanish, encoding="utf-8")
    made = run("--pathway", str(new), "--against", str(old))
    assert made.returncode == 0, made.stderr
    first = made.stdout.split("## 1. Clinically significant changes", 1)[1].split("\n## 2.", 1)[0]
    assert f"**{stale}:** not current in NEW: stale" in first and reworded not in first
    section = made.stdout.split("## 8. Differences from the previous version", 1)[1].split("## 9.", 1)[0]
    translations = section.split("### Translation: Español (es)", 1)[1]
    assert f"**{reworded}:** translation reworded: " in translations and "~~antes~~" in translations
