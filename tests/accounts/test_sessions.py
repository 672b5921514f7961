"""Browser sessions end for good, on every device, when the user's password is changed, the user is deactivated
or the user logs out; reactivating the user brings none of them back. Driven through the real login form, a
page and an API write with the session cookie (the tablet's outbox sends inspections that way)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.db import db
from inspections.models import Inspection
from tests.conftest import inspection_payload

PASSWORD = "correct horse"  # what tests/conftest.py's make_user gives every user


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def browser_session(app, username: str, password: str = PASSWORD):
    """A test client logged in through the login form."""
    browser = app.test_client()
    token = _form_token(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def _send_inspection(browser, enterprise_id):
    """What the outbox does: a fresh CSRF token, then the inspection as JSON with the session cookie."""
    token = browser.get("/csrf-token")
    headers = {"X-CSRFToken": token.json["token"]} if token.status_code == 200 else {}
    return browser.post("/api/v1/inspections", json=inspection_payload(enterprise_id), headers=headers)


def _inspections(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(sa.select(sa.func.count()).select_from(Inspection))
        finally:
            db.session.remove()


def _logged_out(browser) -> bool:
    page = browser.get("/today")
    return page.status_code == 302 and page.headers["Location"].startswith("/login")


def test_a_new_password_ends_the_open_session_for_pages_and_api_writes(app, client, auth, make_user,
                                                                      make_enterprise):
    user_id, username = make_user("inspector")
    enterprise = make_enterprise()
    tablet = browser_session(app, username)
    assert tablet.get("/today").status_code == 200
    assert _send_inspection(tablet, enterprise).status_code == 201
    reset = client.patch(f"/api/v1/users/{user_id}", headers=auth("admin"), json={"password": "a new secret 7"})
    assert reset.status_code == 200
    assert _logged_out(tablet)
    refused = _send_inspection(tablet, enterprise)
    assert refused.status_code == 401, refused.json
    assert _inspections(app) == 1
    assert _send_inspection(browser_session(app, username, "a new secret 7"), enterprise).status_code == 201


def test_deactivation_ends_sessions_and_reactivation_does_not_bring_them_back(app, client, auth, make_user,
                                                                             make_enterprise):
    user_id, username = make_user("inspector")
    admin = auth("admin")
    tablet, desk = browser_session(app, username), browser_session(app, username)
    assert client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"is_active": False}).status_code == 200
    assert client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"is_active": True}).status_code == 200
    assert _logged_out(tablet) and _logged_out(desk)
    assert _send_inspection(tablet, make_enterprise()).status_code == 401
    assert _inspections(app) == 0
    assert browser_session(app, username).get("/today").status_code == 200  # a new login works again


def test_logging_out_ends_the_users_sessions_on_every_device(app, make_user):
    _, username = make_user("inspector")
    tablet, desk = browser_session(app, username), browser_session(app, username)
    stolen = app.test_client()  # a copy of the tablet's cookie, taken before the logout
    stolen.set_cookie("session", tablet.get_cookie("session").value)
    token = re.search(r'name="csrf-token" content="([^"]+)"', tablet.get("/today").get_data(as_text=True)).group(1)
    assert tablet.post("/logout", data={"csrf_token": token}).status_code == 302
    assert _logged_out(tablet) and _logged_out(desk) and _logged_out(stolen)


def test_other_changes_keep_the_session(app, client, auth, make_user):
    """Only the events that must end sessions do: a new name or role applies to the open session at once."""
    user_id, username = make_user("inspector")
    tablet = browser_session(app, username)
    changed = client.patch(f"/api/v1/users/{user_id}", headers=auth("admin"),
                           json={"full_name": "赵磊", "roles": ["inspector", "safety_manager"]})
    assert changed.status_code == 200
    assert tablet.get("/today").status_code == 200 and tablet.get("/extensions").status_code == 200


def test_session_ids_carry_the_users_session_token(app, make_user):
    """The session names the user with ``<id>:<token>`` (Flask-Login's alternative id), never the bare id."""
    user_id, username = make_user("inspector")
    tablet = browser_session(app, username)
    with tablet.session_transaction() as session:
        stored = session["_user_id"]
    assert stored.startswith(f"{user_id}:") and len(stored) > len(f"{user_id}:") + 16
    with tablet.session_transaction() as session:
        session["_user_id"] = str(user_id)  # as a session from before the change looked
    assert _logged_out(tablet)
