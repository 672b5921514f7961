"""Rented industrial buildings (出租厂房) and the tenancies of their parts (群租厂房), with the work safety management
agreement that 《中华人民共和国安全生产法》(2021) 第四十九条第二款 requires between landlord and tenant."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from accounts.models import User
from core.db import UTCDateTime, db, utcnow
from enterprises.models import Enterprise

USES = ("factory", "warehouse", "factory_warehouse", "other")  # 厂房, 仓库, 厂房兼仓库, 其他
# An agreement expiring within this many days is flagged on the pages and raises one alert (alerts.sources).
EXPIRY_NOTICE_DAYS = 30
AGREEMENT_STATES = ("valid", "expiring", "expired", "missing", "not_yet_signed")


def _one_of(column: str, values) -> sa.CheckConstraint:
    return sa.CheckConstraint(sa.column(column).in_(values), name=f"known_{column}")


def normalise_unit(unit: str) -> str:
    """The form of a unit (which part is let: "3楼 A区", "３F-A") that tenancies are compared by: Unicode NFKC
    (full-width letters and digits as half-width), no white space, case folded. "３Ｆ Ａ区" and "3f a区" are the
    same unit."""
    return "".join(unicodedata.normalize("NFKC", unit).split()).casefold()


def landlord_label(name: str, premises_name: str) -> str:
    """How a person landlord is named as a party (the inspected unit, a finding's party): the name and the
    premises, "张建国（港城工业园3号厂房）"; a person has no register entry to tell them apart otherwise."""
    return f"{name}（{premises_name}）"


class Premises(db.Model):
    """A building or plot let to others: its landlord is an enterprise of the register or a person (a name and a
    phone number, never an identity-card number), exactly one of the two."""

    __tablename__ = "premises"
    __table_args__ = (
        _one_of("use", USES),
        sa.CheckConstraint(
            "(landlord_enterprise_id IS NOT NULL AND landlord_name = '' AND landlord_phone = '') OR "
            "(landlord_enterprise_id IS NULL AND landlord_name != '' AND landlord_phone != '')",
            name="one_landlord"),
        sa.CheckConstraint("floors >= 1", name="floors_positive"),
        sa.CheckConstraint("area_m2 > 0", name="area_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    zone: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    landlord_enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    landlord_name: Mapped[str] = mapped_column(sa.String(100), default="")
    landlord_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    use: Mapped[str] = mapped_column(sa.String(20))
    floors: Mapped[int]
    area_m2: Mapped[float]
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    landlord_enterprise: Mapped[Enterprise | None] = relationship(lazy="joined")
    tenancies: Mapped[list[Tenancy]] = relationship(
        back_populates="premises", order_by=lambda: [Tenancy.start_date, Tenancy.id], lazy="selectin")

    @property
    def landlord_display(self) -> str:
        """The landlord as people read it: the enterprise's name, or the person's."""
        return self.landlord_enterprise.name if self.landlord_enterprise else self.landlord_name

    @property
    def landlord_party(self) -> str:
        """The landlord as the party of an inspection or finding (``landlord_label`` for a person)."""
        if self.landlord_enterprise:
            return self.landlord_enterprise.name
        return landlord_label(self.landlord_name, self.name)

    def tenancies_on(self, day: date) -> list[Tenancy]:
        return [t for t in self.tenancies if t.in_force(day)]

    @property
    def tenancies_today(self) -> list[Tenancy]:
        """The tenancies in force on the zone's date today."""
        from core.time import local_date

        return self.tenancies_on(local_date())


class AgreementFile(db.Model):
    """A scan of a signed agreement (PDF, or a photograph re-encoded as JPEG), checked by its content and kept in
    the database like the enforcement documents' PDFs: it is backed up and restored with the rows that name it,
    and a rolled-back request leaves no file behind."""

    __tablename__ = "agreement_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    media_type: Mapped[str] = mapped_column(sa.String(40))  # application/pdf or image/jpeg
    size_bytes: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))  # read only when served
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class Tenancy(db.Model):
    """Which enterprise rents which part (``unit``) of the premises, from when to when (``end_date`` None: open),
    and its work safety management agreement: signed on, expires on (both or neither) and the file."""

    __tablename__ = "tenancies"
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        sa.CheckConstraint("(agreement_signed_on IS NULL) = (agreement_expires_on IS NULL)", name="agreement_dates"),
        sa.CheckConstraint("agreement_expires_on IS NULL OR agreement_expires_on >= agreement_signed_on",
                           name="agreement_in_order"),
        sa.Index("ix_tenancies_premises_unit", "premises_id", "unit_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(sa.ForeignKey("premises.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    unit: Mapped[str] = mapped_column(sa.String(100))
    unit_key: Mapped[str] = mapped_column(sa.String(100))  # normalise_unit(unit)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    agreement_signed_on: Mapped[date | None]
    agreement_expires_on: Mapped[date | None]
    agreement_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agreement_files.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    premises: Mapped[Premises] = relationship(back_populates="tenancies")
    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    agreement_file: Mapped[AgreementFile | None] = relationship(lazy="joined")

    def in_force(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def agreement_valid(self, day: date) -> bool:
        """Whether an agreement signed by ``day`` covers ``day`` (安全生产法 (2021) 第四十九条第二款)."""
        return (self.agreement_signed_on is not None and self.agreement_signed_on <= day
                and day <= self.agreement_expires_on)

    def agreement_state(self, day: date) -> str:
        """One of ``AGREEMENT_STATES`` on ``day``: ``expiring`` when valid and ending within
        ``EXPIRY_NOTICE_DAYS``; ``not_yet_signed`` when the recorded agreement was signed after ``day``."""
        if self.agreement_signed_on is None:
            return "missing"
        if day < self.agreement_signed_on:
            return "not_yet_signed"
        if day > self.agreement_expires_on:
            return "expired"
        return "expiring" if self.agreement_expires_on <= day + timedelta(days=EXPIRY_NOTICE_DAYS) else "valid"
