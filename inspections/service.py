"""Record inspections idempotently: a retried submission returns what was stored, never a copy."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from audit import service as audit
from core.db import db
from core.errors import Conflict, Invalid, NotFound
from core.time import local_date
from enterprises import service as enterprises
from inspections.models import ChecklistResult, Finding, FindingEvent, Inspection


def payload_digest(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def get(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(f"inspection {inspection_id} does not exist")
    return inspection


def search(enterprise_id=None, domain=None, inspector_id=None) -> sa.Select:
    query = sa.select(Inspection).order_by(Inspection.inspected_dt.desc(), Inspection.id.desc())
    for column, value in ((Inspection.enterprise_id, enterprise_id), (Inspection.domain, domain),
                          (Inspection.inspector_id, inspector_id)):
        if value is not None:
            query = query.where(column == value)
    return query


def _stored(client_id: str, digest: str, inspector_id: int) -> Inspection | None:
    existing = db.session.scalar(sa.select(Inspection).where(Inspection.client_id == client_id))
    if existing is not None and (existing.payload_sha256 != digest or existing.inspector_id != inspector_id):
        raise Conflict(f"client_id {client_id} was already used for a different submission", field="client_id")
    return existing


def _deadline(finding: dict, severity: str, found_on):
    if finding["deadline"] is not None:
        if finding["deadline"] < found_on:
            raise Invalid("the rectification deadline is before the inspection date", field="findings")
        return finding["deadline"]
    days = current_app.config["DEADLINE_DAYS_MAJOR" if severity == "major" else "DEADLINE_DAYS_GENERAL"]
    return found_on + timedelta(days=days)


def _build(data: dict, digest: str, inspector_id: int) -> Inspection:
    found_on = local_date(data["inspected_dt"])
    inspection = Inspection(
        client_id=str(data["client_id"]),
        payload_sha256=digest,
        inspector_id=inspector_id,
        results=[ChecklistResult(**row) for row in data["checklist"]],
        **{k: data[k] for k in ("enterprise_id", "domain", "inspected_dt", "location", "latitude", "longitude",
                                "notes")},
    )
    for item in data["findings"]:
        severity = item["severity"] or "general"
        inspection.findings.append(Finding(
            enterprise_id=data["enterprise_id"],
            item_code=item["item_code"],
            description=item["description"],
            category=item["category"],
            severity=severity,
            deadline=_deadline(item, severity, found_on),
            responsible_person=item["responsible_person"],
            found_dt=data["inspected_dt"],
            events=[FindingEvent(action="created", to_status="open", actor_id=inspector_id)],
        ))
    return inspection


def record(data: dict, inspector_id: int) -> tuple[Inspection, bool]:
    """Store an inspection with its findings; returns (inspection, created).

    The unique ``client_id`` decides between concurrent retries: the loser's insert fails, its savepoint
    rolls back, and it returns the winner's row (or 409 when the content differs).
    """
    digest = payload_digest(data)
    client_id = str(data["client_id"])
    existing = _stored(client_id, digest, inspector_id)
    if existing is not None:
        return existing, False
    enterprises.get(data["enterprise_id"])
    inspection = _build(data, digest, inspector_id)
    try:
        with db.session.begin_nested():
            db.session.add(inspection)
    except IntegrityError:
        existing = _stored(client_id, digest, inspector_id)
        if existing is None:
            raise
        return existing, False
    audit.record("inspection.created", inspection, None, {"client_id": client_id,
                                                          "findings": [f.id for f in inspection.findings]})
    return inspection, True
