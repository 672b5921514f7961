import uuid

from tests.conftest import inspection_payload


def test_versions_list_every_domain(client, auth):
    versions = client.get("/api/v1/checklists", headers=auth("inspector")).json
    assert {v["domain"] for v in versions} == {"hazardous_chemicals", "gas", "construction"}
    hc = next(v for v in versions if v["domain"] == "hazardous_chemicals")
    assert hc["standard"] == "安监总管三〔2017〕121号" and hc["effective_from"] == "2017-11-13"


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
