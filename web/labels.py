"""People-facing names of the stored codes (domains, statuses...), translated through the catalogues."""

from flask_babel import lazy_gettext as _l

DOMAINS = {
    "hazardous_chemicals": _l("Hazardous chemicals"),
    "gas": _l("Town gas"),
    "construction": _l("Construction sites"),
}
SECTORS = {
    "hazardous_chemicals": _l("Hazardous chemicals"),
    "town_gas": _l("Town gas"),
    "construction": _l("Construction"),
    "port_dangerous_goods": _l("Port dangerous goods"),
    "general_industry": _l("General industry"),
}
# The inspection domain an enterprise's sector usually calls for (pre-selected on the form).
DOMAIN_OF_SECTOR = {"hazardous_chemicals": "hazardous_chemicals", "town_gas": "gas", "construction": "construction",
                    "port_dangerous_goods": "hazardous_chemicals", "general_industry": "hazardous_chemicals"}
CATEGORIES = {"thing": _l("Thing (equipment, site)"), "person": _l("Person (behaviour)"),
              "management": _l("Management")}
SEVERITIES = {"general": _l("General hazard"), "major": _l("Major hazard")}
STATUSES = {"open": _l("Open"), "rectification_submitted": _l("Awaiting verification"), "verified": _l("Closed")}
RESULTS = {"passed": _l("Passed"), "failed": _l("Failed"), "not_applicable": _l("Not applicable")}
EXTENSION_STATUSES = {"pending": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected")}
COLOURS = {"yellow": _l("Yellow card"), "red": _l("Red card")}
CARD_STATUSES = {"active": _l("Active"), "lifted": _l("Lifted")}
ROLES = {"inspector": _l("Inspector"), "safety_manager": _l("Safety manager"), "env_staff": _l("Environmental staff"),
         "admin": _l("Administrator")}
EVENTS = {
    "created": _l("Finding recorded"),
    "rectification_submitted": _l("Rectification submitted"),
    "verified": _l("Verified and closed"),
    "rejected": _l("Rectification rejected"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_rejected": _l("Extension rejected"),
    "severity_major": _l("Raised to major"),
    "severity_general": _l("Lowered to general"),
}

ALL = {"domain": DOMAINS, "sector": SECTORS, "category": CATEGORIES, "severity": SEVERITIES, "status": STATUSES,
       "result": RESULTS, "extension": EXTENSION_STATUSES, "colour": COLOURS, "card_status": CARD_STATUSES,
       "role": ROLES, "event": EVENTS}


def label(kind: str, code: str | None) -> str:
    """The translated name of ``code``; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    return str(ALL[kind].get(code, code))
