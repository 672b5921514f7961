"""Which alert kinds an item's deadline calls for on a given day. Pure: no Flask, no database.

An item's *days left* is ``deadline - today`` (local dates). Kinds and the days left that raise them, with
the defaults (reminders 3 and 1 days before, escalations 7 and 30 days overdue):

=============== ================= ==========================================================
kind            days left         reached when
=============== ================= ==========================================================
due_in_3d       3 or 2            3 days before the deadline
due_in_1d       1 or 0            1 day before (a deadline of today still counts: not overdue)
overdue         -1 or fewer       the day after the deadline (``risk_rules.dates.is_overdue``)
escalated_7d    -7 to -29         7 days overdue
escalated_30d   -30 or fewer      30 days overdue
=============== ================= ==========================================================

Catch-up: each pass raises every kind whose window holds *today*, so a pass after downtime raises what
was missed, but only the latest reminder and the highest escalation reached. An item first seen 40 days
overdue raises ``overdue`` and ``escalated_30d``, not ``escalated_7d`` nor any due-soon reminder: those
would announce a state that is already past. ``overdue`` is always raised for an overdue item, since it
is the one alert its inspector receives about the missed deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

REMINDER, OVERDUE, ESCALATION = "reminder", "overdue", "escalation"


@dataclass(frozen=True)
class Rule:
    """An alert kind and the window of days left (inclusive; ``None``: unbounded) in which it is raised."""

    kind: str
    stage: str
    days: int  # days before the deadline (reminder) or after it (overdue, escalation)
    min_left: int | None
    max_left: int | None

    def deadline_window(self, today: date) -> tuple[date | None, date | None]:
        """The deadlines (earliest, latest; ``None``: open) for which this kind is due ``today``."""
        def shift(days):
            return None if days is None else today + timedelta(days=days)
        return shift(self.min_left), shift(self.max_left)


def build_rules(reminder_days, escalation_days) -> list[Rule]:
    """The kinds for the configured reminder and escalation days (each a collection of whole days)."""
    rules, previous = [], -1
    for days in sorted(reminder_days):
        rules.append(Rule(f"due_in_{days}d", REMINDER, days, previous + 1, days))
        previous = days
    rules.append(Rule("overdue", OVERDUE, 1, None, -1))
    levels = sorted(escalation_days)
    for days, higher in zip(levels, [*levels[1:], None], strict=True):
        rules.append(Rule(f"escalated_{days}d", ESCALATION, days, None if higher is None else 1 - higher, -days))
    return rules


def stage_of(kind: str) -> str:
    """The stage of a kind name (``due_in_3d`` → reminder)."""
    if kind == "overdue":
        return OVERDUE
    return REMINDER if kind.startswith("due_in_") else ESCALATION


def days_of(kind: str) -> int:
    """The day count in a kind name (``escalated_30d`` → 30; ``overdue`` → 1)."""
    return 1 if kind == "overdue" else int(kind.rsplit("_", 1)[1].rstrip("d"))


def kinds_due(deadline: date, today: date, rules: list[Rule]) -> list[str]:
    """The kinds an unresolved item with ``deadline`` calls for on ``today`` (the SQL does the same)."""
    left = (deadline - today).days
    return [r.kind for r in rules
            if (r.min_left is None or left >= r.min_left) and (r.max_left is None or left <= r.max_left)]
