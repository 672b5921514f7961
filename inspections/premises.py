"""Inspections of rented premises (出租厂房、群租厂房): whom each finding is against, and the tenancies without a valid
work safety management agreement, which are themselves findings against the landlord.

The landlord is the inspected party; a finding is against the landlord (an enterprise, or a person with no
register entry) or against a tenant of the premises on the inspection date (安全生产法 (2021) 第四十九条第二款: the
landlord coordinates and inspects its tenants' work safety; each party answers for its own hazards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.db import db
from core.errors import Invalid
from core.time import day_start
from inspections.models import Finding, Inspection
from premises.models import Premises, Tenancy
from premises.service import tenant_on

# The checklist item of a missing or expired agreement (risk_rules/checklists/premises_2021.yaml).
AGREEMENT_ITEM = "PRM-G-09"
# What such a finding cites when the checklist in force has no such item.
AGREEMENT_BASIS = {"standard": "中华人民共和国安全生产法", "standard_title": "中华人民共和国安全生产法",
                   "standard_version": "2021", "clause": "第四十九条第二款"}


def parties(findings: list[dict], premises: Premises | None, inspected_enterprise_id: int | None,
            found_on: date) -> list[tuple[str | None, int | None]]:
    """``(party, enterprise_id)`` of each submitted finding. Of an enterprise inspection: no party, the inspected
    enterprise. Of a premises inspection: the landlord (the default: its enterprise, or none for a person) or a
    tenant, who must rent a part of the premises on ``found_on``. ``Invalid`` (422) at
    ``findings.<i>.party`` or ``findings.<i>.enterprise_id`` otherwise."""
    result = []
    for index, finding in enumerate(findings):
        party, enterprise_id = finding.get("party"), finding.get("enterprise_id")
        if premises is None:
            if party is not None:
                raise Invalid(_l("only findings of a premises inspection are against a landlord or a tenant"),
                              field=("findings", index, "party"))
            if enterprise_id not in (None, inspected_enterprise_id):
                raise Invalid(_l("a finding of an enterprise inspection is against that enterprise"),
                              field=("findings", index, "enterprise_id"))
            result.append((None, inspected_enterprise_id))
        elif (party or "landlord") == "landlord":
            if enterprise_id not in (None, premises.landlord_enterprise_id):
                raise Invalid(_l("a finding against the landlord names no other enterprise: for a tenant's hazard "
                                 "choose the tenant as the party"), field=("findings", index, "enterprise_id"))
            result.append(("landlord", premises.landlord_enterprise_id))
        else:
            if enterprise_id is None:
                raise Invalid(_l("name the tenant the finding is against"), field=("findings", index, "enterprise_id"))
            if tenant_on(premises, enterprise_id, found_on) is None:
                raise Invalid(_l("enterprise %(id)s is not a tenant of %(premises)s on %(day)s", id=enterprise_id,
                                 premises=premises.name, day=found_on.isoformat()),
                              field=("findings", index, "enterprise_id"))
            result.append(("tenant", enterprise_id))
    return result


def missing_agreements(premises: Premises, found_on: date, findings: list[dict]) -> list[tuple[Tenancy, str]]:
    """The tenancies in force on ``found_on`` without an agreement covering that day, each with the finding's
    description; none when the inspector recorded a finding on ``AGREEMENT_ITEM`` against the landlord (it
    stands for the building), and not those whose earlier such finding is still open (one hazard, one finding)."""
    if any(f.get("item_code") == AGREEMENT_ITEM and (f.get("party") or "landlord") == "landlord" for f in findings):
        return []
    missing = [tenancy for tenancy in premises.tenancies_on(found_on) if not tenancy.agreement_valid(found_on)]
    still_open = set(db.session.scalars(sa.select(Finding.tenancy_id).where(
        Finding.tenancy_id.in_([tenancy.id for tenancy in missing]), Finding.status != "verified")))
    return [(tenancy, _description(tenancy, found_on)) for tenancy in missing if tenancy.id not in still_open]


def _description(tenancy: Tenancy, found_on: date) -> str:
    # Chinese, like every finding's description: it is printed on the rectification order.
    who = f"承租单位{tenancy.enterprise.name}（{tenancy.unit}）"
    if tenancy.agreement_expires_on is not None and tenancy.agreement_expires_on < found_on:
        return (f"出租方与{who}的安全生产管理协议已于{tenancy.agreement_expires_on.isoformat()}到期，未续签"
                "（据租赁登记）")
    return f"出租方未与{who}签订专门的安全生产管理协议（据租赁登记，检查之日无有效协议）"


@dataclass(frozen=True)
class Quarter:
    """The campaign in one quarter: premises inspected, hazards found there, hazards rectified (verified)."""

    year: int
    quarter: int
    inspected: int
    found: int
    rectified: int


def campaign(year: int) -> list[Quarter]:
    """The rented-premises campaign per quarter of ``year`` (the zone's calendar): distinct premises inspected,
    findings of premises inspections found, and those verified (销号), each by the quarter it happened in."""
    starts = [day_start(date(year, month, 1)) for month in (1, 4, 7, 10)] + [day_start(date(year + 1, 1, 1))]

    def per_quarter(column, counted):
        buckets = sa.case(*[(column < start, n) for n, start in enumerate(starts[1:], 1)])
        query = (sa.select(buckets, counted).where(column >= starts[0], column < starts[-1])
                 .group_by(buckets))
        return dict(db.session.execute(query).all())

    inspected = per_quarter(Inspection.inspected_dt, sa.func.count(sa.distinct(Inspection.premises_id)))
    found = per_quarter(Finding.found_dt, sa.func.count(Finding.id).filter(Finding.premises_id.is_not(None)))
    rectified = per_quarter(Finding.closed_dt, sa.func.count(Finding.id).filter(
        Finding.premises_id.is_not(None), Finding.status == "verified"))
    return [Quarter(year, n, inspected.get(n, 0), found.get(n, 0), rectified.get(n, 0)) for n in range(1, 5)]
