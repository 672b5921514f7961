"""Reads for the pages. Writes go through the domain services (inspections.findings, photos.service)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.db import db
from core.time import day_start, local_date
from inspections.models import ExtensionRequest, Finding, Inspection

LIST_LIMIT = 200


def inspections_today(inspector_id: int) -> list[Inspection]:
    today = local_date()
    return db.session.scalars(
        sa.select(Inspection)
        .where(Inspection.inspector_id == inspector_id, Inspection.inspected_dt >= day_start(today),
               Inspection.inspected_dt < day_start(today + timedelta(days=1)))
        .order_by(Inspection.inspected_dt.desc()).options(selectinload(Inspection.findings))  # counted per row
    ).all()


def open_findings_of(inspector_id: int) -> list[Finding]:
    """Findings of the inspector's inspections still waiting for rectification or verification."""
    return db.session.scalars(
        sa.select(Finding).join(Finding.inspection)
        .where(Inspection.inspector_id == inspector_id, Finding.status != "verified")
        .order_by(Finding.deadline, Finding.id).limit(LIST_LIMIT)
    ).all()


def pending_extensions() -> list[tuple[ExtensionRequest, Finding]]:
    """Requests waiting for a decision with their findings, oldest first."""
    return db.session.execute(
        sa.select(ExtensionRequest, Finding).join(Finding, Finding.id == ExtensionRequest.finding_id)
        .where(ExtensionRequest.status == "pending")
        .order_by(ExtensionRequest.requested_dt, ExtensionRequest.id)
    ).all()


def findings_of_enterprise(enterprise_id: int) -> list[Finding]:
    return db.session.scalars(
        sa.select(Finding).where(Finding.enterprise_id == enterprise_id)
        .order_by(Finding.found_dt.desc(), Finding.id.desc()).limit(LIST_LIMIT)
    ).all()


def findings_where(*conditions) -> list[Finding]:
    """Findings meeting any of ``conditions`` (SQL clauses on ``Finding``), newest first, up to the list limit."""
    if not conditions:
        return []
    return db.session.scalars(
        sa.select(Finding).where(sa.or_(*conditions))
        .order_by(Finding.found_dt.desc(), Finding.id.desc()).limit(LIST_LIMIT)
    ).all()


def inspections_of_premises(premises_id: int) -> list[Inspection]:
    return db.session.scalars(
        sa.select(Inspection).where(Inspection.premises_id == premises_id)
        .order_by(Inspection.inspected_dt.desc()).limit(LIST_LIMIT).options(selectinload(Inspection.findings))
    ).all()


def inspections_of_enterprise(enterprise_id: int) -> list[Inspection]:
    return db.session.scalars(
        sa.select(Inspection).where(Inspection.enterprise_id == enterprise_id)
        .order_by(Inspection.inspected_dt.desc()).limit(LIST_LIMIT)
    ).all()


def colleagues(user_id: int) -> list:
    """Who may be named second inspector beside ``user_id``: the other active users who inspect (inspector or
    safety manager, as ``inspections.service`` checks), by name."""
    from accounts.models import User, UserRole

    return db.session.scalars(
        sa.select(User).where(User.is_active, User.id != user_id,
                              User.id.in_(sa.select(UserRole.user_id)
                                          .where(UserRole.role.in_(("inspector", "safety_manager")))))
        .order_by(User.full_name, User.id).limit(LIST_LIMIT)
    ).all()


def inspectors() -> list:
    """Everyone who leads inspections (inspectors and safety managers), active or not (their findings stay), by
    name: the findings list's inspector choices."""
    from accounts.models import User, UserRole

    return db.session.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(
            sa.select(UserRole.user_id).where(UserRole.role.in_(("inspector", "safety_manager")))))
        .order_by(User.full_name, User.id).limit(LIST_LIMIT)
    ).all()


def limited(query: sa.Select) -> tuple[list, int]:
    """Rows of ``query`` up to the list limit, and how many there are in all."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    return db.session.scalars(query.limit(LIST_LIMIT)).all(), total


def zones() -> list[str]:
    from enterprises.models import Enterprise

    return db.session.scalars(sa.select(Enterprise.zone).where(Enterprise.zone != "").distinct()
                              .order_by(Enterprise.zone)).all()


def enterprise_choices() -> list[tuple[str, str]]:
    """(credit code, name) of every enterprise, for the premises forms' pickers (a datalist the browser filters)."""
    from enterprises.models import Enterprise

    return db.session.execute(sa.select(Enterprise.credit_code, Enterprise.name).order_by(Enterprise.name)
                              .limit(2000)).all()
