"""Water bodies (水体), their monitoring sections (断面), samples and remediation tasks (整治任务)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.db import UTCDateTime, db, utcnow
from risk_rules.water import ITEMS, WATER_KINDS

KINDS = tuple(WATER_KINDS)  # river, canal, lake, reservoir, pond
LISTED_STATUSES = ("worse_than_v_listed", "under_remediation", "closed_off")
MEASURES = ("sewage_interception", "dredging", "ecological_restoration", "water_diversion", "outfall_remediation",
            "other")
TASK_STATUSES = ("planned", "in_progress", "completed", "cancelled")
UNRESOLVED_STATUSES = ("planned", "in_progress")


def _one_of(column: str, values) -> sa.CheckConstraint:
    return sa.CheckConstraint(sa.column(column).in_(values), name=f"known_{column}")


class WaterBody(db.Model):
    """A listed worse-than-V water body under the river chief system (河长制) and its closure rule."""

    __tablename__ = "water_bodies"
    __table_args__ = (
        _one_of("kind", KINDS),
        _one_of("listed_status", LISTED_STATUSES),
        sa.CheckConstraint("target_class BETWEEN 1 AND 5", name="target_class_range"),
        sa.CheckConstraint("closure_months BETWEEN 1 AND 24", name="closure_months_range"),
        # A closed-off body always says when, by whom and why.
        sa.CheckConstraint(
            "listed_status != 'closed_off' OR (closed_off_dt IS NOT NULL AND closed_off_by_id IS NOT NULL)",
            name="closed_off_recorded",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    township: Mapped[str] = mapped_column(sa.String(100), default="")
    river_chief: Mapped[str] = mapped_column(sa.String(100), default="")  # 河长
    responsible_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    listed_status: Mapped[str] = mapped_column(sa.String(30), default="worse_than_v_listed", index=True)
    target_class: Mapped[int] = mapped_column(default=5)
    closure_months: Mapped[int] = mapped_column(default=3)
    closed_off_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_off_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_off_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    closed_off_by: Mapped[User | None] = relationship(lazy="joined")
    sections: Mapped[list[MonitoringSection]] = relationship(
        back_populates="water_body", order_by="MonitoringSection.id", lazy="selectin"
    )

    # Not mapped: the latest monthly evaluation, set by ``remediation.service.attach_current`` for listings.
    current = None


class MonitoringSection(db.Model):
    """A monitoring section (监测断面) on a water body."""

    __tablename__ = "monitoring_sections"
    __table_args__ = (sa.UniqueConstraint("water_body_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    water_body_id: Mapped[int] = mapped_column(sa.ForeignKey("water_bodies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    water_body: Mapped[WaterBody] = relationship(back_populates="sections")


class Sample(db.Model):
    """One water sample taken at a section; its measured items are rows of ``sample_values``."""

    __tablename__ = "water_samples"
    # The same section sampled at the same instant twice is a duplicate delivery, not a new sample.
    __table_args__ = (sa.UniqueConstraint("section_id", "sampled_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("monitoring_sections.id", ondelete="CASCADE"))
    sampled_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    section: Mapped[MonitoringSection] = relationship()
    values: Mapped[list[SampleValue]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SampleValue.position"
    )

    # Not mapped: the sample's own classification, set by ``remediation.service.with_evaluation``.
    evaluation = None

    @property
    def value_map(self) -> dict[str, float]:
        return {v.item: v.value for v in self.values}


class SampleValue(db.Model):
    """One measured item of a sample, in the item's canonical unit (GB 3838-2002 Table 1)."""

    __tablename__ = "sample_values"
    __table_args__ = (_one_of("item", tuple(ITEMS)),)

    sample_id: Mapped[int] = mapped_column(sa.ForeignKey("water_samples.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    value: Mapped[float]
    unit: Mapped[str] = mapped_column(sa.String(10), default="")
    position: Mapped[int] = mapped_column(default=0)  # Table 1 order, for display


class RemediationTask(db.Model):
    """A remediation measure on a water body with a deadline (a local calendar date) and progress."""

    __tablename__ = "remediation_tasks"
    __table_args__ = (
        _one_of("measure", MEASURES),
        _one_of("status", TASK_STATUSES),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        sa.Index("ix_remediation_tasks_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    water_body_id: Mapped[int] = mapped_column(sa.ForeignKey("water_bodies.id", ondelete="CASCADE"), index=True)
    measure: Mapped[str] = mapped_column(sa.String(30))
    description: Mapped[str] = mapped_column(sa.Text)
    responsible_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    deadline: Mapped[date]
    progress: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # the owner for alerts
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    water_body: Mapped[WaterBody] = relationship(lazy="joined")
    events: Mapped[list[RemediationTaskEvent]] = relationship(
        cascade="all, delete-orphan", order_by="RemediationTaskEvent.id", lazy="selectin"
    )

    @property
    def is_unresolved(self) -> bool:
        return self.status in UNRESOLVED_STATUSES

    @property
    def is_overdue(self) -> bool:
        from core.time import local_date

        return self.is_unresolved and self.deadline < local_date()


class RemediationTaskEvent(db.Model):
    """One entry of a task's history: creation, progress, status and deadline changes."""

    __tablename__ = "remediation_task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("remediation_tasks.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(30))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    from_progress: Mapped[int | None]
    to_progress: Mapped[int]
    from_deadline: Mapped[date | None]
    to_deadline: Mapped[date | None]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


def unresolved_clause():
    """SQL condition for tasks still to be done (planned or in progress): their deadline clock runs."""
    return RemediationTask.status.in_(UNRESOLVED_STATUSES)


def overdue_clause(today: date):
    """Unresolved and past the deadline (``today`` is the zone's local date)."""
    return sa.and_(unresolved_clause(), RemediationTask.deadline < today)
