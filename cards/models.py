from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.time import local_date
from enterprises.models import Enterprise

COLOURS = ("yellow", "red")
STATUSES = ("active", "lifted")
ALL_STATUSES = "all"  # a filter's word for every state
ORIGINS = ("rule", "manual")
# The rule id of the reason a manager writes when issuing or raising a card by hand (not a rule of any set).
MANUAL_RULE = "MANUAL"


class Card(db.Model):
    """A red or yellow card held by an enterprise, from issue to lifting (摘牌), with its history."""

    __tablename__ = "cards"
    __table_args__ = (
        sa.CheckConstraint(sa.column("colour").in_(COLOURS), name="known_colour"),
        sa.CheckConstraint(sa.column("issued_colour").in_(COLOURS), name="known_issued_colour"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="known_status"),
        sa.CheckConstraint(sa.column("origin").in_(ORIGINS), name="known_origin"),
        # An enterprise holds at most one active card; escalation changes its colour.
        sa.Index("uq_cards_active_enterprise", "enterprise_id", unique=True,
                 sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'")),
        # The enterprises list's card filter (red / yellow): the holders of an active card of one colour.
        sa.Index("ix_cards_active_colour_enterprise", "colour", "enterprise_id",
                 sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    colour: Mapped[str] = mapped_column(sa.String(10))
    issued_colour: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    origin: Mapped[str] = mapped_column(sa.String(10))
    ruleset_version: Mapped[str] = mapped_column(sa.String(40), default="")
    issued_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_on: Mapped[date]  # local date, what the rules count from
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    manual_reason: Mapped[str] = mapped_column(sa.Text, default="")
    rectification_due: Mapped[date | None]
    escalated_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_on: Mapped[date | None]
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lift_reason: Mapped[str] = mapped_column(sa.Text, default="")
    reinspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"))

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id], lazy="joined")
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id], lazy="joined")
    reasons: Mapped[list[CardReason]] = relationship(
        cascade="all, delete-orphan", order_by="CardReason.id", lazy="selectin"
    )
    events: Mapped[list[CardEvent]] = relationship(
        cascade="all, delete-orphan", order_by="CardEvent.id", lazy="selectin"
    )

    @property
    def days_held(self) -> int:
        return ((self.lifted_on or local_date()) - self.issued_on).days


class CardReason(db.Model):
    """Why a card is held: the rule that fired and the findings or earlier cards that triggered it."""

    __tablename__ = "card_reasons"
    __table_args__ = (sa.UniqueConstraint("card_id", "rule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(sa.String(20))
    colour: Mapped[str] = mapped_column(sa.String(10))
    text_zh: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    finding_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    card_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    first_seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CardEvent(db.Model):
    """One entry of a card's history; ``added`` names the triggers the step put on the card, one entry per rule:
    ``{"rule_id": "R1", "finding_ids": [68], "card_ids": []}`` (empty for a lift, and for events recorded before
    it was kept)."""

    __tablename__ = "card_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(20))  # issued, escalated, reasons_added, lifted
    colour: Mapped[str] = mapped_column(sa.String(10))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    added: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
