"""A user's alerts and preferences, for the API. Flush only; the request commits."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from alerts import messages, rules, sources
from alerts.models import Alert, AlertPreference, AlertRecipient
from core.db import db, utcnow
from core.errors import Invalid, NotFound
from core.time import day_start
from enterprises.models import Enterprise

# Unread alerts the navigation counts at most ("99+" beyond): the badge's query reads no more index entries
# than this, however many alerts a user has left unread.
UNREAD_CAP = 100


# The kinds of a stage by their names (alerts.rules: due_in_<n>d, overdue, escalated_<n>d).
STAGE_CLAUSES = {
    rules.REMINDER: Alert.kind.like("due\\_in\\_%", escape="\\"),
    rules.OVERDUE: Alert.kind == "overdue",
    rules.ESCALATION: Alert.kind.like("escalated\\_%", escape="\\"),
}


def _matching(query: sa.Select, kind: str | None = None, stage: str | None = None,
              subject_type: str | None = None, enterprise_id: int | None = None, raised_from: date | None = None,
              raised_to: date | None = None) -> sa.Select:
    """``query`` (over ``Alert``) narrowed to the filter's conditions (``AlertFilterSchema``; dates local)."""
    if kind is not None:
        query = query.where(Alert.kind == kind)
    if stage is not None:
        query = query.where(STAGE_CLAUSES[stage])
    if subject_type is not None:
        query = query.where(Alert.subject_type == subject_type)
    if enterprise_id is not None:
        query = query.where(Alert.enterprise_id == enterprise_id)
    if raised_from is not None:
        query = query.where(Alert.raised_dt >= day_start(raised_from))
    if raised_to is not None:
        query = query.where(Alert.raised_dt < day_start(raised_to + timedelta(days=1)))
    return query


def inbox(user_id: int, unread: bool | None = None, **filters) -> sa.Select:
    """The user's alerts, newest first (in the order they were raised: an alert's id); ``unread=True``: not yet
    acknowledged (False: acknowledged); ``filters``: the conditions of ``AlertFilterSchema``.

    Ordered by ``AlertRecipient.alert_id``, not ``Alert.raised_dt``: a page is then the first rows of the index on
    (user_id, alert_id, acked_dt) read backwards, instead of a sort of every alert the user has; the total (the
    pages count it) is that index's range for the user, joined to the alerts only when a filter needs them."""
    query = (sa.select(AlertRecipient).where(AlertRecipient.user_id == user_id)
             .order_by(AlertRecipient.alert_id.desc()))
    if unread is not None:
        query = query.where(AlertRecipient.acked_dt.is_(None) if unread else AlertRecipient.acked_dt.is_not(None))
    if any(value is not None for value in filters.values()):
        # Joined only for conditions on the alert: counting a user's alerts then reads nothing but that index.
        query = _matching(query.join(Alert, Alert.id == AlertRecipient.alert_id), **filters)
    return query


def unread_count(user_id: int, cap: int | None = UNREAD_CAP) -> int:
    """How many alerts the user has not acknowledged, counted up to ``cap`` (``None``: all; the badge shows
    "99+" at the cap): one range of the (user_id, acked_dt) index, at most ``cap`` entries long."""
    unread = (sa.select(AlertRecipient.id).where(AlertRecipient.user_id == user_id,
                                                 AlertRecipient.acked_dt.is_(None)).limit(cap))
    return db.session.scalar(sa.select(sa.func.count()).select_from(unread.subquery()))


def enterprises(user_id: int, limit: int = 500) -> list[tuple[int, str]]:
    """(id, name) of the enterprises the user's alerts concern, by name, for the inbox's filter."""
    theirs = (sa.select(Alert.enterprise_id).join(AlertRecipient, AlertRecipient.alert_id == Alert.id)
              .where(AlertRecipient.user_id == user_id, Alert.enterprise_id.is_not(None)))
    return db.session.execute(sa.select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(theirs))
                              .order_by(Enterprise.name, Enterprise.id).limit(limit)).all()


def present(rows: list[AlertRecipient]) -> list[dict]:
    """Inbox rows with their words (one query per source for the subjects)."""
    subjects = sources.describe((row.alert.subject_type, row.alert.subject_id) for row in rows)
    out = []
    for row in rows:
        alert = row.alert
        subject = subjects[alert.subject_type, alert.subject_id]
        out.append({"id": alert.id, "kind": alert.kind, "stage": rules.stage_of(alert.kind),
                    "subject_type": alert.subject_type, "subject_id": alert.subject_id, "deadline": alert.deadline,
                    "enterprise_id": alert.enterprise_id, "enterprise_name": subject.enterprise_name,
                    "summary": subject.summary, "title": messages.title(alert), "text": messages.text(alert, subject),
                    "raised_dt": alert.raised_dt, "acked_dt": row.acked_dt})
    return out


def acknowledge(alert_id: int, user_id: int) -> AlertRecipient:
    """Mark the user's copy of an alert read; acknowledging again keeps the first time."""
    row = db.session.scalar(sa.select(AlertRecipient).where(AlertRecipient.alert_id == alert_id,
                                                            AlertRecipient.user_id == user_id))
    if row is None:
        raise NotFound(f"you have no alert {alert_id}")
    if row.acked_dt is None:
        row.acked_dt = utcnow()
        db.session.flush()
    return row


def acknowledge_ids(user_id: int, ids: list[int]) -> int:
    """Mark the user's alerts ``ids`` read (those read already keep their first time); returns how many were
    unread. All or nothing: an id that is not one of the user's alerts is refused (``Invalid`` on ``ids``,
    naming the first few), whether it belongs to someone else or to nobody."""
    wanted = set(ids)
    theirs = set(db.session.scalars(sa.select(AlertRecipient.alert_id).where(
        AlertRecipient.user_id == user_id, AlertRecipient.alert_id.in_(wanted))))
    if missing := sorted(wanted - theirs):
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise Invalid(f"not among your alerts: {shown}", field="ids")
    return _mark_read(user_id, AlertRecipient.alert_id.in_(wanted))


def acknowledge_matching(user_id: int, filters: dict) -> int:
    """Mark every unread alert of the user matching ``filters`` (``AlertFilterSchema``) read, in one statement
    however many there are; returns how many."""
    # Correlated with the user's unread rows: the database may start from those (the user's index) rather than
    # from every alert the filter matches for everyone.
    matching = _matching(sa.select(Alert.id).where(Alert.id == AlertRecipient.alert_id), **filters)
    return _mark_read(user_id, matching.exists())


def _mark_read(user_id: int, which) -> int:
    result = db.session.execute(
        sa.update(AlertRecipient).where(AlertRecipient.user_id == user_id, AlertRecipient.acked_dt.is_(None), which)
        .values(acked_dt=utcnow()).execution_options(synchronize_session=False))
    db.session.expire_all()  # rows already loaded in this session would otherwise keep acked_dt = None
    return result.rowcount


def preferences(user_id: int) -> AlertPreference:
    """The user's preferences (defaults when never set; not stored until changed)."""
    return db.session.get(AlertPreference, user_id) or AlertPreference(user_id=user_id, digest_email=False)


def set_preferences(user_id: int, digest_email: bool) -> AlertPreference:
    row = db.session.get(AlertPreference, user_id)
    if row is None:
        row = AlertPreference(user_id=user_id)
        db.session.add(row)
    row.digest_email = digest_email
    db.session.flush()
    return row
