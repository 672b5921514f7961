"""The finding workflow: rectify → verify (销号) or reject, extensions, severity changes, with history.

Allowed moves are one table; roles are checked at the views (``roles_required``).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import lazyload, selectinload

from audit import service as audit
from cards import service as cards
from core import keyset
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.time import day_start, local_date
from enterprises.models import Enterprise
from inspections.models import ExtensionRequest, Finding, FindingEvent, Inspection, overdue_clause
from premises.models import Premises
from risk_rules.dates import DeadlineLimits, extension_window

# (current status, action) -> next status
TRANSITIONS = {
    ("open", "rectification_submitted"): "rectification_submitted",
    ("rectification_submitted", "verified"): "verified",
    ("rectification_submitted", "rejected"): "open",
}
_AUDITED = ("status", "severity", "deadline", "closed_dt")


def get(finding_id: int) -> Finding:
    finding = db.session.get(Finding, finding_id)
    if finding is None:
        raise NotFound(f"finding {finding_id} does not exist")
    return finding


# The list orders (``core.keyset``), each index-backed (``ix_findings_*_deadline_id``, ``ix_findings_found_dt_id``):
# earliest deadline first, earliest found first, latest found first; the id breaks ties.
SORTS = {
    "deadline": keyset.Sort((Finding.deadline, Finding.id)),
    "found": keyset.Sort((Finding.found_dt, Finding.id)),
    "newest": keyset.Sort((Finding.found_dt, Finding.id), descending=True),
}
SOURCE_CLAUSES = {  # what the row records of where a finding comes from (``inspections.models.FINDING_SOURCES``)
    "agreement": Finding.tenancy_id.is_not(None),
    "checklist": sa.and_(Finding.item_code.is_not(None), Finding.tenancy_id.is_(None)),
    "observation": sa.and_(Finding.item_code.is_(None), Finding.tenancy_id.is_(None)),
}
# What a list row shows (``FindingSchema``, the list pages, the export): its party, its inspection's domain and
# inspector, its photos; not its history or extension requests, nor the inspection's other rows.
LIST_OPTIONS = (
    selectinload(Finding.inspection).load_only(Inspection.domain, Inspection.inspector_id).lazyload("*"),
    selectinload(Finding.enterprise),
    selectinload(Finding.premises).lazyload(Premises.tenancies),
    lazyload(Finding.events), lazyload(Finding.extensions),
)


def _matching(text: str):
    """Findings whose party (the enterprise by name or credit code; without one, the premises by name or its
    person landlord) or description holds ``text``, as it is (``%`` and ``_`` are plain characters)."""
    enterprises = sa.select(Enterprise.id).where(sa.or_(Enterprise.name.icontains(text, autoescape=True),
                                                        Enterprise.credit_code.icontains(text, autoescape=True)))
    premises = sa.select(Premises.id).where(sa.or_(Premises.name.icontains(text, autoescape=True),
                                                   Premises.landlord_name.icontains(text, autoescape=True)))
    return sa.or_(Finding.enterprise_id.in_(enterprises),
                  sa.and_(Finding.enterprise_id.is_(None), Finding.premises_id.in_(premises)),
                  Finding.description.icontains(text, autoescape=True))


def search(q=None, status=None, severity=None, enterprise_id=None, premises_id=None, domain=None, sector=None,
           zone=None, overdue=None, found_from=None, found_to=None, deadline_from=None, deadline_to=None,
           inspector_id=None, source=None) -> sa.Select:
    """Findings matching every filter given, unordered (order with ``SORTS``), loading what a list row shows.

    ``q``: part of the party's name or credit code or of the description (``_matching``); ``status``: one of
    ``STATUSES``, or ``unclosed`` (not yet verified) or ``all``; ``domain`` and ``inspector_id`` (the lead) are
    the inspection's, ``sector`` and ``zone`` the enterprise's; ``overdue``: open past the deadline (or not);
    ``found_*`` (local dates of the inspection) and ``deadline_*`` bound both ends inclusive; ``source``: one
    of ``FINDING_SOURCES``. Each filter is a condition on the finding's row or an EXISTS on one parent row, so
    the list can walk an order index (``SORTS``) and stop at a page."""
    query = sa.select(Finding).options(*LIST_OPTIONS)
    if status == "unclosed":  # the partial index ix_findings_unclosed_deadline_id serves this one
        query = query.where(Finding.status != "verified")
    elif status not in (None, "all"):
        query = query.where(Finding.status == status)
    for column, value in ((Finding.severity, severity), (Finding.enterprise_id, enterprise_id),
                          (Finding.premises_id, premises_id)):
        if value is not None:
            query = query.where(column == value)
    if q:
        query = query.where(_matching(q.strip()))
    if inspector_id is not None:  # ix_findings_inspector_(unclosed_)deadline_id
        query = query.where(Finding.inspector_id == inspector_id)
    if domain is not None:
        query = query.where(Finding.inspection.has(Inspection.domain == domain))
    enterprise = [condition for condition, value in ((Enterprise.sector == sector, sector),
                                                     (Enterprise.zone == zone, zone)) if value is not None]
    if enterprise:
        query = query.where(Finding.enterprise.has(sa.and_(*enterprise)))
    if overdue is not None:
        clause = overdue_clause(local_date())
        query = query.where(clause if overdue else sa.not_(clause))
    if found_from is not None:
        query = query.where(Finding.found_dt >= day_start(found_from))
    if found_to is not None:
        query = query.where(Finding.found_dt < day_start(found_to + timedelta(days=1)))
    if deadline_from is not None:
        query = query.where(Finding.deadline >= deadline_from)
    if deadline_to is not None:
        query = query.where(Finding.deadline <= deadline_to)
    if source is not None:
        query = query.where(SOURCE_CLAUSES[source])
    return query


def listed(args: dict, user_id: int | None) -> tuple[sa.Select, str]:
    """``search`` of a list's parsed query (``FindingFilterSchema``, where ``inspector`` ``me`` is ``user_id``) and
    the name of its order in ``SORTS``."""
    filters = {name: value for name, value in args.items()
               if name not in ("sort", "page", "page_size", "cursor", "inspector")}
    inspector = args.get("inspector")
    filters["inspector_id"] = user_id if inspector == "me" else None if inspector in (None, "all") else inspector
    return search(**filters), args["sort"]


def _log(finding: Finding, action: str, actor_id: int, note: str = "", from_status: str | None = None,
         client_id: str | None = None):
    finding.events.append(FindingEvent(action=action, from_status=from_status or finding.status,
                                       to_status=finding.status, actor_id=actor_id, note=note, client_id=client_id))


def replayed(finding_id: int, client_id: str, actions: tuple[str, ...], actor_id: int, note: str) -> Finding | None:
    """The finding a request with ``client_id`` already changed, or ``None`` when no event carries that id.

    A tablet's outbox resends a rectification, verification or extension request until it has the answer, each
    time with the id it made for that submission (as inspections do with theirs): the resent copy is that same
    request when its event is of ``finding_id``, by ``actor_id``, one of ``actions`` with the same ``note``, and
    is then answered with the finding as it is now, nothing stored again. ``Conflict`` (409, at ``client_id``)
    when the id was used for anything else."""
    event = db.session.scalar(sa.select(FindingEvent).where(FindingEvent.client_id == client_id))
    if event is None:
        return None
    if (event.finding_id, event.actor_id, event.note) != (finding_id, actor_id, note) or event.action not in actions:
        raise Conflict(_l("client_id %(id)s was already used for another request", id=client_id), field="client_id")
    return db.session.get(Finding, finding_id)


def submitter_id(finding: Finding) -> int | None:
    """Who submitted the rectification now waiting for a decision: the actor of the latest
    ``rectification_submitted`` event (``None`` if there is none)."""
    submitted = [e for e in finding.events if e.action == "rectification_submitted"]
    return submitted[-1].actor_id if submitted else None


def transition(finding: Finding, action: str, actor_id: int, note: str = "", on_site: bool = False,
               client_id: str | None = None) -> Finding:
    """Move ``finding`` by ``action`` (``TRANSITIONS``), with history, audit entry and card re-evaluation; flush
    only. Raises ``Conflict`` (409) for a move its status does not allow, and ``Forbidden`` (403) when the actor
    who submitted the rectification tries to verify or reject it, whatever roles they hold: a rectification is
    checked by someone other than who reported it done (issue 13, "closing rules that follow the procedure").
    A major hazard is verified only ``on_site``, by a re-inspection that issues its 整改复查意见书
    (``documents.service.reinspect``; 安全生产事故隐患排查治理暂行规定 第二十二条): otherwise ``Invalid`` (422)
    at ``reinspection_id``. ``client_id`` is kept on the event (:func:`replayed`)."""
    target = TRANSITIONS.get((finding.status, action))
    if target is None:
        raise Conflict(_l("a finding in status '%(status)s' cannot be %(action)s", status=finding.status,
                            action=action.replace("_", " ")))
    if action in ("verified", "rejected") and actor_id is not None and submitter_id(finding) == actor_id:
        raise Forbidden(_l("whoever submitted a rectification cannot verify or reject it; another inspector or "
                           "safety manager checks it"))
    if action == "verified" and finding.severity == "major" and not on_site:
        raise Invalid(_l("a major hazard is verified by an on-site re-inspection: name the re-inspection, and its "
                         "re-inspection opinion is issued"), field="reinspection_id")
    before = audit.snapshot(finding, _AUDITED)
    previous, finding.status = finding.status, target
    finding.closed_dt = utcnow() if target == "verified" else None
    _log(finding, action, actor_id, note, from_status=previous, client_id=client_id)
    db.session.flush()
    audit.record(f"finding.{action}", finding, before, audit.snapshot(finding, _AUDITED), actor_id)
    cards.reevaluate([finding.enterprise_id])
    return finding


def deadline_limits() -> DeadlineLimits:
    """The latest deadlines anyone may set (``DEADLINE_MAX_DAYS_GENERAL`` / ``_MAJOR``), from the settings."""
    config = current_app.config
    return DeadlineLimits(general=config["DEADLINE_MAX_DAYS_GENERAL"], major=config["DEADLINE_MAX_DAYS_MAJOR"])


def _extension_problem(finding: Finding, new_deadline: date):
    """Why ``new_deadline`` cannot be a new deadline for ``finding`` today (a lazy text), or ``None``."""
    today = local_date()
    first, last = extension_window(finding.deadline, today, finding.severity, deadline_limits())
    if new_deadline < first:
        return _l("the new deadline must be after the current one (%(deadline)s) and after today (%(today)s)",
                  deadline=finding.deadline, today=today)
    if new_deadline > last and finding.severity == "major":
        return _l("a major hazard's deadline may be set at most %(days)s days ahead, until %(last)s",
                  days=(last - today).days, last=last)
    if new_deadline > last:
        return _l("a general hazard's deadline may be set at most %(days)s days ahead, until %(last)s",
                  days=(last - today).days, last=last)
    return None


def request_extension(finding: Finding, new_deadline: date, reason: str, actor_id: int,
                      client_id: str | None = None) -> ExtensionRequest:
    """Ask for ``new_deadline``: after the current deadline and today, within ``deadline_limits``; ``client_id``
    is kept on the event (:func:`replayed`)."""
    if finding.status == "verified":
        raise Conflict(_l("a closed finding needs no extension"))
    problem = _extension_problem(finding, new_deadline)
    if problem is not None:
        raise Invalid(problem, field="new_deadline")
    if any(ext.status == "pending" for ext in finding.extensions):
        raise Conflict(_l("an extension request for this finding is already waiting for a decision"))
    extension = ExtensionRequest(requested_deadline=new_deadline, previous_deadline=finding.deadline,
                                 reason=reason, requested_by_id=actor_id)
    finding.extensions.append(extension)
    _log(finding, "extension_requested", actor_id, reason, client_id=client_id)
    db.session.flush()
    audit.record("extension.requested", extension, None, {"finding_id": finding.id,
                                                          "requested_deadline": new_deadline.isoformat()})
    return extension


def decide_extension(finding: Finding, approved: bool, note: str, actor_id: int) -> ExtensionRequest:
    """Approve or reject the pending request. Nobody decides their own request (whatever roles they hold),
    and an approval is refused when the requested date is no longer a possible new deadline today (it has
    passed while the request waited, or the finding's severity now allows less): reject it and ask again."""
    pending = [ext for ext in finding.extensions if ext.status == "pending"]
    if not pending:
        raise Conflict(_l("this finding has no pending extension request"))
    extension = pending[0]
    if extension.requested_by_id == actor_id:
        raise Forbidden(_l("nobody decides their own extension request; another safety manager decides"))
    problem = _extension_problem(finding, extension.requested_deadline) if approved else None
    if problem is not None:
        raise Conflict(_l("the requested deadline cannot be approved: %(reason)s; reject it and ask again",
                          reason=problem))
    before = audit.snapshot(finding, _AUDITED)
    extension.status = "approved" if approved else "rejected"
    extension.decided_by_id, extension.decided_dt, extension.decision_note = actor_id, utcnow(), note
    if approved:
        finding.deadline = extension.requested_deadline
    _log(finding, f"extension_{extension.status}", actor_id, note)
    db.session.flush()
    audit.record(f"extension.{extension.status}", finding, before, audit.snapshot(finding, _AUDITED), actor_id)
    cards.reevaluate([finding.enterprise_id])
    return extension


def change_severity(finding: Finding, severity: str, reason: str, actor_id: int) -> Finding:
    if severity == finding.severity:
        raise Conflict(_l("the finding is already %(severity)s", severity=severity))
    before = audit.snapshot(finding, _AUDITED)
    finding.severity = severity
    _log(finding, f"severity_{severity}", actor_id, reason)
    db.session.flush()
    audit.record("finding.severity_changed", finding, before, audit.snapshot(finding, _AUDITED), actor_id)
    cards.reevaluate([finding.enterprise_id])
    return finding
