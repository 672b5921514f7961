"""The raising pass: an idempotent poller, not one job per deadline.

Each pass inserts every alert whose threshold has passed, set-based (one ``INSERT ... SELECT ... ON CONFLICT
DO NOTHING`` per source and kind). The unique key (subject_type, subject_id, kind, deadline) is what makes a
second pass, or a second scheduler process running at the same moment, raise nothing twice; the ``NOT
EXISTS`` filter only spares the database the work of conflicting.

Fan-out (inbox rows, e-mail and webhook deliveries) follows in batches of alerts, each its own transaction,
finding its work through ``alerts.is_dispatched``: a process that dies half-way leaves the rest to the next
pass, and a second process fanning out the same batch adds nothing (unique keys again).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from accounts.models import User, UserRole
from alerts import rules as alert_rules
from alerts.models import Alert, AlertPreference, AlertRecipient, Delivery
from alerts.sources import SOURCES, Source
from cards import service as cards
from core.db import UTCDateTime, db
from core.time import local_date

ALERT_KEY = ["subject_type", "subject_id", "kind", "deadline"]


@dataclass
class PassResult:
    """What one pass raised: alerts per kind and the enterprises whose cards were re-evaluated."""

    raised: Counter = field(default_factory=Counter)
    enterprises: set[int] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def configured_rules() -> list[alert_rules.Rule]:
    """The alert kinds from ``ALERT_REMINDER_DAYS`` and ``ALERT_ESCALATION_DAYS``."""
    config = current_app.config
    return alert_rules.build_rules(config["ALERT_REMINDER_DAYS"], config["ALERT_ESCALATION_DAYS"])


def rules_of(source: Source) -> list[alert_rules.Rule]:
    """The alert kinds of ``source``: its own, else the configured ones."""
    return source.rules() if source.rules is not None else configured_rules()


def dialect_insert(model):
    """The dialect's INSERT, which has ``on_conflict_do_nothing`` (SQLite and PostgreSQL)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _raise_kind(source: Source, rule: alert_rules.Rule, today, now: datetime) -> list[int | None]:
    """Insert the alerts of one kind due ``today``; returns the enterprise id of each new one."""
    items = source.items().subquery("items")
    earliest, latest = rule.deadline_window(today)
    existing = sa.select(Alert.id).where(
        Alert.subject_type == source.subject_type, Alert.subject_id == items.c.subject_id,
        Alert.kind == rule.kind, Alert.deadline == items.c.deadline)
    select = (
        sa.select(sa.literal(source.subject_type), items.c.subject_id, sa.literal(rule.kind), items.c.deadline,
                  items.c.enterprise_id, items.c.owner_id, sa.literal(now, UTCDateTime), sa.false())
        .where(items.c.deadline >= earliest if earliest else sa.true(),
               items.c.deadline <= latest if latest else sa.true(),
               ~existing.exists())
        # One order in every process, so two concurrent passes wait on each other instead of deadlocking.
        .order_by(items.c.subject_id)
    )
    columns = [*ALERT_KEY[:2], "kind", "deadline", "enterprise_id", "owner_id", "raised_dt", "is_dispatched"]
    statement = (dialect_insert(Alert).from_select(columns, select).on_conflict_do_nothing(index_elements=ALERT_KEY)
                 .returning(Alert.enterprise_id))  # only the rows this pass inserted come back
    return list(db.session.scalars(statement))


def _undispatched():
    return Alert.is_dispatched == sa.false()


def _fan_out_inbox(batch, source: Source, stages: tuple[str, ...], roles: tuple[str, ...], with_owner: bool, now):
    kinds = [r.kind for r in rules_of(source) if r.stage in stages]
    new = sa.and_(batch, Alert.subject_type == source.subject_type, Alert.kind.in_(kinds))
    holds_role = sa.select(UserRole.user_id).where(UserRole.user_id == User.id, UserRole.role.in_(roles)).exists()
    # Every new alert times every active holder of the roles: a deliberate cross join.
    by_role = (sa.select(Alert.id, User.id, sa.literal(now, UTCDateTime)).select_from(Alert)
               .join(User, sa.true()).where(new, User.is_active, holds_role))
    statements = [by_role]
    if with_owner:
        statements.append(sa.select(Alert.id, Alert.owner_id, sa.literal(now, UTCDateTime))
                          .join(User, User.id == Alert.owner_id).where(new, User.is_active))
    for select in statements:
        db.session.execute(dialect_insert(AlertRecipient).from_select(["alert_id", "user_id", "created_dt"], select)
                           .on_conflict_do_nothing(index_elements=["alert_id", "user_id"]))


def _delivery_insert(select):
    columns = ["alert_id", "channel", "recipient", "user_id", "status", "attempts", "next_attempt_dt",
               "last_error", "created_dt"]
    return (dialect_insert(Delivery).from_select(columns, select)
            .on_conflict_do_nothing(index_elements=["alert_id", "channel", "recipient"]))


def _fan_out_email(batch, now):
    """One e-mail per new alert and recipient with an address, unless they chose the daily digest."""
    wants_digest = (sa.select(AlertPreference.user_id)
                    .where(AlertPreference.user_id == User.id, AlertPreference.digest_email == sa.true()).exists())
    moment = sa.literal(now, UTCDateTime)
    select = (
        sa.select(AlertRecipient.alert_id, sa.literal("email"), User.email, User.id, sa.literal("pending"),
                  sa.literal(0), moment, sa.literal(""), moment)
        .join(Alert, Alert.id == AlertRecipient.alert_id).join(User, User.id == AlertRecipient.user_id)
        .where(batch, User.email.is_not(None), User.email != "", ~wants_digest)
    )
    db.session.execute(_delivery_insert(select))


def _fan_out_webhooks(batch, urls, now):
    moment = sa.literal(now, UTCDateTime)
    for url in urls:
        select = sa.select(Alert.id, sa.literal("webhook"), sa.literal(url), sa.null(), sa.literal("pending"),
                           sa.literal(0), moment, sa.literal(""), moment).where(batch)
        db.session.execute(_delivery_insert(select))


DISPATCH_BATCH = 5000


def dispatch_batch(now: datetime, size: int = DISPATCH_BATCH) -> int:
    """Give the oldest undispatched alerts (up to ``size``) their inbox rows and deliveries; flush only.

    Returns how many alerts it took (0: nothing left). The caller commits after each batch.
    """
    pick = sa.select(Alert.id).where(_undispatched()).order_by(Alert.id).limit(size)
    if db.engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)  # a second process takes the next batch instead
    ids = list(db.session.scalars(pick))
    if not ids:
        return 0
    batch = sa.and_(_undispatched(), Alert.id.between(ids[0], ids[-1]))
    for source in SOURCES:
        _fan_out_inbox(batch, source, (alert_rules.REMINDER, alert_rules.OVERDUE), source.roles, True, now)
        _fan_out_inbox(batch, source, (alert_rules.ESCALATION,), source.escalation_roles, False, now)
    if current_app.config["SMTP_HOST"]:
        _fan_out_email(batch, now)
    _fan_out_webhooks(batch, current_app.config["ALERT_WEBHOOK_URLS"], now)
    db.session.execute(sa.update(Alert).where(batch).values(is_dispatched=True)
                       .execution_options(synchronize_session=False))
    return len(ids)


def run_pass(now: datetime) -> PassResult:
    """Raise every alert due at ``now`` (an aware datetime) and re-evaluate the cards it concerns; flush only."""
    today, result = local_date(now), PassResult()
    for source in SOURCES:
        for rule in rules_of(source):
            enterprises = _raise_kind(source, rule, today, now)
            if enterprises:
                result.raised[rule.kind] += len(enterprises)
                if rule.stage != alert_rules.REMINDER:
                    result.enterprises.update(e for e in enterprises if e is not None)
    if result.enterprises:
        # Overdue-ness is what cards are made of; once per pass with every affected enterprise.
        cards.reevaluate(sorted(result.enterprises), today)
    return result


def rehearse(now: datetime) -> PassResult:
    """What a raising pass at ``now`` would raise and which cards it would re-evaluate, without writing
    anything: the pass runs in a transaction that is rolled back (nothing is fanned out)."""
    try:
        return run_pass(now)
    finally:
        db.session.rollback()


def scan(now: datetime) -> PassResult:
    """The scan job: the raising pass in one transaction, then the fan-out batch by batch. Commits."""
    result = run_pass(now)
    db.session.commit()
    while dispatch_batch(now):
        db.session.commit()
    db.session.commit()
    return result
