"""People-facing names of the stored codes (domains, statuses...), translated through the catalogues."""

from flask_babel import lazy_gettext as _l

DOMAINS = {
    "hazardous_chemicals": _l("Hazardous chemicals"),
    "gas": _l("Town gas"),
    "construction": _l("Construction sites"),
    "port_dangerous_goods": _l("Port dangerous-goods operations"),
    "industry_trade": _l("Industry and trade"),
    "premises": _l("Rented industrial buildings"),
}
SECTORS = {
    "hazardous_chemicals": _l("Hazardous chemicals"),
    "town_gas": _l("Town gas"),
    "construction": _l("Construction"),
    "port_dangerous_goods": _l("Port dangerous goods"),
    "general_industry": _l("General industry"),
}
SUB_SECTORS = {
    "metallurgy": _l("Metallurgy"), "non_ferrous": _l("Non-ferrous metals"),
    "building_materials": _l("Building materials"), "machinery": _l("Machinery"),
    "light_industry": _l("Light industry"), "textiles": _l("Textiles"), "tobacco": _l("Tobacco"),
    "commerce_trade": _l("Commerce and trade"),
}
FEATURES = {"dust_explosion": _l("Dust explosion hazards"), "ammonia_refrigeration": _l("Ammonia refrigeration"),
            "confined_space": _l("Confined spaces")}
# The inspection domain an enterprise's sector usually calls for (pre-selected on the form).
DOMAIN_OF_SECTOR = {"hazardous_chemicals": "hazardous_chemicals", "town_gas": "gas", "construction": "construction",
                    "port_dangerous_goods": "port_dangerous_goods", "general_industry": "industry_trade"}
CATEGORIES = {"thing": _l("Thing (equipment, site)"), "person": _l("Person (behaviour)"),
              "management": _l("Management")}
SEVERITIES = {"general": _l("General hazard"), "major": _l("Major hazard")}
STATUSES = {"open": _l("Open"), "rectification_submitted": _l("Awaiting verification"), "verified": _l("Closed")}
# Checklist items are worded as the violation ("特种作业人员未持证上岗"): the answers say whether it was found, so
# that item and answer read together say what is meant (the stored codes stay passed / failed).
RESULTS = {"passed": _l("Not found"), "failed": _l("Found"), "not_applicable": _l("Not applicable"),
           "not_checked": _l("Not checked")}
# A newer edition in force whose items are not loaded: said on the form (inspect.js) and the inspection page.
SUCCESSOR_NOTICE = _l("%(title)s (%(standard)s) has been in force since %(date)s, but its items are not loaded in "
                      "this system yet: this checklist still follows %(current_title)s (%(current_standard)s).")
DOCUMENT_KINDS = {"inspection_record": _l("On-site inspection record"),
                  "rectification_order": _l("Order to rectify within a deadline"),
                  "reinspection_opinion": _l("Re-inspection opinion")}
SIGNERS = {"lead": _l("Lead inspector"), "second": _l("Second inspector"),
           "enterprise": _l("Person in charge of the enterprise")}
EXTENSION_STATUSES = {"pending": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected")}
COLOURS = {"yellow": _l("Yellow card"), "red": _l("Red card")}
USES = {"factory": _l("Factory building"), "warehouse": _l("Warehouse"),
        "factory_warehouse": _l("Factory and warehouse"), "other": _l("Other use")}
AGREEMENT_STATES = {"valid": _l("Agreement valid"), "expiring": _l("Agreement expiring"),
                    "expired": _l("Agreement expired"), "missing": _l("No agreement"),
                    "not_yet_signed": _l("Agreement not yet signed")}
PARTIES = {"landlord": _l("Landlord"), "tenant": _l("Tenant")}
FINDING_SOURCES = {"checklist": _l("Checklist item"), "observation": _l("Inspector's observation"),
                   "agreement": _l("Premises register (agreement)")}
FINDING_SORTS = {"deadline": _l("Earliest deadline first"), "found": _l("Earliest found first"),
                 "newest": _l("Latest found first")}
# A card in force is 持牌中 everywhere (pages, the ledger export: cards.export.STATUS_ZH), paired with 已摘牌.
CARD_STATUSES = {"active": _l("In force"), "lifted": _l("Lifted")}
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

CARD_EVENTS = {"issued": _l("Issued"), "escalated": _l("Raised to red"), "reasons_added": _l("Reasons added"),
               "lifted": _l("Lifted")}
CARD_ORIGINS = {"rule": _l("By the rules"), "manual": _l("By a manager")}
# GB 3838-2002 classes: 1..5 for I..V, 6 for worse than V (劣V).
WATER_CLASSES = {1: _l("Class I"), 2: _l("Class II"), 3: _l("Class III"), 4: _l("Class IV"), 5: _l("Class V"),
                 6: _l("Worse than Class V")}
WATER_KINDS = {"river": _l("River"), "canal": _l("Canal"), "lake": _l("Lake"), "reservoir": _l("Reservoir"),
               "pond": _l("Pond")}
LISTED_STATUSES = {"worse_than_v_listed": _l("Listed (worse than V)"), "under_remediation": _l("Under remediation"),
                   "closed_off": _l("Closed off")}
MEASURES = {"sewage_interception": _l("Sewage interception"), "dredging": _l("Dredging"),
            "ecological_restoration": _l("Ecological restoration"), "water_diversion": _l("Water diversion"),
            "outfall_remediation": _l("Outfall remediation"), "other": _l("Other measure")}
TASK_STATUSES = {"planned": _l("Planned"), "in_progress": _l("In progress"), "completed": _l("Completed"),
                 "cancelled": _l("Cancelled")}

# Render options of a choice named by what people typed (a section's name, an inspector's): marked as typed text.
USER_TEXT = {"data-user-text": True}

ALL = {"domain": DOMAINS, "sector": SECTORS, "sub_sector": SUB_SECTORS, "feature": FEATURES, "category": CATEGORIES,
       "severity": SEVERITIES, "status": STATUSES, "result": RESULTS, "extension": EXTENSION_STATUSES,
       "colour": COLOURS, "card_status": CARD_STATUSES,
       "role": ROLES, "event": EVENTS, "card_event": CARD_EVENTS, "card_origin": CARD_ORIGINS,
       "water_class": WATER_CLASSES, "water_kind": WATER_KINDS, "listed": LISTED_STATUSES, "measure": MEASURES,
       "task_status": TASK_STATUSES, "document": DOCUMENT_KINDS, "signer": SIGNERS, "use": USES,
       "agreement": AGREEMENT_STATES, "party": PARTIES, "finding_source": FINDING_SOURCES,
       "finding_sort": FINDING_SORTS}


def label(kind: str, code: str | int | None) -> str:
    """The translated name of ``code``; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    return str(ALL[kind].get(code, code))
