"""Who may call what: unauthenticated callers get 401 everywhere but login, health and docs; each write
endpoint is tried by every role (the permission matrix)."""

import re

import pytest

from accounts.models import ROLES

PUBLIC = {
    ("POST", "/api/v1/auth/tokens"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs"),
    ("GET", "/api/v1/docs/assets/<path:filename>"),
    ("GET", "/api/v1/docs/static/<path:filename>"),
}

# (method, path, roles allowed): every write endpoint of the API.
WRITE_PERMISSIONS = [
    ("POST", "/api/v1/users", {"admin"}),
    ("PATCH", "/api/v1/users/1", {"admin"}),
    ("POST", "/api/v1/enterprises", {"admin", "safety_manager"}),
    ("PATCH", "/api/v1/enterprises/1", {"admin", "safety_manager"}),
    ("POST", "/api/v1/premises", {"admin", "safety_manager"}),
    ("PATCH", "/api/v1/premises/1", {"admin", "safety_manager"}),
    ("POST", "/api/v1/premises/1/tenancies", {"admin", "safety_manager"}),
    ("POST", "/api/v1/premises/import", {"admin", "safety_manager"}),
    ("PATCH", "/api/v1/tenancies/1", {"admin", "safety_manager"}),
    ("PUT", "/api/v1/tenancies/1/agreement", {"inspector", "admin", "safety_manager"}),
    ("POST", "/api/v1/inspections", {"inspector"}),
    ("POST", "/api/v1/findings/1/rectification", {"inspector", "safety_manager"}),
    ("POST", "/api/v1/findings/1/verification", {"inspector", "safety_manager"}),
    ("POST", "/api/v1/findings/1/extension", {"inspector", "safety_manager"}),
    ("POST", "/api/v1/findings/1/extension/decision", {"safety_manager"}),
    ("POST", "/api/v1/findings/1/severity", {"safety_manager"}),
    ("POST", "/api/v1/checklists/gas/items", {"admin"}),
    ("POST", "/api/v1/cards", {"safety_manager"}),
    ("POST", "/api/v1/cards/1/lift", {"safety_manager"}),
    ("POST", "/api/v1/cards/preview", {"safety_manager", "admin"}),
    ("POST", "/api/v1/photos", {"inspector", "safety_manager"}),
    ("POST", "/api/v1/alerts/1/ack", set(ROLES)),
    ("POST", "/api/v1/alerts/ack", set(ROLES)),
    ("PUT", "/api/v1/alerts/preferences", set(ROLES)),
    ("POST", "/api/v1/water-bodies", {"env_staff", "admin"}),
    ("PATCH", "/api/v1/water-bodies/1", {"env_staff", "admin"}),
    ("POST", "/api/v1/water-bodies/1/sections", {"env_staff"}),
    ("POST", "/api/v1/water-bodies/1/remediation-tasks", {"env_staff"}),
    ("POST", "/api/v1/water-bodies/1/close-off", {"safety_manager"}),
    ("POST", "/api/v1/sections/1/samples", {"env_staff"}),
    ("PATCH", "/api/v1/sections/1", {"env_staff"}),
    ("PATCH", "/api/v1/remediation-tasks/1", {"env_staff"}),
    ("POST", "/api/v1/documents/1/corrections", {"inspector", "safety_manager"}),
    ("POST", "/api/v1/documents/opinions", {"inspector", "safety_manager"}),
    ("POST", "/api/v1/documents/verify", set(ROLES)),
    ("PUT", "/api/v1/documents/templates/inspection_record", {"admin"}),
]


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule


def _concrete(path):
    path = re.sub(r"<path:[a-z_]+>", "x.js", path)
    path = re.sub(r"<kind>", "inspection_record", re.sub(r"<domain>", "gas", path))
    return re.sub(r"<int:[a-z_]+>", "1", path)


def test_every_non_public_route_needs_authentication(app, client):
    checked = 0
    for method, path in _api_routes(app):
        if (method, path) in PUBLIC:
            continue
        response = client.open(_concrete(path), method=method, json={})
        assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
        assert response.json["code"] == 401
        checked += 1
    assert checked >= 15


def test_every_write_route_is_in_the_permission_matrix(app):
    """A new write route without an entry in WRITE_PERMISSIONS fails here."""
    writes = {(m, _concrete(p)) for m, p in _api_routes(app) if m not in ("GET", "DELETE")}
    writes -= {(m, _concrete(p)) for m, p in PUBLIC}
    assert writes == {(m, p) for m, p, _ in WRITE_PERMISSIONS}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "allowed"), WRITE_PERMISSIONS,
                         ids=[f"{m} {p}" for m, p, _ in WRITE_PERMISSIONS])
def test_permission_matrix(client, auth, role, method, path, allowed):
    response = client.open(path, method=method, headers=auth(role), json={})
    if role in allowed:
        assert response.status_code not in (401, 403), response.json
    else:
        assert response.status_code == 403, response.json
        assert "roles" in response.json["message"]
