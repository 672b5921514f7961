"""Pages everyone uses: the enterprise directory and page, and the alerts inbox."""

from __future__ import annotations

from flask import abort, render_template, request

from cards import queries as card_queries
from core.db import db
from enterprises import service as enterprises_service
from enterprises.models import Enterprise
from web import queries
from web.access import page
from web.blueprint import bp
from web.card_pages import lift_form
from web.forms import IssueCardForm


@bp.route("/enterprises")
@page()
def enterprises():
    q = (request.args.get("q") or "").strip()[:200]
    rows, total = queries.limited(enterprises_service.search(q=q or None))
    return render_template("web/enterprises.html", enterprises=rows, total=total, q=q, limit=queries.LIST_LIMIT)


@bp.route("/enterprises/<int:enterprise_id>")
@page()
def enterprise(enterprise_id):
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        abort(404)
    cards = db.session.scalars(card_queries.search(enterprise_id=enterprise_id, sort="issued")).all()
    active = next((card for card in cards if card.status == "active"), None)
    return render_template("web/enterprise.html", enterprise=enterprise, cards=cards, active=active,
                           issue=IssueCardForm(prefix="issue"), lift=lift_form(active),
                           findings=queries.findings_of_enterprise(enterprise_id),
                           inspections=queries.inspections_of_enterprise(enterprise_id))


@bp.route("/alerts")
@page()
def alerts():
    """The inbox is filled by alerts.js from the alerts API."""
    return render_template("web/alerts.html")
