"""Issue, number, correct, find and verify enforcement documents (执法文书).

A document is made from the stored records by a template (``documents.templates``), frozen into its content,
rendered to PDF (``documents.render``) in Chinese (the legal document) and English, and stored with both
files' SHA-256, which the audit chain records. Numbers run per kind and year without gap or repeat: the
counter row is raised in the issuing transaction (``_next_serial``).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from audit import service as audit
from core.db import db, utcnow
from core.errors import Conflict, Invalid, NotFound
from core.time import day_start, local_date, local_time
from documents import render, templates
from documents.models import KINDS, OPINION, ORDER, RECORD, Document, DocumentCounter, DocumentFinding, DocumentTemplate
from inspections.models import Finding, Inspection
from photos import service as photos_service
from photos.models import Photo
from risk_rules.citation import cite

DOMAIN_NAMES = {  # (zh, en) as printed on the documents
    "hazardous_chemicals": ("危险化学品", "Hazardous chemicals"),
    "gas": ("城镇燃气", "Town gas"),
    "construction": ("建筑施工", "Construction"),
    "port_dangerous_goods": ("危险货物港口作业", "Port dangerous-goods operations"),
    "industry_trade": ("工贸", "Industry and trade"),
    "premises": ("出租厂房", "Rented industrial buildings"),
}
LANGUAGES = ("zh", "en")
# The opinion of a single hazard's on-site verification (its note is the hazard's own line on the opinion).
OPINIONS = {True: "经现场复查，该隐患已按要求整改完毕，同意销号。", False: "经现场复查，该隐患未整改到位，请继续整改。"}


# -- templates ------------------------------------------------------------------------------------------------

def template(kind: str) -> dict:
    """The wording ``kind`` is issued with now: the administrator's version, else the packaged default."""
    row = db.session.scalar(sa.select(DocumentTemplate).where(DocumentTemplate.kind == kind))
    return dict(row.body) if row is not None else templates.defaults(kind)


def set_template(kind: str, body: dict, actor_id: int) -> dict:
    """Replace ``kind``'s wording (issued documents keep theirs). ``Invalid`` (422) naming each bad key:
    unknown or missing keys, placeholders the key cannot use, an empty prefix (``templates.problems``)."""
    if kind not in KINDS:
        raise NotFound(f"no document kind {kind!r}; known: {', '.join(KINDS)}")
    problems = templates.problems(kind, body)
    if problems:
        raise Invalid(_l("the template has errors"), errors={"json": {"body": problems}})
    before = template(kind)
    row = db.session.scalar(sa.select(DocumentTemplate).where(DocumentTemplate.kind == kind)) or DocumentTemplate(
        kind=kind)
    row.body, row.updated_by_id, row.updated_dt = dict(body), actor_id, utcnow()
    db.session.add(row)
    db.session.flush()
    audit.record("document_template.updated", row, before, dict(body), actor_id)
    return row.body


# -- numbering ------------------------------------------------------------------------------------------------

def _next_serial(kind: str, year: int) -> int:
    """Raise the counter of ``kind`` in ``year`` and return the new serial. The single ``UPDATE ... RETURNING``
    takes the row lock, so concurrent issuers queue and each gets the next number; a rolled-back issue gives its
    number back with the rest of its transaction. The first issue of a year creates the row (a concurrent first
    issue loses the insert and updates instead)."""
    raise_counter = (sa.update(DocumentCounter)
                     .where(DocumentCounter.kind == kind, DocumentCounter.year == year)
                     .values(last=DocumentCounter.last + 1).returning(DocumentCounter.last))
    for _ in range(2):
        serial = db.session.execute(raise_counter).scalar()
        if serial is not None:
            return serial
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(DocumentCounter).values(kind=kind, year=year, last=1))
            return 1
        except IntegrityError:
            continue
    raise RuntimeError(f"could not number a {kind} document of {year}")  # unreachable: the row exists by now


def _number(prefix: str, year: int, serial: int) -> str:
    """As printed: ``（港）安监检记〔2026〕17号`` (prefix, the year in 〔〕, the serial, 号)."""
    return f"{prefix}〔{year}〕{serial}号"


# -- content --------------------------------------------------------------------------------------------------

def _when(moment) -> str:
    return "" if moment is None else local_time(moment).strftime("%Y-%m-%d %H:%M")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _people(inspection: Inspection, images: dict) -> tuple[list, list]:
    inspectors = [{"role": role, "name": user.full_name, "certificate_no": user.certificate_no}
                  for role, user in (("lead", inspection.inspector), ("second", inspection.second_inspector))
                  if user is not None]
    signatures = []
    for row in inspection.signatures:
        key = None
        if row.png is not None:
            key = _sha256(row.png)
            images[key] = row.png
        signatures.append({"role": row.role, "name": row.signer_name, "image": key, "refused": row.refused,
                           "refusal_reason": row.refusal_reason, "witness": row.witness,
                           "signed": _when(row.signed_dt)})
    return inspectors, signatures


def _blank_signatures(inspection: Inspection) -> list[dict]:
    """Signature rows left empty, to be signed in ink on the printed copy: both inspectors and the person in
    charge. For documents no one signed on the tablet (a correction, an opinion of an unsigned re-inspection):
    they never carry signatures made on another document."""
    people = [("lead", inspection.inspector.full_name),
              ("second", inspection.second_inspector.full_name if inspection.second_inspector else ""),
              ("enterprise", inspection.contact_name)]
    return [{"role": role, "name": name, "image": None, "refused": False, "refusal_reason": "", "witness": "",
             "signed": "", "blank": True} for role, name in people]


def _against(finding: Finding, addressee: Inspection) -> dict | None:
    """Whom a finding is against when that is not the document's addressee (the inspected party of
    ``addressee``: for premises the landlord, while a finding may be against a tenant), frozen with the content:
    ``{"name", "credit_code", "party"}``; ``None`` when it is the addressee."""
    if finding.enterprise_id == addressee.enterprise_id:
        return None
    enterprise = finding.enterprise
    return {"name": finding.party_name, "credit_code": enterprise.credit_code if enterprise else "",
            "party": finding.party}


def _finding(finding: Finding, position: int, images: dict | None) -> dict:
    photos = []
    if images is not None:
        store = photos_service.storage()
        ids = [link.photo_id for link in finding.photo_links if link.kind == "evidence"]
        found = {photo.id: photo for photo in db.session.scalars(sa.select(Photo).where(Photo.id.in_(ids)))}
        for photo in (found[photo_id] for photo_id in ids):  # in the order they were attached
            key = photo.key("thumb")
            if store.exists(key):  # a thumbnail lost from storage leaves the appendix, not the document
                images[photo.sha256] = store.read(key)
                photos.append(photo.sha256)
    return {"position": position, "id": finding.id, "description": finding.description,
            "item_code": finding.item_code, "severity": finding.severity, "category": finding.category,
            "deadline": finding.deadline.isoformat(), "status": finding.status, "standard": finding.standard,
            "standard_title": finding.standard_title, "standard_version": finding.standard_version,
            "clause": finding.clause, **_citations(finding), "photos": photos,
            "against": _against(finding, finding.inspection)}


def _citations(finding: Finding) -> dict:
    """The finding's basis as the document prints it, frozen with the content: 《short name》（number）clause."""
    return {f"citation_{lang}": cite(finding.standard, finding.clause, lang, finding.standard_title)
            for lang in LANGUAGES}


def _unit(inspection: Inspection) -> dict:
    """The inspected unit as the documents name it: the enterprise; for premises whose landlord is a person, the
    landlord's name with the premises (``Inspection.party_name``), at the premises' address, with no credit code."""
    enterprise = inspection.enterprise
    if enterprise is not None:
        return {"name": enterprise.name, "address": enterprise.address, "credit_code": enterprise.credit_code}
    return {"name": inspection.party_name, "address": inspection.premises.address, "credit_code": ""}


def _base(kind: str, inspection: Inspection, images: dict, issued_on=None) -> dict:
    inspectors, signatures = _people(inspection, images)
    zh, en = DOMAIN_NAMES[inspection.domain]
    return {
        "kind": kind,
        "issued_on": (issued_on or local_date()).isoformat(),
        "template": template(kind),
        "enterprise": _unit(inspection),
        "person_in_charge": {"name": inspection.contact_name, "title": inspection.contact_title,
                             "phone": inspection.contact_phone},
        "inspection": {"id": inspection.id, "place": inspection.location, "started": _when(inspection.inspected_dt),
                       "ended": _when(inspection.ended_dt), "domain_zh": zh, "domain_en": en},
        "inspectors": inspectors,
        "signatures": signatures,
        "supersedes": None,
        "correction_reason": "",
    }


def _checklist(inspection: Inspection) -> tuple[list[dict], dict]:
    """The record's checklist rows and the standard they come from: {standard, title_zh, title_en, notice}, where
    ``notice`` names a newer edition in force on the inspection date whose items are not loaded (None if none)."""
    from checklists import service as checklists

    on = local_date(inspection.inspected_dt)
    version = checklists.version_for(inspection.domain, on)
    items = {item.code: item for item in version.items}
    rows = []
    for result in inspection.results:
        item = items.get(result.item_code)
        rows.append({"code": result.item_code, "text_zh": item.text_zh if item else "",
                     "text_en": item.text_en if item else "", "result": result.result})
    successor = version.pending_successor(on)
    basis = {f"citation_{lang}": cite(version.standard, "", lang, version.title_zh) for lang in LANGUAGES}
    basis["notice"] = None if successor is None else {**successor,
                                                      "effective_from": successor["effective_from"].isoformat()}
    return rows, basis


def _record_content(inspection: Inspection, images: dict, issued_on=None) -> tuple[dict, list[Finding]]:
    content = _base(RECORD, inspection, images, issued_on)
    content["checklist"], content["checklist_basis"] = _checklist(inspection)
    content["findings"] = [_finding(f, i, images) for i, f in enumerate(inspection.findings, 1)]
    return content, list(inspection.findings)


def _order_content(inspection: Inspection, images: dict, issued_on=None) -> tuple[dict, list[Finding]]:
    content = _base(ORDER, inspection, images, issued_on)
    findings = list(inspection.findings)
    content["findings"] = [_finding(f, i, None) for i, f in enumerate(findings, 1)]
    content["major_positions"] = [i for i, f in enumerate(findings, 1) if f.severity == "major"]
    deadlines = {f.deadline for f in findings}
    content["deadline"] = deadlines.pop().isoformat() if len(deadlines) == 1 else None
    return content, findings


# -- issuing --------------------------------------------------------------------------------------------------

def _issue(kind: str, inspection: Inspection, content: dict, images: dict, findings: list[Finding],
           actor_id: int, client_id: str | None = None, supersedes: Document | None = None,
           answers: Document | None = None) -> Document:
    """Number (in the year of its date), freeze, render and store one document; audit its hashes."""
    year = int(content["issued_on"][:4])
    serial = _next_serial(kind, year)
    content = content | {"id": f"{kind}-{year}-{serial}",
                         "number": _number(content["template"]["prefix"], year, serial)}
    body = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    content["content_sha256"] = _sha256(body.encode())
    pdf_zh, pdf_en = (render.render(content, images, language) for language in LANGUAGES)
    document = Document(
        kind=kind, year=year, serial=serial, number=content["number"], client_id=client_id,
        enterprise_id=inspection.enterprise_id, inspection_id=inspection.id,
        supersedes_id=supersedes.id if supersedes else None, answers_id=answers.id if answers else None,
        correction_reason=content["correction_reason"], issued_by_id=actor_id, content=content,
        content_sha256=content["content_sha256"], pdf=pdf_zh, pdf_sha256=_sha256(pdf_zh), pdf_en=pdf_en,
        pdf_en_sha256=_sha256(pdf_en),
        findings=[DocumentFinding(finding_id=f.id, position=i) for i, f in enumerate(findings, 1)],
    )
    db.session.add(document)
    db.session.flush()
    audit.record("document.issued", document, None, {
        "kind": kind, "number": document.number, "inspection_id": inspection.id,
        "content_sha256": document.content_sha256, "pdf_sha256": document.pdf_sha256,
        "pdf_en_sha256": document.pdf_en_sha256, "supersedes_id": document.supersedes_id}, actor_id)
    return document


def issue_on_site(inspection: Inspection, actor_id: int) -> list[Document]:
    """The documents an inspection ends with, once signed: the 现场检查记录, and the 责令限期整改指令书 when
    hazards were found (安全生产法 (2021) 第六十五条第一款第（三）项: hazards found are ordered removed, or
    rectified within a deadline). Called in the request that stores the inspection, so a retry of the same
    submission (same ``client_id``) returns the stored inspection and issues nothing more. They are dated the
    day they were signed on site, also when a tablet without signal sends them later."""
    signed_on = local_date(max(row.signed_dt for row in inspection.signatures))
    builds = [(RECORD, _record_content)] + ([(ORDER, _order_content)] if inspection.findings else [])
    documents = []
    for kind, build in builds:
        images: dict[str, bytes] = {}
        content, findings = build(inspection, images, signed_on)
        documents.append(_issue(kind, inspection, content, images, findings, actor_id))
    return documents


CORRECTABLE = ("location", "contact_name", "contact_title", "contact_phone")  # what was written wrongly on site


def correct(document: Document, reason: str, actor_id: int, client_id: str | None = None,
            changes: dict | None = None) -> Document:
    """Issue a correction of ``document``: first the inspection's ``changes`` (``CORRECTABLE`` fields: the
    place, the person in charge's name, title, phone; audited), then a new document from the records as they
    are now (those changes, a changed deadline or severity, a fixed template) with a new number and
    ``supersedes_id`` naming the old one, which is kept unchanged. Its signature rows are left empty, to be
    signed in ink: the tablet's signatures were made on the original. ``Conflict`` (409) when it was already
    superseded (correct the newest) or is an opinion (issue a new opinion)."""
    if client_id is not None:
        existing = db.session.scalar(sa.select(Document).where(Document.client_id == client_id))
        if existing is not None:
            if existing.supersedes_id != document.id:
                raise Conflict(f"client_id {client_id} was already used for another document", field="client_id")
            return existing
    if document.superseded_by is not None:
        raise Conflict(_l("document %(number)s was already corrected by %(newer)s; correct that one",
                          number=document.number, newer=document.superseded_by.number))
    if document.kind == OPINION:
        raise Conflict(_l("a re-inspection opinion is not corrected: verify again with a new re-inspection"))
    inspection = db.session.get(Inspection, document.inspection_id)
    audit.apply("inspection.corrected", inspection,
                audit.changes(inspection, {k: v for k, v in (changes or {}).items() if k in CORRECTABLE}), actor_id)
    images: dict[str, bytes] = {}
    build = _record_content if document.kind == RECORD else _order_content
    content, findings = build(inspection, images)
    content["signatures"] = _blank_signatures(inspection)
    content["supersedes"] = {"number": document.number, "issued_on": document.content["issued_on"]}
    content["correction_reason"] = reason
    return _issue(document.kind, inspection, content, images, findings, actor_id, client_id, supersedes=document)


def current_order(finding: Finding) -> Document | None:
    """The newest order that lists ``finding`` (a correction replaces its original), or ``None``."""
    return db.session.scalar(
        sa.select(Document).join(DocumentFinding)
        .where(DocumentFinding.finding_id == finding.id, Document.kind == ORDER)
        .order_by(Document.id.desc()).limit(1))


def issue_opinion(reinspection: Inspection, results: list[tuple[Finding, bool, str]], opinion: str,
                  actor_id: int, client_id: str | None = None) -> Document:
    """The 整改复查意见书 of an on-site re-inspection: each hazard's result (accepted: 整改合格, else 未整改到位)
    and the opinion, answering the order that listed the hazards (its number and date). The findings must be
    of the re-inspection's party (``Finding.reinspected_by``); their transitions are the caller's. ``Invalid`` (422)
    otherwise."""
    if not all(f.reinspected_by(reinspection) for f, _, _ in results):
        raise Invalid(_l("the re-inspection must be of the hazard's enterprise"), field="reinspection_id")
    images: dict[str, bytes] = {}
    content = _base(OPINION, reinspection, images)
    if not content["signatures"]:
        content["signatures"] = _blank_signatures(reinspection)
    answers = current_order(results[0][0]) if results else None
    content["answers"] = None if answers is None else {"number": answers.number,
                                                       "issued_on": answers.content["issued_on"]}
    content["results"] = [
        {"position": i, "finding_id": f.id, "description": f.description, "standard": f.standard,
         "standard_title": f.standard_title, "standard_version": f.standard_version, "clause": f.clause,
         **_citations(f), "severity": f.severity, "accepted": accepted, "note": note,
         "against": _against(f, reinspection)}
        for i, (f, accepted, note) in enumerate(results, 1)]
    content["findings"] = []
    content["opinion"] = opinion
    return _issue(OPINION, reinspection, content, images, [f for f, _, _ in results], actor_id, client_id,
                  answers=answers)


# -- reading --------------------------------------------------------------------------------------------------

def get(document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(f"document {document_id} does not exist")
    return document


def listing(enterprise_id=None, inspection_id=None, finding_id=None, kind=None, issued_from=None,
            issued_to=None) -> list[Document]:
    """Documents, newest first, filtered by enterprise, inspection, a finding they list, kind, and local issue
    dates (inclusive)."""
    return db.session.scalars(search(enterprise_id, inspection_id, finding_id, kind, issued_from, issued_to)).all()


def search(enterprise_id=None, inspection_id=None, finding_id=None, kind=None, issued_from=None,
           issued_to=None) -> sa.Select:
    # Every listing shows whether a document was corrected: the corrections in one query, not one per row.
    query = (sa.select(Document).order_by(Document.issued_dt.desc(), Document.id.desc())
             .options(selectinload(Document.superseded_by)))
    for column, value in ((Document.enterprise_id, enterprise_id), (Document.inspection_id, inspection_id),
                          (Document.kind, kind)):
        if value is not None:
            query = query.where(column == value)
    if finding_id is not None:
        query = query.where(Document.findings.any(DocumentFinding.finding_id == finding_id))
    if issued_from is not None:
        query = query.where(Document.issued_dt >= day_start(issued_from))
    if issued_to is not None:
        query = query.where(Document.issued_dt < day_start(issued_to + timedelta(days=1)))
    return query


def pdf(document: Document, language: str = "zh") -> bytes:
    """The stored PDF: ``zh`` the legal document, ``en`` its English rendering."""
    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", field="lang")
    return document.pdf if language == "zh" else document.pdf_en


def verify(data: bytes) -> dict:
    """Whether ``data`` is a PDF this system issued, unchanged, and which document.

    Returns ``{"issued": bool, "unchanged": bool, "language": "zh"|"en"|None, "document": Document|None,
    "message": str}``: a file whose SHA-256 is one a document was issued with is issued and unchanged; a file
    that carries a document's marker (PDF keywords ``docid=... sha256=...``) but other bytes names the document
    it claims to be, changed; anything else was not issued here.
    """
    digest = _sha256(data)
    document = db.session.scalar(sa.select(Document).where(
        sa.or_(Document.pdf_sha256 == digest, Document.pdf_en_sha256 == digest)))
    if document is not None:
        language = "zh" if document.pdf_sha256 == digest else "en"
        return {"issued": True, "unchanged": True, "language": language, "document": document,
                "message": f"issued as {document.number}, unchanged"}
    claimed = _claimed(data)
    if claimed is not None:
        return {"issued": False, "unchanged": False, "language": None, "document": claimed,
                "message": f"claims to be {claimed.number} but its bytes differ from what was issued"}
    return {"issued": False, "unchanged": False, "language": None, "document": None,
            "message": "not a document issued by this system"}


def _claimed(data: bytes) -> Document | None:
    match = re.search(rb"sha256=([0-9a-f]{64})", data)
    if match is None:
        return None
    return db.session.scalar(sa.select(Document).where(Document.content_sha256 == match.group(1).decode()))


def reinspection_candidates(finding: Finding, limit: int = 20) -> list[Inspection]:
    """Inspections of ``finding``'s party (its enterprise; for a finding of a premises inspection, also of the
    premises) that started after its rectification was submitted, newest first: the ones that can be its on-site
    re-inspection."""
    submitted = [e.created_dt for e in finding.events if e.action == "rectification_submitted"]
    query = sa.select(Inspection).where(Finding.reinspection_clause(finding))
    if submitted:
        query = query.where(Inspection.inspected_dt > submitted[-1])
    return db.session.scalars(query.order_by(Inspection.inspected_dt.desc()).limit(limit)).all()


def reinspect(reinspection: Inspection, results: list[tuple[Finding, bool, str]], opinion: str, actor_id: int,
              client_id: str | None = None) -> Document:
    """Close or send back hazards by an on-site re-inspection (复查) and issue its 整改复查意见书.

    Each hazard must await verification (its rectification submitted), be of the re-inspection's enterprise,
    and the re-inspection must have started after the rectification was submitted; an accepted hazard found
    on a checklist item must have been re-checked and passed there (安全生产事故隐患排查治理暂行规定 (国家安全
    监管总局令第16号, 2007) 第二十二条: the authority re-inspects a major hazard's rectification on site).
    ``Invalid`` (422, ``results.<i>``) naming the hazard otherwise; ``Conflict`` (409) for a retry of another
    request's ``client_id``.
    """
    from inspections import findings as workflow

    if client_id is not None:
        existing = db.session.scalar(sa.select(Document).where(Document.client_id == client_id))
        if existing is not None:
            if existing.inspection_id != reinspection.id or existing.kind != OPINION:
                raise Conflict(f"client_id {client_id} was already used for another document", field="client_id")
            return existing
    checked = {row.item_code: row.result for row in reinspection.results}
    for index, (finding, accepted, _note) in enumerate(results):
        where = ("results", index, "finding_id")
        if not finding.reinspected_by(reinspection):
            raise Invalid(_l("hazard %(id)s is not of the re-inspected enterprise", id=finding.id), field=where)
        submitted = [e.created_dt for e in finding.events if e.action == "rectification_submitted"]
        if finding.status == "rectification_submitted" and reinspection.inspected_dt <= submitted[-1]:
            raise Invalid(_l("the re-inspection of hazard %(id)s must be after its rectification was submitted",
                             id=finding.id), field=where)
        if accepted and finding.item_code and checked.get(finding.item_code) != "passed":
            raise Invalid(_l("hazard %(id)s is on item %(code)s, which the re-inspection did not find passed",
                             id=finding.id, code=finding.item_code), field=where)
    for finding, accepted, note in results:
        workflow.transition(finding, "verified" if accepted else "rejected", actor_id, note or opinion, on_site=True)
    return issue_opinion(reinspection, results, opinion, actor_id, client_id)
