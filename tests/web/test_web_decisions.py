"""On the pages too, nobody decides their own extension request, and a request for a day already past is
refused with the reason on the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from inspections.models import ExtensionRequest, Finding
from tests.conftest import inspection_payload
from tests.web.conftest import csrf_from, form_token


@pytest.fixture
def finding_id(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise(), inspected_dt=datetime.now(UTC).isoformat())
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert response.status_code == 201, response.json
    return response.json["findings"][0]["id"]


def _post(client, path, prefix, data):
    token = csrf_from(client.get(path.rsplit("/", 1)[0] if path.endswith("extension") else "/extensions")
                      .get_data(as_text=True))
    return client.post(path, data={f"{prefix}-csrf_token": token} | {f"{prefix}-{k}": v for k, v in data.items()})


def test_a_safety_manager_cannot_approve_their_own_request_on_the_pages(app, login, finding_id):
    both, _ = login("inspector", "safety_manager")
    with app.app_context():
        new = (db.session.get(Finding, finding_id).deadline + timedelta(days=10)).isoformat()
    requested = _post(both, f"/findings/{finding_id}/extension", "ext", {"new_deadline": new, "reason": "备件"})
    assert requested.status_code == 302
    listing = both.get("/extensions").get_data(as_text=True)
    assert "这是您本人的申请" in listing and 'name="decide-decision"' not in listing
    page = both.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert "这是您本人的申请" in page and 'name="decide-decision"' not in page
    refused = both.post(f"/findings/{finding_id}/extension/decision",
                        data={"decide-csrf_token": csrf_from(page),
                              "decide-decision": "approve"})
    assert refused.status_code in (403, 409) and "不得审批本人" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(ExtensionRequest.status)) == "pending"

    other, _ = login("safety_manager")
    listing = other.get("/extensions").get_data(as_text=True)
    decided = other.post(f"/findings/{finding_id}/extension/decision?back=extensions",
                         data={"decide-csrf_token": form_token(listing, "decide"), "decide-decision": "approve"})
    assert decided.status_code == 302
    with app.app_context():
        assert db.session.get(Finding, finding_id).deadline.isoformat() == new


def test_an_extension_to_a_past_day_is_refused_on_the_page(app, login, finding_id):
    inspector, _ = login("inspector")
    yesterday = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=1)).date().isoformat()
    response = _post(inspector, f"/findings/{finding_id}/extension", "ext",
                     {"new_deadline": yesterday, "reason": "材料未到"})
    assert response.status_code == 409 and "晚于今天" in response.get_data(as_text=True)
