"""Rented premises (出租厂房、群租厂房): the list with the campaign's progress per quarter, one premises with its
landlord, tenants and every party's findings and cards in one place, and the roll-up a landlord enterprise's page
shows of its premises' tenants."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import abort, render_template, request

from cards import queries as card_queries
from core.db import db
from core.time import local_date
from documents.models import Document
from enterprises.models import Enterprise
from inspections import premises as premises_inspection
from inspections.models import Finding
from premises import service as premises_service
from premises.models import Premises, Tenancy
from web import queries
from web.access import INSPECTION_READERS, can, page
from web.blueprint import bp

# Who follows the campaign: those who inspect, manage or administer (as for inspections).
READERS = INSPECTION_READERS


@dataclass
class Rollup:
    """What a landlord answers for beside its own record: its premises, their tenants of today, the findings made
    at the premises or against those tenants anywhere, and the tenants' cards."""

    premises: list[Premises] = field(default_factory=list)
    tenancies: list[Tenancy] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cards: list = field(default_factory=list)

    @property
    def tenant_ids(self) -> set[int]:
        return {tenancy.enterprise_id for tenancy in self.tenancies}


def rollup(premises: list[Premises], leave_out: int | None = None) -> Rollup:
    """The roll-up of ``premises``; ``leave_out``: an enterprise whose own findings and cards are shown apart
    (the landlord's page lists its own above)."""
    today = local_date()
    result = Rollup(premises=premises, tenancies=[t for p in premises for t in p.tenancies_on(today)])
    tenants = result.tenant_ids - {leave_out}
    findings = queries.findings_where(Finding.premises_id.in_([p.id for p in premises]),
                                      Finding.enterprise_id.in_(tenants)) if premises else []
    result.findings = [f for f in findings if f.enterprise_id != leave_out or f.premises_id is not None]
    result.cards = db.session.scalars(card_queries.search(enterprise_ids=tenants, sort="issued")).all()
    return result


def rented_by(enterprise_id: int) -> list[Tenancy]:
    """The tenancies through which an enterprise rents today."""
    return db.session.scalars(premises_service.tenancies(enterprise_id=enterprise_id, on=local_date())).all()


@bp.route("/premises")
@page(*READERS)
def premises_list():
    q = (request.args.get("q") or "").strip()[:200]
    year = request.args.get("year", type=int) or local_date().year
    if not 2000 <= year <= 2099:
        abort(404)
    rows, total = queries.limited(premises_service.search(q=q or None))
    today = local_date()
    listed = [(p, len(p.tenancies_on(today)), sum(1 for t in p.tenancies_on(today) if not t.agreement_valid(today)))
              for p in rows]
    return render_template("web/premises_list.html", premises=listed, total=total, q=q, year=year,
                           limit=queries.LIST_LIMIT, quarters=premises_inspection.campaign(year), today=today)


@bp.route("/premises/<int:premises_id>")
@page(*READERS)
def premises(premises_id):
    found = db.session.get(Premises, premises_id)
    if found is None:
        abort(404)
    landlord = found.landlord_enterprise
    everyone = rollup([found])
    parties = everyone.tenant_ids | ({landlord.id} if landlord else set())
    inspections = queries.inspections_of_premises(found.id)
    documents = db.session.scalars(sa.select(Document).where(Document.inspection_id.in_([i.id for i in inspections]))
                                   .order_by(Document.issued_dt.desc(), Document.id.desc())).all()
    return render_template(
        "web/premises.html", premises=found, today=local_date(), tenancies=found.tenancies, rollup=everyone,
        here=[f for f in everyone.findings if f.premises_id == found.id],
        elsewhere=[f for f in everyone.findings if f.premises_id != found.id],
        landlord_elsewhere=[f for f in queries.findings_of_enterprise(landlord.id) if f.premises_id != found.id]
        if landlord else [],
        cards=db.session.scalars(card_queries.search(enterprise_ids=parties, sort="issued")).all(),
        inspections=inspections, documents=documents, readers=READERS)


def enterprise_extras(enterprise: Enterprise) -> dict:
    """What the enterprise page adds for premises: as a landlord, the roll-up of its premises' tenants; as a
    tenant, where it rents today."""
    let = premises_service.of_landlord(enterprise.id)
    return {"landlord_rollup": rollup(let, leave_out=enterprise.id) if let else None,
            "rented": rented_by(enterprise.id), "premises_readers": can(*READERS), "today": local_date()}
