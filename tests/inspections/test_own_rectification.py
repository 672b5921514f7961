"""Whoever submitted a rectification cannot verify or reject it, whatever roles they hold (issue 13, closing
rules); another inspector or safety manager can."""

import pytest
import sqlalchemy as sa

from audit.models import AuditEntry
from core.db import db
from inspections.models import Finding
from tests.conftest import inspection_payload

# Everyone who may submit a rectification and may also try to check it: the API lets inspectors and safety
# managers do both, and an administrator who also holds those roles.
SUBMITTERS = [("inspector",), ("safety_manager",), ("inspector", "safety_manager"),
              ("admin", "inspector", "safety_manager")]
DECISIONS = [{"accepted": True, "note": "现场复查合格"}, {"accepted": False, "note": "整改不到位"}]


@pytest.fixture
def finding_id(client, auth, make_enterprise):
    response = client.post("/api/v1/inspections", headers=auth("inspector"),
                           json=inspection_payload(make_enterprise()))
    assert response.status_code == 201, response.json
    return response.json["findings"][0]["id"]


def _act(client, headers, finding_id, action, **body):
    return client.post(f"/api/v1/findings/{finding_id}/{action}", headers=headers, json=body)


def _state(app, finding_id):
    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        decided = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(("finding.verified", "finding.rejected"))))
        return finding.status, [e.action for e in finding.events], decided


@pytest.mark.parametrize("decision", DECISIONS, ids=["verify", "reject"])
@pytest.mark.parametrize("roles", SUBMITTERS, ids="+".join)
def test_the_submitter_cannot_decide_on_their_own_rectification(app, client, auth, finding_id, roles, decision):
    submitter = auth(*roles)
    assert _act(client, submitter, finding_id, "rectification", note="已补设警示标志").status_code == 200
    refused = _act(client, submitter, finding_id, "verification", **decision)
    assert refused.status_code == 403, refused.json
    assert "whoever submitted a rectification cannot verify or reject it" in refused.json["message"]
    assert _state(app, finding_id) == ("rectification_submitted", ["created", "rectification_submitted"], 0)

    other = _act(client, auth("safety_manager"), finding_id, "verification", **decision)
    assert other.status_code == 200, other.json
    assert other.json["status"] == ("verified" if decision["accepted"] else "open")


def test_the_refusal_is_in_chinese_when_asked(client, auth, finding_id):
    inspector = auth("inspector")
    _act(client, inspector, finding_id, "rectification", note="done")
    refused = client.post(f"/api/v1/findings/{finding_id}/verification", json={"accepted": True},
                          headers=inspector | {"Accept-Language": "zh-CN"})
    assert refused.status_code == 403 and "提交整改的人不得验收或驳回" in refused.json["message"]


def test_another_inspector_verifies(client, auth, finding_id):
    _act(client, auth("inspector"), finding_id, "rectification", note="done")
    response = _act(client, auth("inspector"), finding_id, "verification", accepted=True)
    assert response.status_code == 200 and response.json["status"] == "verified"


def test_the_latest_submission_counts(app, client, auth, finding_id):
    """A submits, B rejects, B submits again: now B may not decide, and A, who no longer vouches for the work
    under review, may."""
    first, second = auth("inspector"), auth("inspector")
    _act(client, first, finding_id, "rectification", note="已整改")
    assert _act(client, second, finding_id, "verification", accepted=False, note="未整改到位").status_code == 200
    assert _act(client, second, finding_id, "rectification", note="已重新整改").status_code == 200
    assert _act(client, second, finding_id, "verification", accepted=True).status_code == 403
    verified = _act(client, first, finding_id, "verification", accepted=True)
    assert verified.status_code == 200
    events = [(e["action"], e["actor"]["id"]) for e in verified.json["events"]][1:]
    assert [action for action, _ in events] == ["rectification_submitted", "rejected", "rectification_submitted",
                                                "verified"]
    assert events[0][1] == events[3][1] != events[1][1] == events[2][1]


def test_the_rule_holds_in_the_service_whoever_calls_it(app, make_user, finding_id):
    """The pages and the API both call ``inspections.findings.transition``: the rule lives there."""
    from core.errors import Forbidden
    from inspections import findings

    manager_id, _ = make_user("safety_manager")
    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        findings.transition(finding, "rectification_submitted", manager_id, "done")
        for action in ("verified", "rejected"):
            with pytest.raises(Forbidden):
                findings.transition(finding, action, manager_id, "self")
        assert finding.status == "rectification_submitted"
        db.session.rollback()
