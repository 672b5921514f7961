"""Two scheduler processes against the same PostgreSQL database, running their passes at the same moments:
each alert is raised once and each delivery sent once, through a real SMTP server and a real webhook."""

import multiprocessing
from datetime import timedelta

import sqlalchemy as sa

from alerts.models import Alert, Delivery
from alerts.rules import build_rules, kinds_due
from core.db import db
from tests.alerts import scheduler_worker
from tests.alerts.conftest import TODAY, at
from tests.conftest import requires_postgres

ROUNDS = [TODAY, TODAY + timedelta(days=7), TODAY + timedelta(days=30)]


def _expected_alerts(deadlines) -> int:
    rules = build_rules((3, 1), (7, 30))
    return len({(i, kind) for i, deadline in enumerate(deadlines) for day in ROUNDS
                for kind in kinds_due(deadline, day, rules)})


@requires_postgres
def test_two_scheduler_processes_raise_and_deliver_everything_once(app, channels, make_finding, make_person,
                                                                   tmp_path, card_calls):
    smtp, hook = channels
    smtp.start()
    make_person("safety_manager", email="li.na@port.example.cn")
    make_person("admin", email="admin@port.example.cn")
    deadlines = [TODAY + timedelta(days=offset) for offset in range(-45, 35, 2)]
    for deadline in deadlines:
        make_finding(deadline)
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "UPLOAD_DIR": str(tmp_path / "uploads"),
           "SECRET_KEY": "test", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
           "MAIL_FROM": "alerts@port.example.cn", "ALERT_WEBHOOK_URLS": hook.url, "ALERT_SEND_TIMEOUT": "5"}
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    moments = [at(day).isoformat() for day in ROUNDS]
    workers = [spawn.Process(target=scheduler_worker.main, args=(env, moments, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    results.close()
    results.join_thread()

    with app.app_context():
        alerts = db.session.scalar(sa.select(sa.func.count()).select_from(Alert))
        deliveries = db.session.execute(sa.select(Delivery.channel, Delivery.status, Delivery.attempts)).all()
    assert alerts == _expected_alerts(deadlines) and alerts > 60
    assert sum(r["raised"] for r in reports) == alerts  # each alert raised by exactly one of the two
    assert {(status, attempts) for _, status, attempts in deliveries} == {("sent", 1)}
    assert sum(r["sent"] for r in reports) == len(deliveries) and all(r["failed"] == 0 for r in reports)
    emails = sum(1 for channel, _, _ in deliveries if channel == "email")
    assert len(smtp.wait_for(emails)) == emails and len({m["Message-ID"] for m in smtp.messages}) == emails
    assert len(hook.received) == alerts and len(set(hook.keys)) == alerts
