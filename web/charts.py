"""Data of the charts, each from one set-based query (no loop over rows), shaped for charts.js.

A chart goes to the page as JSON in a ``<script type="application/json">`` block (data, never executed, so
the Content-Security-Policy allows it); ``static/charts.js`` draws it with the vendored Chart.js.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from cards.models import COLOURS, Card
from core.db import db
from core.time import day_start, local_date
from enterprises.models import SECTORS, Enterprise
from inspections.models import LATE_CONDITION, Finding
from web import labels

MONTHS = 12


def months(today: date | None = None, count: int = MONTHS) -> list[date]:
    """First days of the last ``count`` months, oldest first, the current month last."""
    today = today or local_date()
    year, month = today.year, today.month
    firsts = []
    for _n in range(count):
        firsts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return firsts[::-1]


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_label(first: date) -> str:
    return f"{first.year}-{first.month:02d}"


def _colour_sets(counts: dict[str, list[int]]) -> list[dict]:
    return [{"label": labels.label("colour", colour), "colour": colour, "data": counts[colour]} for colour in COLOURS]


def cards_by_sector() -> dict:
    """Active cards per sector, yellow and red stacked."""
    rows = db.session.execute(
        sa.select(Enterprise.sector, Card.colour, sa.func.count()).join(Card.enterprise)
        .where(Card.status == "active").group_by(Enterprise.sector, Card.colour)
    ).all()
    found = {(sector, colour): n for sector, colour, n in rows}
    return {"type": "bar", "stacked": True, "labels": [labels.label("sector", s) for s in SECTORS],
            "datasets": _colour_sets({c: [found.get((s, c), 0) for s in SECTORS] for c in COLOURS})}


def cards_by_month(today: date | None = None) -> dict:
    """Cards issued per month over the last 12 months, by the colour they were issued in, stacked."""
    firsts = months(today)
    bounds = [(first, _next_month(first)) for first in firsts]
    counts = [sa.func.count().filter(Card.issued_on >= start, Card.issued_on < end) for start, end in bounds]
    rows = db.session.execute(
        sa.select(Card.issued_colour, *counts).where(Card.issued_on >= firsts[0]).group_by(Card.issued_colour)
    ).all()
    found = {row[0]: list(row[1:]) for row in rows}
    return {"type": "bar", "stacked": True, "labels": [month_label(f) for f in firsts],
            "datasets": _colour_sets({c: found.get(c, [0] * len(firsts)) for c in COLOURS})}


def month_ends(today: date | None = None) -> list[date]:
    """The last day of each of the last 12 months; today for the current month."""
    today = today or local_date()
    return [min(_next_month(first) - timedelta(days=1), today) for first in months(today)]


def overdue_trend(today: date | None = None) -> dict:
    """How many findings were overdue at each month end: past their deadline and not verified by then.

    A count per month end. History is approximated from what is stored: the current
    deadline (an approved extension moves it) and the closing time; a finding awaiting verification counts
    as overdue here, as it is not closed yet. It reads only findings still open or closed late in the last
    12 months, through the partial index ``ix_findings_late`` (``LATE_CONDITION``, which every counted
    finding meets), so it does not grow with all the findings ever recorded. Two queries: the open ones and
    the closed ones.
    """
    ends = month_ends(today)
    next_days = [day_start(end + timedelta(days=1)) for end in ends]
    late = sa.text(f"({LATE_CONDITION[db.engine.dialect.name]})")
    # Open findings, and those closed late since the first month end: two ranges of the index (an OR of the
    # two would scan every late finding ever closed); an open one needs no test of its closing time.
    still_open = sa.select(*(sa.func.count().filter(Finding.found_dt < next_day, Finding.deadline < end)
                             for end, next_day in zip(ends, next_days, strict=True))
                           ).where(Finding.deadline < ends[-1], late, Finding.closed_dt.is_(None))
    closed_late = sa.select(*(sa.func.count().filter(Finding.found_dt < next_day, Finding.deadline < end,
                                                     Finding.closed_dt >= next_day)
                              for end, next_day in zip(ends, next_days, strict=True))
                            ).where(Finding.deadline < ends[-1], late, Finding.closed_dt >= next_days[0])
    row = [a + b for a, b in zip(db.session.execute(still_open).one(), db.session.execute(closed_late).one(),
                                 strict=True)]
    return {"type": "line", "labels": [month_label(date(e.year, e.month, 1)) for e in ends],
            "datasets": [{"label": _("Overdue findings"), "colour": "overdue", "data": list(row)}]}
