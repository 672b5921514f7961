"""The scheduler's jobs: configured as pollers (coalesce, one instance, a grace time), started in-process only
when asked, and the job functions commit their pass."""

from datetime import timedelta

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from alerts import scheduler
from alerts.models import Alert
from core.db import db
from tests.alerts.conftest import TODAY, at


def test_jobs_are_idempotent_pollers_with_coalescing_and_one_instance(app):
    sched = scheduler.configure(BackgroundScheduler(timezone="Asia/Shanghai", job_defaults=scheduler.JOB_DEFAULTS),
                                app)
    sched.start(paused=True)  # job defaults are applied when the scheduler starts; paused, nothing runs
    try:
        jobs = {job.id: job for job in sched.get_jobs()}
    finally:
        sched.shutdown(wait=False)
    assert set(jobs) == {"alerts.scan", "alerts.deliver", "housekeeping", "audit.seal", "audit.anchor"}
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 120)
    assert jobs["alerts.scan"].trigger.interval == timedelta(minutes=scheduler.SCAN_MINUTES)


def test_the_scan_job_commits_its_pass(app, make_finding):
    make_finding(TODAY - timedelta(days=1))
    assert scheduler.scan(app, at(TODAY)).raised == {"overdue": 1}
    with app.app_context():
        assert db.session.scalar(sa.select(Alert.is_dispatched)) is True
    assert scheduler.scan(app, at(TODAY, 10)).total == 0


def test_the_test_app_starts_no_scheduler(app):
    assert app.config["RUN_SCHEDULER_IN_PROCESS"] is False
    assert all(getattr(f, "__name__", "") != "_start_scheduler" for f in app.before_request_funcs.get(None, []))


def test_the_in_process_scheduler_starts_with_the_first_request(tmp_path, monkeypatch):
    from app import create_app

    started = []
    monkeypatch.setattr(scheduler, "start_in_process", started.append)
    dev = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.db'}", "RUN_SCHEDULER_IN_PROCESS": True,
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    assert started == []  # building the app (flask db upgrade, other commands) starts nothing
    dev.test_client().get("/api/v1/health")
    assert started == [dev]
    with dev.app_context():
        db.engine.dispose()


def test_housekeeping_turns_cards_with_the_calendar_and_sweeps_photos(app, client, auth, make_enterprise):
    from datetime import date

    from cards.models import Card

    enterprise = make_enterprise()
    client.post("/api/v1/cards", headers=auth("safety_manager"),
                json={"enterprise_id": enterprise, "colour": "yellow", "reason": "拒绝检查"})
    with app.app_context():
        card = db.session.scalar(sa.select(Card))
        card.issued_on = date.today() - timedelta(days=120)  # its 90-day rectification period is long gone
        db.session.commit()
    scheduler.housekeeping(app)
    with app.app_context():
        card = db.session.scalar(sa.select(Card))
        assert card.colour == "red" and {r.rule_id for r in card.reasons} >= {"R3", "MANUAL"}
