from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db
from inspections.models import CATEGORIES, DOMAINS


class ChecklistVersion(db.Model):
    """One version of a determination standard for a domain, in force between two dates."""

    __tablename__ = "checklist_versions"
    __table_args__ = (
        sa.UniqueConstraint("domain", "version"),
        sa.CheckConstraint(sa.column("domain").in_(DOMAINS), name="known_domain"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(sa.String(30))
    standard: Mapped[str] = mapped_column(sa.String(100))
    title_zh: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    version: Mapped[str] = mapped_column(sa.String(40))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="checklist_version", cascade="all, delete-orphan", order_by="ChecklistItem.id", lazy="selectin"
    )


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "code"),
        sa.CheckConstraint(sa.column("category").in_(CATEGORIES), name="known_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_versions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(40))
    text_zh: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(20))
    is_major: Mapped[bool]  # failing it is a major hazard by the determination standard
    # The item's basis: the version's standard unless the item cites another document (a law's article).
    standard: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    standard_version: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    clause: Mapped[str] = mapped_column(sa.String(100), default="")
    default_deadline_days: Mapped[int | None]  # the item's usual rectification time, when the data file gives one
    is_local: Mapped[bool] = mapped_column(default=False)  # added by an administrator, not from the standard
    checklist_version: Mapped[ChecklistVersion] = relationship(back_populates="items")
