import uuid

import pytest

from core.time import local_date
from risk_rules.checklists import DOMAINS
from tests.conftest import credit_code, inspection_payload


def test_versions_list_every_domain(client, auth):
    versions = client.get("/api/v1/checklists", headers=auth("inspector")).json
    assert {v["domain"] for v in versions} == set(DOMAINS)
    hc = next(v for v in versions if v["domain"] == "hazardous_chemicals")
    assert hc["standard"] == "安监总管三〔2017〕121号" and hc["effective_from"] == "2017-11-13"
    assert all(v["source"] for v in versions)  # every file says where its text was taken from


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_has_a_checklist_in_force_today(app, client, auth, domain):
    with app.app_context():
        today = local_date().isoformat()
    body = client.get(f"/api/v1/checklists/{domain}", headers=auth("inspector")).json
    assert body["items"] and body["effective_from"] <= today
    assert body["effective_to"] is None or body["effective_to"] >= today


def test_a_newer_edition_in_force_without_its_items_is_said_plainly(client, auth):
    headers = auth("inspector")
    before = client.get("/api/v1/checklists/hazardous_chemicals?on=2026-09-29", headers=headers).json
    after = client.get("/api/v1/checklists/hazardous_chemicals?on=2026-09-30", headers=headers).json
    assert before["standard"] == after["standard"] == "安监总管三〔2017〕121号"  # the old edition stays in use
    assert before["notice"] is None
    assert after["notice"] == {"standard": "AQ 3067—2026", "effective_from": "2026-09-30",
                               "title_zh": "化工和危险化学品生产经营企业重大生产安全事故隐患判定准则",
                               "title_en": after["notice"]["title_en"]}
    assert before["successor"] == after["notice"]


def test_items_carry_their_citation_in_both_languages(client, auth):
    body = client.get("/api/v1/checklists/gas", headers=auth("inspector")).json
    law = next(i for i in body["items"] if i["code"] == "GAS-G-01")
    assert law["citation_zh"] == "《中华人民共和国安全生产法》第三十五条"
    assert law["citation_en"] == "Work Safety Law of the People's Republic of China, Art. 35"
    major = next(i for i in body["items"] if i["code"] == "GAS-M-01")
    assert major["citation_zh"] == "《城镇燃气经营安全重大隐患判定标准》（建城规〔2023〕4号）第四条第（一）项"


def test_the_enterprise_sub_sector_and_features_say_which_parts_apply(client, auth, make_enterprise):
    headers = auth("inspector")
    unknown = make_enterprise(sector="general_industry")
    machinery = make_enterprise(sector="general_industry", sub_sector="machinery", features=["dust_explosion"])
    whole = client.get("/api/v1/checklists/industry_trade", headers=headers).json
    assert [p["code"] for p in whole["parts"]][:3] == ["general", "law", "metallurgy"]
    assert whole["applicable_parts"] is None
    assert {i["part"] for i in whole["items"]} == {p["code"] for p in whole["parts"]}
    for enterprise, expected in ((unknown, None), (machinery, ["dust_explosion", "general", "law", "machinery"])):
        body = client.get(f"/api/v1/checklists/industry_trade?enterprise_id={enterprise}", headers=headers).json
        assert body["applicable_parts"] == expected
    missing = client.get("/api/v1/checklists/industry_trade?enterprise_id=999999", headers=headers)
    assert missing.status_code == 404
    assert missing.json["errors"] == {"query": {"enterprise_id": ["enterprise 999999 not found"]}}


def test_sub_sector_and_features_are_checked_and_kept_in_order(client, auth):
    headers = auth("admin")
    made = client.post("/api/v1/enterprises", headers=headers, json={
        "name": "港区机械厂", "credit_code": credit_code(777), "sector": "general_industry", "sub_sector": "machinery",
        "features": ["confined_space", "dust_explosion", "confined_space"]})
    assert made.status_code == 201
    assert made.json["features"] == ["dust_explosion", "confined_space"]
    bad = client.patch(f"/api/v1/enterprises/{made.json['id']}", headers=headers,
                       json={"sub_sector": "mining", "features": ["lasers"]})
    assert bad.status_code == 422
    assert set(bad.json["errors"]["json"]) == {"sub_sector", "features"}


def test_domain_checklist_has_bilingual_items_with_their_basis(client, auth):
    body = client.get("/api/v1/checklists/hazardous_chemicals", headers=auth("inspector")).json
    majors = [i for i in body["items"] if i["is_major"]]
    assert [i["code"] for i in majors] == [f"HC-{n:02d}" for n in range(1, 21)]
    item = next(i for i in body["items"] if i["code"] == "HC-12")
    assert item["clause"] == "第十二项" and item["text_zh"] and item["text_en"]


def test_checklist_by_date_and_unknown_domain(client, auth):
    headers = auth("inspector")
    assert client.get("/api/v1/checklists/gas?on=2020-01-01", headers=headers).status_code == 404
    assert client.get("/api/v1/checklists/mining", headers=headers).status_code == 404


def test_admin_adds_a_local_item_that_inspections_can_use(client, auth, make_enterprise):
    item = {"code": "HC-L-01", "text_zh": "园区自定：装卸车辆未熄火", "text_en": "Local: engine running while loading",
            "category": "person", "is_major": False}
    added = client.post("/api/v1/checklists/hazardous_chemicals/items", headers=auth("admin"), json=item)
    assert added.status_code == 201 and added.json["is_local"] is True
    assert client.post("/api/v1/checklists/hazardous_chemicals/items", headers=auth("admin"),
                       json=item).status_code == 409
    payload = inspection_payload(make_enterprise(), checklist=[{"item_code": "HC-L-01", "result": "failed"}],
                                 findings=[{"item_code": "HC-L-01", "description": "d", "category": "person"}])
    created = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert created.status_code == 201
    assert created.json["findings"][0]["deadline"] == "2026-12-05"  # general default: 15 days


def test_inspection_with_an_item_of_another_checklist_is_rejected(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise(), client_id=str(uuid.uuid4()),
                                 checklist=[{"item_code": "GAS-M-01", "result": "passed"}], findings=[])
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert response.status_code == 422
    assert "GAS-M-01" in response.json["errors"]["json"]["checklist"][0]


def test_a_local_item_goes_into_one_of_the_standards_parts_or_none(client, auth):
    headers = auth("admin")
    item = {"code": "IT-LOCAL-01", "text_zh": "园区自定：车间内电动自行车充电", "text_en": "Local: e-bike charging",
            "category": "thing", "is_major": False, "default_deadline_days": 3}
    wrong = client.post("/api/v1/checklists/industry_trade/items", headers=headers, json=item | {"part": "mining"})
    assert wrong.status_code == 422 and "general" in wrong.json["errors"]["json"]["part"][0]
    added = client.post("/api/v1/checklists/industry_trade/items", headers=headers, json=item | {"part": "law"})
    assert added.status_code == 201 and added.json["part"] == "law"
    flat = client.post("/api/v1/checklists/gas/items", headers=headers, json=item | {"code": "GAS-L-09", "part": "x"})
    assert flat.status_code == 422 and "no parts" in flat.json["errors"]["json"]["part"][0]


def test_a_local_item_is_general_and_cites_its_own_document_never_a_bare_clause(client, auth, make_enterprise):
    headers = auth("admin")
    item = {"code": "PRM-L-01", "text_zh": "园区自定：厂房内电动自行车充电", "text_en": "Local: e-bikes charged inside",
            "category": "thing", "is_major": False, "default_deadline_days": 3, "clause": "第十二条"}
    bare = client.post("/api/v1/checklists/premises/items", headers=headers, json=item | {"is_major": True})
    assert bare.status_code == 422
    assert set(bare.json["errors"]["json"]) == {"is_major", "standard"}
    added = client.post("/api/v1/checklists/premises/items", headers=headers,
                        json=item | {"standard": "港区出租厂房安全管理规定"})
    assert added.status_code == 201
    assert added.json["citation_zh"] == "《港区出租厂房安全管理规定》第十二条"
    assert added.json["citation_en"] == "港区出租厂房安全管理规定, Art. 12"
    plain = client.post("/api/v1/checklists/gas/items", headers=headers, json={
        "code": "GAS-L-01", "text_zh": "园区自定：瓶装液化气钢瓶露天暴晒", "text_en": "Local: cylinders in the sun",
        "category": "thing", "is_major": False})
    assert plain.status_code == 201 and plain.json["citation_zh"] == ""
    payload = inspection_payload(make_enterprise(sector="town_gas"), domain="gas",
                                 checklist=[{"item_code": "GAS-L-01", "result": "failed"}],
                                 findings=[{"item_code": "GAS-L-01", "description": "钢瓶暴晒", "category": "thing"}])
    finding = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload).json["findings"][0]
    assert (finding["standard"], finding["clause"], finding["citation_zh"]) == ("", "", "")  # not the 建城规's
