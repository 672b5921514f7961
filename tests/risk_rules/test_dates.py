from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from risk_rules.dates import DeadlineLimits, add_months, extension_window, is_overdue, local_date, within_months

D = date.fromisoformat


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2025-05-10", 0, "2025-05-10"),
        ("2025-01-31", 1, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2025-12-31", 2, "2026-02-28"),
        ("2025-03-15", -3, "2024-12-15"),
        ("2025-03-31", -1, "2025-02-28"),
        ("2026-03-02", -24, "2024-03-02"),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(D(start), months) == D(expected)


@pytest.mark.parametrize(
    ("earlier", "later", "expected"),
    [
        ("2025-03-10", "2026-03-10", True),  # exactly 12 months counts as within
        ("2025-03-10", "2026-03-11", False),
        ("2025-03-10", "2025-03-10", True),
        ("2024-02-29", "2025-02-28", True),  # clamped anniversary
        ("2024-02-29", "2025-03-01", False),
    ],
)
def test_within_twelve_months(earlier, later, expected):
    assert within_months(D(earlier), D(later), 12) is expected


@pytest.mark.parametrize(
    ("status", "deadline", "expected"),
    [
        ("open", "2026-03-01", True),  # deadline yesterday
        ("open", "2026-03-02", False),  # deadline today is not overdue
        ("open", "2026-03-03", False),
        ("rectification_submitted", "2026-02-01", False),  # submission pauses overdue-ness
        ("verified", "2026-02-01", False),
    ],
)
def test_is_overdue(status, deadline, expected):
    assert is_overdue(status, D(deadline), today=D("2026-03-02")) is expected


def test_utc_instant_late_in_the_day_is_the_next_local_date():
    instant = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    assert local_date(instant) == D("2026-03-02")
    assert local_date(instant - timedelta(minutes=31)) == D("2026-03-01")
    # Why callers must pass local dates: by the UTC date a deadline of 03-01 is not yet overdue,
    # though in the zone it is already 03-02.
    assert not is_overdue("open", D("2026-03-01"), instant.date())
    assert is_overdue("open", D("2026-03-01"), local_date(instant))


def test_local_date_accepts_any_aware_instant_and_refuses_naive():
    assert local_date(datetime(2026, 3, 2, 0, 30, tzinfo=timezone(timedelta(hours=8)))) == D("2026-03-02")
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 3, 1, 16, 30))


LIMITS = DeadlineLimits(general=60, major=365)


@pytest.mark.parametrize(("severity", "set_on", "latest"), [
    ("general", date(2026, 12, 1), date(2027, 1, 30)),
    ("major", date(2026, 12, 1), date(2027, 12, 1)),
    ("major", date(2027, 3, 1), date(2028, 2, 29)),  # 365 days, across a leap day
])
def test_latest_deadline_per_severity(severity, set_on, latest):
    assert LIMITS.latest(severity, set_on) == latest


@pytest.mark.parametrize(("current", "today", "severity", "window"), [
    # A deadline still ahead: the day after it, up to the limit from today.
    (date(2026, 12, 10), date(2026, 12, 1), "general", (date(2026, 12, 11), date(2027, 1, 30))),
    # A deadline already passed: never a day that has passed too, nor today.
    (date(2026, 11, 27), date(2026, 12, 1), "general", (date(2026, 12, 2), date(2027, 1, 30))),
    (date(2026, 12, 1), date(2026, 12, 1), "major", (date(2026, 12, 2), date(2027, 12, 1))),
])
def test_extension_window(current, today, severity, window):
    assert extension_window(current, today, severity, LIMITS) == window


def test_no_extension_beyond_a_deadline_already_at_the_limit():
    first, last = extension_window(date(2099, 12, 31), date(2026, 12, 1), "major", LIMITS)
    assert first > last
