"""The zone's local time: deadlines are calendar dates in ``TIMEZONE`` (default Asia/Shanghai).

Instants are stored in UTC; every time a person reads is the zone's wall-clock time, through :func:`local_time`
(exports, messages) or Flask-Babel's filters on the pages, whose time zone is the same ``TIMEZONE``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import ValidationError

from core.db import utcnow

# Dates and times the API takes: wide enough for any record or deadline, far enough from year 1 and 9999 that
# moving between the zone and UTC, or a day on, never leaves the calendar (an OverflowError, a server error).
YEARS = (1900, 2099)


def within_years(value: date) -> None:
    """Marshmallow validator for date and datetime fields: the year within ``YEARS``."""
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValidationError(f"give a date from {YEARS[0]} to {YEARS[1]}")


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_time(moment: datetime) -> datetime:
    """``moment`` (an aware datetime) as the zone's wall-clock time, still aware (``+08:00``)."""
    return moment.astimezone(zone())


def local_date(moment: datetime | None = None) -> date:
    """The zone's calendar date at ``moment`` (now by default)."""
    return local_time(moment or utcnow()).date()


def day_start(day: date) -> datetime:
    """The instant the zone's calendar ``day`` begins, for date-range filters on UTC timestamps."""
    return datetime.combine(day, time.min, tzinfo=zone())
