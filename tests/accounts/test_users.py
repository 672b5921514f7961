"""Administrators keep the accounts: names, roles, deactivation (tokens stop at once) and password resets,
with what changed in the audit log and never a password."""

import sqlalchemy as sa

from audit.models import AuditEntry
from core.db import db


def _login(client, username, password):
    return client.post("/api/v1/auth/tokens", json={"username": username, "password": password})


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _user(client, admin, **fields):
    body = {"username": "zhao.lei", "password": "field-work-1", "roles": ["inspector"], "full_name": "赵磊"} | fields
    created = client.post("/api/v1/users", headers=admin, json=body)
    assert created.status_code == 201, created.json
    return created.json["id"]


def test_an_administrator_changes_roles_and_name_and_the_audit_keeps_them(app, client, auth):
    admin = auth("admin")
    user_id = _user(client, admin)
    changed = client.patch(f"/api/v1/users/{user_id}", headers=admin,
                           json={"roles": ["safety_manager", "inspector"], "full_name": "赵磊（安全科）"})
    assert changed.status_code == 200, changed.json
    assert changed.json["roles"] == ["inspector", "safety_manager"] and changed.json["full_name"] == "赵磊（安全科）"
    token = _login(client, "zhao.lei", "field-work-1").json["token"]
    assert client.get("/api/v1/users/me", headers=_bearer(token)).json["roles"] == ["inspector", "safety_manager"]
    assert client.post("/api/v1/cards/preview", headers=_bearer(token), json={}).status_code != 403
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
        assert entry.before == {"full_name": "赵磊", "roles": ["inspector"]}
        assert entry.after == {"full_name": "赵磊（安全科）", "roles": ["inspector", "safety_manager"]}


def test_deactivation_stops_the_users_tokens_and_logins_until_reactivated(client, auth):
    admin = auth("admin")
    user_id = _user(client, admin)
    token = _login(client, "zhao.lei", "field-work-1").json["token"]
    assert client.get("/api/v1/findings", headers=_bearer(token)).status_code == 200
    off = client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"is_active": False})
    assert off.status_code == 200 and off.json["is_active"] is False
    assert client.get("/api/v1/findings", headers=_bearer(token)).status_code == 401
    assert _login(client, "zhao.lei", "field-work-1").status_code == 401
    assert client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"is_active": True}).status_code == 200
    assert client.get("/api/v1/findings", headers=_bearer(token)).status_code == 401  # revoked for good
    assert _login(client, "zhao.lei", "field-work-1").status_code == 201


def test_a_password_reset_revokes_tokens_and_is_audited_without_the_password(app, client, auth):
    admin = auth("admin")
    user_id = _user(client, admin)
    token = _login(client, "zhao.lei", "field-work-1").json["token"]
    reset = client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"password": "new-secret-22"})
    assert reset.status_code == 200 and "password" not in reset.json
    assert client.get("/api/v1/findings", headers=_bearer(token)).status_code == 401
    assert _login(client, "zhao.lei", "field-work-1").status_code == 401
    assert _login(client, "zhao.lei", "new-secret-22").status_code == 201
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
        assert entry.after == {"password": "changed"} and "new-secret-22" not in str(entry.before) + str(entry.after)


def test_administrators_cannot_lock_themselves_out(client, auth):
    admin = auth("admin")
    me = client.get("/api/v1/users/me", headers=admin).json["id"]
    for body in ({"is_active": False}, {"roles": ["inspector"]}):
        refused = client.patch(f"/api/v1/users/{me}", headers=admin, json=body)
        assert refused.status_code == 409 and "another administrator" in refused.json["message"]
    assert client.get("/api/v1/users/me", headers=admin).json["roles"] == ["admin"]
    other = auth("admin")
    assert client.patch(f"/api/v1/users/{me}", headers=other, json={"roles": ["inspector"]}).status_code == 200


def test_bad_changes_are_422_naming_the_field_and_unknown_users_404(client, auth):
    admin = auth("admin")
    user_id = _user(client, admin)
    bad = client.patch(f"/api/v1/users/{user_id}", headers=admin,
                       json={"roles": ["boss"], "password": "short", "email": "not-an-address", "username": "x"})
    assert bad.status_code == 422 and set(bad.json["errors"]["json"]) == {"roles", "password", "email", "username"}
    assert client.patch(f"/api/v1/users/{user_id}", headers=admin, json={}).status_code == 422
    assert client.get("/api/v1/users/999999", headers=admin).status_code == 404
    assert client.get(f"/api/v1/users/{user_id}", headers=auth("safety_manager")).status_code == 403
