from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow

KINDS = ("evidence", "rectification")  # before (the hazard) and after (the rectification)
VARIANTS = ("display", "thumb", "original")


class Photo(db.Model):
    """One upload by one user, whose files are named by the SHA-256 of its bytes (rows of the same bytes share
    them); its files exist before its row does. It is evidence for one finding, or for the findings of one
    inspection, once attached."""

    __tablename__ = "photos"
    # Tablets hold photo ids for days before they send the inspection: an id must never name another photo
    # later. SQLite reuses the largest rowid after the newest row is deleted (the sweep) unless AUTOINCREMENT.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    format: Mapped[str] = mapped_column(sa.String(10))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    taken_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    has_original: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def key(self, variant: str) -> str:
        return storage_key(self.sha256, variant)


def storage_key(sha256: str, variant: str) -> str:
    suffix = "original" if variant == "original" else f"{variant}.jpg"
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}-{suffix}"


class FindingPhoto(db.Model):
    __tablename__ = "finding_photos"
    __table_args__ = (
        sa.UniqueConstraint("finding_id", "photo_id"),
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    photo_id: Mapped[int] = mapped_column(sa.ForeignKey("photos.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
