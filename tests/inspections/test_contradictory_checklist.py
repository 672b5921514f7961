"""A checklist that marks an item passed or not applicable while the same inspection records a finding on that item
is refused as contradictory: a 422 at ``errors.json.checklist.<index>.result`` naming the item, nothing stored
(issue 13, closing rules)."""

import pytest
import sqlalchemy as sa

from core.db import db
from inspections.models import Finding, Inspection
from tests.conftest import inspection_payload


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _post(client, headers, payload):
    return client.post("/api/v1/inspections", headers=headers, json=payload)


@pytest.mark.parametrize("result", ["passed", "not_applicable"])
def test_an_item_with_a_finding_cannot_be_marked_passed_or_not_applicable(app, client, auth, make_enterprise,
                                                                           result):
    payload = inspection_payload(make_enterprise())
    payload["checklist"][1]["result"] = result  # HC-G-01, on which the finding is
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]["json"]
    assert list(errors) == ["checklist"] and list(errors["checklist"]) == ["1"]
    [message] = errors["checklist"]["1"]["result"]
    assert message == f"item HC-G-01 is marked {result} but this inspection records a finding on it"
    assert (_count(app, Inspection), _count(app, Finding)) == (0, 0)


def test_every_contradictory_row_is_named_at_its_index(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise(), checklist=[
        {"item_code": "HC-12", "result": "not_applicable"}, {"item_code": "HC-01", "result": "passed"},
        {"item_code": "HC-G-01", "result": "passed"}, {"item_code": "HC-G-02", "result": "failed"}])
    payload["findings"] = [{"item_code": code, "description": f"隐患 {code}", "category": "thing"}
                           for code in ("HC-G-01", "HC-12", "HC-G-02")]
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 422, response.json
    contradictions = response.json["errors"]["json"]["checklist"]
    assert sorted(contradictions) == ["0", "2"]
    assert "HC-12 is marked not_applicable" in contradictions["0"]["result"][0]
    assert "HC-G-01 is marked passed" in contradictions["2"]["result"][0]


def test_a_failed_item_with_its_finding_and_a_finding_on_no_item_are_accepted(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise())
    payload["findings"].append({"item_code": None, "description": "现场其他问题", "category": "management"})
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 201, response.json
    assert [f["item_code"] for f in response.json["findings"]] == ["HC-G-01", None]


def test_the_pages_outbox_path_gets_the_same_refusal(app, make_user, make_enterprise):
    """The tablet's outbox posts the inspection to the API with the browser's session and CSRF header."""
    from tests.web.conftest import PASSWORD, form_token

    browser = app.test_client()
    _, username = make_user("inspector")
    login = browser.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": form_token(browser.get("/login").get_data(as_text=True))})
    assert login.status_code == 302
    token = browser.get("/csrf-token").json["token"]
    payload = inspection_payload(make_enterprise())
    payload["checklist"][1]["result"] = "passed"
    response = browser.post("/api/v1/inspections", json=payload,
                            headers={"X-CSRFToken": token, "Accept-Language": "zh-CN"})
    assert response.status_code == 422, response.json
    assert "HC-G-01" in response.json["errors"]["json"]["checklist"]["1"]["result"][0]
    assert _count(app, Inspection) == 0
