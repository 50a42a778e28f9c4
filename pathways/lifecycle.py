"""Where a pathway stands in its review cycle on a given day: approval, review due, overdue (no I/O, no clock)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from .model import Change, Metadata
from .catalogue import gettext as _

__all__ = ["REVIEW_LEAD_MONTHS", "ReviewStatus", "review_status", "months_before", "current_change", "approval_text",
           "review_due_text"]

#: A review starts this many months before it is due (NHS trust document policies: six months before expiry);
#: inside that window ``validate`` prints a notice (never an error) so the review is planned in time.
REVIEW_LEAD_MONTHS = 6


@dataclass(frozen=True)
class ReviewStatus:
    """The review and approval state of a pathway's content on ``today``."""

    today: datetime.date
    last_reviewed: datetime.date
    next_review_due: datetime.date | None
    approved_on: datetime.date | None
    approved_by: str | None

    @property
    def approved(self) -> bool:
        """True once a sign-off date is recorded; None means approval is still pending."""
        return self.approved_on is not None

    @property
    def overdue(self) -> bool:
        """True when the next review was due before today (the due day itself is not overdue)."""
        return self.next_review_due is not None and self.today > self.next_review_due

    @property
    def review_starts(self) -> datetime.date | None:
        """The day the review should start: ``REVIEW_LEAD_MONTHS`` before it is due."""
        return months_before(self.next_review_due, REVIEW_LEAD_MONTHS) if self.next_review_due else None

    @property
    def due_soon(self) -> bool:
        """True inside the lead time before the due date (and not yet overdue)."""
        starts = self.review_starts
        return starts is not None and not self.overdue and self.today >= starts

    @property
    def days_overdue(self) -> int:
        return (self.today - self.next_review_due).days if self.overdue and self.next_review_due else 0


def review_status(metadata: Metadata, today: datetime.date) -> ReviewStatus:
    """The review state of ``metadata`` on ``today`` (the caller supplies the day: tests and exports pin it)."""
    return ReviewStatus(today=today, last_reviewed=metadata.last_reviewed, next_review_due=metadata.next_review_due,
                        approved_on=metadata.approved_on, approved_by=metadata.approved_by)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day: 31 Aug -> 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def current_change(metadata: Metadata) -> Change | None:
    """The change-log entry of the pathway's own version, if there is one."""
    return next((c for c in metadata.changes if c.version == metadata.version), None)


def approval_text(metadata: Metadata) -> str:
    """Approval in words, truthful when nobody has signed: "pending: not yet signed off (sign-off by: ...)"."""
    if metadata.approved_on is None:
        who = _("; to be signed off by: {role}").format(role=metadata.approved_by) if metadata.approved_by else ""
        return _("pending: version {version} has not been signed off yet").format(version=metadata.version) + who
    return _("approved on {date} by {role}").format(date=metadata.approved_on.isoformat(), role=metadata.approved_by)


def review_due_text(metadata: Metadata, today: datetime.date) -> str:
    """The next review date in words, saying so when it has passed on ``today``."""
    if metadata.next_review_due is None:
        return _("not set")
    status = review_status(metadata, today)
    if status.overdue:
        return _("{date} (overdue on {today})").format(date=metadata.next_review_due.isoformat(),
                                                      today=today.isoformat())
    return metadata.next_review_due.isoformat()
