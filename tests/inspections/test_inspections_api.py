import uuid

import sqlalchemy as sa

from core.db import db
from inspections.models import Finding, Inspection
from tests.conftest import inspection_payload


def _post(client, headers, payload):
    return client.post("/api/v1/inspections", headers=headers, json=payload)


def test_inspection_is_stored_with_results_and_findings(client, auth, make_enterprise):
    enterprise = make_enterprise()
    response = _post(client, auth("inspector"), inspection_payload(enterprise))
    assert response.status_code == 201, response.json
    body = response.json
    assert [r["result"] for r in body["checklist"]] == ["passed", "failed"]
    [finding] = body["findings"]
    assert finding["status"] == "open" and finding["enterprise_id"] == enterprise
    # Inspected 2026-11-20 10:30 in Shanghai; HC-G-01's usual rectification time is 7 days.
    assert finding["deadline"] == "2026-11-27"


def test_retry_with_same_content_returns_the_stored_inspection(app, client, auth, make_enterprise):
    headers, payload = auth("inspector"), inspection_payload(make_enterprise())
    first = _post(client, headers, payload)
    retry = _post(client, headers, payload)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json == first.json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 1


def test_same_client_id_with_other_content_is_a_conflict(client, auth, make_enterprise):
    headers, payload = auth("inspector"), inspection_payload(make_enterprise())
    assert _post(client, headers, payload).status_code == 201
    response = _post(client, headers, payload | {"notes": "changed"})
    assert response.status_code == 409
    assert "client_id" in response.json["message"]


def test_same_client_id_from_another_inspector_is_a_conflict(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise())
    assert _post(client, auth("inspector"), payload).status_code == 201
    assert _post(client, auth("inspector"), payload).status_code == 409


def test_failed_item_without_finding_is_rejected(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise(), findings=[])
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 422
    assert "HC-G-01" in response.json["errors"]["json"]["findings"][0]


def test_unknown_enterprise_is_404_and_nothing_is_stored(app, client, auth):
    response = _post(client, auth("inspector"), inspection_payload(999))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 0


def test_invalid_fields_are_named(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise(), client_id="not-a-uuid", domain="mining",
                                 inspected_dt="2026-11-20T10:30:00")
    errors = _post(client, auth("inspector"), payload).json["errors"]["json"]
    assert set(errors) == {"client_id", "domain", "inspected_dt"}


def test_deadline_before_inspection_is_rejected(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise())
    payload["findings"][0]["deadline"] = "2026-11-01"
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 422 and "deadline" in response.json["message"]


def test_inspections_list_filters_by_enterprise(client, auth, make_enterprise):
    headers = auth("inspector")
    a, b = make_enterprise(), make_enterprise()
    for enterprise in (a, a, b):
        _post(client, headers, inspection_payload(enterprise, client_id=str(uuid.uuid4())))
    response = client.get(f"/api/v1/inspections?enterprise_id={a}", headers=headers)
    assert [i["enterprise_id"] for i in response.json] == [a, a]
    assert '"total": 2' in response.headers["X-Pagination"]
