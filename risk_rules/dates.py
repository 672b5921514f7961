"""Calendar helpers shared by the whole system (rules, cards, alerts, API filters).

Every date handled here is a *local* calendar date in the zone's timezone (Asia/Shanghai, UTC+8, no DST).
Timestamps are stored as UTC (``*_dt``); turn them into a local date with :func:`local_date` before asking
any question about deadlines or windows. Using ``instant.date()`` on a UTC timestamp is wrong for eight hours
of every day: 2026-03-01T16:30Z is already 2026-03-02 in the zone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

ZONE_TZ = ZoneInfo("Asia/Shanghai")

OPEN = "open"
RECTIFICATION_SUBMITTED = "rectification_submitted"
VERIFIED = "verified"


def local_date(instant: datetime, tz: ZoneInfo = ZONE_TZ) -> date:
    """The zone's calendar date of an aware instant (e.g. a UTC ``*_dt`` column).

    Naive datetimes are refused: their meaning depends on the machine, which is exactly the bug this avoids.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("local_date() needs a timezone-aware datetime")
    return instant.astimezone(tz).date()


def add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` calendar months (``n`` may be negative), the day clamped to the month's end.

    2025-01-31 + 1 month = 2025-02-28; 2024-02-29 + 12 months = 2025-02-28.
    """
    year, month0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    month = month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def within_months(earlier: date, later: date, months: int) -> bool:
    """True when ``later`` is no more than ``months`` calendar months after ``earlier``.

    Defined as ``later <= add_months(earlier, months)``, so exactly 12 months counts as within
    (closed 2025-03-10, failed again 2026-03-10: within 12 months; 2026-03-11: not). It does not check
    that ``later >= earlier``; callers that need order check it themselves.
    """
    return later <= add_months(earlier, months)


def is_overdue(status: str, deadline: date, today: date) -> bool:
    """THE definition of an overdue finding, used by rules, cards, alerts and API filters alike.

    A finding is overdue when it is still ``"open"`` and its rectification deadline is strictly before
    ``today`` (both local dates):

    - a deadline of today is not overdue yet (the enterprise has the whole day);
    - ``"rectification_submitted"`` pauses overdue-ness: the enterprise has acted and is waiting for the
      inspector's on-site acceptance, which must not count against it;
    - ``"verified"`` is closed and never overdue.

    ``inspections.models.overdue_clause`` is the SQL twin of this function; keep them in step.
    """
    return status == OPEN and deadline < today


@dataclass(frozen=True)
class DeadlineLimits:
    """How far ahead a rectification deadline may be set, in days after the day it is set, per severity.

    Source: the zone's settings ``DEADLINE_MAX_DAYS_GENERAL`` / ``DEADLINE_MAX_DAYS_MAJOR`` (the README gives
    the defaults' reasons); 原安监总局令第16号 itself sets no number of days.
    """

    general: int
    major: int

    def latest(self, severity: str, set_on: date) -> date:
        """The latest deadline a ``severity`` ("general" or "major") finding may get on ``set_on``."""
        return set_on + timedelta(days=self.major if severity == "major" else self.general)


def extension_window(current_deadline: date, today: date, severity: str, limits: DeadlineLimits) -> tuple[date, date]:
    """``(first, last)``: the new deadlines an extension may ask for, or be approved with, on ``today``.

    A new deadline lies after both the current deadline and today (an extension never moves a deadline to a
    day already past, nor earlier), and no further ahead of today than ``limits`` allow for the severity.
    ``first > last`` means no extension is possible (the current deadline already lies at the limit or past it).
    """
    return max(current_deadline, today) + timedelta(days=1), limits.latest(severity, today)
