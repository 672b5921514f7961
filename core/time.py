"""The zone's local time: deadlines are calendar dates in ``TIMEZONE`` (default Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from core.db import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_date(moment: datetime | None = None) -> date:
    """The zone's calendar date at ``moment`` (now by default)."""
    return (moment or utcnow()).astimezone(zone()).date()


def day_start(day: date) -> datetime:
    """The instant the zone's calendar ``day`` begins, for date-range filters on UTC timestamps."""
    return datetime.combine(day, time.min, tzinfo=zone())
