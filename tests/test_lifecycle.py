"""Review dates, approval and the change log: what `validate` reports on a given day, and the approver rule."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pathways import load_pathway, resolve_pathway
from pathways.lifecycle import current_change, months_before, review_status
from pathways.validate import role_problem
from tests.support.content import pending_copy

ROOT = Path(__file__).parents[1]
SHIPPED_FILE = resolve_pathway(None)
SHIPPED = SHIPPED_FILE.read_text(encoding="utf-8")
META = load_pathway(SHIPPED_FILE).content.metadata


def validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pathways", "validate", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def with_approval(text: str, approved_on: str) -> str:
    """Content text with ``approved_on`` set ("null": pending), whatever the shipped file records today."""
    changed = re.sub(r"(?m)^  approved_on: .*$", f"  approved_on: {approved_on}", text, count=1)
    assert re.search(rf"(?m)^  approved_on: {approved_on}$", changed)
    return changed


def signed_copy(tmp_path: Path, due: str = "2027-11-24") -> Path:
    """The shipped file, signed off (approved_on set) and with ``due`` as its next review date."""
    text = with_approval(SHIPPED, "2026-12-02")
    text = re.sub(r"(?m)^  next_review_due: .*$", f"  next_review_due: {due}", text, count=1)
    path = tmp_path / "signed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


ROLES = {
    "shipped-placeholder": ("Clinical lead, paediatric and adult haematology (placeholder until sign-off)", None),
    "title-case-role": ("Chief Medical Officer", None),
    "committee": ("Drug and Therapeutics Committee", None),
    "sentence-case": ("Consultant haematologist", None),
    "doctor-title": ("Dr X", "personal title"),
    "professor": ("Prof. A. Jones, clinical lead", "personal title"),
    "plain-name": ("Jane Smith", "read as a name"),
    "name-after-role": ("Clinical Lead John Doe", "read as a name"),
    "post-nominals": ("Smith MD, consultant", "post-nominal"),
    "email": ("j.smith@example.org", "e-mail"),
    "no-role-word": ("Bob", "no word that names a role"),
}


@pytest.mark.parametrize("text, problem", ROLES.values(), ids=ROLES.keys())
def test_approver_must_read_as_a_role_not_a_person(text, problem):
    found = role_problem(text)
    if problem is None:
        assert found is None, found
    else:
        assert found is not None and problem in found, found


DUE = META.next_review_due
ONE_DAY = datetime.timedelta(days=1)
DAYS = {  # relative to the shipped content's own due date, so a new version needs no edit here
    "long-before": (months_before(DUE, 6) - ONE_DAY, False, False),
    "day-lead-time-starts": (months_before(DUE, 6), False, True),
    "due-day-itself": (DUE, False, True),
    "day-after": (DUE + ONE_DAY, True, False),
}


@pytest.mark.parametrize("today, overdue, due_soon", DAYS.values(), ids=DAYS.keys())
def test_review_status_of_the_shipped_content_on_a_given_day(today, overdue, due_soon):
    status = review_status(META, today)
    assert (status.overdue, status.due_soon) == (overdue, due_soon)


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    assert months_before(datetime.date(2027, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert months_before(datetime.date(2028, 1, 15), 6) == datetime.date(2027, 7, 15)


def test_shipped_content_records_review_due_an_approver_role_and_this_versions_change():
    assert META.next_review_due is not None and META.next_review_due > META.last_reviewed
    assert META.approved_by and role_problem(META.approved_by) is None
    change = current_change(META)
    assert change is not None and change.summary


def test_validate_warns_with_file_and_line_when_the_review_is_overdue_and_still_exits_0(tmp_path):
    path = signed_copy(tmp_path, due="2027-06-30")
    text = path.read_text()
    result = validate(str(path), "--today", "2027-12-01")
    assert result.returncode == 0, result.stdout + result.stderr
    line = line_of(text, "  next_review_due:")
    assert re.search(rf"^{re.escape(str(path))}:{line}: warning: review overdue: next_review_due 2027-06-30 "
                     r"was 154 day\(s\) before 2027-12-01 Hint: ", result.stderr, re.M), result.stderr
    assert f"{path}: ok" in result.stdout


def test_validate_strict_fails_when_the_review_is_overdue(tmp_path):
    path = signed_copy(tmp_path, due="2027-06-30")
    result = validate(str(path), "--today", "2027-12-01", "--strict")
    assert result.returncode == 1
    assert "warning: review overdue" in result.stderr and f"{path}: ok" not in result.stdout


def test_validate_strict_passes_signed_content_whose_review_is_not_due(tmp_path):
    path = signed_copy(tmp_path)
    result = validate(str(path), "--today", "2026-12-01", "--strict")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr and "notice" not in result.stderr


def test_a_review_due_within_six_months_is_a_notice_that_strict_does_not_fail(tmp_path):
    path = signed_copy(tmp_path)
    result = validate(str(path), "--today", "2027-06-01", "--strict")
    assert result.returncode == 0, result.stderr
    assert "notice: review due soon: next_review_due 2027-11-24; the review starts on 2027-05-24" in result.stderr


def test_validate_says_approval_is_pending_for_unsigned_content_and_strict_fails_it(tmp_path):
    path = pending_copy(tmp_path)
    loose = validate(str(path), "--today", "2026-12-01")
    assert loose.returncode == 0
    line = line_of(SHIPPED, "  approved_on:")
    assert f"{path}:{line}: warning: approval pending" in loose.stderr, loose.stderr
    assert validate(str(path), "--today", "2026-12-01", "--strict").returncode == 1


def test_validate_rejects_a_malformed_today():
    result = validate("--today", "next week")
    assert result.returncode == 2 and "expected a date YYYY-MM-DD" in result.stderr


def test_exports_say_approval_is_pending_and_mark_an_overdue_review_on_the_day_they_are_made(tmp_path):
    from pathways.evaluate import evaluate
    from pathways.outputs.export import about_lines, to_csv, to_markdown

    pathway = load_pathway(pending_copy(tmp_path))
    due = META.next_review_due
    assert due is not None
    before, after = dict(about_lines(pathway, due)), dict(about_lines(pathway, due + datetime.timedelta(days=1)))
    assert before["Next review due"] == due.isoformat()
    assert after["Next review due"] == f"{due.isoformat()} (overdue on {(due + datetime.timedelta(days=1)).isoformat()})"
    assert before["Approval"].startswith(f"pending: version {META.version} has not been signed off yet")
    assert before["Changes in this version"] == current_change(META).summary
    result = evaluate(pathway, {"age_group": "child", "cns_involvement": "no", "cell_type": "b_cell"})
    assert "**Approval:** pending" in to_markdown(result, due)
    assert "about,Approval,pending" in to_csv(result, due).replace('"', "")
    signed = load_pathway(signed_copy(tmp_path))
    assert dict(about_lines(signed, due))["Approval"] == f"approved on 2026-12-02 by {META.approved_by}"


# ---- the words the page and every export show for the record (in process, as mutation testing sees them) ------


def meta_with(**fields):
    return META.model_copy(update=fields)


APPROVALS = {
    "pending-with-role": (dict(approved_on=None, approved_by="Clinical lead"),
                          f"pending: version {META.version} has not been signed off yet; to be signed off by: "
                          "Clinical lead"),
    "pending-no-role": (dict(approved_on=None, approved_by=None),
                        f"pending: version {META.version} has not been signed off yet"),
    "approved": (dict(approved_on=datetime.date(2026, 11, 30), approved_by="Clinical lead"),
                 "approved on 2026-11-30 by Clinical lead"),
}


@pytest.mark.parametrize("fields, text", APPROVALS.values(), ids=APPROVALS.keys())
def test_approval_reads_as_pending_with_who_signs_or_as_approved(fields, text):
    from pathways.lifecycle import approval_text

    assert approval_text(meta_with(**fields)) == text


def test_review_status_carries_the_record_it_was_made_from():
    meta = meta_with(approved_on=datetime.date(2026, 11, 30), approved_by="Clinical lead")
    status = review_status(meta, datetime.date(2026, 12, 1))
    assert (status.last_reviewed, status.next_review_due) == (meta.last_reviewed, meta.next_review_due)
    assert (status.approved_on, status.approved_by, status.approved) == (meta.approved_on, "Clinical lead", True)
    assert review_status(meta_with(approved_on=None), datetime.date(2026, 12, 1)).approved is False


def test_review_due_text_says_not_set_and_overdue_in_words():
    from pathways.lifecycle import review_due_text

    assert review_due_text(meta_with(next_review_due=None), datetime.date(2026, 12, 1)) == "not set"
    due = META.next_review_due
    assert review_due_text(META, due) == due.isoformat()
    after = due + datetime.timedelta(days=1)
    assert review_due_text(META, after) == f"{due.isoformat()} (overdue on {after.isoformat()})"


def test_current_change_is_this_versions_entry_or_none():
    assert current_change(META).version == META.version
    others = [c for c in META.changes if c.version != META.version]
    assert current_change(meta_with(changes=others)) is None
    if others:
        assert current_change(meta_with(version=others[0].version)) == others[0]
