"""Role-aware navigation. An entry whose page does not exist yet (phase 2) is left out, not broken."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, roles that see it)
ENTRIES = [
    ("web.today", _l("Today"), {"inspector"}),
    ("web.inspect", _l("New inspection"), {"inspector"}),
    ("web.findings", _l("Findings"), {"inspector", "safety_manager", "admin"}),
    ("web.extensions", _l("Extensions"), {"safety_manager"}),
    ("web.cards", _l("Cards"), {"safety_manager", "admin"}),
    ("web.water_bodies", _l("Water bodies"), {"env_staff", "admin"}),
    ("web.enterprises", _l("Enterprises"), {"inspector", "safety_manager", "env_staff", "admin"}),
    ("web.alerts", _l("Alerts"), {"inspector", "safety_manager", "env_staff", "admin"}),
]


def entries() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    roles = set(current_user.roles)
    return [(endpoint, label) for endpoint, label, allowed in ENTRIES
            if roles & allowed and endpoint in current_app.view_functions]


def home_endpoint() -> str:
    found = entries()
    return found[0][0] if found else "web.enterprises"


def api_available(path: str) -> bool:
    """Whether another package has landed an API route (the alerts inbox and phase 2 pages check this)."""
    return any(rule.rule == path for rule in current_app.url_map.iter_rules())
