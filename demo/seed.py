"""A realistic demo data set: enterprises of a Jiangsu port chemical zone, their inspections and findings.

Everything goes through the same services as the API, so the history and audit trail are real too.
Deterministic (fixed random seed) and relative to today, so there are always due-soon and overdue items.
"""

from __future__ import annotations

import base64
import io
import random
import uuid
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw

from accounts import service as accounts
from accounts.models import User
from checklists import service as checklists
from core.db import db
from core.time import local_date, zone
from documents import service as documents
from enterprises.credit_code import check_character
from enterprises.models import Enterprise
from inspections import findings as workflow
from inspections import service as inspections
from premises import demo as premises_demo
from remediation import demo as water_demo
from web.labels import DOMAIN_OF_SECTOR

PASSWORD = "demo-password"
USERS = [  # username, name, roles, law-enforcement certificate number (made up for the demo)
    ("admin", "系统管理员", ["admin"], ""),
    ("zhang.wei", "张伟", ["inspector"], "32058221001"),
    ("zhao.min", "赵敏", ["inspector"], "32058221002"),
    ("li.na", "李娜", ["safety_manager"], "32058221003"),
    ("chen.jie", "陈杰", ["env_staff"], ""),
]
SIGNED_DAYS = 30  # inspections of the last month were signed on the tablet and have their documents
ZONES = ["化工园区", "东港区", "西港区", "物流园"]
SECTOR_NAMES = {
    "hazardous_chemicals": ["化工", "石化", "精细化工", "新材料", "危化品仓储"],
    "town_gas": ["燃气", "液化气", "天然气"],
    "construction": ["建设工程", "建筑安装", "市政工程"],
    "port_dangerous_goods": ["港务", "码头", "液体化工码头"],
    "general_industry": ["机械", "纺织", "食品"],
}
# The industry-and-trade checklist's part each general-industry name calls for (工贸企业重大事故隐患判定标准).
SUB_SECTOR_OF_NAME = {"机械": "machinery", "纺织": "textiles", "食品": "light_industry"}
PLACES = ["港城", "长江", "滨江", "新港", "扬子", "金港", "海晨", "华润", "东华", "永兴", "宏达", "恒泰"]


def _credit_code(n: int) -> str:
    first17 = f"9132058{n:010d}"
    return first17 + check_character(first17)


def _users() -> dict[str, int]:
    ids = {}
    for username, full_name, roles, certificate_no in USERS:
        ids[username] = accounts.create_user(username, PASSWORD, roles, full_name=full_name,
                                             email=f"{username}@zone.example", certificate_no=certificate_no).id
    return ids


def _enterprises(rng: random.Random, count: int) -> list[Enterprise]:
    sectors = list(SECTOR_NAMES)
    rows = []
    for n in range(count):
        sector = sectors[n % len(sectors)]
        trade = rng.choice(SECTOR_NAMES[sector])
        rows.append(Enterprise(
            name=f"{rng.choice(PLACES)}{trade}有限公司（{n + 1:02d}）",
            credit_code=_credit_code(1000 + n),
            sector=sector,
            sub_sector=SUB_SECTOR_OF_NAME.get(trade, ""),
            features=["dust_explosion"] if trade in ("纺织", "食品") else [],
            zone=rng.choice(ZONES),
            address=f"港城大道{rng.randint(1, 999)}号",
            contact_name=rng.choice(["王强", "刘洋", "孙丽", "周杰", "吴敏"]),
            contact_phone=f"0512-5{rng.randint(1000000, 9999999)}",
            latitude=round(31.93 + rng.uniform(-0.05, 0.05), 5),
            longitude=round(120.35 + rng.uniform(-0.08, 0.08), 5),
        ))
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _signature(rng) -> str:
    """A pad drawing as the tablet sends it: a dark scribble on a transparent strip, as a PNG data URL."""
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    points = [(30 + 30 * n, rng.randint(40, 120)) for n in range(14)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 60, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _signatures(rng, when: datetime) -> list[dict]:
    """Both inspectors and the person in charge sign; now and then the person in charge refuses, before a
    witness."""
    rows = [{"role": role, "image": _signature(rng), "refused": False, "refusal_reason": "", "witness": "",
             "signed_dt": when} for role in ("lead", "second", "enterprise")]
    if rng.random() < 0.1:
        rows[2] |= {"image": None, "refused": True, "refusal_reason": "称需请示集团总部后再签",
                    "witness": "园区网格员 陆海"}
    return rows


def _inspection(rng, enterprise, inspector_id, second_id, days_ago: int, recheck=None):
    """An inspection through the domain's checklist: most items pass, a few fail, majors now and then. Those of
    the last ``SIGNED_DAYS`` are signed and have their record and order. ``recheck`` (a checklist item) makes it
    the re-inspection of that item: checked and passed, nothing else failed."""
    day = local_date() - timedelta(days=days_ago)
    moment = datetime.combine(day, time(rng.randint(8, 15), rng.choice([0, 15, 30, 45])), tzinfo=zone())
    domain = DOMAIN_OF_SECTOR[enterprise.sector]
    version = checklists.version_for(domain, day)
    parts = version.applicable_parts(enterprise)
    items = [i for i in version.items if parts is None or i.part in parts]
    general = [i for i in items if not i.is_major]
    failed = [] if recheck else rng.sample(general, k=rng.choice([0, 1, 1, 2, 3]))
    majors = [i for i in items if i.is_major]  # none where the determination items are not loaded
    if not recheck and majors and rng.random() < 0.12:
        failed.append(rng.choice(majors))
    checked = {i.code for i in failed} | {i.code for i in rng.sample(items, k=min(8, len(items)))}
    checked |= {recheck.code} if recheck else set()
    ended = moment + timedelta(minutes=rng.choice([45, 60, 90, 120]))
    data = {
        "client_id": uuid.UUID(int=rng.getrandbits(128)), "enterprise_id": enterprise.id, "domain": domain,
        "inspected_dt": moment.astimezone(UTC), "location": enterprise.address, "latitude": enterprise.latitude,
        "longitude": enterprise.longitude, "notes": "", "ended_dt": ended.astimezone(UTC),
        "second_inspector_id": second_id, "contact_name": enterprise.contact_name,
        "contact_title": rng.choice(["安全总监", "安全环保部经理", "总经理"]),
        "contact_phone": enterprise.contact_phone,
        "signatures": _signatures(rng, ended.astimezone(UTC)) if days_ago <= SIGNED_DAYS and not recheck else [],
        "checklist": [{"item_code": code, "result": "failed" if code in {i.code for i in failed} else "passed"}
                      for code in sorted(checked)],
        "findings": [{"item_code": item.code, "description": item.text_zh, "category": item.category,
                      "severity": None, "deadline": None, "responsible_person": enterprise.contact_name,
                      "photo_ids": []} for item in failed],
    }
    inspection, _ = inspections.record(data, inspector_id)
    return inspection


def _submit(finding, actor_id: int, note: str, days_after: int) -> None:
    """The rectification reported done ``days_after`` the finding, as it happened then (the demo writes a past)."""
    workflow.transition(finding, "rectification_submitted", actor_id, note)
    finding.events[-1].created_dt = finding.found_dt + timedelta(days=days_after)


def _progress(rng, inspection, manager_id: int) -> None:
    """Older findings have mostly been rectified and verified; recent ones are still open. The inspector
    submits the rectification and someone else verifies it: a general hazard the manager, a major one by an
    on-site re-inspection of its item, which issues the 整改复查意见书."""
    for finding in inspection.findings:
        age = (local_date() - local_date(finding.found_dt)).days
        if age > 20 and rng.random() < 0.7:
            _submit(finding, inspection.inspector_id, "已整改，附整改照片", 5)
            if finding.severity == "major":
                item = next(i for i in inspection_items(inspection) if i.code == finding.item_code)
                recheck = _inspection(rng, inspection.enterprise, inspection.second_inspector_id,
                                      inspection.inspector_id, age - 10, recheck=item)
                documents.reinspect(recheck, [(finding, True, "")], documents.OPINIONS[True], manager_id)
            else:
                workflow.transition(finding, "verified", manager_id, "现场复查合格")
        elif age > 10 and rng.random() < 0.3:
            _submit(finding, inspection.inspector_id, "已提交整改报告", 3)


def inspection_items(inspection):
    """The items of the checklist the inspection used."""
    return checklists.version_for(inspection.domain, local_date(inspection.inspected_dt)).items


def _correction(actor_id: int) -> None:
    """One order corrected after it was issued (the person in charge's title was written wrongly): both kept."""
    from documents.models import ORDER, Document
    from inspections.models import Inspection

    first = db.session.scalar(sa.select(Document).where(Document.kind == ORDER).order_by(Document.id).limit(1))
    if first is not None:
        inspection = db.session.get(Inspection, first.inspection_id)
        title = "安全总监" if inspection.contact_title != "安全总监" else "总经理"
        documents.correct(first, "被检查单位负责人职务填写有误，予以更正", actor_id, changes={"contact_title": title})


def run(enterprise_count: int = 36) -> str:
    if db.session.scalar(sa.select(User.id).where(User.username == "admin")):
        return "Demo data already present; nothing changed."
    rng = random.Random(20261125)
    checklists.sync_from_files()
    users = _users()
    water = water_demo.seed(users["chen.jie"], users["li.na"])
    inspectors = [users["zhang.wei"], users["zhao.min"]]
    enterprises = _enterprises(rng, enterprise_count)
    inspections_made = 0
    for enterprise in enterprises:
        for days_ago in sorted(rng.sample(range(1, 120), k=rng.randint(1, 4)), reverse=True):
            lead, second = rng.sample(inspectors, 2)
            inspection = _inspection(rng, enterprise, lead, second, days_ago)
            _progress(rng, inspection, users["li.na"])
            inspections_made += 1
    rented = premises_demo.seed(users, _credit_code, lambda when: _signatures(rng, when))
    _correction(users["li.na"])
    logins = ", ".join(username for username, *_ in USERS)
    return (f"Demo data: {len(enterprises)} enterprises, {inspections_made} inspections. {water} {rented} "
            f"Log in as {logins} with password {PASSWORD!r}.")
