"""The inspector's pages: today's work and the inspection form (which works offline, see inspect.js)."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_login import current_user

from core.time import local_date
from inspections.models import CATEGORIES, DOMAINS, SEVERITIES
from risk_rules.citation import numbers
from web import labels, queries
from web.access import page
from web.blueprint import bp
from web.i18n import current_language


@bp.route("/today")
@page("inspector")
def today():
    return render_template("web/today.html", today=local_date(),
                           inspections=queries.inspections_today(current_user.id),
                           findings=queries.open_findings_of(current_user.id))


@bp.route("/inspect")
@page("inspector")
def inspect():
    """The form itself is built by inspect.js from the checklist API; the page passes what it needs."""
    config = {
        "enterpriseSearch": url_for("enterprises.Enterprises"),
        "premisesSearch": url_for("premises.PremisesList"),
        "checklist": url_for("checklists.Checklist", domain="DOMAIN"),
        "photos": url_for("photos.upload"),
        "inspections": url_for("inspections.Inspections"),
        "csrf": url_for("web.csrf_token"),
        "finding": url_for("web.finding", finding_id=0),
        "deadlineDays": {"general": current_app.config["DEADLINE_DAYS_GENERAL"],
                         "major": current_app.config["DEADLINE_DAYS_MAJOR"]},
        "today": local_date().isoformat(),
        "timezone": current_app.config["TIMEZONE"],
        "maxPhotos": current_app.config["MAX_PHOTOS_PER_FINDING"],
        "domainOfSector": labels.DOMAIN_OF_SECTOR,
        "sectors": {code: str(name) for code, name in labels.SECTORS.items()},
        "categories": list(CATEGORIES),
        "domains": list(DOMAINS),
        "severities": list(SEVERITIES),
        "user": current_user.id,
        "numbers": numbers(current_language()),  # documents' numbers as the page's language writes them
    }
    return render_template("web/inspect.html", field_config=config, domains=DOMAINS,
                           colleagues=queries.colleagues(current_user.id))
