"""Administrators manage users on the pages: search and paging, create (a generated password shown once), edit
names and roles, deactivate and reactivate, reset a password, revoke a token and end sessions, with the API's
checks; a refusal keeps what was typed with the error beside its field. Others get 403."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from accounts import service as accounts
from accounts.models import ApiToken, User
from audit.models import AuditEntry
from core.db import db
from tests.web.conftest import PASSWORD, form_token
from tests.web.test_web_premises_forms import marked, value_of

DESK = {"width": 1440, "height": 900}
TABLET = {"width": 800, "height": 1280}


def create(client, lang="en", **fields):
    page = client.get(f"/users?lang={lang}").get_data(as_text=True)
    data = {"username": "li.na", "full_name": "李娜", "email": "", "certificate_no": "", "roles": ["inspector"],
            "password": ""} | fields
    return client.post("/users", data={"new-csrf_token": form_token(page, "new")} | {
        f"new-{key}": value for key, value in data.items()})


def post(client, user_id, path, prefix, lang="en", **fields):
    """Post one of the user page's forms (``prefix``) with ``fields``."""
    page = client.get(f"/users/{user_id}?lang={lang}").get_data(as_text=True)
    token = form_token(page, prefix) if prefix else form_token(page)
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(f"/users/{user_id}{path}",
                       data={name: token} | {f"{prefix}-{key}" if prefix else key: v for key, v in fields.items()})


def can_log_in(app, username, password) -> bool:
    with app.app_context():
        return accounts.authenticate(username, password) is not None


def the_user(app, username) -> User:
    with app.app_context():
        found = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.expunge(found)
        return found


def token_for(app, user_id) -> str:
    with app.app_context():
        token, _ = accounts.issue_token(db.session.get(User, user_id), 1)
        db.session.commit()
        return token


# -- creating -------------------------------------------------------------------------------------------------

def test_an_admin_creates_a_user_with_a_password_they_type(app, login):
    client, _ = login("admin")
    response = create(client, password="a long secret", roles=["inspector", "safety_manager"],
                      certificate_no="鲁执 0123", email="li.na@port.example.cn")
    assert response.status_code == 302
    made = the_user(app, "li.na")
    assert response.headers["Location"] == f"/users/{made.id}"
    assert (made.full_name, made.email, made.certificate_no, made.roles) == (
        "李娜", "li.na@port.example.cn", "鲁执 0123", ["inspector", "safety_manager"])
    assert can_log_in(app, "li.na", "a long secret")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "User li.na created." in shown and 'id="generated-password"' not in shown


def test_a_generated_password_is_shown_once_and_works(app, login):
    client, _ = login("admin")
    response = create(client)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="generated-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert len(password) == 16 and can_log_in(app, "li.na", password)
    again = client.get(f"/users/{the_user(app, 'li.na').id}").get_data(as_text=True)
    assert password not in again and 'id="generated-password"' not in again


@pytest.mark.parametrize(("fields", "field", "says"), [
    ({"username": "li na"}, "new-username", "letters, digits"),
    ({"username": ""}, "new-username", "This field is required."),
    ({"roles": []}, "new-roles", "Shorter than minimum length 1."),
    ({"roles": ["root"]}, "new-roles", "is not a valid choice"),
    ({"password": "short"}, "new-password", "Length must be between 8 and 256."),
    ({"email": "not an address"}, "new-email", "Not a valid email address."),
    ({"full_name": "x" * 101}, "new-full_name", "100"),
])
def test_a_refused_new_user_keeps_what_was_typed(app, login, fields, field, says):
    client, _ = login("admin")
    response = create(client, certificate_no="鲁执 0456", **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert says in marked(page, field), page
    assert value_of(page, "new-certificate_no") == "鲁执 0456" and 'id="new-user" open' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(("fields", "field", "says"), [
    ({"roles": []}, "new-roles", "不能少于 1 个。"),
    ({"password": "short"}, "new-password", "长度应为 8 至 256 个字符。"),
    ({"email": "not an address"}, "new-email", "不是有效的电子邮箱地址。"),
])
def test_a_refusal_on_a_chinese_page_is_in_chinese(login, fields, field, says):
    """The schema's own (English) messages are shown in the page's language (web.forms.SCHEMA_MESSAGES)."""
    client, _ = login("admin")
    page = create(client, lang="zh", **fields).get_data(as_text=True)
    assert says in marked(page, field), page


def test_a_taken_username_is_refused_beside_the_field(app, login, make_user):
    make_user("inspector", username="li.na")
    client, _ = login("admin")
    response = create(client, full_name="李娜娜", lang="zh")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "li.na" in marked(page, "new-username")
    assert value_of(page, "new-full_name") == "李娜娜"


# -- editing, deactivating, passwords -------------------------------------------------------------------------

def test_an_admin_changes_a_users_name_and_roles(app, login, make_user):
    user_id, username = make_user("inspector")
    client, admin = login("admin")
    response = post(client, user_id, "", "edit", full_name="王伟", email="", certificate_no="",
                    roles=["env_staff", "safety_manager"])
    assert response.status_code == 302 and response.headers["Location"] == f"/users/{user_id}"
    changed = the_user(app, username)
    assert (changed.full_name, changed.roles) == ("王伟", ["env_staff", "safety_manager"])
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
        assert entry.actor_id == admin and entry.after["roles"] == ["env_staff", "safety_manager"]


def test_a_refused_edit_keeps_what_was_typed(app, login, make_user):
    user_id, username = make_user("inspector")
    client, _ = login("admin")
    response = post(client, user_id, "", "edit", full_name="王伟", email="", certificate_no="", roles=[])
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and marked(page, "edit-roles")
    assert value_of(page, "edit-full_name") == "王伟" and the_user(app, username).full_name == username


def test_deactivating_ends_tokens_and_sessions_and_reactivating_lets_the_user_back(app, login, client):
    user_client, user_id = login("inspector")
    token = token_for(app, user_id)
    admin_client, _ = login("admin")
    response = post(admin_client, user_id, "/active", "act", is_active="0")
    assert response.status_code == 302
    page = admin_client.get(f"/users/{user_id}?lang=en").get_data(as_text=True)
    assert "Deactivated" in page and "Reactivate" in page
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert user_client.get("/today").status_code == 302
    assert post(admin_client, user_id, "/active", "act", is_active="1").status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).is_active


def test_an_admin_cannot_deactivate_themselves_or_drop_their_own_admin_role(app, login):
    client, admin = login("admin")
    refused = post(client, admin, "/active", "act", is_active="0")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "cannot take away your own admin role or deactivate yourself" in page
    assert re.search(r'has-error">.*?Deactivate.*?field-error">you cannot', page, re.S)
    dropped = post(client, admin, "", "edit", full_name="管理员", email="", certificate_no="", roles=["inspector"])
    assert dropped.status_code == 409 and "yourself" in marked(dropped.get_data(as_text=True), "edit-roles")
    with app.app_context():
        me = db.session.get(User, admin)
        assert me.is_active and me.roles == ["admin"]


def test_another_admin_can_be_deactivated(app, login, make_user):
    other, _ = make_user("admin")
    client, _ = login("admin")
    assert post(client, other, "/active", "act", is_active="0").status_code == 302
    assert post(client, other, "/active", "act", is_active="maybe").status_code == 400


def test_resetting_a_password_typed_or_generated(app, login, make_user, client):
    user_id, username = make_user("inspector")
    token = token_for(app, user_id)
    admin_client, _ = login("admin")
    assert post(admin_client, user_id, "/password", "pw", password="a new long secret").status_code == 302
    assert can_log_in(app, username, "a new long secret") and not can_log_in(app, username, PASSWORD)
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    generated = post(admin_client, user_id, "/password", "pw")
    assert generated.status_code == 200 and generated.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="generated-password">([^<]+)<', generated.get_data(as_text=True)).group(1)
    assert can_log_in(app, username, password) and not can_log_in(app, username, "a new long secret")
    short = post(admin_client, user_id, "/password", "pw", password="short")
    assert short.status_code == 400 and "8" in marked(short.get_data(as_text=True), "pw-password")


# -- tokens and sessions --------------------------------------------------------------------------------------

def test_an_admin_sees_and_revokes_one_token(app, login, make_user, client):
    user_id, _ = make_user("inspector")
    kept, revoked = token_for(app, user_id), token_for(app, user_id)
    with app.app_context():
        ids = db.session.scalars(sa.select(ApiToken.id).where(ApiToken.user_id == user_id)
                                 .order_by(ApiToken.id)).all()
    admin_client, admin = login("admin")
    page = admin_client.get(f"/users/{user_id}?lang=en").get_data(as_text=True)
    assert "2 token(s)" in page and page.count("In use") == 2
    response = post(admin_client, user_id, f"/tokens/{ids[1]}/revoke", "")
    assert response.status_code == 302
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {kept}"}).status_code == 200
    page = admin_client.get(f"/users/{user_id}?lang=en").get_data(as_text=True)
    assert page.count("In use") == 1 and "Revoked" in page
    other, _ = make_user("inspector")
    assert post(admin_client, other, f"/tokens/{ids[0]}/revoke", "").status_code == 404
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.token_revoked")).one()
        assert (entry.actor_id, entry.entity_id, entry.after) == (admin, user_id, {"token_id": ids[1]})


def test_ending_a_users_sessions_logs_them_out_everywhere(app, login):
    tablet, user_id = login("inspector")
    admin_client, _ = login("admin")
    assert tablet.get("/today").status_code == 200
    assert post(admin_client, user_id, "/sessions/end", "").status_code == 302
    assert tablet.get("/today").headers["Location"].startswith("/login")


# -- the list -------------------------------------------------------------------------------------------------

def test_the_list_searches_and_pages_with_the_total(app, login):
    with app.app_context():
        for n in range(55):
            accounts.create_user(f"worker{n:02d}", PASSWORD, ["inspector"], full_name=f"工人{n:02d}")
        accounts.create_user("wang_wei", PASSWORD, ["env_staff"], full_name="王伟")
        db.session.commit()
    client, _ = login("admin")
    first = client.get("/users?lang=en").get_data(as_text=True)
    assert "57 user(s) · Page 1 of 2" in first and 'rel="next" href="/users?page=2"' in first
    second = client.get("/users?page=2&lang=en").get_data(as_text=True)
    assert "Page 2 of 2" in second and second.count('class="row-link"') == 7
    assert "王伟" in client.get("/users?q=王").get_data(as_text=True)
    found = client.get("/users?q=wang_&lang=en").get_data(as_text=True)
    assert "1 user(s)" in found and "wang_wei" in found  # "_" is no wildcard
    assert "No user found." in client.get("/users?q=%25&lang=en").get_data(as_text=True)
    assert client.get("/users?page=99").status_code == 200


@pytest.mark.parametrize("role", ["inspector", "safety_manager", "env_staff"])
def test_only_administrators_reach_the_users(login, role, make_user):
    client, _ = login(role)
    user_id, _ = make_user("inspector")
    assert client.get("/users").status_code == 403
    assert client.get(f"/users/{user_id}").status_code == 403
    assert 'href="/users"' not in client.get("/alerts").get_data(as_text=True)


def test_the_admin_sees_the_users_entry(login):
    client, _ = login("admin")
    assert 'href="/users"' in client.get("/alerts").get_data(as_text=True)


def test_an_admin_resetting_their_own_password_stays_logged_in_here_only(app, login):
    client, admin = login("admin")
    with app.app_context():
        username = db.session.get(User, admin).username
    other_desk = app.test_client()
    page = other_desk.get("/login").get_data(as_text=True)
    other_desk.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": form_token(page)})
    assert other_desk.get("/users").status_code == 200
    assert post(client, admin, "/password", "pw", password="a new long secret").status_code == 302
    assert client.get("/users").status_code == 200
    assert other_desk.get("/users").headers["Location"].startswith("/login")


# -- in a browser ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("viewport", [DESK, TABLET], ids=["desk", "tablet"])
def test_an_admin_manages_a_user_in_the_browser(app, tablet, browser_login, screenshots, viewport):
    page = tablet(viewport=viewport).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "admin")
    page.goto("/users?lang=en")
    page.click("#new-user summary")
    page.fill("#new-username", "zhao.lei")
    page.fill("#new-full_name", "赵磊")
    page.check("#new-roles-0")  # inspector
    page.fill("#new-certificate_no", "鲁执 0789")
    page.click("#new-user button[type=submit]")
    password = page.locator("#generated-password").inner_text()
    assert can_log_in(app, "zhao.lei", password)
    screenshots(page, f"user-created-{viewport['width']}")
    made = the_user(app, "zhao.lei")
    token = token_for(app, made.id)

    # A refused edit keeps what was typed, the error beside the roles.
    page.goto(f"/users/{made.id}?lang=en")
    page.fill("#edit-full_name", "赵雷")
    page.uncheck("#edit-roles-0")
    page.click("#details button[type=submit]")
    assert page.locator("#edit-full_name").input_value() == "赵雷"
    assert page.locator("#details .has-error .field-error").inner_text()
    page.check("#edit-roles-1")  # safety manager
    page.click("#details button[type=submit]")
    page.locator(".flash-success", has_text="Details saved.").wait_for()
    assert the_user(app, "zhao.lei").roles == ["safety_manager"]

    # Revoke the token, reset the password (generated), deactivate and reactivate.
    page.locator("#tokens button", has_text="Revoke").click()
    page.locator(".flash-success", has_text="Token revoked.").wait_for()
    with app.test_client() as api:
        assert api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    page.click("#reset-password button[type=submit]")
    new_password = page.locator("#generated-password").inner_text()
    assert new_password != password and can_log_in(app, "zhao.lei", new_password)
    page.goto(f"/users/{made.id}?lang=en")
    page.locator("#account button", has_text="Deactivate").click()
    page.locator("#account button", has_text="Reactivate").wait_for()
    assert not can_log_in(app, "zhao.lei", new_password)
    screenshots(page, f"user-deactivated-{viewport['width']}")
    page.locator("#account button", has_text="Reactivate").click()
    page.locator("#account button", has_text="Deactivate").wait_for()
    assert can_log_in(app, "zhao.lei", new_password)
    # The list finds them.
    page.goto("/users?lang=en&q=zhao")
    assert page.locator("#users li").count() == 1 and "赵雷" in page.locator("#users").inner_text()
    assert errors == []


def test_a_manager_gets_the_403_page_in_the_browser(tablet, browser_login):
    page = tablet(viewport=TABLET).new_page()
    browser_login(page, "safety_manager")
    response = page.goto("/users")
    assert response.status == 403 and page.locator("nav.mainnav a[href='/users']").count() == 0
