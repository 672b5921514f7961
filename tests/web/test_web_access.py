"""Every page and form of the web app against its documented roles. The URL map is walked, so a new page without
an entry here fails; anonymous visitors are sent to the login page; a role not listed gets 403. (The API has
its own walk in tests/test_access.py.)"""

from __future__ import annotations

import re

import pytest

from accounts.models import ROLES
from tests.web.conftest import csrf_from, form_token

EVERYONE = set(ROLES)
WATER_READERS = {"env_staff", "safety_manager", "admin"}
WORKFLOW = {"inspector", "safety_manager"}
INSPECTION_READERS = {"inspector", "safety_manager", "admin"}

PUBLIC = {
    ("GET", "/"),  # sends each user to their home page, or to the login page
    ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
    ("GET", "/manifest.webmanifest"), ("GET", "/sw.js"),
    ("GET", "/static/<path:filename>"), ("GET", "/ui/static/<path:filename>"),
}

# (method, rule, roles allowed): every page and form.
PAGES = [
    ("GET", "/alerts", EVERYONE),
    ("GET", "/csrf-token", EVERYONE),
    ("GET", "/enterprises", EVERYONE),
    ("GET", "/enterprises/<int:enterprise_id>", EVERYONE),
    ("POST", "/enterprises/<int:enterprise_id>/details", {"safety_manager", "admin"}),
    ("POST", "/enterprises/<int:enterprise_id>/cards", {"safety_manager"}),
    ("GET", "/cards", {"safety_manager", "admin"}),
    ("GET", "/cards/<int:card_id>", {"safety_manager", "admin"}),
    ("POST", "/cards/<int:card_id>/lift", {"safety_manager"}),
    ("POST", "/cards/issue", {"safety_manager"}),
    ("GET", "/cards/enterprises", {"safety_manager"}),  # the issue form's enterprise picker (JSON)
    ("GET", "/documents/<int:document_id>.pdf", INSPECTION_READERS),
    ("GET", "/extensions", {"safety_manager"}),
    ("GET", "/findings", {"inspector", "safety_manager", "admin"}),
    ("GET", "/findings/export.xlsx", {"inspector", "safety_manager", "admin"}),
    ("GET", "/findings/<int:finding_id>", EVERYONE),
    ("POST", "/findings/<int:finding_id>/rectification", WORKFLOW),
    ("POST", "/findings/<int:finding_id>/verification", WORKFLOW),
    ("POST", "/findings/<int:finding_id>/extension", WORKFLOW),
    ("POST", "/findings/<int:finding_id>/extension/decision", {"safety_manager"}),
    ("GET", "/inspect", {"inspector"}),
    ("GET", "/inspections/<int:inspection_id>", INSPECTION_READERS),
    ("GET", "/premises", INSPECTION_READERS),
    ("GET", "/premises/<int:premises_id>", INSPECTION_READERS),
    ("POST", "/premises", {"safety_manager", "admin"}),
    ("POST", "/premises/import", {"safety_manager", "admin"}),
    ("POST", "/premises/<int:premises_id>/tenancies", {"safety_manager", "admin"}),
    ("POST", "/tenancies/<int:tenancy_id>/end", {"safety_manager", "admin"}),
    ("POST", "/tenancies/<int:tenancy_id>/agreement", INSPECTION_READERS),  # as the API's PUT of the agreement
    ("GET", "/today", {"inspector"}),
    ("GET", "/water-bodies", WATER_READERS),
    ("GET", "/water-bodies/<int:body_id>", WATER_READERS),
    ("POST", "/water-bodies/<int:body_id>/details", {"env_staff"}),
    ("POST", "/water-bodies/<int:body_id>/samples", {"env_staff"}),
    ("POST", "/water-bodies/<int:body_id>/samples/import", {"env_staff"}),
    ("POST", "/water-bodies/<int:body_id>/tasks", {"env_staff"}),
    ("POST", "/water-bodies/<int:body_id>/tasks/<int:task_id>", {"env_staff"}),
    ("POST", "/water-bodies/<int:body_id>/close-off", {"safety_manager"}),
    ("GET", "/users", {"admin"}),
    ("POST", "/users", {"admin"}),
    ("GET", "/users/<int:user_id>", {"admin"}),
    ("POST", "/users/<int:user_id>", {"admin"}),
    ("POST", "/users/<int:user_id>/active", {"admin"}),
    ("POST", "/users/<int:user_id>/password", {"admin"}),
    ("POST", "/users/<int:user_id>/tokens/<int:token_id>/revoke", {"admin"}),
    # Last: posted by an administrator on themselves (user 1), it ends their session.
    ("POST", "/users/<int:user_id>/sessions/end", {"admin"}),
]


def _concrete(rule: str) -> str:
    return re.sub(r"<int:[a-z_]+>", "1", rule)


def test_every_page_is_public_or_in_the_table(app):
    """A new page or form without an entry in PAGES (or PUBLIC) fails here."""
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() if not rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == PUBLIC | {(method, rule) for method, rule, _ in PAGES}


def test_anonymous_visitors_are_sent_to_the_login_page(app):
    client = app.test_client()
    token = form_token(client.get("/login").get_data(as_text=True))
    for method, rule, _ in PAGES:
        response = client.open(_concrete(rule), method=method, headers={"X-CSRFToken": token})
        assert response.status_code == 302, f"{method} {rule} answered {response.status_code}"
        assert response.headers["Location"].startswith("/login?next="), f"{method} {rule}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_its_pages(login, role):
    client, _ = login(role)
    token = csrf_from(client.get("/enterprises").get_data(as_text=True))
    for method, rule, allowed in PAGES:
        response = client.open(_concrete(rule), method=method, headers={"X-CSRFToken": token})
        if role in allowed:
            assert response.status_code != 403, f"{role} refused at {method} {rule}"
            assert not response.headers.get("Location", "").startswith("/login"), f"{role} at {method} {rule}"
        else:
            assert response.status_code == 403, f"{role} let in at {method} {rule}: {response.status_code}"


def test_a_deactivated_users_open_session_ends_with_the_next_page(login, client, auth):
    browser, user_id = login("inspector")
    assert browser.get("/today").status_code == 200
    off = client.patch(f"/api/v1/users/{user_id}", headers=auth("admin"), json={"is_active": False})
    assert off.status_code == 200
    after = browser.get("/today")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
