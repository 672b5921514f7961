"""Water bodies, sections, samples, status and closing off (销号). Flush only; the request or command commits."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from audit import service as audit
from core.db import db, utcnow
from core.errors import Conflict, Invalid, NotFound
from core.time import day_start, local_date
from remediation import evaluation as ev
from remediation.models import (
    MonitoringSection,
    RemediationTask,
    Sample,
    SampleValue,
    WaterBody,
    overdue_clause,
    unresolved_clause,
)
from remediation.values import future_problem
from risk_rules.water import CLASS_LABELS, CLASS_LABELS_ZH, GRADE_ZH, closure_status, evaluate, relapsed_sections

_AUDITED_BODY = ("listed_status", "target_class", "closure_months", "closed_off_dt", "closed_off_by_id",
                 "closed_off_reason")


# --- reads --------------------------------------------------------------------------------------------------

def get_body(body_id: int) -> WaterBody:
    body = db.session.get(WaterBody, body_id)
    if body is None:
        raise NotFound(f"water body {body_id} does not exist")
    return body


def get_section(section_id: int) -> MonitoringSection:
    section = db.session.get(MonitoringSection, section_id)
    if section is None:
        raise NotFound(f"monitoring section {section_id} does not exist")
    return section


def search_bodies(q=None, kind=None, listed_status=None, township=None) -> sa.Select:
    query = sa.select(WaterBody).order_by(WaterBody.name, WaterBody.id)
    if q:
        query = query.where(WaterBody.name.ilike(f"%{q.strip()}%"))
    for column, value in ((WaterBody.kind, kind), (WaterBody.listed_status, listed_status),
                          (WaterBody.township, township)):
        if value is not None:
            query = query.where(column == value)
    return query


def search_samples(section: MonitoringSection, sampled_from=None, sampled_to=None) -> sa.Select:
    query = sa.select(Sample).where(Sample.section_id == section.id).order_by(Sample.sampled_dt.desc(), Sample.id)
    if sampled_from is not None:
        query = query.where(Sample.sampled_dt >= day_start(sampled_from))
    if sampled_to is not None:
        query = query.where(Sample.sampled_dt < day_start(sampled_to + timedelta(days=1)))
    return query


def _label(water_class):
    return CLASS_LABELS.get(water_class)


def evaluation_dict(evaluation) -> dict:
    """An ``risk_rules.water.Evaluation`` as the API shows it."""
    return {
        "water_class": evaluation.water_class, "class_label": _label(evaluation.water_class),
        "class_label_zh": evaluation.class_label_zh, "grade": evaluation.grade, "grade_zh": evaluation.grade_zh,
        "item_classes": evaluation.item_classes, "limiting_items": list(evaluation.limiting_items),
        "main_pollutants": list(evaluation.main_pollutants), "exceedance": evaluation.exceedance,
        "reference_classes": evaluation.reference_classes,
    }


def with_evaluation(samples: list[Sample]) -> list[Sample]:
    """Attach each sample's own classification (``evaluation``) for the response."""
    for sample in samples:
        sample.evaluation = evaluation_dict(evaluate(sample.value_map, sample.section.water_body.kind))
    return samples


def _window(body: WaterBody, as_of: ev.Month) -> ev.Month:
    """First month to load: the trend needs 12 months before the latest, closure needs ``closure_months``."""
    return ev.shift(as_of, -max(ev.TREND_MONTHS, body.closure_months))


def _month_entry(body: WaterBody, months: ev.BodyMonths, month: ev.Month) -> dict:
    evaluation = months.months.get(month)
    sections = [
        {"section_id": s.id, "name": s.name, "water_class": (cls := _section_class(months, s.id, month)),
         "class_label": _label(cls)}
        for s in body.sections
    ]
    water_class = evaluation.water_class if evaluation else None
    return {
        "month": ev.label(month), "water_class": water_class, "class_label": _label(water_class),
        "class_label_zh": CLASS_LABELS_ZH.get(water_class), "grade": evaluation.grade if evaluation else None,
        "grade_zh": GRADE_ZH.get(evaluation.grade) if evaluation else None,
        "method": evaluation.method if evaluation else None,
        "meets_target": bool(sections) and all(
            s["water_class"] is not None and s["water_class"] <= body.target_class for s in sections),
        "sections": sections,
    }


def _section_class(months: ev.BodyMonths, section_id: int, month: ev.Month) -> int | None:
    evaluation = months.sections.get(section_id, {}).get(month)
    return evaluation.water_class if evaluation else None


def _relapse(body: WaterBody, months: ev.BodyMonths, as_of: ev.Month) -> list[dict]:
    if body.listed_status != "closed_off":
        return []
    ids = {s.name: s.id for s in body.sections}
    return [{"section_id": ids[name], "name": name, "water_class": cls, "class_label": _label(cls)}
            for name, cls in relapsed_sections(months.classes(), body.target_class, as_of).items()]


def attach_current(bodies: list[WaterBody], as_of: ev.Month | None = None) -> list[WaterBody]:
    """Set ``current`` (latest month's class, meets target, relapse) on each body: one query for all."""
    as_of = as_of or ev.month_of(utcnow())
    if not bodies:
        return bodies
    first = min(_window(body, as_of) for body in bodies)
    evaluated = ev.monthly(bodies, first, as_of)
    for body in bodies:
        months = evaluated[body.id]
        latest = months.latest_month()
        if latest is None:
            body.current = None
            continue
        entry = _month_entry(body, months, latest)
        body.current = {key: entry[key] for key in ("month", "water_class", "class_label", "class_label_zh",
                                                    "grade", "grade_zh", "meets_target")}
        body.current["relapsed"] = bool(_relapse(body, months, as_of))
    return bodies


def status(body: WaterBody, as_of: ev.Month | None = None) -> dict:
    """Current class, 12-month trend, months meeting the target, closure eligibility and relapse."""
    as_of = as_of or ev.month_of(utcnow())
    months = ev.monthly([body], _window(body, as_of), as_of)[body.id]
    ids = {s.name: s.id for s in body.sections}
    closure = closure_status(months.classes(), body.target_class, body.closure_months, as_of)
    latest = months.latest_month()
    current = None
    if latest is not None:
        current = _month_entry(body, months, latest)
        mean = months.months[latest].mean_evaluation
        current |= {"limiting_items": list(mean.limiting_items) if mean else [],
                    "main_pollutants": list(mean.main_pollutants) if mean else [],
                    "exceedance": mean.exceedance if mean else {}}
    end = latest or as_of
    relapse = _relapse(body, months, as_of)
    tasks = db.session.execute(
        sa.select(sa.func.count().filter(unresolved_clause()), sa.func.count().filter(overdue_clause(local_date())))
        .where(RemediationTask.water_body_id == body.id)
    ).one()
    return {
        "water_body_id": body.id, "name": body.name, "kind": body.kind, "listed_status": body.listed_status,
        "target_class": body.target_class, "target_label": _label(body.target_class), "as_of": ev.label(as_of),
        "current": current,
        "trend": [_month_entry(body, months, ev.shift(end, -n)) for n in reversed(range(ev.TREND_MONTHS))],
        "months_meeting_target": closure.months_in_a_row,
        "closure": {
            "eligible": closure.eligible, "months_in_a_row": closure.months_in_a_row,
            "months_required": body.closure_months,
            "latest_month": ev.label(closure.latest_month) if closure.latest_month else None,
            "missing_months": [ev.label(m) for m in closure.missing_months],
            "failing": [{"month": ev.label(m), "section_id": ids[name], "name": name, "water_class": cls}
                        for m, by_section in sorted(closure.failing.items()) for name, cls in by_section.items()],
            "reason_zh": closure.reason_zh, "reason_en": closure.reason_en,
        },
        "can_close_off": closure.eligible and body.listed_status != "closed_off",
        "relapsed": bool(relapse), "relapsed_sections": relapse,
        "closed_off_dt": body.closed_off_dt, "closed_off_by": body.closed_off_by,
        "closed_off_reason": body.closed_off_reason,
        "unresolved_tasks": tasks[0], "overdue_tasks": tasks[1],
    }


# --- writes -------------------------------------------------------------------------------------------------

def _check_name_free(name: str, body_id: int | None = None) -> None:
    holder = db.session.scalar(sa.select(WaterBody.id).where(WaterBody.name == name))
    if holder is not None and holder != body_id:
        raise Conflict(_l("a water body named %(name)s already exists", name=name), field="name")


def create_body(data: dict) -> WaterBody:
    _check_name_free(data["name"])
    body = WaterBody(**data)
    db.session.add(body)
    db.session.flush()
    audit.record("water_body.created", body, None, dict(data))
    return body


def update_body(body: WaterBody, data: dict, actor_id: int) -> WaterBody:
    """Change the given fields (a new river chief, a renamed unit, a revised target or closure rule); the audit
    entry keeps what they were. A closed-off body judged against a revised target shows as relapsed when it
    misses it."""
    changed = audit.changes(body, data)
    if "name" in changed:
        _check_name_free(changed["name"], body.id)
    audit.apply("water_body.updated", body, changed, actor_id)
    return body


def _check_section_free(body: WaterBody, code: str | None, name: str | None, section_id: int | None = None):
    """Section codes are unique in the zone, names within their body."""
    if code is not None:
        holder = db.session.scalar(sa.select(MonitoringSection.id).where(MonitoringSection.code == code))
        if holder is not None and holder != section_id:
            raise Conflict(_l("a monitoring section with code %(code)s already exists", code=code), field="code")
    if name is not None and any(s.name == name and s.id != section_id for s in body.sections):
        raise Conflict(_l("%(body)s already has a section named %(name)s", body=body.name, name=name), field="name")


def create_section(body: WaterBody, data: dict) -> MonitoringSection:
    _check_section_free(body, data["code"], data["name"])
    section = MonitoringSection(water_body=body, **data)
    db.session.add(section)
    db.session.flush()
    audit.record("monitoring_section.created", section, None, {"water_body_id": body.id, **data})
    return section


def update_section(section: MonitoringSection, data: dict, actor_id: int) -> MonitoringSection:
    """Correct a section's name, code or position; its samples stay with it. The audit entry keeps the old
    values."""
    changed = audit.changes(section, data)
    _check_section_free(section.water_body, changed.get("code"), changed.get("name"), section.id)
    audit.apply("monitoring_section.updated", section, changed, actor_id)
    return section


def add_sample(section: MonitoringSection, data: dict, actor_id: int | None = None,
               action: str = "sample.created") -> Sample:
    """Store a sample whose ``values`` were checked by ``remediation.values.check_values``."""
    problem = future_problem(data["sampled_dt"], utcnow())
    if problem:
        raise Invalid(problem, field="sampled_dt")
    if db.session.scalar(sa.select(Sample.id).where(Sample.section_id == section.id,
                                                    Sample.sampled_dt == data["sampled_dt"])):
        raise Conflict(_l("this section already has a sample taken at %(time)s",
                          time=data["sampled_dt"].isoformat()), field="sampled_dt")
    return store_sample(section, data, actor_id, action)


def store_sample(section: MonitoringSection, data: dict, actor_id: int | None, action: str) -> Sample:
    """Store a checked sample (values, time) and its audit record."""
    sample = Sample(section=section, sampled_dt=data["sampled_dt"], note=data.get("note", ""),
                    created_by_id=actor_id,
                    values=[SampleValue(position=n, **value) for n, value in enumerate(data["values"])])
    db.session.add(sample)
    db.session.flush()
    audit.record(action, sample, None, {"section_id": section.id, "sampled_dt": data["sampled_dt"].isoformat(),
                                        "values": {v["item"]: v["value"] for v in data["values"]}}, actor_id)
    return sample


def in_language(zh: str, en: str) -> LazyString:
    """Whichever of a rule's two texts is in the request's language, chosen when shown (the closure rule writes
    both; a page or an API answer shows one)."""
    return LazyString(lambda: zh if (locale := get_locale()) is not None and locale.language == "zh" else en)


def close_off(body: WaterBody, reason: str, actor_id: int) -> WaterBody:
    """Close off (销号) a body: allowed only when it meets its closure rule now; recorded with who and why."""
    if body.listed_status == "closed_off":
        raise Conflict(_l("%(body)s was already closed off on %(date)s", body=body.name,
                          date=local_date(body.closed_off_dt).isoformat()))
    closure = status(body)["closure"]
    if not closure["eligible"]:
        raise Conflict(in_language(closure["reason_zh"], closure["reason_en"]))
    before = audit.snapshot(body, _AUDITED_BODY)
    body.listed_status, body.closed_off_dt = "closed_off", utcnow()
    body.closed_off_by_id, body.closed_off_reason = actor_id, reason
    db.session.flush()
    db.session.refresh(body, ["closed_off_by"])
    audit.record("water_body.closed_off", body, before,
                 audit.snapshot(body, _AUDITED_BODY) | {"closure": closure["reason_en"]}, actor_id)
    return body


def start_remediation(body: WaterBody, actor_id: int | None) -> None:
    """A listed body with its first remediation task is under remediation."""
    if body.listed_status != "worse_than_v_listed":
        return
    before = audit.snapshot(body, _AUDITED_BODY)
    body.listed_status = "under_remediation"
    db.session.flush()
    audit.record("water_body.under_remediation", body, before, audit.snapshot(body, _AUDITED_BODY), actor_id)
