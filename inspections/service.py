"""Record inspections idempotently: a retried submission returns what was stored, never a copy."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, timedelta
from operator import itemgetter

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from audit import service as audit
from cards import service as cards
from checklists import service as checklists
from core.db import db
from core.errors import Conflict, Invalid, NotFound
from core.time import local_date
from documents import service as documents
from enterprises import service as enterprises
from inspections import premises as premises_inspection
from inspections import signatures
from inspections.findings import deadline_limits
from inspections.models import ChecklistResult, Finding, FindingEvent, Inspection, Signature
from photos import service as photos
from premises import service as premises_service


def payload_digest(data: dict) -> str:
    """SHA-256 of a loaded submission in the form it is stored, so a retry written differently is the same
    content: the time as its UTC instant (``Z``, ``+08:00`` or extra fraction digits alike), checklist rows in
    item order, each finding's photos as a set, a missing severity as the general one it stores, key order and
    number forms (``31``, ``31.0``, ``"31"``) as the schema loads them."""
    data = _without_absent(data)
    stored = data | {
        "inspected_dt": data["inspected_dt"].astimezone(UTC).isoformat(),
        "checklist": sorted(data["checklist"], key=itemgetter("item_code")),
        "findings": [finding | {"photo_ids": sorted(set(finding["photo_ids"])),
                                "severity": finding["severity"] or "general"} for finding in data["findings"]],
    }
    return _sha256(stored)


def _without_absent(data: dict) -> dict:
    """``data`` without the fields added for premises (the premises, a finding's party and enterprise) where they
    are not used: the digest of a submission that does not use them stays what it was, so a tablet's retry of
    one sent before they existed is still the same submission."""
    def kept(row: dict, keys: tuple[str, ...]) -> dict:
        return {key: value for key, value in row.items() if not (key in keys and value is None)}

    return kept(data, ("premises_id",)) | {
        "findings": [kept(finding, ("party", "enterprise_id")) for finding in data["findings"]]}


def _sha256(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def get(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(f"inspection {inspection_id} does not exist")
    return inspection


def search(enterprise_id=None, domain=None, inspector_id=None, premises_id=None) -> sa.Select:
    """Inspections, newest first, with what ``InspectionSchema`` shows of each loaded in one query apiece."""
    query = sa.select(Inspection).order_by(Inspection.inspected_dt.desc(), Inspection.id.desc()).options(
        selectinload(Inspection.signatures), selectinload(Inspection.results), selectinload(Inspection.findings))
    for column, value in ((Inspection.enterprise_id, enterprise_id), (Inspection.domain, domain),
                          (Inspection.inspector_id, inspector_id), (Inspection.premises_id, premises_id)):
        if value is not None:
            query = query.where(column == value)
    return query


def _stored(client_id: str, data: dict, digest: str, inspector_id: int) -> Inspection | None:
    existing = db.session.scalar(sa.select(Inspection).where(Inspection.client_id == client_id))
    # Inspections stored before issue 12 carry the digest of the payload as loaded: a tablet's retry of one of
    # those, with the same content written the same way, is still that inspection.
    same = existing is not None and existing.payload_sha256 in (digest, _sha256(_without_absent(data)))
    if existing is not None and (not same or existing.inspector_id != inspector_id):
        raise Conflict(f"client_id {client_id} was already used for a different submission", field="client_id")
    return existing


def _deadline(finding: dict, severity: str, found_on, item) -> date:
    """The deadline the inspector set, else the checklist item's usual one, else the default for the severity;
    never later than the severity's limit after the inspection date (``deadline_limits``)."""
    latest = deadline_limits().latest(severity, found_on)
    if finding["deadline"] is not None:
        if finding["deadline"] < found_on:
            raise Invalid("the rectification deadline is before the inspection date", field="findings")
        if finding["deadline"] > latest:
            raise Invalid(f"the rectification deadline {finding['deadline']} is too far ahead: a {severity} hazard "
                          f"found on {found_on} must be rectified by {latest}", field="findings")
        return finding["deadline"]
    days = item.default_deadline_days if item is not None and severity == "general" else None
    days = days or current_app.config["DEADLINE_DAYS_MAJOR" if severity == "major" else "DEADLINE_DAYS_GENERAL"]
    return min(found_on + timedelta(days=days), latest)


def _checklist_items(data: dict, found_on) -> dict:
    """The items of the checklist in force on the inspection date, checking every code the client sent."""
    items = {item.code: item for item in checklists.version_for(data["domain"], found_on).items}
    sent = [row["item_code"] for row in data["checklist"]] + [f["item_code"] for f in data["findings"]]
    unknown = sorted({code for code in sent if code and code not in items})
    if unknown:
        raise Invalid(f"item(s) {', '.join(unknown)} are not in the {data['domain']} checklist in force on "
                      f"{found_on}", field="checklist")
    return items


def basis(item) -> dict:
    """What a finding on checklist ``item`` cites: ``{"standard", "standard_title", "standard_version",
    "clause"}``; an item citing another document than its version's standard (a law's article) names that
    document in place of the title. All empty for a finding on no item."""
    if item is None or (item.is_local and not item.standard):  # a local item cites only a document it names
        return {"standard": "", "standard_title": "", "standard_version": "", "clause": ""}
    version = item.checklist_version
    standard = item.standard or version.standard
    return {"standard": standard, "standard_title": version.title_zh if standard == version.standard else standard,
            "standard_version": item.standard_version or version.version, "clause": item.clause}


def _second_inspector(data: dict, lead_id: int):
    """The second inspector named in ``data``: another active user who inspects; with signatures (documents to
    issue) both inspectors need a law-enforcement certificate number (安全生产法 (2021) 第六十六条)."""
    from accounts.models import User

    second_id = data.get("second_inspector_id")
    lead = db.session.get(User, lead_id)
    second = None if second_id is None else db.session.get(User, second_id)
    if second_id is not None:
        if second is None or not second.is_active or not second.has_any_role(("inspector", "safety_manager")):
            raise Invalid(f"user {second_id} is not an active inspector", field="second_inspector_id")
        if second.id == lead_id:
            raise Invalid("the second inspector must be another person than the lead", field="second_inspector_id")
    if data.get("signatures"):
        missing = [user.full_name for user in (lead, second) if not user.certificate_no.strip()]
        if missing:
            raise Invalid(f"{', '.join(missing)}: no law-enforcement certificate number (执法证号) on the "
                          "account; an administrator adds it before documents can be issued",
                          field="second_inspector_id" if lead.certificate_no.strip() else "signatures")
    return lead, second


def _signatures(data: dict, lead, second) -> list[Signature]:
    names = {"lead": lead.full_name, "second": second.full_name if second else "", "enterprise": data["contact_name"]}
    rows = []
    for index, given in enumerate(data.get("signatures", [])):
        png = None if given["refused"] else signatures.decode(given["image"], ("signatures", index, "image"))
        rows.append(Signature(role=given["role"], signer_name=names[given["role"]], png=png,
                              refusal_reason=given["refusal_reason"], witness=given["witness"],
                              signed_dt=given["signed_dt"].astimezone(UTC)))
    return rows


def _severity(finding: dict, items: dict) -> str:
    # A failed item of a determination standard is a major hazard by that standard, whatever the client says.
    item = items.get(finding["item_code"])
    if item is not None and item.is_major:
        return "major"
    return finding["severity"] or "general"


def _build(data: dict, digest: str, inspector_id: int) -> Inspection:
    data = data | {"inspected_dt": data["inspected_dt"].astimezone(UTC)}  # as stored: the 201 equals a retry's 200
    found_on = local_date(data["inspected_dt"])
    items = _checklist_items(data, found_on)
    lead, second = _second_inspector(data, inspector_id)
    premises = premises_service.get(data["premises_id"]) if data.get("premises_id") is not None else None
    inspected_id = premises.landlord_enterprise_id if premises is not None else data["enterprise_id"]
    parties = premises_inspection.parties(data["findings"], premises, inspected_id, found_on)
    inspection = Inspection(
        client_id=str(data["client_id"]),
        payload_sha256=digest,
        inspector_id=inspector_id,
        results=[ChecklistResult(**row) for row in data["checklist"]],
        ended_dt=data["ended_dt"] and data["ended_dt"].astimezone(UTC),
        signatures=_signatures(data, lead, second),
        enterprise_id=inspected_id,
        premises_id=premises.id if premises is not None else None,
        **{k: data[k] for k in ("domain", "inspected_dt", "location", "latitude", "longitude",
                                "notes", "second_inspector_id", "contact_name", "contact_title", "contact_phone")},
    )
    for finding, (party, enterprise_id) in zip(data["findings"], parties, strict=True):
        severity = _severity(finding, items)
        inspection.findings.append(Finding(
            inspector_id=inspector_id,  # given, so the column's default (a query per row) is not run
            enterprise_id=enterprise_id,
            premises_id=inspection.premises_id,
            party=party,
            item_code=finding["item_code"],
            **basis(items.get(finding["item_code"])),
            description=finding["description"],
            category=finding["category"],
            severity=severity,
            deadline=_deadline(finding, severity, found_on, items.get(finding["item_code"])),
            responsible_person=finding["responsible_person"],
            found_dt=data["inspected_dt"],
            events=[FindingEvent(action="created", to_status="open", actor_id=inspector_id)],
            photo_links=[], extensions=[],  # new: known empty, not loaded again for the response
        ))
    sent = zip(inspection.findings, data["findings"], strict=True)
    photos.attach("evidence", inspector_id, [(finding, given["photo_ids"], ("findings", index, "photo_ids"))
                                             for index, (finding, given) in enumerate(sent)])
    if premises is not None:
        _missing_agreements(inspection, premises, data, found_on, items)
    return inspection


def _missing_agreements(inspection: Inspection, premises, data: dict, found_on: date, items: dict) -> None:
    """A finding against the landlord for each tenancy in force on the inspection date without an agreement
    covering it (安全生产法 (2021) 第四十九条第二款), after those submitted: once per tenancy, as part of the
    inspection, so a retry (which returns the stored inspection) adds none. On no checklist item: the register,
    not the inspector's answer, shows it."""
    item = items.get(premises_inspection.AGREEMENT_ITEM)
    cited = basis(item) if item is not None else premises_inspection.AGREEMENT_BASIS
    deadline = _deadline({"deadline": None}, "general", found_on, item)
    for tenancy, description in premises_inspection.missing_agreements(premises, found_on, data["findings"]):
        inspection.findings.append(Finding(
            inspector_id=inspection.inspector_id, enterprise_id=premises.landlord_enterprise_id,
            premises_id=premises.id, party="landlord", item_code=None,
            tenancy_id=tenancy.id,
            **cited, description=description, category="management", severity="general", deadline=deadline,
            found_dt=data["inspected_dt"], photo_links=[], extensions=[],
            events=[FindingEvent(action="created", to_status="open", actor_id=inspection.inspector_id)]))


def record(data: dict, inspector_id: int) -> tuple[Inspection, bool]:
    """Store an inspection with its findings; returns (inspection, created).

    The unique ``client_id`` decides between concurrent retries: the loser's insert fails, its savepoint
    rolls back, and it returns the winner's row (or 409 when the content differs).
    """
    digest = payload_digest(data)
    client_id = str(data["client_id"])
    existing = _stored(client_id, data, digest, inspector_id)
    if existing is not None:
        return existing, False
    if data.get("premises_id") is not None:
        premises_service.get(data["premises_id"], "premises_id")
    else:
        enterprises.get(data["enterprise_id"])
    try:
        inspection = _build(data, digest, inspector_id)
    except Invalid:
        # A concurrent copy of this submission may have been stored since the check above, its photos with it:
        # then this is that copy's retry, not a request for photos that are taken.
        existing = _stored(client_id, data, digest, inspector_id)
        if existing is None:
            raise
        return existing, False
    try:
        with db.session.begin_nested():
            db.session.add(inspection)
    except IntegrityError:
        existing = _stored(client_id, data, digest, inspector_id)
        if existing is None:
            raise
        return existing, False
    audit.record("inspection.created", inspection, None, {"client_id": client_id,
                                                          "findings": [f.id for f in inspection.findings]})
    cards.reevaluate({inspection.enterprise_id, *(finding.enterprise_id for finding in inspection.findings)} - {None})
    if inspection.signatures:
        documents.issue_on_site(inspection, inspector_id)
    return inspection, True
