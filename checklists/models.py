from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db
from inspections.models import CATEGORIES, DOMAINS
from risk_rules import checklists as standards


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
    source: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # where the item text comes from
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The standard's parts (sections) as [{code, title_zh, title_en, applies}], in the standard's order.
    parts: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    # A newer edition in force from successor_effective_from whose items are not loaded: every checklist of this
    # version on or after that date says so (issue: never cite a replaced edition silently).
    successor_standard: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    successor_title_zh: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    successor_title_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    successor_effective_from: Mapped[date | None]
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="checklist_version", cascade="all, delete-orphan", order_by="ChecklistItem.id", lazy="selectin"
    )

    def applicable_parts(self, enterprise) -> set[str] | None:
        """The codes of this version's parts that apply to ``enterprise`` (its sub-sector and features); None
        when every part applies (see :func:`risk_rules.checklists.applicable_parts`)."""
        return standards.applicable_parts([standards.Part(**part) for part in self.parts], enterprise.sub_sector,
                                          enterprise.features)

    @property
    def successor(self) -> dict | None:
        """The newer edition whose items are not loaded, as {standard, title_zh, title_en, effective_from}."""
        if self.successor_effective_from is None:
            return None
        return {"standard": self.successor_standard, "title_zh": self.successor_title_zh,
                "title_en": self.successor_title_en, "effective_from": self.successor_effective_from}

    def pending_successor(self, on: date) -> dict | None:
        """:attr:`successor` when it is in force on ``on``: the checklist must then say it applies the older
        edition; None when this version is the one in force."""
        successor = self.successor
        return successor if successor and successor["effective_from"] <= on else None


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "code"),
        sa.CheckConstraint(sa.column("category").in_(CATEGORIES), name="known_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_versions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(40))
    part: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")  # the standard's section
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
