"""A user's alerts and preferences, for the API. Flush only; the request commits."""

from __future__ import annotations

import sqlalchemy as sa

from alerts import messages, sources
from alerts.models import Alert, AlertPreference, AlertRecipient
from core.db import db, utcnow
from core.errors import NotFound


def inbox(user_id: int, unread: bool | None = None) -> sa.Select:
    """The user's alerts, newest first; ``unread=True``: not yet acknowledged (False: acknowledged)."""
    query = (sa.select(AlertRecipient).join(Alert, Alert.id == AlertRecipient.alert_id)
             .where(AlertRecipient.user_id == user_id).order_by(Alert.raised_dt.desc(), Alert.id.desc()))
    if unread is not None:
        query = query.where(AlertRecipient.acked_dt.is_(None) if unread else AlertRecipient.acked_dt.is_not(None))
    return query


def present(rows: list[AlertRecipient]) -> list[dict]:
    """Inbox rows with their words (one query per source for the subjects)."""
    subjects = sources.describe((row.alert.subject_type, row.alert.subject_id) for row in rows)
    out = []
    for row in rows:
        alert = row.alert
        subject = subjects[alert.subject_type, alert.subject_id]
        out.append({"id": alert.id, "kind": alert.kind, "subject_type": alert.subject_type,
                    "subject_id": alert.subject_id, "deadline": alert.deadline, "enterprise_id": alert.enterprise_id,
                    "enterprise_name": subject.enterprise_name, "summary": subject.summary,
                    "title": messages.title(alert),
                    "text": messages.text(alert, subject), "raised_dt": alert.raised_dt, "acked_dt": row.acked_dt})
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
