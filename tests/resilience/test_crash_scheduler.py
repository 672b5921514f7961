"""SIGKILL the scheduler's commands in the middle of their work, then run them again: every alert the rules
call for exists exactly once with all its recipients and deliveries, and every message is sent, once more
at most for the one in flight at the kill (receivers drop that repeat by its Idempotency-Key).

Runs on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.resilience.conftest import make_enterprises, make_people, reap

SPREAD = 50  # deadlines from 45 days overdue to 4 days ahead: every kind of alert, and items with none
PEOPLE = {"inspector": ("inspector",), "li.na": ("safety_manager",), "wang.fang": ("safety_manager",),
          "admin": ("admin",)}


def _findings(deployment, count: int, enterprises: int) -> tuple[datetime, dict]:
    """``count`` open general findings with deadlines spread around today; (the moment, the people)."""
    from core.db import db
    from core.time import local_date
    from inspections.models import Finding, Inspection

    people = make_people(deployment, PEOPLE)
    enterprise_ids = make_enterprises(deployment, enterprises)
    moment = datetime.now(UTC).replace(microsecond=0)
    with deployment.app.app_context():
        today, found = local_date(moment), moment - timedelta(days=60)
        inspections = [Inspection(client_id=f"seed-{e}", payload_sha256="", enterprise_id=e, inspector_id=
                                  people["inspector"][0], domain="hazardous_chemicals", inspected_dt=found)
                       for e in enterprise_ids]
        db.session.add_all(inspections)
        db.session.flush()
        db.session.execute(sa.insert(Finding), [
            {"inspection_id": inspections[n % enterprises].id, "enterprise_id": enterprise_ids[n % enterprises],
             "description": f"储罐区防火堤破损 {n}", "category": "thing", "severity": "general",
             "deadline": today + timedelta(days=4 - n % SPREAD), "status": "open", "found_dt": found}
            for n in range(count)])
        db.session.commit()
        db.session.remove()
    return moment, people


def _counts(deployment, statement: str) -> tuple:
    from core.db import db

    with deployment.app.app_context(), db.engine.connect() as connection:
        return tuple(connection.execute(sa.text(statement)).one())


def _kill_when(process, deployment, statement: str, ready, seconds: float = 120) -> tuple:
    """SIGKILL ``process`` as soon as ``ready(counts)`` holds for the counts ``statement`` selects; the counts."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        counts = _counts(deployment, statement)
        if ready(counts):
            reap(process, kill=True)
            return counts
        time.sleep(0.005)
    code = reap(process, kill=True)
    raise AssertionError(f"the process ended (exit {code}) before the moment to kill it: make the data bigger")


def _expected(deployment, moment, people) -> tuple[set, set]:
    """(subject, kind) of every alert the rules call for, and (subject, kind, user) of every inbox row."""
    from alerts.raising import configured_rules
    from alerts.rules import ESCALATION, kinds_due, stage_of
    from core.db import db
    from core.time import local_date
    from inspections.models import Finding

    managers = {people["li.na"][0], people["wang.fang"][0]}
    with deployment.app.app_context():
        rules, today = configured_rules(), local_date(moment)
        alerts = {(fid, kind) for fid, deadline in db.session.execute(sa.select(Finding.id, Finding.deadline))
                  for kind in kinds_due(deadline, today, rules)}
        db.session.remove()
    above = {ESCALATION: managers | {people["admin"][0]}}  # escalations go a level up, not to the inspector
    inbox = {(fid, kind, user) for fid, kind in alerts
             for user in above.get(stage_of(kind), managers | {people["inspector"][0]})}
    return alerts, inbox


def _card_state(db):
    from cards.models import Card

    return sorted((c.enterprise_id, c.colour, c.status, len(c.events),
                   sorted((r.rule_id, tuple(r.finding_ids)) for r in c.reasons))
                  for c in db.session.scalars(sa.select(Card)))


def test_sigkill_during_a_raising_pass_loses_and_doubles_no_alert(deployment):
    from alerts.models import Alert, AlertRecipient, Delivery
    from alerts.raising import DISPATCH_BATCH
    from cards import service as cards
    from core.db import db
    from core.time import local_date

    deployment.env["ALERT_WEBHOOK_URLS"] = "http://127.0.0.1:9/hook"  # deliveries are made, not sent here
    moment, people = _findings(deployment, count=6000, enterprises=40)
    alerts, inbox = _expected(deployment, moment, people)
    assert len(alerts) > 2 * DISPATCH_BATCH  # several fan-out batches, each committed: the kill falls between

    scan = deployment.spawn_flask("alerts", "scan", "--now", moment.isoformat(), log_name="scan.log")
    raised, dispatched = _kill_when(
        scan, deployment, "SELECT count(*), count(CASE WHEN is_dispatched THEN 1 END) FROM alerts",
        lambda counts: 0 < counts[1] < counts[0])
    print(f"\nkilled the pass with {raised} alerts raised, {dispatched} dispatched, of {len(alerts)}")
    assert raised == len(alerts)  # the raising is one transaction: all or nothing

    assert "Raised 0 alert(s)" in deployment.flask("alerts", "scan", "--now", moment.isoformat())
    with deployment.app.app_context():
        stored = db.session.execute(sa.select(Alert.subject_id, Alert.kind, Alert.is_dispatched)).all()
        assert len(stored) == len(alerts) and {(s, k) for s, k, _ in stored} == alerts
        assert all(is_dispatched for _, _, is_dispatched in stored)
        recipients = db.session.execute(sa.select(Alert.subject_id, Alert.kind, AlertRecipient.user_id)
                                        .join(Alert, Alert.id == AlertRecipient.alert_id)).all()
        assert len(recipients) == len(inbox) and set(recipients) == inbox
        deliveries = db.session.scalars(sa.select(Delivery.alert_id)).all()
        assert len(deliveries) == len(set(deliveries)) == len(alerts)
        # The cards the pass re-evaluated are what the rules say as of its day: evaluating again changes nothing.
        before = _card_state(db)
        assert before and all(colour == "yellow" for _, colour, *_ in before)  # 3+ general findings overdue
        cards.reevaluate(None, local_date(moment))
        assert _card_state(db) == before
        db.session.rollback()
        db.session.remove()


def _kill_the_sender_then_deliver(deployment, channel_env: dict, received: callable, per_alert: callable) -> None:
    """Raise alerts, SIGKILL ``flask alerts deliver`` a third of the way, run it again: every delivery is sent
    and recorded once, and ``received()`` (the message keys that arrived) repeats at most the one in flight."""
    from alerts.delivery import BATCH
    from alerts.models import Delivery
    from core.db import db

    deployment.env |= channel_env | {"ALERT_SEND_TIMEOUT": "5"}
    moment, people = _findings(deployment, count=100, enterprises=5)
    alerts, inbox = _expected(deployment, moment, people)
    deployment.flask("alerts", "scan", "--now", moment.isoformat())
    with deployment.app.app_context():
        ids = set(db.session.scalars(sa.select(Delivery.id)))
        db.session.remove()
    assert len(ids) == per_alert(alerts, inbox) > 3 * BATCH

    sender = deployment.spawn_flask("alerts", "deliver", log_name="deliver.log")
    sent, _ = _kill_when(sender, deployment,
                         "SELECT count(CASE WHEN status = 'sent' THEN 1 END), count(*) FROM deliveries",
                         lambda counts: counts[0] >= counts[1] // 3)
    print(f"\nkilled the sender after {sent} of {len(ids)} deliveries recorded, {len(received())} received")

    # Started again, it sends the rest but what the dead sender still holds under its lease ...
    deployment.flask("alerts", "deliver")
    with deployment.app.app_context():
        held = db.session.scalars(sa.select(Delivery.id).where(Delivery.status != "sent")).all()
        assert len(held) <= BATCH
        assert None not in db.session.scalars(sa.select(Delivery.claimed_until).where(Delivery.id.in_(held))).all()
        # ... until the lease runs out (time passes: the lease ends a second ago).
        db.session.execute(sa.update(Delivery).where(Delivery.claimed_until.is_not(None))
                           .values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    deployment.flask("alerts", "deliver")

    with deployment.app.app_context():
        outcomes = db.session.execute(sa.select(Delivery.status, Delivery.attempts)).all()
        db.session.remove()
    assert set(outcomes) == {("sent", 1)} and len(outcomes) == len(ids)
    keys = received()
    assert set(keys) == {f"delivery-{i}" for i in ids}
    assert len(keys) - len(set(keys)) <= 1  # sent by the killed sender, not yet recorded: sent again


def test_sigkill_during_delivery_sends_every_message_and_repeats_at_most_the_one_in_flight(deployment,
                                                                                         webhook_sink):
    _kill_the_sender_then_deliver(deployment, {"ALERT_WEBHOOK_URLS": webhook_sink.url},
                                  lambda: list(webhook_sink.keys), lambda alerts, inbox: len(alerts))


def test_sigkill_during_e_mail_delivery_sends_every_mail_and_repeats_at_most_the_one_in_flight(deployment):
    """The same over SMTP to a real server on loopback: one mail per alert and recipient, told apart by the
    Message-ID made from the delivery."""
    from tests.alerts.conftest import SMTPSink

    sink = SMTPSink()
    sink.start()
    try:
        _kill_the_sender_then_deliver(
            deployment, {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "MAIL_FROM": "alerts@port.example.cn"},
            lambda: [m["Message-ID"].strip("<>").partition("@")[0] for m in list(sink.messages)],
            lambda alerts, inbox: len(inbox))
    finally:
        sink.stop()
