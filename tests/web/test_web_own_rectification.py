"""On the pages too, whoever submitted a rectification cannot verify or reject it (issue 13, closing rules): the
refusal is shown on the page with the reason, and another inspector or safety manager decides."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.db import db
from inspections.models import Finding
from tests.conftest import inspection_payload
from tests.web.conftest import form_token

SUBMITTERS = [("inspector",), ("safety_manager",), ("admin", "inspector", "safety_manager")]


@pytest.fixture
def finding_id(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise(), inspected_dt=datetime.now(UTC).isoformat())
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert response.status_code == 201, response.json
    return response.json["findings"][0]["id"]


def _post(client, finding_id, action, prefix, data):
    token = form_token(client.get(f"/findings/{finding_id}").get_data(as_text=True), prefix)
    return client.post(f"/findings/{finding_id}/{action}",
                       data={f"{prefix}-csrf_token": token} | {f"{prefix}-{k}": v for k, v in data.items()})


def _status(app, finding_id):
    with app.app_context():
        return db.session.get(Finding, finding_id).status


@pytest.mark.parametrize("decision", [{"decision": "accept", "note": ""},
                                      {"decision": "reject", "note": "警示标志位置不对"}], ids=["verify", "reject"])
@pytest.mark.parametrize("roles", SUBMITTERS, ids="+".join)
def test_the_submitter_cannot_decide_on_the_page(app, login, finding_id, roles, decision):
    submitter, _ = login(*roles)
    assert _post(submitter, finding_id, "rectification", "rect", {"note": "已补设警示标志"}).status_code == 302
    refused = _post(submitter, finding_id, "verification", "verify", decision)
    assert refused.status_code == 403
    assert "提交整改的人不得验收或驳回本人提交的整改" in refused.get_data(as_text=True)
    assert _status(app, finding_id) == "rectification_submitted"

    other, _ = login("safety_manager")
    assert _post(other, finding_id, "verification", "verify", decision).status_code == 302
    assert _status(app, finding_id) == ("verified" if decision["decision"] == "accept" else "open")


def test_the_refusal_reads_in_english_too(login, finding_id):
    submitter, _ = login("inspector")
    _post(submitter, finding_id, "rectification", "rect", {"note": "done"})
    token = form_token(submitter.get(f"/findings/{finding_id}").get_data(as_text=True), "verify")
    refused = submitter.post(f"/findings/{finding_id}/verification?lang=en",
                             data={"verify-csrf_token": token, "verify-decision": "accept"})
    assert refused.status_code == 403
    assert "whoever submitted a rectification cannot verify or reject it" in refused.get_data(as_text=True)
