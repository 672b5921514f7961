"""Demo water bodies: 和平河 improving from worse than V to its Class IV target (eligible to close off),
光华河 (with the 新塘闸 section) still worse than V, and 东湖塘 closed off but relapsing.

Deterministic (fixed random seed) and relative to today: 14 months of samples up to last month, two per
section and month, and tasks some of which are overdue. Goes through the services, so history and audit
are real. Call ``seed()`` inside an app context after the demo users exist; the caller commits.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from accounts.models import User
from audit import service as audit
from core.db import db, utcnow
from core.time import local_date, zone
from remediation import evaluation as ev
from remediation import service, tasks
from remediation.models import WaterBody
from remediation.values import check_values
from risk_rules.water import WATER_KINDS

MONTHS = 14
SAMPLE_DAYS = (6, 20)

# Band (low, high) per class for each item, inside the GB 3838-2002 limits with margin; 6 = worse than V.
RIVER_BANDS = {
    4: {"do": (3.3, 4.7), "codmn": (6.5, 9.5), "cod": (21, 29), "bod5": (4.2, 5.8), "nh3n": (1.05, 1.45),
        "tp": (0.21, 0.29)},
    5: {"do": (2.1, 2.9), "codmn": (10.5, 14.5), "cod": (31, 39), "bod5": (6.3, 9.7), "nh3n": (1.55, 1.95),
        "tp": (0.31, 0.39)},
    6: {"do": (0.8, 1.8), "codmn": (15.5, 19), "cod": (42, 58), "bod5": (10.5, 14), "nh3n": (2.3, 6.5),
        "tp": (0.42, 0.8)},
}
LAKE_BANDS = {
    4: {"do": (3.3, 4.7), "codmn": (6.5, 9.5), "cod": (21, 29), "nh3n": (1.05, 1.45), "tp": (0.055, 0.095),
        "tn": (1.05, 1.45)},
    5: {"do": (2.1, 2.9), "codmn": (10.5, 14.5), "cod": (31, 39), "nh3n": (1.55, 1.95), "tp": (0.11, 0.19),
        "tn": (1.55, 1.95)},
    6: {"do": (1.0, 1.8), "codmn": (15.5, 18), "cod": (42, 52), "nh3n": (2.2, 3.5), "tp": (0.22, 0.4),
        "tn": (2.2, 3.6)},
}

BODIES = [
    {
        "body": {"name": "和平河", "kind": "river", "township": "港城街道", "river_chief": "王建国（街道级河长）",
                 "responsible_unit": "港城街道办事处", "target_class": 4},
        "sections": [("HPH-01", "和平河上游", 31.952, 120.331), ("HPH-02", "和平桥", 31.947, 120.342),
                     ("HPH-03", "和平河入江口", 31.941, 120.356)],
        # class per month, oldest first: worse than V for 7 months, then V, then 3 months at the target
        "classes": [6] * 7 + [5] * 4 + [4] * 3,
        "tasks": [
            ("sewage_interception", "沿河截污管网建设 2.3 km，雨污分流改造", "港城街道办事处", -300, "completed", 100),
            ("dredging", "河道清淤约 1.8 万 m³，底泥外运处置", "市水利工程公司", -200, "completed", 100),
            ("ecological_restoration", "沉水植物种植与生态浮岛，恢复水生态", "港城街道办事处", 45, "in_progress", 70),
        ],
    },
    {
        "body": {"name": "光华河", "kind": "river", "township": "东港镇", "river_chief": "刘志华（镇级河长）",
                 "responsible_unit": "东港镇人民政府", "target_class": 5},
        "sections": [("GHH-01", "光华桥", 31.962, 120.382), ("GHH-02", "光华河中段", 31.958, 120.391),
                     ("GHH-03", "新塘闸", 31.955, 120.402), ("GHH-04", "光华河入港口", 31.949, 120.413)],
        "classes": [6] * 14,
        "tasks": [
            ("outfall_remediation", "排口排查整治：12 个雨污混接排口封堵", "东港镇人民政府", -20, "in_progress", 60),
            ("dredging", "光华河中段清淤", "东港镇水务站", -5, "planned", 0),
            ("sewage_interception", "新塘闸上游截污纳管", "东港镇人民政府", 2, "planned", 0),
            ("water_diversion", "引江济河活水工程（新塘闸调度）", "区水利局", 90, "in_progress", 30),
        ],
    },
    {
        "body": {"name": "东湖塘", "kind": "pond", "township": "西港街道", "river_chief": "陈丽（村级河长）",
                 "responsible_unit": "西港街道办事处", "target_class": 4},
        "sections": [("DHT-01", "东湖塘北", 31.936, 120.301), ("DHT-02", "东湖塘南", 31.933, 120.303)],
        # met the target months -5..-2 (closed off in month -2), relapsed to V last month
        "classes": [6] * 5 + [5] * 4 + [4] * 4 + [5],
        "tasks": [("ecological_restoration", "清淤与岸坡生态修复", "西港街道办事处", -90, "completed", 100)],
        "closed_off_month": -2,
    },
]


def _user_id(username: str) -> int | None:
    return db.session.scalar(sa.select(User.id).where(User.username == username))


def _values(rng: random.Random, bands: dict, water_class: int, severity: float, kind: str) -> dict:
    """One sample inside the class's band; ``severity`` 1 → 0 moves worse-than-V values towards V."""
    values = {"ph": round(rng.uniform(7.0, 7.9), 2), "water_temperature": round(rng.uniform(8, 28), 1)}
    for item, (low, high) in bands[water_class].items():
        if water_class == 6 and item != "do":
            high = low + (high - low) * severity
        if water_class == 6 and item == "do":
            low = high - (high - low) * severity
        mid, half = (low + high) / 2, (high - low) / 2
        values[item] = round(mid + rng.uniform(-0.6, 0.6) * half, 3)
    clean, errors = check_values(values)
    assert not errors, errors
    return {"values": clean}


def _samples(rng: random.Random, sections, classes: list[int], kind: str, actor_id) -> int:
    bands = RIVER_BANDS if WATER_KINDS[kind] == "river" else LAKE_BANDS
    this_month, count = ev.month_of(utcnow()), 0
    for n, water_class in enumerate(classes):
        year, month = ev.shift(this_month, n - len(classes))
        severity = max(0.15, 1 - n / len(classes))
        for section in sections:
            for day in SAMPLE_DAYS:
                data = _values(rng, bands, water_class, severity, kind)
                data["sampled_dt"] = datetime(year, month, day, 9, 30, tzinfo=zone())
                service.store_sample(section, data, actor_id, "sample.created")
                count += 1
    return count


def _tasks(body, specs, actor_id) -> None:
    today = local_date()
    for measure, description, unit, days, status, progress in specs:
        task = tasks.create(body, {"measure": measure, "description": description, "responsible_unit": unit,
                                   "deadline": today + timedelta(days=days)}, actor_id)
        if status == "in_progress":
            tasks.update(task, {"progress": progress, "note": "现场推进中"}, actor_id)
        elif status == "completed":
            tasks.update(task, {"status": "completed", "note": "已完工并通过街道验收"}, actor_id)


def _close_off(body: WaterBody, month_offset: int, manager_id: int) -> None:
    """Closed off in the past (when it was eligible), so set directly, with the audit record a manager leaves."""
    year, month = ev.shift(ev.month_of(utcnow()), month_offset)
    before = audit.snapshot(body, ("listed_status",))
    body.listed_status = "closed_off"
    body.closed_off_dt = datetime.combine(datetime(year, month, 10).date(), time(10), tzinfo=zone())
    body.closed_off_by_id, body.closed_off_reason = manager_id, "连续3个月达到Ⅳ类目标，经区河长办验收同意销号"
    db.session.flush()
    audit.record("water_body.closed_off", body, before, audit.snapshot(body, ("listed_status",)), manager_id)


def seed(env_staff_id: int | None = None, manager_id: int | None = None) -> str:
    """Create the demo water bodies (idempotent). Actors default to the demo users chen.jie and li.na;
    without a manager, 东湖塘 stays under remediation instead of closed off."""
    if db.session.scalar(sa.select(WaterBody.id).where(WaterBody.name == BODIES[0]["body"]["name"])):
        return "Demo water bodies already present."
    env_staff_id = env_staff_id or _user_id("chen.jie")
    manager_id = manager_id or _user_id("li.na")
    rng = random.Random(3838)
    samples = 0
    for spec in BODIES:
        body = service.create_body(dict(spec["body"]))
        sections = [service.create_section(body, {"code": code, "name": name, "latitude": lat, "longitude": lon})
                    for code, name, lat, lon in spec["sections"]]
        samples += _samples(rng, sections, spec["classes"], body.kind, env_staff_id)
        _tasks(body, spec["tasks"], env_staff_id)
        if "closed_off_month" in spec and manager_id:
            _close_off(body, spec["closed_off_month"], manager_id)
    return f"Demo water: {len(BODIES)} water bodies, {samples} samples."
