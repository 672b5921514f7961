import pytest

from tests.conftest import inspection_payload


@pytest.fixture
def finding_id(client, auth, make_enterprise):
    response = client.post("/api/v1/inspections", headers=auth("inspector"),
                           json=inspection_payload(make_enterprise()))
    return response.json["findings"][0]["id"]


def _act(client, headers, finding_id, action, **body):
    return client.post(f"/api/v1/findings/{finding_id}/{action}", headers=headers, json=body)


def test_rectify_then_verify_closes_the_finding_with_history(client, auth, finding_id):
    inspector = auth("inspector")
    assert _act(client, inspector, finding_id, "rectification", note="已安装报警器").status_code == 200
    response = _act(client, inspector, finding_id, "verification", accepted=True)
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "verified" and body["closed_dt"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in body["events"]] == [
        ("created", None, "open"),
        ("rectification_submitted", "open", "rectification_submitted"),
        ("verified", "rectification_submitted", "verified"),
    ]


def test_rejection_reopens_and_needs_a_reason(client, auth, finding_id):
    manager = auth("safety_manager")
    _act(client, manager, finding_id, "rectification", note="done")
    assert _act(client, manager, finding_id, "verification", accepted=False).status_code == 422
    response = _act(client, manager, finding_id, "verification", accepted=False, note="报警器未联网")
    assert response.json["status"] == "open" and response.json["closed_dt"] is None


@pytest.mark.parametrize(("action", "body"), [
    ("verification", {"accepted": True}),
    ("verification", {"accepted": False, "note": "no"}),
])
def test_verifying_an_open_finding_is_refused(client, auth, finding_id, action, body):
    response = _act(client, auth("inspector"), finding_id, action, **body)
    assert response.status_code == 409
    assert "status 'open'" in response.json["message"]


def test_closed_finding_cannot_be_rectified_again(client, auth, finding_id):
    inspector = auth("inspector")
    _act(client, inspector, finding_id, "rectification", note="done")
    _act(client, inspector, finding_id, "verification", accepted=True)
    assert _act(client, inspector, finding_id, "rectification", note="again").status_code == 409


def test_extension_approved_moves_the_deadline(client, auth, finding_id):
    requested = _act(client, auth("inspector"), finding_id, "extension", new_deadline="2027-01-31",
                     reason="设备到货延迟")
    assert requested.status_code == 201
    assert _act(client, auth("inspector"), finding_id, "extension", new_deadline="2027-02-28",
                reason="again").status_code == 409
    decided = _act(client, auth("safety_manager"), finding_id, "extension/decision", approved=True, note="同意")
    assert decided.status_code == 200
    assert decided.json["deadline"] == "2027-01-31"
    [extension] = decided.json["extensions"]
    assert (extension["status"], extension["previous_deadline"]) == ("approved", "2026-11-27")


def test_extension_rejected_keeps_the_deadline(client, auth, finding_id):
    _act(client, auth("inspector"), finding_id, "extension", new_deadline="2027-01-31", reason="r")
    decided = _act(client, auth("safety_manager"), finding_id, "extension/decision", approved=False, note="不同意")
    assert decided.json["deadline"] == "2026-11-27"
    assert decided.json["events"][-1]["action"] == "extension_rejected"


def test_extension_must_move_the_deadline_later(client, auth, finding_id):
    response = _act(client, auth("inspector"), finding_id, "extension", new_deadline="2026-11-25", reason="r")
    assert response.status_code == 422 and "new_deadline" in response.json["errors"]["json"]


def test_decision_without_pending_request_is_a_conflict(client, auth, finding_id):
    assert _act(client, auth("safety_manager"), finding_id, "extension/decision", approved=True).status_code == 409


def test_severity_change_keeps_the_reason(client, auth, finding_id):
    response = _act(client, auth("safety_manager"), finding_id, "severity", severity="major", reason="涉及重大危险源")
    assert response.json["severity"] == "major"
    assert response.json["events"][-1]["note"] == "涉及重大危险源"
    assert _act(client, auth("safety_manager"), finding_id, "severity", severity="major").status_code == 422


def test_audit_trail_records_actor_and_before_after(app, client, auth, finding_id):
    import sqlalchemy as sa

    from audit.models import AuditEntry
    from core.db import db

    _act(client, auth("inspector"), finding_id, "rectification", note="done")
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "finding.rectification_submitted")
                                   ).one()
        assert entry.actor_id is not None and entry.entity_id == finding_id
        assert (entry.before["status"], entry.after["status"]) == ("open", "rectification_submitted")


def test_missing_finding_is_404(client, auth):
    assert client.get("/api/v1/findings/4242", headers=auth("inspector")).status_code == 404
