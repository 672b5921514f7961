"""Role-aware navigation, with the unread alerts' count beside the alerts entry."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alerts import service as alerts
from web.blueprint import bp

# (endpoint, label, roles that see it)
ENTRIES = [
    ("web.today", _l("Today"), {"inspector"}),
    ("web.inspect", _l("New inspection"), {"inspector"}),
    ("web.findings", _l("Findings"), {"inspector", "safety_manager", "admin"}),
    ("web.extensions", _l("Extensions"), {"safety_manager"}),
    ("web.cards", _l("Cards"), {"safety_manager", "admin"}),
    ("web.water_bodies", _l("Water bodies"), {"env_staff", "safety_manager", "admin"}),
    ("web.enterprises", _l("Enterprises"), {"inspector", "safety_manager", "env_staff", "admin"}),
    ("web.premises_list", _l("Rented premises"), {"inspector", "safety_manager", "admin"}),
    ("web.alerts", _l("Alerts"), {"inspector", "safety_manager", "env_staff", "admin"}),
    ("web.users", _l("Users"), {"admin"}),
]


def entries() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    roles = set(current_user.roles)
    return [(endpoint, label) for endpoint, label, allowed in ENTRIES
            if roles & allowed]


def home_endpoint() -> str:
    found = entries()
    return found[0][0] if found else "web.enterprises"


def badge(endpoint: str) -> str | None:
    """The count shown beside a navigation entry: for the alerts, the user's unread ones (``""`` for none,
    ``"99+"`` from the cap: one short range of an index, ``alerts.service.unread_count``); ``None`` for entries
    without a count."""
    if endpoint != "web.alerts" or not current_user.is_authenticated:
        return None
    count = alerts.unread_count(current_user.id)
    return f"{alerts.UNREAD_CAP - 1}+" if count >= alerts.UNREAD_CAP else str(count or "")


@bp.app_context_processor
def _nav_helpers():
    return {"nav_badge": badge}
