"""Alerts about items with a deadline, who receives them, how they are delivered, and daily digests.

Exactly-once is the database's job: an alert is unique per (subject, kind, deadline), a recipient row per
(alert, user), a delivery per (alert or digest, channel, recipient), a digest per (user, local date).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow

# Every kind of thing that can have alerts; ``alerts.sources`` says how to find each one's open items.
SUBJECT_TYPES = ("finding", "remediation_task", "tenancy_agreement")
CHANNELS = ("email", "webhook")
DELIVERY_STATUSES = ("pending", "sent", "failed")


def _one_of(column: str, values) -> sa.CheckConstraint:
    return sa.CheckConstraint(sa.column(column).in_(values), name=f"known_{column}")


def _where(condition: str) -> dict:
    """A partial index predicate for both databases."""
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


class Alert(db.Model):
    """One threshold crossed by one item for one deadline (a moved deadline makes new alerts possible)."""

    __tablename__ = "alerts"
    __table_args__ = (
        sa.UniqueConstraint("subject_type", "subject_id", "kind", "deadline"),
        _one_of("subject_type", SUBJECT_TYPES),
        # Kinds follow the configured days (due_in_3d, escalated_30d...), so the shape is checked, not a list.
        sa.CheckConstraint("kind = 'overdue' OR kind LIKE 'due\\_in\\_%d' ESCAPE '\\' "
                           "OR kind LIKE 'escalated\\_%d' ESCAPE '\\'", name="known_kind"),
        # The fan-out step finds the alerts it has not handled yet through this small index.
        sa.Index("ix_alerts_undispatched", "id", **_where("is_dispatched = false")),
        sa.Index("ix_alerts_raised_dt", "raised_dt"),  # the inbox's date filter starts from the days asked for
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    deadline: Mapped[date]  # the item's deadline when the alert was raised (zone's local date)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    raised_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # False until its inbox rows and deliveries exist; fan-out runs in batches after the raising pass, so a
    # process that died in between leaves this for the next pass to finish.
    is_dispatched: Mapped[bool] = mapped_column(default=False)


class AlertRecipient(db.Model):
    """The in-app channel: one row per (alert, user), acknowledged by the user."""

    __tablename__ = "alert_recipients"
    __table_args__ = (
        sa.UniqueConstraint("alert_id", "user_id"),
        sa.Index("ix_alert_recipients_user_id_acked_dt", "user_id", "acked_dt"),  # the unread badge
        # The inbox: a user's alerts newest first (by id), their count and the marks, without the table's rows.
        sa.Index("ix_alert_recipients_user_id_alert_id", "user_id", "alert_id", "acked_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alerts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alert: Mapped[Alert] = relationship(lazy="joined")


class Digest(db.Model):
    """A user's daily summary e-mail, written once per local date; its text is kept as sent."""

    __tablename__ = "digests"
    __table_args__ = (sa.UniqueConstraint("user_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date]
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(db.Model):
    """One message to send on one channel to one recipient, retried with backoff until sent.

    ``claimed_until``/``claimed_by`` are a lease: a sender owns a delivery while its lease runs, so two
    scheduler processes never send the same one.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("alert_id", "channel", "recipient"),
        sa.UniqueConstraint("digest_id", "channel", "recipient"),
        sa.CheckConstraint("(alert_id IS NULL) <> (digest_id IS NULL)", name="alert_or_digest"),
        _one_of("channel", CHANNELS),
        _one_of("status", DELIVERY_STATUSES),
        sa.Index("ix_deliveries_due", "next_attempt_dt", **_where("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alerts.id", ondelete="CASCADE"))
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("digests.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(10))
    recipient: Mapped[str] = mapped_column(sa.String(500))  # e-mail address or webhook URL
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    delivered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertPreference(db.Model):
    """A user's choices: ``digest_email`` replaces one e-mail per alert by one summary a day."""

    __tablename__ = "alert_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    digest_email: Mapped[bool] = mapped_column(default=False)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
