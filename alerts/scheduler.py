"""APScheduler jobs. The jobs are pollers over our tables (alerts, deliveries, digests); APScheduler keeps
no state of ours, so any number of missed, coalesced or doubled runs is harmless.

Production runs one dedicated process: ``flask alerts run-scheduler`` (BlockingScheduler). The development
server runs the same jobs in a BackgroundScheduler when ``RUN_SCHEDULER_IN_PROCESS`` is true (``make run``);
web workers in production never do.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from alerts import delivery, digest, raising
from core.db import db, utcnow

log = logging.getLogger(__name__)

SCAN_MINUTES = 5  # a reminder is at most this late; passes are cheap when nothing is new (see bench/alerts.py)
DELIVER_MINUTES = 1
JOB_DEFAULTS = {
    "coalesce": True,  # after a pause, one catch-up run, not one per missed interval
    "max_instances": 1,  # a slow pass is never overlapped by the next one in the same process
    "misfire_grace_time": 120,  # a run late by up to two minutes still happens (the next one would anyway)
}


def scan(app: Flask, now: datetime | None = None) -> raising.PassResult:
    """One raising pass with its fan-out, then the day's digests."""
    with app.app_context():
        try:
            moment = now or utcnow()
            result = raising.scan(moment)
            written = digest.run(moment)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
    if result.total or written:
        log.info("alerts raised: %s; digests written: %d", dict(result.raised), written)
    return result


def deliver(app: Flask) -> None:
    """Send whatever is due (commits as it goes, see ``alerts.delivery.run``)."""
    with app.app_context():
        try:
            totals = delivery.run()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
    if totals:
        log.info("deliveries: %s", dict(totals))


def housekeeping(app: Flask) -> None:
    """Daily: re-evaluate every card (rules such as "yellow not lifted in 90 days" turn with the calendar,
    not with any request) and sweep unattached photos and orphan files."""
    from cards import service as cards
    from photos import service as photos

    with app.app_context():
        try:
            cards.reevaluate_all()
            photos.sweep_rows()
            db.session.commit()  # rows go before their files: a row never outlives its files
            photos.sweep_files()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def seal_audit(app: Flask) -> None:
    """Chain the audit entries written since the last run (see ``audit.chain``)."""
    from audit import chain

    with app.app_context():
        try:
            chain.seal()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def anchor_audit(app: Flask) -> None:
    """Daily: seal, then append the chain's head to the anchor file outside the database (``audit.anchor``)."""
    from audit import anchor

    seal_audit(app)
    with app.app_context():
        try:
            record = anchor.append()
        finally:
            db.session.remove()
    if record:
        log.info("audit chain anchored up to entry %d", record["seq"])


def configure(scheduler, app: Flask):
    """Add the jobs to ``scheduler``; they run at once and then every few minutes (housekeeping and the
    audit anchor daily)."""
    first = datetime.now(scheduler.timezone)
    scheduler.add_job(scan, "interval", args=[app], id="alerts.scan", minutes=SCAN_MINUTES, next_run_time=first)
    scheduler.add_job(deliver, "interval", args=[app], id="alerts.deliver", minutes=DELIVER_MINUTES,
                      next_run_time=first)
    scheduler.add_job(housekeeping, "cron", args=[app], id="housekeeping", hour=0, minute=15, next_run_time=first)
    scheduler.add_job(seal_audit, "interval", args=[app], id="audit.seal", minutes=SCAN_MINUTES, next_run_time=first)
    scheduler.add_job(anchor_audit, "cron", args=[app], id="audit.anchor", hour=0, minute=30, next_run_time=first)
    return scheduler


def run_blocking(app: Flask) -> None:
    """The dedicated scheduler process: runs until interrupted."""
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"], job_defaults=JOB_DEFAULTS)
    configure(scheduler, app)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):  # Ctrl+C or SIGTERM: a normal stop
        scheduler.start()


_started = threading.Lock()


def start_in_process(app: Flask) -> BackgroundScheduler | None:
    """Start the jobs inside this process once (the development server); later calls do nothing."""
    if not _started.acquire(blocking=False):
        return None
    scheduler = configure(BackgroundScheduler(timezone=app.config["TIMEZONE"], job_defaults=JOB_DEFAULTS,
                                              daemon=True), app)
    scheduler.start()
    atexit.register(lambda: scheduler.shutdown(wait=False))
    log.info("alert scheduler running in-process (RUN_SCHEDULER_IN_PROCESS); never do this in production")
    return scheduler
