"""Findings cite their standard: number, title, version and clause, copied from the checklist item when the finding
is made (issue 13), shown in the API's JSON, and backfilled by the migration for findings made before."""

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from checklists.models import ChecklistItem
from core.db import db
from inspections.models import Finding
from tests.conftest import inspection_payload

HC_STANDARD = ("安监总管三〔2017〕121号", "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）", "2017")
LAW = ("中华人民共和国安全生产法", "中华人民共和国安全生产法", "2021")  # an item citing a law names the law
GAS_STANDARD = ("建城规〔2023〕4号", "城镇燃气经营安全重大隐患判定标准", "2023")
BASIS = ("standard", "standard_title", "standard_version", "clause")


def _record(client, auth, enterprise, domain, items_and_findings):
    """Record one inspection failing each ``(item_code or None)`` with a finding on it; its JSON."""
    findings = [{"item_code": code, "description": f"隐患 {code}", "category": "thing"}
                for code in items_and_findings]
    payload = inspection_payload(enterprise, domain=domain, inspected_dt=datetime.now(UTC).isoformat(),
                                 checklist=[{"item_code": code, "result": "failed"}
                                            for code in items_and_findings if code],
                                 findings=findings)
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert response.status_code == 201, response.json
    return response.json


def _basis(finding: dict) -> tuple:
    return tuple(finding[name] for name in BASIS)


@pytest.mark.parametrize(("domain", "code", "expected"), [
    ("hazardous_chemicals", "HC-12", (*HC_STANDARD, "第十二项")),
    ("hazardous_chemicals", "HC-G-01", (*LAW, "第三十五条")),
    ("hazardous_chemicals", "HC-G-02", (*LAW, "第三十六条")),
    ("gas", "GAS-M-01", (*GAS_STANDARD, "第四条第（一）项")),
    ("gas", "GAS-G-01", (*LAW, "第三十五条")),
    ("hazardous_chemicals", None, ("", "", "", "")),
])
def test_a_finding_cites_its_items_standard_and_clause(app, client, auth, make_enterprise, domain, code, expected):
    inspection = _record(client, auth, make_enterprise(), domain, [code])
    [created] = inspection["findings"]
    assert _basis(created) == expected
    finding_id = created["id"]
    shown = client.get(f"/api/v1/findings/{finding_id}", headers=auth("safety_manager")).json
    assert _basis(shown) == expected
    listed = client.get("/api/v1/findings?status=open", headers=auth("safety_manager")).json
    assert [_basis(f) for f in listed if f["id"] == finding_id] == [expected]
    again = client.get(f"/api/v1/inspections/{inspection['id']}", headers=auth("inspector")).json
    assert _basis(again["findings"][0]) == expected
    with app.app_context():
        row = db.session.get(Finding, finding_id)
        assert tuple(getattr(row, name) for name in BASIS) == expected


@pytest.mark.parametrize(("domain", "code", "zh", "en"), [
    ("hazardous_chemicals", "HC-G-01", "《中华人民共和国安全生产法》第三十五条",
     "Work Safety Law of the People's Republic of China, Art. 35"),
    ("gas", "GAS-M-01", "《城镇燃气经营安全重大隐患判定标准》（建城规〔2023〕4号）第四条第（一）项",
     "Town Gas Operation Major Hazard Criteria (MOHURD Jian Cheng Gui [2023] No. 4), Art. 4(1)"),
    ("hazardous_chemicals", None, "", ""),
])
def test_a_finding_says_its_basis_by_name_number_and_clause_never_a_bare_clause(client, auth, make_enterprise,
                                                                               domain, code, zh, en):
    [created] = _record(client, auth, make_enterprise(), domain, [code])["findings"]
    assert (created["citation_zh"], created["citation_en"]) == (zh, en)


def test_the_citation_is_kept_when_the_checklist_changes_later(app, client, auth, make_enterprise):
    """Copied when the finding is made: an administrator's later edit of the item does not rewrite it."""
    finding_id = _record(client, auth, make_enterprise(), "hazardous_chemicals", ["HC-G-01"])["findings"][0]["id"]
    with app.app_context():
        item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "HC-G-01"))
        before = item.clause
        item.clause = "第三十六条"
        db.session.commit()
    try:
        shown = client.get(f"/api/v1/findings/{finding_id}", headers=auth("inspector")).json
        assert _basis(shown) == (*LAW, "第三十五条")
    finally:
        with app.app_context():  # the checklists are loaded once per run: put the item back
            db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "HC-G-01")).clause = before
            db.session.commit()


def test_the_citation_is_read_only_in_the_api(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise())
    payload["findings"][0] |= {"standard": "伪造标准", "clause": "第一条"}
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]["findings"]["0"]) == {"standard", "clause"}


# ---- the migration: findings made before 65b1e6c24c6b are backfilled --------------------------------------

def test_the_migration_backfills_the_citation_of_existing_findings(tmp_path):
    """A database at b8d4f2a1c3e5 with checklist items and findings (on a determination item, on a general item
    citing the Work Safety Law, on a local item, on an item no longer known, on no item), upgraded."""
    from flask_migrate import upgrade

    from app import create_app
    from tests.conftest import PG_URL
    from tests.databases import fresh_database

    with fresh_database(tmp_path, PG_URL) as uri:
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_DIR": str(tmp_path / "uploads")})
        with app.app_context():
            upgrade(revision="b8d4f2a1c3e5")
            with db.engine.begin() as conn:
                def run(sql, **params):
                    conn.execute(sa.text(sql), params)

                run("INSERT INTO users (id, username, full_name, password_hash, is_active, created_dt, session_token) "
                    "VALUES (1, 'a', 'a', 'x', true, '2026-11-01', :token)", token=uuid.uuid4().hex)
                run("INSERT INTO enterprises (id, name, credit_code, sector, zone, address, contact_name, "
                    "contact_phone, created_dt) VALUES (1, 'e', 'c', 'hazardous_chemicals', 'z', '', '', '', "
                    "'2026-11-01')")
                run("INSERT INTO checklist_versions (id, domain, standard, title_zh, title_en, version, "
                    "effective_from) VALUES (1, 'hazardous_chemicals', :standard, :title, 'x', '2017', '2017-11-13')",
                    standard=HC_STANDARD[0], title=HC_STANDARD[1])
                for n, (code, clause, local) in enumerate([("HC-12", "第十二项", False),
                                                           ("HC-G-01", "第三十五条", False),
                                                           ("LOCAL-01", "园区管理规定第三条", True)], start=1):
                    run("INSERT INTO checklist_items (id, version_id, code, text_zh, text_en, category, is_major, "
                        "clause, is_local) VALUES (:id, 1, :code, 't', 't', 'thing', false, :clause, :local)",
                        id=n, code=code, clause=clause, local=local)
                run("INSERT INTO inspections (id, client_id, payload_sha256, enterprise_id, domain, inspector_id, "
                    "inspected_dt, location, notes, created_dt) VALUES (1, 'c', 'p', 1, 'hazardous_chemicals', 1, "
                    "'2026-11-01', '', '', '2026-11-01')")
                for n, code in enumerate(["HC-12", "HC-G-01", "LOCAL-01", "HC-99", None], start=1):
                    run("INSERT INTO findings (id, inspection_id, enterprise_id, item_code, description, category, "
                        "severity, deadline, responsible_person, status, found_dt, updated_dt) VALUES (:id, 1, 1, "
                        ":code, 'd', 'thing', 'general', '2026-12-01', '', 'open', '2026-11-01', '2026-11-01')",
                        id=n, code=code)
            upgrade(revision="65b1e6c24c6b")
            with db.engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT item_code, standard, standard_title, standard_version, clause "
                                            "FROM findings ORDER BY id")).all()
            db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("HC-12", *HC_STANDARD, "第十二项"),
        ("HC-G-01", *LAW, "第三十五条"),  # the law the item cites, not the determination standard
        ("LOCAL-01", *HC_STANDARD, "园区管理规定第三条"),  # a local item: its version's standard
        ("HC-99", "", "", "", ""),  # an item no longer known: nothing invented
        (None, "", "", "", ""),
    ]
