from datetime import timedelta

import sqlalchemy as sa

from accounts.models import ApiToken
from core.db import db, utcnow


def _login(client, username, password="correct horse"):
    return client.post("/api/v1/auth/tokens", json={"username": username, "password": password})


def test_login_issues_a_token_that_identifies_the_user(client, make_user):
    _, name = make_user("inspector", "env_staff")
    response = _login(client, name)
    assert response.status_code == 201
    token = response.json["token"]
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["username"] == name and me.json["roles"] == ["env_staff", "inspector"]


def test_wrong_password_and_unknown_user_get_the_same_401(client, make_user):
    _, name = make_user()
    for username, password in ((name, "wrong password"), ("nobody", "correct horse")):
        response = _login(client, username, password)
        assert response.status_code == 401
        assert response.json["message"] == "unknown username or wrong password"


def test_revoked_token_stops_working(client, make_user):
    _, name = make_user()
    headers = {"Authorization": f"Bearer {_login(client, name).json['token']}"}
    assert client.delete("/api/v1/auth/tokens", headers=headers).status_code == 204
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_expired_token_stops_working(app, client, make_user):
    _, name = make_user()
    headers = {"Authorization": f"Bearer {_login(client, name).json['token']}"}
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(expires_dt=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_tokens_are_stored_only_as_hashes(app, client, make_user):
    _, name = make_user()
    token = _login(client, name).json["token"]
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64


def test_admin_creates_users_with_several_roles(client, auth):
    headers = auth("admin")
    response = client.post("/api/v1/users", headers=headers, json={
        "username": "li.ming", "password": "long enough", "roles": ["inspector", "safety_manager"]})
    assert response.status_code == 201 and response.json["roles"] == ["inspector", "safety_manager"]
    again = client.post("/api/v1/users", headers=headers, json={
        "username": "li.ming", "password": "long enough", "roles": ["inspector"]})
    assert again.status_code == 409


def test_unknown_role_is_a_field_error(client, auth):
    response = client.post("/api/v1/users", headers=auth("admin"), json={
        "username": "x1", "password": "long enough", "roles": ["king"]})
    assert response.status_code == 422
    assert "roles" in response.json["errors"]["json"]


def test_users_cli_creates_a_user(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "wang", "--role", "inspector", "--role", "admin",
                                 "--certificate-no", "32050021007", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    token = _login(client, "wang", "a long password").json["token"]
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).json
    assert me["certificate_no"] == "32050021007"


def test_an_administrator_sets_an_inspectors_certificate_number(app, client, auth, make_user):
    user_id, _ = make_user("inspector")
    admin = auth("admin")
    changed = client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"certificate_no": "32050021008"})
    assert changed.status_code == 200 and changed.json["certificate_no"] == "32050021008"
    too_long = client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"certificate_no": "9" * 41})
    assert too_long.status_code == 422 and "certificate_no" in too_long.json["errors"]["json"]
    assert client.patch(f"/api/v1/users/{user_id}", headers=auth("inspector"),
                        json={"certificate_no": "1"}).status_code == 403


def test_failed_logins_are_rate_limited_per_user_and_address(app, client, make_user):
    _, name = make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        assert [_login(client, name, "wrong").status_code for _ in range(3)] == [401, 401, 401]
        blocked = _login(client, name, "wrong")
        assert blocked.status_code == 429 and "too many failed logins" in blocked.json["message"]
        assert "Retry-After" in blocked.headers
        assert _login(client, name).status_code == 429  # even the right password waits
        _, other = make_user()
        assert _login(client, other).status_code == 201  # another account is not affected
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
        from accounts.auth import limiter

        limiter.reset()


def test_login_body_that_is_not_an_object_is_a_422_not_a_crash(client):
    # The failed-login counter reads the username before the schema has refused the body.
    for body in ([], ["admin"], "admin", 7, None):
        response = client.post("/api/v1/auth/tokens", json=body)
        assert response.status_code == 422, (body, response.json)
