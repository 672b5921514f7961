"""Sending what was raised: claim due deliveries under a lease, send each, record the outcome.

A delivery is claimed with one atomic UPDATE (``WHERE claimed_until IS NULL OR claimed_until < now``; on
PostgreSQL the candidates are picked ``FOR UPDATE SKIP LOCKED``), so two scheduler processes never send
the same one. A failure keeps the delivery pending and moves ``next_attempt_dt`` back exponentially: a
channel that is down loses nothing and floods nothing when it returns.

Exactly-once has one unavoidable gap: a process killed between a successful send and recording it sends
again when the lease runs out. Every message carries a stable key (Message-ID, ``Idempotency-Key``
header, ``id`` in the generic JSON) so receivers can discard such a repeat.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from alerts import messages, sources
from alerts.channels import Message, email, webhook
from alerts.models import Alert, Delivery, Digest
from core.db import db, utcnow

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 30  # about a day of retries at the longest interval; then "failed", re-queued by an operator
BATCH = 20


def worker_name() -> str:
    """Who holds a lease: host, process and a random part (two loops in one process differ)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4 ... minutes, at most an hour."""
    return min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX)


def lease_length() -> timedelta:
    # Long enough for a whole batch to time out one by one, so a slow batch is never sent twice.
    return timedelta(seconds=max(300, 3 * BATCH * current_app.config["ALERT_SEND_TIMEOUT"]))


def _lease_free(now: datetime):
    return sa.or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now)


def claim(worker: str, now: datetime, limit: int = BATCH) -> list[int]:
    """Take up to ``limit`` due deliveries for ``worker``; flush only (commit before sending)."""
    due = (sa.select(Delivery.id)
           .where(Delivery.status == "pending", Delivery.next_attempt_dt <= now, _lease_free(now))
           .order_by(Delivery.next_attempt_dt, Delivery.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    until = now + lease_length()
    claimed = db.session.execute(
        sa.update(Delivery).where(Delivery.id.in_(due.scalar_subquery()), _lease_free(now))
        .values(claimed_until=until, claimed_by=worker).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return []
    return list(db.session.scalars(
        sa.select(Delivery.id).where(Delivery.claimed_by == worker, Delivery.claimed_until == until)
        .order_by(Delivery.id)))


def render(deliveries: list[Delivery]) -> dict[int, Message]:
    """Messages for deliveries, by delivery id (subjects described with one query per source)."""
    alerts = {a.id: a for a in db.session.scalars(
        sa.select(Alert).where(Alert.id.in_([d.alert_id for d in deliveries if d.alert_id])))}
    digests = {g.id: g for g in db.session.scalars(
        sa.select(Digest).where(Digest.id.in_([d.digest_id for d in deliveries if d.digest_id])))}
    subjects = sources.describe((a.subject_type, a.subject_id) for a in alerts.values())
    rendered = {}
    for delivery in deliveries:
        key = f"delivery-{delivery.id}"
        if delivery.digest_id:
            digest = digests[delivery.digest_id]
            rendered[delivery.id] = Message(key=key, subject=digest.subject, text=digest.body)
        else:
            alert = alerts[delivery.alert_id]
            rendered[delivery.id] = messages.for_alert(alert, subjects[alert.subject_type, alert.subject_id], key)
    return rendered


def send(delivery: Delivery, message: Message) -> None:
    """Hand ``message`` to the delivery's channel; raises on any failure."""
    config = current_app.config
    timeout = config["ALERT_SEND_TIMEOUT"]
    if delivery.channel == "email":
        email.send(message, delivery.recipient, config, timeout)
    else:
        webhook.send(message, delivery.recipient, config["ALERT_WEBHOOK_FORMAT"], timeout)


def _record(delivery_id: int, worker: str, values: dict) -> bool:
    # Only while we still hold the lease: if it ran out and another worker took over, theirs is the record.
    done = db.session.execute(
        sa.update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == worker)
        .values(attempts=Delivery.attempts + 1, claimed_until=None, claimed_by=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        log.warning("delivery %s: lease lost before the outcome was recorded", delivery_id)
    return bool(done)


def attempt(delivery: Delivery, message: Message, worker: str, now: datetime | None = None) -> bool:
    """Send one claimed delivery and record the outcome; flush only. Returns whether it was sent."""
    try:
        send(delivery, message)
    except Exception as exc:  # any failure of any channel must leave the delivery to be retried
        log.warning("delivery %s (%s to %s) failed: %r", delivery.id, delivery.channel, delivery.recipient, exc)
        attempts = delivery.attempts + 1
        status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
        _record(delivery.id, worker, {"status": status, "last_error": f"{type(exc).__name__}: {exc}"[:2000],
                                      "next_attempt_dt": (now or utcnow()) + backoff(attempts)})
        return False
    _record(delivery.id, worker, {"status": "sent", "delivered_dt": now or utcnow(), "last_error": ""})
    return True


def run(now: datetime | None = None, worker: str | None = None, limit: int | None = None) -> Counter:
    """Send every delivery due at ``now`` (default: the real time); the job: commits as it goes.

    Commits after the claim (so other processes see the lease) and after each send (a send is an outside
    effect; its record must survive a crash of this process before the next one).
    """
    worker, totals = worker or worker_name(), Counter()
    while limit is None or totals.total() < limit:
        ids = claim(worker, now or utcnow())
        db.session.commit()
        if not ids:
            break
        batch = list(db.session.scalars(sa.select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.id)))
        rendered = render(batch)
        for delivery in batch:
            totals["sent" if attempt(delivery, rendered[delivery.id], worker, now) else "failed"] += 1
            db.session.commit()
    return totals


def requeue_failed() -> int:
    """Give deliveries that used up their attempts a fresh start (after fixing the channel); flush only."""
    return db.session.execute(
        sa.update(Delivery).where(Delivery.status == "failed")
        .values(status="pending", attempts=0, next_attempt_dt=utcnow())
    ).rowcount
