"""The in-app channel and preferences through the API."""

from datetime import timedelta

from accounts.models import User
from alerts import raising
from core.db import db
from tests.alerts.conftest import TODAY, at


def _token(app, user_id):
    from accounts import service

    with app.app_context():
        token, _ = service.issue_token(db.session.get(User, user_id), 1)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _raise(app):
    with app.app_context():
        raising.scan(at(TODAY))


def test_a_user_lists_their_alerts_filters_unread_and_acknowledges(app, client, make_finding, make_person):
    manager = make_person("safety_manager")
    for left in (-1, 1, 3):
        make_finding(TODAY + timedelta(days=left))
    _raise(app)
    headers = _token(app, manager)
    listed = client.get("/api/v1/alerts?page_size=2", headers=headers)
    assert listed.status_code == 200
    assert listed.headers["X-Pagination"] and '"total": 3' in listed.headers["X-Pagination"]
    assert len(listed.json) == 2
    everything = client.get("/api/v1/alerts", headers=headers).json
    assert {a["kind"] for a in everything} == {"overdue", "due_in_1d", "due_in_3d"}
    overdue = next(a for a in everything if a["kind"] == "overdue")
    assert overdue["title"] == "【隐患整改已逾期】" and overdue["enterprise_name"] == "港区化工有限公司"
    assert "已逾期 1 天" in overdue["text"] and overdue["acked_dt"] is None
    acked = client.post(f"/api/v1/alerts/{overdue['id']}/ack", headers=headers)
    assert acked.status_code == 200 and acked.json["acked_dt"]
    again = client.post(f"/api/v1/alerts/{overdue['id']}/ack", headers=headers)
    assert again.json["acked_dt"] == acked.json["acked_dt"]
    unread = client.get("/api/v1/alerts?unread=true", headers=headers).json
    assert {a["kind"] for a in unread} == {"due_in_1d", "due_in_3d"}
    assert [a["kind"] for a in client.get("/api/v1/alerts?unread=false", headers=headers).json] == ["overdue"]


def test_nobody_sees_or_acknowledges_another_users_alerts(app, client, make_finding, make_person):
    make_person("safety_manager")
    make_finding(TODAY - timedelta(days=1))
    _raise(app)
    outsider = _token(app, make_person("env_staff"))
    assert client.get("/api/v1/alerts", headers=outsider).json == []
    response = client.post("/api/v1/alerts/1/ack", headers=outsider)
    assert response.status_code == 404 and response.json["code"] == 404


def test_alerts_need_a_login(client):
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.put("/api/v1/alerts/preferences", json={"digest_email": True}).status_code == 401


def test_preferences_default_off_and_can_be_changed(client, auth):
    headers = auth("inspector")
    assert client.get("/api/v1/alerts/preferences", headers=headers).json == {"digest_email": False}
    assert client.put("/api/v1/alerts/preferences", headers=headers, json={"digest_email": True}).json == {
        "digest_email": True}
    assert client.get("/api/v1/alerts/preferences", headers=headers).json == {"digest_email": True}
    bad = client.put("/api/v1/alerts/preferences", headers=headers, json={"digest_email": "often"})
    assert bad.status_code == 422 and "digest_email" in bad.json["errors"]["json"]
