from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.time import local_date
from enterprises.models import Enterprise
from premises.models import Premises
from risk_rules.checklists import DOMAINS
from risk_rules.dates import is_overdue

if TYPE_CHECKING:
    from photos.models import FindingPhoto

RESULTS = ("passed", "failed", "not_applicable")
CATEGORIES = ("thing", "person", "management")  # 物, 人, 管理 (安全生产事故隐患排查治理暂行规定)
SEVERITIES = ("general", "major")
STATUSES = ("open", "rectification_submitted", "verified")
EXTENSION_STATUSES = ("pending", "approved", "rejected")
SIGNER_ROLES = ("lead", "second", "enterprise")  # 主办检查人员, 协办检查人员, 被检查单位负责人
PARTIES = ("landlord", "tenant")  # whom a finding of a premises inspection is against
# Where a finding comes from, as its row records it (every finding is made by an inspection): ``agreement`` — made
# from the premises register for a tenancy without a work safety management agreement (``tenancy_id``);
# ``checklist`` — a failed checklist item (``item_code``); ``observation`` — written by the inspector on no item.
FINDING_SOURCES = ("checklist", "observation", "agreement")
FINDING_SORTS = ("deadline", "found", "newest")  # the list orders (``inspections.findings.SORTS``)
# An inspection is of an enterprise or of premises; a finding is against an enterprise or a person landlord of
# premises (who has no register entry): at least one of the two is named.
_PARTY_NAMED = "enterprise_id IS NOT NULL OR premises_id IS NOT NULL"
# Findings that may ever have been overdue: still open, or closed on or after the UTC day their deadline began
# (a finding overdue at the end of a local day was closed later than that, in any time zone). Most findings are
# closed in time, so the overdue trend counts through a partial index holding only these. Per database, as
# SQLite stores UTC without offset (its text compares as UTC) and PostgreSQL needs the zone named to keep the
# predicate immutable; the query repeats the same text so the planner sees it implied.
LATE_CONDITION = {
    "postgresql": "closed_dt IS NULL OR (closed_dt AT TIME ZONE 'UTC') >= deadline",
    "sqlite": "closed_dt IS NULL OR closed_dt >= deadline",
}


def _one_of(column: str, values) -> sa.CheckConstraint:
    return sa.CheckConstraint(sa.column(column).in_(values), name=f"known_{column}")


class Inspection(db.Model):
    __tablename__ = "inspections"
    __table_args__ = (_one_of("domain", DOMAINS), sa.CheckConstraint(_PARTY_NAMED, name="party_named"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The tablet's UUID for this submission: the unique constraint makes retries idempotent.
    client_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    payload_sha256: Mapped[str] = mapped_column(sa.String(64))
    # The inspected party: the enterprise; for premises (domain ``premises``) the landlord enterprise, or none
    # when the landlord is a person.
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    premises_id: Mapped[int | None] = mapped_column(sa.ForeignKey("premises.id"), index=True)
    domain: Mapped[str] = mapped_column(sa.String(30))
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)  # the lead inspector
    # 行政处罚法 (2021) 第四十二条: enforcement is by at least two officers holding enforcement certificates.
    second_inspector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    inspected_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # start
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The inspected unit's legal representative or person in charge present (被检查单位负责人).
    contact_name: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    contact_title: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise: Mapped[Enterprise | None] = relationship(lazy="joined")
    premises: Mapped[Premises | None] = relationship(lazy="joined")
    inspector: Mapped[User] = relationship(lazy="joined", foreign_keys=[inspector_id])
    second_inspector: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[second_inspector_id])
    # Collections load when read (lazy="select"): an inspection is also loaded as a finding's parent, in lists
    # of inspections and for its domain, where eager loading cascaded to every finding, its history and the
    # signature images. A response that shows them asks for them (``search``, ``web.queries``).
    signatures: Mapped[list[Signature]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by="Signature.id"
    )
    results: Mapped[list[ChecklistResult]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by="ChecklistResult.id"
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", lazy="select", order_by="Finding.id"
    )

    @property
    def party_name(self) -> str:
        """The inspected party as people read it: the enterprise, or a person landlord with the premises."""
        return party_name(self.enterprise, self.premises)


class Signature(db.Model):
    """A signature on the inspection's documents, or its refusal with reason and witness (安全生产法 (2021)
    第六十六条: the record is signed by the inspectors and the unit's person in charge; a refusal is written
    down)."""

    __tablename__ = "inspection_signatures"
    __table_args__ = (sa.UniqueConstraint("inspection_id", "role"), _one_of("role", SIGNER_ROLES))

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(20))
    signer_name: Mapped[str] = mapped_column(sa.String(100))
    png: Mapped[bytes | None] = mapped_column(sa.LargeBinary)  # None when refused
    refusal_reason: Mapped[str] = mapped_column(sa.Text, default="")
    witness: Mapped[str] = mapped_column(sa.String(100), default="")
    signed_dt: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def refused(self) -> bool:
        return self.png is None


class ChecklistResult(db.Model):
    __tablename__ = "checklist_results"
    __table_args__ = (sa.UniqueConstraint("inspection_id", "item_code"), _one_of("result", RESULTS))

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id", ondelete="CASCADE"))
    item_code: Mapped[str] = mapped_column(sa.String(40))
    result: Mapped[str] = mapped_column(sa.String(20))


def _lead_inspector(context) -> int | None:
    """A new finding's ``inspector_id`` when none is given: its inspection's lead, read in the same statement's
    transaction (a column default, so Core and bulk inserts get it too)."""
    inspection_id = context.get_current_parameters()["inspection_id"]
    return context.connection.scalar(sa.select(Inspection.inspector_id).where(Inspection.id == inspection_id))


class Finding(db.Model):
    __tablename__ = "findings"
    __table_args__ = (
        _one_of("category", CATEGORIES),
        _one_of("severity", SEVERITIES),
        _one_of("status", STATUSES),
        # The lists' orders (``inspections.findings.SORTS``), each ending in the id so that a keyset page is one
        # index range: all findings, by status, by severity, and the findings not yet closed (the default list).
        sa.Index("ix_findings_status_deadline_id", "status", "deadline", "id"),
        sa.Index("ix_findings_deadline_id", "deadline", "id"),
        sa.Index("ix_findings_found_dt_id", "found_dt", "id"),
        sa.Index("ix_findings_severity_deadline_id", "severity", "deadline", "id"),
        # status and severity together (open majors, the manager's first look): its count reads one index range
        sa.Index("ix_findings_status_severity_deadline_id", "status", "severity", "deadline", "id"),
        sa.Index("ix_findings_unclosed_deadline_id", "deadline", "id", sqlite_where=sa.text("status != 'verified'"),
                 postgresql_where=sa.text("status <> 'verified'")),
        sa.Index("ix_findings_inspector_deadline_id", "inspector_id", "deadline", "id"),
        sa.Index("ix_findings_inspector_unclosed_deadline_id", "inspector_id", "deadline", "id",
                 sqlite_where=sa.text("status != 'verified'"), postgresql_where=sa.text("status <> 'verified'")),
        sa.Index("ix_findings_enterprise_status", "enterprise_id", "status"),
        sa.Index("ix_findings_enterprise_found", "enterprise_id", "found_dt"),  # the enterprise page, newest first
        sa.Index("ix_findings_late", "closed_dt", "deadline", "found_dt",
                 sqlite_where=sa.text(LATE_CONDITION["sqlite"]),
                 postgresql_where=sa.text(LATE_CONDITION["postgresql"])),
        sa.CheckConstraint(_PARTY_NAMED, name="party_named"),
        _one_of("party", PARTIES),
        sa.CheckConstraint("(premises_id IS NULL) = (party IS NULL)", name="party_of_premises"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    # The inspection's lead inspector, copied when the finding is stored (``_lead_inspector``; an inspection's lead
    # never changes), so that an inspector's own list ("mine", the default) is one index range, not a walk of
    # every finding checking its inspection.
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), default=_lead_inspector)
    # Whom the finding is against, so per-enterprise card evaluation needs no join: the inspection's enterprise;
    # in a premises inspection the landlord enterprise or the tenant (``party``), none for a person landlord.
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"))
    premises_id: Mapped[int | None] = mapped_column(sa.ForeignKey("premises.id"), index=True)
    party: Mapped[str | None] = mapped_column(sa.String(10))
    # The tenancy whose missing or expired agreement the finding is (安全生产法 (2021) 第四十九条第二款): while it is
    # open, later inspections of the premises add no second one.
    tenancy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenancies.id"), index=True)
    item_code: Mapped[str | None] = mapped_column(sa.String(40))
    # The rule broken, copied from the checklist item when the finding is made: number (安监总管三〔2017〕121号),
    # name, version and clause, so the finding and its documents cite it whatever the checklist becomes.
    standard: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    standard_title: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    standard_version: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    clause: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    description: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(20))
    severity: Mapped[str] = mapped_column(sa.String(10))
    deadline: Mapped[date]  # rectification deadline, a calendar date in the zone's time zone
    responsible_person: Mapped[str] = mapped_column(sa.String(100), default="")
    status: Mapped[str] = mapped_column(sa.String(30), default="open")
    found_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    enterprise: Mapped[Enterprise | None] = relationship()
    premises: Mapped[Premises | None] = relationship()
    # History and extensions are shown for one finding at a time: loaded when read, not with every list row.
    events: Mapped[list[FindingEvent]] = relationship(
        cascade="all, delete-orphan", order_by="FindingEvent.id", lazy="select"
    )
    extensions: Mapped[list[ExtensionRequest]] = relationship(
        cascade="all, delete-orphan", order_by="ExtensionRequest.id", lazy="select"
    )
    # Every list of findings (API and pages) shows the photos: one query for all rows.
    photo_links: Mapped[list[FindingPhoto]] = relationship(
        cascade="all, delete-orphan", order_by="FindingPhoto.id", lazy="selectin"
    )

    @property
    def domain(self) -> str:
        return self.inspection.domain

    @property
    def is_overdue(self) -> bool:
        return is_overdue(self.status, self.deadline, local_date())

    @property
    def source(self) -> str:
        """Where the finding comes from (``FINDING_SOURCES``; ``inspections.findings.SOURCE_CLAUSES`` in SQL)."""
        if self.tenancy_id is not None:
            return "agreement"
        return "checklist" if self.item_code is not None else "observation"

    @property
    def party_name(self) -> str:
        """Whom the finding is against, as people read it: the enterprise, or a person landlord with the
        premises."""
        return party_name(self.enterprise, self.premises)

    def reinspected_by(self, inspection: Inspection) -> bool:
        """Whether ``inspection`` is of this finding's party: of the same enterprise, or, for a finding of a
        premises inspection, of the same premises."""
        if self.premises_id is not None and inspection.premises_id == self.premises_id:
            return True
        return self.enterprise_id is not None and inspection.enterprise_id == self.enterprise_id

    @classmethod
    def reinspection_clause(cls, finding: Finding):
        """SQL twin of ``reinspected_by`` on ``Inspection``."""
        clauses = []
        if finding.premises_id is not None:
            clauses.append(Inspection.premises_id == finding.premises_id)
        if finding.enterprise_id is not None:
            clauses.append(Inspection.enterprise_id == finding.enterprise_id)
        return sa.or_(sa.false(), *clauses)


class FindingEvent(db.Model):
    """One entry of a finding's history: every transition, extension decision and severity change."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[str | None] = mapped_column(sa.String(30))
    to_status: Mapped[str] = mapped_column(sa.String(30))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The request's own id (a tablet's outbox makes one per submission): a resent rectification, verification or
    # extension request finds its event and is answered with the finding instead of being stored again.
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)

    actor: Mapped[User | None] = relationship(lazy="joined")


class ExtensionRequest(db.Model):
    __tablename__ = "extension_requests"
    __table_args__ = (
        _one_of("status", EXTENSION_STATUSES),
        # At most one pending request per finding, enforced by the database.
        sa.Index(
            "uq_extension_requests_pending",
            "finding_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    requested_deadline: Mapped[date]
    previous_deadline: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")


def party_name(enterprise: Enterprise | None, premises: Premises | None) -> str:
    """An enterprise's name, else the landlord of ``premises`` as a party (a person's name with the premises)."""
    if enterprise is not None:
        return enterprise.name
    return premises.landlord_party if premises is not None else ""


def overdue_clause(today: date):
    """SQL twin of ``risk_rules.dates.is_overdue``: still open and the deadline has passed."""
    return sa.and_(Finding.status == "open", Finding.deadline < today)
