"""Monthly evaluation of water bodies: one query for the month means of the bodies' sample values over the
window, then the pure rules of ``risk_rules.water`` (month mean per section, section class, body class, closure).

Months are the zone's local calendar months (``TIMEZONE``): a sample at 01:00 on 1 February in Shanghai
belongs to February even though it is still 31 January in UTC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from core.db import db
from core.time import zone
from remediation.models import MonitoringSection, Sample, SampleValue, WaterBody
from risk_rules.water import ITEMS, BodyEvaluation, Evaluation, evaluate, evaluate_body

Month = tuple[int, int]

TREND_MONTHS = 12


def month_of(moment: datetime) -> Month:
    local = moment.astimezone(zone())
    return local.year, local.month


def shift(month: Month, delta: int) -> Month:
    index = month[0] * 12 + month[1] - 1 + delta
    return index // 12, index % 12 + 1


def month_start(month: Month) -> datetime:
    return datetime(month[0], month[1], 1, tzinfo=zone())


def label(month: Month) -> str:
    return f"{month[0]}-{month[1]:02d}"


def parse_month(text: str) -> Month:
    year, _, mon = text.partition("-")
    return int(year), int(mon)


@dataclass
class BodyMonths:
    """The monthly evaluations of one body: per section and month, and per month for the whole body."""

    body: WaterBody
    sections: dict[int, dict[Month, Evaluation]] = field(default_factory=dict)
    months: dict[Month, BodyEvaluation] = field(default_factory=dict)

    def classes(self) -> dict[str, dict[Month, int]]:
        """{section name: {month: class}} for every section of the body (unmonitored ones empty), as
        ``closure_status`` and ``relapsed`` take it; names make their reasons readable."""
        return {
            section.name: {m: ev.water_class for m, ev in self.sections.get(section.id, {}).items()
                           if ev.water_class is not None}
            for section in self.body.sections
        }

    def latest_month(self) -> Month | None:
        return max(self.months, default=None)


def _month_means(body_ids: list[int], months: list[Month]):
    """Rows (body id, section id, month, item, mean value) over ``months`` (consecutive, oldest first).

    The database averages each item per section and local month: the month is found by comparing each
    sample's time with the months' starts, converted to UTC once here, so no value is converted or carried
    into Python one by one (a body sampled densely has tens of thousands of values a year).
    """
    starts = [month_start(month) for month in [*months, shift(months[-1], 1)]]
    month_no = sa.case(*((Sample.sampled_dt < start, n) for n, start in enumerate(starts[1:])))
    rows = db.session.execute(
        sa.select(MonitoringSection.water_body_id, Sample.section_id, month_no, SampleValue.item,
                  sa.func.avg(SampleValue.value))
        .join(Sample, Sample.section_id == MonitoringSection.id)
        .join(SampleValue, SampleValue.sample_id == Sample.id)
        .where(MonitoringSection.water_body_id.in_(body_ids), Sample.sampled_dt >= starts[0],
               Sample.sampled_dt < starts[-1])
        .group_by(MonitoringSection.water_body_id, Sample.section_id, month_no, SampleValue.item)
    )
    return ((body_id, section_id, months[n], item, mean) for body_id, section_id, n, item, mean in rows)


def monthly(bodies: Iterable[WaterBody], first: Month, last: Month) -> dict[int, BodyMonths]:
    """Evaluate each body for every month from ``first`` to ``last`` (inclusive) that has samples."""
    bodies = {body.id: body for body in bodies}
    if not bodies:
        return {}
    months = [first]
    while months[-1] < last:
        months.append(shift(months[-1], 1))
    # body -> section -> month -> {item: mean of the month's samples} (``mean_values``' arithmetic mean)
    found: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for body_id, section_id, month, item, mean in _month_means(list(bodies), months):
        found[body_id][section_id][month][item] = mean
    samples = {body_id: {section_id: {month: {code: values[code] for code in ITEMS if code in values}
                                      for month, values in by_month.items()}
                         for section_id, by_month in by_section.items()}
               for body_id, by_section in found.items()}
    result = {}
    for body_id, body in bodies.items():
        out = result[body_id] = BodyMonths(body)
        means: dict[Month, dict[int, dict[str, float]]] = defaultdict(dict)
        for section_id, by_month in samples.get(body_id, {}).items():
            for month, month_means in by_month.items():
                means[month][section_id] = month_means
                out.sections.setdefault(section_id, {})[month] = evaluate(month_means, body.kind)
        for month, section_means in sorted(means.items()):
            evaluation = evaluate_body(section_means, body.kind)
            if evaluation.water_class is not None:
                out.months[month] = evaluation
    return result
