"""Demo rented premises: two shared factory buildings of the campaign against multi-tenant factories (群租厂房).

港城工业园3号厂房 is let by an enterprise to four small firms: one without a work safety management agreement, one
whose agreement expires in three weeks (the alert), two with theirs on file. 滨江路17号厂房 is let by a person
(name and phone only) to two firms, one agreement long expired. Each building was inspected: findings against the
landlord and against tenants, with the agreement findings the register calls for; the older one is partly
rectified. Goes through the services, so history, audit, cards and documents are real. Call ``seed()`` inside an
app context after the demo users exist; the caller commits.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from core.time import local_date, zone
from enterprises.models import Enterprise
from premises import service

TENANT_NAMES = ["鑫达五金加工厂", "华彩包装有限公司", "顺发仓储有限公司", "恒通电子配件厂", "宏达塑料制品厂",
                "永兴木业加工坊"]


def _agreement_pdf(tenant: str) -> bytes:
    """A one-page PDF standing for the signed agreement's scan."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, f"Work safety management agreement (demo) - tenant {tenant.encode().hex()[:12]}")
    page.save()
    return buffer.getvalue()


def _tenancy(premises, tenant: Enterprise, unit: str, start: date, actor_id: int, agreement: tuple | None = None):
    tenancy = service.add_tenancy(premises, {"enterprise_id": tenant.id, "unit": unit, "start_date": start,
                                             "end_date": None, "agreement_signed_on": None,
                                             "agreement_expires_on": None})
    if agreement is not None:
        service.set_agreement(tenancy, *agreement, _agreement_pdf(tenant.name), actor_id)
    return tenancy


def _inspect(premises, days_ago: int, crew: tuple[int, int], findings: list[dict], checklist: list[str],
             signatures: Callable | None = None):
    """A premises inspection ``days_ago``, every listed item failed; ``signatures(when)`` signs it on the tablet."""
    from inspections import service as inspections

    moment = datetime.combine(local_date() - timedelta(days=days_ago), time(9, 30), tzinfo=zone()).astimezone(UTC)
    ended = moment + timedelta(minutes=90)
    data = {
        "client_id": uuid.uuid5(uuid.NAMESPACE_URL, f"demo-premises-{premises.id}-{days_ago}"), "enterprise_id": None,
        "premises_id": premises.id, "domain": "premises", "inspected_dt": moment, "ended_dt": ended,
        "location": f"{premises.name}公共区域", "latitude": premises.latitude, "longitude": premises.longitude,
        "notes": "", "second_inspector_id": crew[1], **_person_in_charge(premises),
        "signatures": signatures(ended) if signatures else [],
        "checklist": [{"item_code": code, "result": "failed"} for code in checklist],
        "findings": [{"item_code": None, "severity": None, "deadline": None, "responsible_person": "",
                      "photo_ids": [], "party": "landlord", "enterprise_id": None} | f for f in findings],
    }
    inspection, _ = inspections.record(data, crew[0])
    return inspection


def _person_in_charge(premises) -> dict:
    """Who answers for the landlord on site: the landlord enterprise's contact, or the landlord in person."""
    landlord = premises.landlord_enterprise
    if landlord is not None:
        return {"contact_name": landlord.contact_name, "contact_title": "厂房管理负责人",
                "contact_phone": landlord.contact_phone}
    return {"contact_name": premises.landlord_name, "contact_title": "出租人", "contact_phone": premises.landlord_phone}


def seed(users: dict[str, int], credit_code: Callable[[int], str], signatures: Callable) -> str:
    """Both buildings, their landlords and tenants (new enterprises, codes from ``credit_code``), tenancies,
    agreements and inspections (the recent one signed: ``signatures(when)``). Returns a sentence for the demo's
    summary."""
    from core.db import db
    from inspections import findings as workflow

    landlord = Enterprise(name="港城工业园发展有限公司", credit_code=credit_code(5000), sector="general_industry",
                          zone="物流园", address="港城大道88号", contact_name="周国强", contact_phone="0512-55501234")
    tenants = [Enterprise(name=name, credit_code=credit_code(5001 + n), sector="general_industry", zone="物流园",
                          address="港城大道88号" if n < 4 else "滨江路17号", contact_name="店主",
                          contact_phone=f"1390000{n:04d}") for n, name in enumerate(TENANT_NAMES)]
    db.session.add_all([landlord, *tenants])
    db.session.flush()
    today, manager = local_date(), users["li.na"]
    crew = (users["zhang.wei"], users["zhao.min"])
    shared = service.create({"name": "港城工业园3号厂房", "address": "港城大道88号", "zone": "物流园",
                             "latitude": 31.9472, "longitude": 120.3711, "landlord_enterprise_id": landlord.id,
                             "landlord_name": "", "landlord_phone": "", "use": "factory", "floors": 3,
                             "area_m2": 5400.0})
    year_ago = today - timedelta(days=300)
    _tenancy(shared, tenants[0], "1楼A区", year_ago, manager)  # no agreement
    _tenancy(shared, tenants[1], "1楼B区", year_ago, manager, (year_ago, today + timedelta(days=200)))
    _tenancy(shared, tenants[2], "2楼", year_ago, manager, (year_ago, today + timedelta(days=20)))  # expiring
    _tenancy(shared, tenants[3], "3楼", year_ago, manager, (year_ago, today + timedelta(days=400)))
    riverside = service.create({"name": "滨江路17号厂房", "address": "滨江路17号", "zone": "西港区",
                                "latitude": 31.9301, "longitude": 120.3315, "landlord_enterprise_id": None,
                                "landlord_name": "张建国", "landlord_phone": "13905125566", "use": "factory_warehouse",
                                "floors": 2, "area_m2": 1600.0})
    long_ago = today - timedelta(days=700)
    _tenancy(riverside, tenants[4], "1楼", long_ago, manager, (long_ago, today - timedelta(days=300)))  # expired
    _tenancy(riverside, tenants[5], "2楼", long_ago, manager, (long_ago, today + timedelta(days=60)))
    recent = _inspect(shared, 6, crew, [
        {"item_code": "PRM-G-03", "description": "一层东侧消火栓被成品货物遮挡", "category": "thing"},
        {"item_code": "PRM-01", "description": "1楼A区车间内设员工宿舍，并存放天那水等易燃液体", "category": "thing",
         "party": "tenant", "enterprise_id": tenants[0].id},
        {"item_code": "PRM-G-07", "description": "1楼B区电线私拉乱接，插线板串接使用", "category": "thing",
         "party": "tenant", "enterprise_id": tenants[1].id},
    ], ["PRM-G-03", "PRM-01", "PRM-G-07"], signatures)
    older = _inspect(riverside, 45, crew, [
        {"item_code": "PRM-G-02", "description": "二楼疏散楼梯堆放木料，安全出口被锁闭", "category": "thing"},
        {"item_code": "PRM-G-05", "description": "1楼仓库内隔出员工住宿间，未作防火分隔", "category": "thing",
         "party": "tenant", "enterprise_id": tenants[4].id},
    ], ["PRM-G-02", "PRM-G-05"])
    exits = older.findings[0]
    workflow.transition(exits, "rectification_submitted", crew[1], "楼梯木料已清走，出口已开锁")
    workflow.transition(exits, "verified", manager, "现场复查合格")
    return (f"Rented premises: 2 shared buildings, {len(TENANT_NAMES)} tenants, "
            f"{len(recent.findings) + len(older.findings)} findings.")
