"""Issued documents, their per-kind yearly counters and the templates administrators adjust.

A ``Document`` row is written once: its content (a frozen copy of every fact it shows, the template wording
included) and the PDF bytes rendered from it never change. A correction is a new document whose
``supersedes_id`` names the old one; both are kept.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.db import UTCDateTime, db, utcnow
from documents.immutable import TRIGGERS
from enterprises.models import Enterprise

RECORD, ORDER, OPINION = "inspection_record", "rectification_order", "reinspection_opinion"
KINDS = (RECORD, ORDER, OPINION)  # 现场检查记录, 责令限期整改指令书, 整改复查意见书


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="known_kind"),
        sa.UniqueConstraint("kind", "year", "serial"),
        # One original record and one original order per inspection; corrections chain through supersedes_id.
        sa.Index("uq_documents_original", "inspection_id", "kind", unique=True,
                 sqlite_where=sa.text(f"supersedes_id IS NULL AND kind != '{OPINION}'"),
                 postgresql_where=sa.text(f"supersedes_id IS NULL AND kind != '{OPINION}'")),
        sa.Index("ix_documents_enterprise_issued", "enterprise_id", "issued_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    year: Mapped[int]
    serial: Mapped[int]  # 1, 2, ... per kind and year, no gap, no repeat
    number: Mapped[str] = mapped_column(sa.String(100))  # as printed: （港）安监检记〔2026〕17号
    # The client's UUID for the request that issued it: a retry returns this document, never a second one.
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    # The inspected enterprise; none for premises whose landlord is a person (the content names them).
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"))
    # The inspection it records or orders from; for an opinion, the re-inspection.
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    answers_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)  # opinion -> order
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), unique=True)
    correction_reason: Mapped[str] = mapped_column(sa.Text, default="")
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[dict] = mapped_column(sa.JSON)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))  # printed in the footer
    # The PDFs are read only for a download (``service.pdf``): deferred, so listings do not carry them.
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)  # the legal (Chinese) document
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    pdf_en: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)  # English rendering of the same content
    pdf_en_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)

    enterprise: Mapped[Enterprise | None] = relationship(lazy="joined")
    issued_by: Mapped[User] = relationship(lazy="joined")
    findings: Mapped[list[DocumentFinding]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                          order_by="DocumentFinding.position")
    superseded_by: Mapped[Document | None] = relationship(
        primaryjoin="Document.id == foreign(Document.supersedes_id)", viewonly=True, uselist=False)


class DocumentFinding(db.Model):
    """A finding a document lists, at its printed position (1, 2, ...), with its result in an opinion."""

    __tablename__ = "document_findings"

    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("findings.id"), primary_key=True, index=True)
    position: Mapped[int]


class DocumentCounter(db.Model):
    """The last serial given per kind and year; raised in the issuing transaction, so a rollback gives the
    number back and concurrent issuers queue on the row."""

    __tablename__ = "document_counters"

    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class DocumentTemplate(db.Model):
    """An administrator's wording for one kind (fields of ``documents/templates/<kind>.yaml``)."""

    __tablename__ = "document_templates"

    id: Mapped[int] = mapped_column(primary_key=True)  # the audit trail names rows by an integer id
    kind: Mapped[str] = mapped_column(sa.String(30), unique=True)
    body: Mapped[dict] = mapped_column(sa.JSON)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@sa.event.listens_for(Document, "before_update")
def _issued_documents_never_change(_mapper, _connection, target: Document):
    raise RuntimeError(f"document {target.id} was issued and cannot change; issue a correction instead")


# The database refuses too, whatever writes to it (plain SQL, another program).
for _dialect, _statements in TRIGGERS.items():
    for _statement in _statements:
        sa.event.listen(Document.__table__, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))
