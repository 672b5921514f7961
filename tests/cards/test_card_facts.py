"""The SQL that loads card facts (``cards.facts``) against its Python twin (``FindingScope.admitted``): on random
histories in the database it loads every finding the twin admits (and maybe a few more), with the same local
dates, so the decisions are those on all findings; and a full re-evaluation runs a fixed number of queries."""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml

from cards import facts as card_facts
from cards import service
from core.db import db
from inspections.models import Finding, Inspection
from risk_rules.cards import (
    DEFAULT_RULESET_PATH,
    FindingFact,
    default_ruleset,
    evaluate,
    finding_scopes,
    load_ruleset,
)
from risk_rules.dates import add_months
from tests.risk_rules.test_card_scopes import RULESETS

TODAY = date(2026, 3, 2)
ITEMS = ["HC-01", "HC-02", "HC-G-01", "", None]


def _only(*rule_ids):
    """The default rule set with only these rules: each query shape gets its turn."""
    data = yaml.safe_load(DEFAULT_RULESET_PATH.read_text(encoding="utf-8"))
    data["rules"] = [r for r in data["rules"] if r["id"] in rule_ids]
    return load_ruleset(data)


RULE_SETS = [*RULESETS, _only("Y3"), _only("R2"), _only("Y2", "R1"), _only("Y3", "R2")]


def _instant(rng: random.Random, day: date, tz: ZoneInfo) -> datetime:
    """A moment of the zone's ``day``, often within minutes of its midnights: where UTC and local dates differ."""
    clock = rng.choice([time(0, 0), time(0, 1), time(7, 59), time(8, 0), time(12, 0), time(23, 59, 59)])
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _row(rng, enterprise_id, inspection_id, tz, found: date, closed: date | None, item=None) -> dict:
    status = "verified" if closed else rng.choice(["open", "rectification_submitted"])
    return {
        "inspection_id": inspection_id, "enterprise_id": enterprise_id,
        "item_code": item if item is not None else rng.choice(ITEMS), "description": "d", "category": "thing",
        "severity": rng.choice(["general", "general", "major"]), "status": status,
        "deadline": found + timedelta(days=rng.choice([7, 15, 90])), "found_dt": _instant(rng, found, tz),
        "closed_dt": _instant(rng, closed, tz) if closed else None, "updated_dt": datetime.now(UTC),
    }


def _history(rng: random.Random, enterprise_ids, inspection_ids, tz: ZoneInfo) -> list[dict]:
    """Random findings, and repeat pairs at the edges of the rules' windows (the same day, exactly 12 months
    apart or a day more, the repeat exactly 12 months ago or a day more)."""
    rows = []
    for enterprise_id, inspection_id in zip(enterprise_ids, inspection_ids, strict=True):
        for _ in range(rng.randrange(0, 20)):
            found = TODAY - timedelta(days=rng.choice([rng.randrange(-3, 800), rng.randrange(300, 420)]))
            closed = found + timedelta(days=rng.choice([0, 0, 1, 14, 60, -1])) if rng.random() < 0.6 else None
            rows.append(_row(rng, enterprise_id, inspection_id, tz, found, closed))
        for _ in range(rng.randrange(0, 3)):
            again = rng.choice([TODAY - timedelta(days=rng.randrange(0, 370)), add_months(TODAY, -12),
                                add_months(TODAY, -12) - timedelta(days=1), add_months(TODAY, -3)])
            closed = rng.choice([again, again - timedelta(days=1), add_months(again, -12), add_months(again, -3),
                                 add_months(again, -12) - timedelta(days=1), again + timedelta(days=1)])
            item = rng.choice(ITEMS[:3])
            rows.append(_row(rng, enterprise_id, inspection_id, tz, closed - timedelta(days=rng.choice([0, 9])),
                             closed, item))
            rows.append(_row(rng, enterprise_id, inspection_id, tz, again, rng.choice([None, again]), item))
    return rows


@pytest.fixture
def enterprises(ctx, make_user, make_enterprise):
    """Twelve enterprises, each with an inspection to hang findings on: (enterprise ids, inspection ids)."""
    inspector_id, _ = make_user()
    enterprise_ids = [make_enterprise() for _ in range(12)]
    inspections = [Inspection(client_id=str(uuid.uuid4()), payload_sha256="", enterprise_id=e, domain="gas",
                              inspector_id=inspector_id, inspected_dt=datetime.now(UTC)) for e in enterprise_ids]
    db.session.add_all(inspections)
    db.session.flush()
    return enterprise_ids, [i.id for i in inspections]


def _all_facts(tz: ZoneInfo) -> dict[int, list[FindingFact]]:
    everything: dict[int, list[FindingFact]] = {}
    for f in db.session.scalars(sa.select(Finding)):
        everything.setdefault(f.enterprise_id, []).append(FindingFact(
            f.id, f.item_code, f.severity, f.status, f.found_dt.astimezone(tz).date(), f.deadline,
            f.closed_dt.astimezone(tz).date() if f.closed_dt else None))
    return everything


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])  # the zone's own, and one with DST
@pytest.mark.parametrize("seed", range(8))
def test_sql_loads_what_the_python_twin_admits(app, enterprises, monkeypatch, zone, seed):
    monkeypatch.setitem(app.config, "TIMEZONE", zone)
    rng, tz = random.Random(seed), ZoneInfo(zone)
    db.session.execute(sa.insert(Finding), _history(rng, *enterprises, tz))
    everything = _all_facts(tz)
    for rule_set in RULE_SETS:
        scopes = finding_scopes(rule_set, TODAY)
        some = rng.sample(enterprises[0], 3)
        for ids in (None, some):  # the daily pass, and the incremental one
            loaded = card_facts.load(ids, rule_set, TODAY)
            for enterprise_id in ids or everything:
                findings = everything.get(enterprise_id, [])
                twin = {f.id for scope in scopes for f in scope.admitted(findings)}
                sql = loaded[enterprise_id].findings if enterprise_id in loaded else []
                assert twin <= {f.id for f in sql}, (enterprise_id, rule_set.version)
                assert set(sql) <= set(findings)  # the same facts, local dates included
                assert evaluate(sql, [], rule_set, TODAY) == evaluate(findings, [], rule_set, TODAY)
            if ids is None:
                assert set(loaded) <= set(everything)


def test_sql_leaves_findings_that_cannot_matter_out(enterprises):
    enterprise_ids, inspection_ids = enterprises
    tz = ZoneInfo("Asia/Shanghai")

    def finding(found: date, closed: date | None, item="HC-01", severity="general", deadline=None):
        return {"inspection_id": inspection_ids[0], "enterprise_id": enterprise_ids[0], "item_code": item,
                "description": "d", "category": "thing", "severity": severity,
                "deadline": deadline or found + timedelta(days=15), "status": "verified" if closed else "open",
                "found_dt": _instant(random.Random(0), found, tz), "closed_dt": closed and _instant(
                    random.Random(0), closed, tz), "updated_dt": datetime.now(UTC)}

    kept = [finding(TODAY - timedelta(days=200), TODAY - timedelta(days=190)),  # closed, then failed again:
            finding(TODAY - timedelta(days=20), TODAY - timedelta(days=10))]  # a repeat pair
    left_out = [
        finding(TODAY - timedelta(days=30), TODAY - timedelta(days=30), "HC-02"),  # closed on the spot, alone
        finding(TODAY - timedelta(days=600), TODAY - timedelta(days=590), "HC-03"),  # 18 months before ...
        finding(TODAY - timedelta(days=40), TODAY - timedelta(days=35), "HC-03"),  # ... the same item again
        finding(TODAY - timedelta(days=40), None, "HC-04", deadline=TODAY - timedelta(days=1)),  # 2 overdue
        finding(TODAY - timedelta(days=40), None, "HC-05", deadline=TODAY - timedelta(days=1)),  # (Y2: 3)
        finding(TODAY - timedelta(days=50), TODAY - timedelta(days=40), "HC-06", "major"),  # one major (R2: 2)
    ]
    db.session.execute(sa.insert(Finding), kept + left_out)
    loaded = card_facts.load(None, default_ruleset(), TODAY)[enterprise_ids[0]].findings
    assert [f.checklist_item for f in loaded] == ["HC-01", "HC-01"]


def test_rule_sets_on_cards_alone_read_no_findings(enterprises):
    enterprise_ids, inspection_ids = enterprises
    db.session.execute(sa.insert(Finding), _history(random.Random(1), enterprise_ids, inspection_ids,
                                                    ZoneInfo("Asia/Shanghai")))
    raw = {"id": "cards", "version": "1", "effective_from": "2026-01-01", "rules": [
        {"id": "R3", "colour": "red", "kind": "yellow_card_overdue", "params": {"days": 90},
         "text_zh": "黄牌逾期", "text_en": "Yellow overdue"}]}
    assert all(not entry.findings for entry in card_facts.load(None, load_ruleset(raw), TODAY).values())


def _statements(run) -> int:
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", counted)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counted)
    return count


def test_reevaluating_everyone_runs_the_same_queries_for_few_and_many(enterprises, make_enterprise):
    enterprise_ids, inspection_ids = enterprises
    rng = random.Random(3)
    db.session.execute(sa.insert(Finding), _history(rng, enterprise_ids[:2], inspection_ids[:2],
                                                    ZoneInfo("Asia/Shanghai")))
    service.reevaluate_all(TODAY)
    few = _statements(lambda: service.reevaluate_all(TODAY))
    db.session.execute(sa.insert(Finding), _history(rng, enterprise_ids[2:], inspection_ids[2:],
                                                    ZoneInfo("Asia/Shanghai")))
    service.reevaluate_all(TODAY)
    assert _statements(lambda: service.reevaluate_all(TODAY)) == few  # steady: nothing to change, nothing locked


def test_a_full_pass_leaves_the_connection_settings_as_they_were(enterprises):
    enterprise_ids, inspection_ids = enterprises
    db.session.execute(sa.insert(Finding), _history(random.Random(2), enterprise_ids, inspection_ids,
                                                    ZoneInfo("Asia/Shanghai")))
    db.session.commit()  # a new transaction: SQLite changes its temporary storage only outside one
    setting = ("PRAGMA temp_store" if db.engine.dialect.name == "sqlite" else "SELECT current_setting('jit')")
    before = db.session.connection().exec_driver_sql(setting).scalar()
    assert card_facts.load(None, default_ruleset(), TODAY)
    assert db.session.connection().exec_driver_sql(setting).scalar() == before
