import io
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image

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


# ---- a retry written differently is the same content (issue 12, item 20) --------------------------------

def _photo(client, headers, seed: int) -> int:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (seed * 80 % 256, 90, 200)).save(buffer, "JPEG")
    response = client.post("/api/v1/photos", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(buffer.getvalue()), "p.jpg", "image/jpeg")})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _reversed_keys(value):
    if isinstance(value, dict):
        return {k: _reversed_keys(v) for k, v in reversed(value.items())}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


# (first form, the retry's form): each pair is stored the same, so the retry is the same submission.
SAME_CONTENT = {
    "offset-z-and-local": ({"inspected_dt": "2026-11-20T10:30:00+08:00"}, {"inspected_dt": "2026-11-20T02:30:00Z"}),
    "offset-other-zone": ({"inspected_dt": "2026-11-20T02:30:00+00:00"}, {"inspected_dt": "2026-11-19T21:30:00-05:00"}),
    "fraction-zeros": ({"inspected_dt": "2026-11-20T02:30:00Z"}, {"inspected_dt": "2026-11-20T02:30:00.000000Z"}),
    "fraction-beyond-microseconds": ({"inspected_dt": "2026-11-20T02:30:00.123456Z"},
                                     {"inspected_dt": "2026-11-20T10:30:00.1234569+08:00"}),
    "gps-int-float-string": ({"latitude": 31, "longitude": 120.5}, {"latitude": 31.0, "longitude": "120.50"}),
    "gps-exponent": ({"latitude": 31.96}, {"latitude": 3.196e1}),
    "checklist-order": ({}, {"checklist": [{"item_code": "HC-G-01", "result": "failed"},
                                           {"item_code": "HC-01", "result": "passed"}]}),
    "severity-default-spelt-out": ({"findings": [{"item_code": None, "description": "d", "category": "thing"}],
                                    "checklist": []},
                                   {"findings": [{"item_code": None, "description": "d", "category": "thing",
                                                  "severity": "general"}], "checklist": []}),
    "defaults-spelt-out": ({}, {"notes": "", "latitude": None, "longitude": None}),
}


@pytest.mark.parametrize("forms", SAME_CONTENT.values(), ids=SAME_CONTENT.keys())
def test_a_retry_written_differently_is_the_same_submission(app, client, auth, make_enterprise, forms):
    first_form, retry_form = forms
    headers, payload = auth("inspector"), inspection_payload(make_enterprise())
    first = _post(client, headers, payload | first_form)
    assert first.status_code == 201, first.json
    retry = _post(client, headers, _reversed_keys(payload | retry_form))
    assert retry.status_code == 200, retry.json
    assert retry.json == first.json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1


def test_photo_ids_in_another_order_or_repeated_are_the_same_submission(client, auth, make_enterprise):
    headers = auth("inspector")
    one, two = _photo(client, headers, 1), _photo(client, headers, 2)
    payload = inspection_payload(make_enterprise())
    payload["findings"][0]["photo_ids"] = [one, two]
    first = _post(client, headers, payload)
    assert first.status_code == 201, first.json
    payload["findings"][0]["photo_ids"] = [two, one, two]
    retry = _post(client, headers, payload)
    assert retry.status_code == 200, retry.json
    assert retry.json == first.json


DIFFERENT_CONTENT = {
    "another-instant": {"inspected_dt": "2026-11-20T02:30:01Z"},
    "another-microsecond": {"inspected_dt": "2026-11-20T02:30:00.000001Z"},
    "other-gps": {"latitude": 31.0000001},
    "other-text": {"location": "罐区 "},
    "other-severity": {"findings": [{"item_code": "HC-G-01", "description": "装卸区安全警示标志缺失",
                                     "category": "thing", "responsible_person": "王工", "severity": "major"}]},
    "other-result": {"checklist": [{"item_code": "HC-01", "result": "not_applicable"},
                                   {"item_code": "HC-G-01", "result": "failed"}]},
}


@pytest.mark.parametrize("change", DIFFERENT_CONTENT.values(), ids=DIFFERENT_CONTENT.keys())
def test_a_retry_with_other_content_is_still_a_conflict(client, auth, make_enterprise, change):
    headers, payload = auth("inspector"), inspection_payload(make_enterprise())
    assert _post(client, headers, payload).status_code == 201
    response = _post(client, headers, payload | change)
    assert response.status_code == 409, response.json


def test_a_retry_of_an_inspection_stored_before_the_normalised_digest_is_recognised(app, client, auth,
                                                                                     make_enterprise):
    """Rows written before issue 12 hold the digest of the loaded payload as it was: a tablet that lost the
    answer across the deploy and resends the same body gets its inspection (200), not a 409."""
    import hashlib
    import json

    from inspections.schemas import InspectionCreateSchema

    headers, payload = auth("inspector"), inspection_payload(make_enterprise(),
                                                             inspected_dt="2026-11-20T10:30:00+08:00")
    first = _post(client, headers, payload)
    assert first.status_code == 201
    with app.app_context():
        loaded = InspectionCreateSchema().load(payload)
        # as the schema of the time loaded it: without the fields premises inspections added later
        del loaded["premises_id"]
        for finding in loaded["findings"]:
            del finding["party"], finding["enterprise_id"]
        legacy = json.dumps(loaded, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
        db.session.get(Inspection, first.json["id"]).payload_sha256 = hashlib.sha256(legacy.encode()).hexdigest()
        db.session.commit()
    retry = _post(client, headers, payload)
    assert retry.status_code == 200 and retry.json == first.json
    assert _post(client, headers, payload | {"notes": "changed"}).status_code == 409
