"""The closing rules on the pages (issue 13): whoever submitted a rectification cannot verify or reject it (the
refusal is shown with the reason, and another inspector or safety manager decides); a card is not lifted by a
re-inspection that did not re-check the items behind it, and the page names them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cards.models import Card
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


def _major_rectified(client, inspector, enterprise) -> tuple[int, int]:
    """A major hazard on HC-12 found two days ago, its rectification submitted by ``inspector``, and a
    re-inspection since that passed HC-12: (finding id, re-inspection id)."""
    payload = inspection_payload(enterprise, inspected_dt=(datetime.now(UTC) - timedelta(days=2)).isoformat(),
                                 checklist=[{"item_code": "HC-12", "result": "failed"}])
    payload["findings"][0] |= {"item_code": "HC-12", "description": "可燃气体报警器失效"}
    finding = client.post("/api/v1/inspections", headers=inspector, json=payload).json["findings"][0]["id"]
    client.post(f"/api/v1/findings/{finding}/rectification", headers=inspector, json={"note": "已更换"})
    recheck = client.post("/api/v1/inspections", headers=inspector, json=inspection_payload(
        enterprise, inspected_dt=datetime.now(UTC).isoformat(), checklist=[{"item_code": "HC-12", "result": "passed"}],
        findings=[])).json["id"]
    return finding, recheck


def test_the_card_page_names_the_items_a_reinspection_did_not_recheck(app, client, auth, login, make_enterprise):
    enterprise, inspector = make_enterprise(), auth("inspector")
    finding, recheck = _major_rectified(client, inspector, enterprise)
    assert client.post(f"/api/v1/findings/{finding}/verification", headers=auth("safety_manager"),
                       json={"accepted": True, "reinspection_id": recheck}).status_code == 200
    reinspection = client.post("/api/v1/inspections", headers=inspector, json=inspection_payload(
        enterprise, domain="gas", inspected_dt=datetime.now(UTC).isoformat(),
        checklist=[{"item_code": "GAS-M-01", "result": "passed"}], findings=[])).json["id"]
    with app.app_context():
        card = db.session.scalar(sa.select(Card.id).where(Card.enterprise_id == enterprise))
    manager, _ = login("safety_manager")
    page = manager.get(f"/cards/{card}").get_data(as_text=True)
    refused = manager.post(f"/cards/{card}/lift", data={
        "lift-csrf_token": form_token(page, "lift"), "lift-reinspection": reinspection, "lift-reason": "复查合格"})
    assert refused.status_code == 409
    assert "触发该牌的检查项 HC-12 未复核" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Card, card).status == "active"


def test_a_major_hazard_is_verified_on_the_page_by_a_re_inspection(app, client, auth, login, make_enterprise):
    from documents import service as documents

    enterprise, inspector = make_enterprise(), auth("inspector")
    finding, recheck = _major_rectified(client, inspector, enterprise)
    manager, _ = login("safety_manager")
    page = manager.get(f"/findings/{finding}").get_data(as_text=True)
    assert "现场复查" in page and "同时出具整改复查意见书" in page and f'value="{recheck}"' in page
    without = _post(manager, finding, "verification", "verify", {"decision": "accept", "reinspection": "0"})
    assert without.status_code == 409 and "重大事故隐患须经现场复查方可销号" in without.get_data(as_text=True)
    assert _status(app, finding) == "rectification_submitted"
    forged = _post(manager, finding, "verification", "verify", {"decision": "accept", "reinspection": "999999"})
    assert forged.status_code == 400
    done = _post(manager, finding, "verification", "verify", {"decision": "accept", "reinspection": str(recheck)})
    assert done.status_code == 302
    assert "已出具整改复查意见书" in manager.get(done.location).get_data(as_text=True)
    assert _status(app, finding) == "verified"
    with app.app_context():
        [opinion] = documents.listing(finding_id=finding, kind="reinspection_opinion")
        assert opinion.inspection_id == recheck
