"""Which catalogue entries staff should re-check: a pure function over the catalogue and a date.

An entry is due when it is ``verified: false`` (a fact could not be confirmed), or when its ``reviewed``
date is older than ``months`` months (rules, fees and portals change; six months is the default cadence).
Shared by the console dashboard, the weekly report and the review queue.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from knowledge.models import Catalogue, Entry

DEFAULT_MONTHS = 6


@dataclass(frozen=True)
class ReviewDue:
    entry: Entry
    unverified: bool  # verified: false
    stale: bool  # reviewed before the cutoff
    days_since_review: int

    @property
    def reason(self) -> str:
        """Why, as staff read it."""
        parts = []
        if self.unverified:
            parts.append("chưa xác minh")
        if self.stale:
            parts.append(f"rà soát đã {self.days_since_review} ngày")
        return ", ".join(parts)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day when that day does not exist)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reviews_due(catalogue: Catalogue, today: date, months: int = DEFAULT_MONTHS) -> list[ReviewDue]:
    """Entries to re-check, the longest unreviewed first (ties: by id, so the order is stable)."""
    cutoff = months_before(today, max(0, months))
    due = [
        ReviewDue(
            entry=entry,
            unverified=not entry.verified,
            stale=entry.reviewed < cutoff,
            days_since_review=(today - entry.reviewed).days,
        )
        for entry in catalogue.entries.values()
        if not entry.verified or entry.reviewed < cutoff
    ]
    return sorted(due, key=lambda d: (d.entry.reviewed, d.entry.id))
