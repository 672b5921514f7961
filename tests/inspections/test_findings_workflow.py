from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import inspection_payload

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def finding_id(client, auth, make_enterprise):
    response = client.post("/api/v1/inspections", headers=auth("inspector"),
                           json=inspection_payload(make_enterprise()))
    return response.json["findings"][0]["id"]


def _ahead(days: int) -> str:
    """The zone's date ``days`` from today (extensions are judged against today)."""
    return (datetime.now(ZONE) + timedelta(days=days)).date().isoformat()


def _act(client, headers, finding_id, action, **body):
    return client.post(f"/api/v1/findings/{finding_id}/{action}", headers=headers, json=body)


def test_rectify_then_verify_closes_the_finding_with_history(client, auth, finding_id):
    inspector, checker = auth("inspector"), auth("inspector")
    assert _act(client, inspector, finding_id, "rectification", note="已安装报警器").status_code == 200
    response = _act(client, checker, finding_id, "verification", accepted=True)
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "verified" and body["closed_dt"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in body["events"]] == [
        ("created", None, "open"),
        ("rectification_submitted", "open", "rectification_submitted"),
        ("verified", "rectification_submitted", "verified"),
    ]


def test_rejection_reopens_and_needs_a_reason(client, auth, finding_id):
    manager, other = auth("safety_manager"), auth("safety_manager")
    _act(client, manager, finding_id, "rectification", note="done")
    assert _act(client, other, finding_id, "verification", accepted=False).status_code == 422
    response = _act(client, other, finding_id, "verification", accepted=False, note="报警器未联网")
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
    assert _act(client, auth("inspector"), finding_id, "verification", accepted=True).status_code == 200
    assert _act(client, inspector, finding_id, "rectification", note="again").status_code == 409


def test_extension_approved_moves_the_deadline(client, auth, finding_id):
    requested = _act(client, auth("inspector"), finding_id, "extension", new_deadline=_ahead(30),
                     reason="设备到货延迟")
    assert requested.status_code == 201
    assert _act(client, auth("inspector"), finding_id, "extension", new_deadline=_ahead(40),
                reason="again").status_code == 409
    decided = _act(client, auth("safety_manager"), finding_id, "extension/decision", approved=True, note="同意")
    assert decided.status_code == 200
    assert decided.json["deadline"] == _ahead(30)
    [extension] = decided.json["extensions"]
    assert (extension["status"], extension["previous_deadline"]) == ("approved", "2026-11-27")


def test_extension_rejected_keeps_the_deadline(client, auth, finding_id):
    _act(client, auth("inspector"), finding_id, "extension", new_deadline=_ahead(30), reason="r")
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


# ---- who decides, and how far a deadline may go (issue 12, item 15) ----

MAJOR = {"item_code": "HC-12", "description": "罐区未设置可燃气体检测报警装置", "category": "thing"}


def _today_payload(enterprise_id, **finding):
    """An inspection recorded now with one failed item (``finding`` overrides its fields)."""
    payload = inspection_payload(enterprise_id, inspected_dt=datetime.now(ZONE).isoformat())
    payload["findings"][0] |= finding
    if finding.get("item_code") == "HC-12":
        payload["checklist"] = [{"item_code": "HC-12", "result": "failed"}]
    return payload


@pytest.mark.parametrize("approved", [True, False])
def test_nobody_decides_their_own_extension_request(client, auth, finding_id, approved):
    both = auth("inspector", "safety_manager")  # one person holding both roles
    assert _act(client, both, finding_id, "extension", new_deadline=_ahead(20), reason="备件未到").status_code == 201
    refused = _act(client, both, finding_id, "extension/decision", approved=approved, note="自己批")
    assert refused.status_code == 403 and "own extension request" in refused.json["message"]
    other = _act(client, auth("safety_manager"), finding_id, "extension/decision", approved=approved, note="同意")
    assert other.status_code == 200
    assert other.json["extensions"][0]["status"] == ("approved" if approved else "rejected")


@pytest.mark.parametrize("new_deadline", ["2026-11-28", _ahead(-1), _ahead(0)])
def test_an_extension_never_moves_a_deadline_to_a_day_already_past(client, auth, finding_id, new_deadline):
    """The fixture's deadline (2026-11-27) has passed: a date after it but not after today is refused."""
    response = _act(client, auth("inspector"), finding_id, "extension", new_deadline=new_deadline, reason="r")
    assert response.status_code == 422 and "after today" in response.json["errors"]["json"]["new_deadline"][0]
    tomorrow = _act(client, auth("inspector"), finding_id, "extension", new_deadline=_ahead(1), reason="r")
    assert tomorrow.status_code == 201


def test_approving_a_request_whose_date_has_passed_is_refused(app, client, auth, finding_id):
    from core.db import db
    from inspections.models import ExtensionRequest

    requested = _act(client, auth("inspector"), finding_id, "extension", new_deadline=_ahead(3), reason="r")
    assert requested.status_code == 201
    with app.app_context():  # the request waited: the day it asked for is now yesterday
        db.session.execute(db.update(ExtensionRequest).values(requested_deadline=date.fromisoformat(_ahead(-1))))
        db.session.commit()
    manager = auth("safety_manager")
    refused = _act(client, manager, finding_id, "extension/decision", approved=True, note="同意")
    assert refused.status_code == 409 and "reject it and ask again" in refused.json["message"]
    assert client.get(f"/api/v1/findings/{finding_id}", headers=manager).json["deadline"] == "2026-11-27"
    assert _act(client, manager, finding_id, "extension/decision", approved=False, note="过期").status_code == 200


@pytest.mark.parametrize(("severity_item", "limit"), [({}, 60), (MAJOR, 365)])
def test_extensions_go_at_most_the_severitys_limit_ahead(client, auth, make_enterprise, severity_item, limit):
    inspector = auth("inspector")
    created = client.post("/api/v1/inspections", headers=inspector,
                          json=_today_payload(make_enterprise(), **severity_item))
    assert created.status_code == 201, created.json
    finding = created.json["findings"][0]["id"]
    for far in (_ahead(limit + 1), "2099-12-31"):
        refused = _act(client, inspector, finding, "extension", new_deadline=far, reason="r")
        assert refused.status_code == 422
        assert f"at most {limit} days" in refused.json["errors"]["json"]["new_deadline"][0]
    assert _act(client, inspector, finding, "extension", new_deadline=_ahead(limit), reason="r").status_code == 201


def test_an_approval_is_judged_by_the_findings_severity_at_the_decision(client, auth, make_enterprise):
    inspector, manager = auth("inspector"), auth("safety_manager")
    created = client.post("/api/v1/inspections", headers=inspector, json=_today_payload(make_enterprise(), **MAJOR))
    finding = created.json["findings"][0]["id"]
    assert _act(client, inspector, finding, "extension", new_deadline=_ahead(200), reason="停产检修").status_code == 201
    assert _act(client, manager, finding, "severity", severity="general", reason="复核为一般").status_code == 200
    refused = _act(client, manager, finding, "extension/decision", approved=True)
    assert refused.status_code == 409 and "60 days" in refused.json["message"]


@pytest.mark.parametrize(("finding", "limit"), [({}, 60), (MAJOR, 365)])
def test_an_inspection_cannot_set_a_deadline_beyond_the_limit(app, client, auth, make_enterprise, finding, limit):
    import sqlalchemy as sa

    from core.db import db
    from inspections.models import Inspection

    inspector, enterprise = auth("inspector"), make_enterprise()
    for far in (_ahead(limit + 1), "2099-12-31"):
        refused = client.post("/api/v1/inspections", headers=inspector,
                              json=_today_payload(enterprise, deadline=far, **finding))
        assert refused.status_code == 422 and "too far ahead" in refused.json["errors"]["json"]["findings"][0]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 0
    kept = client.post("/api/v1/inspections", headers=inspector,
                       json=_today_payload(enterprise, deadline=_ahead(limit), **finding))
    assert kept.status_code == 201 and kept.json["findings"][0]["deadline"] == _ahead(limit)


def test_a_checklist_items_usual_time_never_passes_the_limit(app, client, auth, make_enterprise):
    app.config["DEADLINE_MAX_DAYS_GENERAL"] = 5  # below HC-G-01's usual 7 days
    try:
        created = client.post("/api/v1/inspections", headers=auth("inspector"), json=_today_payload(make_enterprise()))
    finally:
        app.config["DEADLINE_MAX_DAYS_GENERAL"] = 60
    assert created.status_code == 201 and created.json["findings"][0]["deadline"] == _ahead(5)
