"""A tablet's outbox resends a rectification, verification or extension request until it has the answer: with
the client_id it made for that submission, the resent copy is answered with the finding and nothing is stored
twice (issue 15, the tablet offline)."""

import io
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from core.db import db
from inspections.models import ExtensionRequest, FindingEvent
from photos.models import FindingPhoto
from tests.conftest import at_once, inspection_payload, requires_postgres


def _photo(client, headers) -> int:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 90)).save(buffer, "JPEG")
    response = client.post("/api/v1/photos", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(buffer.getvalue()), "after.jpg", "image/jpeg")})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _events(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(FindingEvent)
                                 .where(FindingEvent.action == action))


@pytest.fixture
def finding(client, auth, make_enterprise):
    """(inspector's headers, id of an open general finding they recorded)."""
    headers = auth("inspector")
    response = client.post("/api/v1/inspections", headers=headers, json=inspection_payload(make_enterprise()))
    assert response.status_code == 201, response.json
    return headers, response.json["findings"][0]["id"]


def test_a_resent_rectification_is_stored_once_with_its_photo(app, client, finding):
    headers, finding_id = finding
    body = {"client_id": str(uuid.uuid4()), "note": "已更换警示标志", "photo_ids": [_photo(client, headers)]}
    first = client.post(f"/api/v1/findings/{finding_id}/rectification", headers=headers, json=body)
    again = client.post(f"/api/v1/findings/{finding_id}/rectification", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (200, 200), again.json
    assert again.json["status"] == first.json["status"] == "rectification_submitted"
    assert again.json["events"] == first.json["events"]
    assert _events(app, "rectification_submitted") == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FindingPhoto)
                                 .where(FindingPhoto.kind == "rectification")) == 1

    # Without an id, or with a new one, a second rectification is a second request: refused by the status.
    for other in ({}, {"client_id": str(uuid.uuid4())}):
        refused = client.post(f"/api/v1/findings/{finding_id}/rectification", headers=headers,
                              json={"note": "again"} | other)
        assert refused.status_code == 409, refused.json
    assert _events(app, "rectification_submitted") == 1


def test_a_client_id_used_for_another_request_is_refused_at_client_id(app, client, auth, finding):
    headers, finding_id = finding
    client_id = str(uuid.uuid4())
    assert client.post(f"/api/v1/findings/{finding_id}/rectification", headers=headers,
                       json={"client_id": client_id, "note": "已整改"}).status_code == 200
    changed = client.post(f"/api/v1/findings/{finding_id}/rectification", headers=headers,
                          json={"client_id": client_id, "note": "另一段说明"})
    assert changed.status_code == 409 and "client_id" in changed.json["errors"]["json"], changed.json
    by_another = client.post(f"/api/v1/findings/{finding_id}/verification", headers=auth("safety_manager"),
                             json={"client_id": client_id, "accepted": True})
    assert by_another.status_code == 409 and "client_id" in by_another.json["errors"]["json"], by_another.json
    assert _events(app, "verified") == 0


def test_a_resent_verification_answers_with_the_finding_and_a_second_verifier_is_refused(app, client, auth, finding):
    """The resent copy of a decision that closed the finding is not refused as "already verified" (the outbox
    would show a refusal for work that arrived); someone else's decision after it is."""
    headers, finding_id = finding
    assert client.post(f"/api/v1/findings/{finding_id}/rectification", headers=headers,
                       json={"note": "已整改"}).status_code == 200
    manager = auth("safety_manager")
    body = {"client_id": str(uuid.uuid4()), "accepted": True, "note": "现场核实"}
    answers = [client.post(f"/api/v1/findings/{finding_id}/verification", headers=manager, json=body)
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.json["status"] for a in answers} == {"verified"}
    assert _events(app, "verified") == 1
    late = client.post(f"/api/v1/findings/{finding_id}/verification", headers=auth("safety_manager"),
                       json={"client_id": str(uuid.uuid4()), "accepted": False, "note": "不合格"})
    assert late.status_code == 409, late.json
    assert _events(app, "rejected") == 0


def test_a_resent_extension_request_is_one_request(app, client, finding):
    headers, finding_id = finding
    deadline = date.fromisoformat(client.get(f"/api/v1/findings/{finding_id}", headers=headers).json["deadline"])
    body = {"client_id": str(uuid.uuid4()), "new_deadline": (deadline + timedelta(days=5)).isoformat(),
            "reason": "设备到货延迟"}
    first = client.post(f"/api/v1/findings/{finding_id}/extension", headers=headers, json=body)
    again = client.post(f"/api/v1/findings/{finding_id}/extension", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201), again.json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest)) == 1
    assert _events(app, "extension_requested") == 1


@requires_postgres
def test_copies_sent_at_once_store_one_rectification(app, client, finding):
    """Two tabs of one tablet sending the same queued rectification at the same moment: one event, every copy
    answered with the finding (the losers by the unique client_id or the status the winner moved)."""
    headers, finding_id = finding
    body = {"client_id": str(uuid.uuid4()), "note": "已整改", "photo_ids": [_photo(client, headers)]}
    statuses = at_once(6, lambda: app.test_client().post(f"/api/v1/findings/{finding_id}/rectification",
                                                          headers=headers, json=body).status_code)
    assert statuses == [200] * 6
    assert _events(app, "rectification_submitted") == 1
