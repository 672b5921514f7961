"""Pages everyone uses: the enterprise directory and page, and the alerts inbox."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import EXCLUDE, ValidationError
from sqlalchemy.orm import lazyload

from alerts import service as alerts_service
from cards import queries as card_queries
from core import keyset
from core.db import db
from core.errors import DomainError, Invalid
from documents import service as documents
from enterprises import service as enterprises_service
from enterprises.models import SECTORS, Enterprise
from enterprises.schemas import EnterpriseQuerySchema, EnterpriseUpdateSchema
from inspections.models import Finding, Inspection
from web import queries
from web.access import INSPECTION_READERS, can, page
from web.blueprint import bp
from web.card_pages import lift_form
from web.forms import EnterpriseForm, IssueCardForm, form_data, refusal
from web.labels import label
from web.premises_pages import enterprise_extras


@bp.route("/enterprises")
@page()
def enterprises():
    """The directory: search, sector, zone and card in the URL (a GET form), by name, pages by number then by
    cursor (``core.keyset``); 50 a page."""
    shown = {name: value.strip() for name, value in request.args.items() if value.strip()}
    listing, status = None, 200
    try:
        args = EnterpriseQuerySchema(unknown=EXCLUDE).load(shown | {"page_size": "50"})
        filters = {name: args[name] for name in ("q", "sector", "zone", "card") if name in args}
        listing = keyset.page_of(enterprises_service.search(**filters), "name", enterprises_service.SORT, args)
    except (ValidationError, Invalid) as exc:
        status = 400
        names = exc.messages if isinstance(exc, ValidationError) else exc.errors["query"]
        flash(_("Please correct the filters: %(names)s.", names=", ".join(sorted(names))), "error")
    choices = {"sector": [(code, label("sector", code)) for code in SECTORS],
               "zone": [(zone, zone) for zone in queries.zones()],
               "card": [("red", _("Red card")), ("yellow", _("Yellow card")), ("none", _("No card"))]}
    return render_template("web/enterprises.html", listing=listing, shown=shown, choices=choices,
                           colours=card_queries.active_colours([e.id for e in listing.rows] if listing else []),
                           filters={name: value for name, value in shown.items() if name not in ("page", "cursor")},
                           max_offset=keyset.MAX_OFFSET), status


EDITORS = ("safety_manager", "admin")


def _enterprise(enterprise_id: int) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        abort(404)
    return enterprise


PAGE_SIZE = 50  # findings, and inspections, per page of an enterprise


@dataclass
class Paged:
    """One page of a longer list: its rows, the 1-based page number, the total and the page count."""

    rows: list
    page: int
    total: int
    pages: int


def _paged(query: sa.Select, total: int, arg: str) -> Paged:
    """The page ``request.args[arg]`` asks for of ``query`` (ordered), clamped to the pages there are, so no
    number typed in the address gives an error or an offset the database cannot take."""
    pages = max(1, -(-total // PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get(arg, 1))), pages)
    except ValueError:
        page = 1
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Paged(rows, page, total, pages)


def findings_page(enterprise_id: int) -> Paged:
    """The enterprise's findings, newest first, one page (``?findings_page=``); the total is an indexed count
    of its findings (thousands at most), not a load of them. Photos are not shown here: not loaded."""
    query = (sa.select(Finding).where(Finding.enterprise_id == enterprise_id)
             .order_by(Finding.found_dt.desc(), Finding.id.desc()).options(lazyload(Finding.photo_links)))
    total = db.session.scalar(sa.select(sa.func.count()).where(Finding.enterprise_id == enterprise_id))
    return _paged(query, total, "findings_page")


def inspections_page(enterprise_id: int) -> tuple[Paged, dict[int, int]]:
    """The enterprise's inspections, newest first, one page (``?inspections_page=``), and the number of
    findings of each inspection shown (one grouped count, instead of loading the findings to count them)."""
    query = (sa.select(Inspection).where(Inspection.enterprise_id == enterprise_id)
             .order_by(Inspection.inspected_dt.desc(), Inspection.id.desc()))
    total = db.session.scalar(sa.select(sa.func.count()).where(Inspection.enterprise_id == enterprise_id))
    paged = _paged(query, total, "inspections_page")
    counts = dict(db.session.execute(
        sa.select(Finding.inspection_id, sa.func.count()).where(Finding.inspection_id.in_([i.id for i in paged.rows]))
        .group_by(Finding.inspection_id)).all())
    return paged, counts


def render_enterprise(enterprise: Enterprise, details: EnterpriseForm | None = None, status_code: int = 200,
                      issue: IssueCardForm | None = None):
    """The enterprise page; ``details`` or ``issue``, a form as it was sent when it is shown again refused."""
    cards = db.session.scalars(card_queries.search(enterprise_id=enterprise.id, sort="issued")).all()
    active = next((card for card in cards if card.status == "active"), None)
    inspections, finding_counts = inspections_page(enterprise.id)
    return render_template("web/enterprise.html", enterprise=enterprise, cards=cards, active=active,
                           issue=issue or IssueCardForm(formdata=None, prefix="issue"), lift=lift_form(active),
                           details=details or EnterpriseForm(formdata=None, prefix="ent", obj=enterprise),
                           editors=EDITORS, findings=findings_page(enterprise.id),
                           inspections=inspections, finding_counts=finding_counts,
                           readers=INSPECTION_READERS,
                           documents=documents.listing(enterprise_id=enterprise.id)
                           if can(*INSPECTION_READERS) else [], **enterprise_extras(enterprise)), status_code


@bp.route("/enterprises/<int:enterprise_id>")
@page()
def enterprise(enterprise_id):
    return render_enterprise(_enterprise(enterprise_id))


@bp.route("/enterprises/<int:enterprise_id>/details", methods=["POST"])
@page(*EDITORS)
def edit_enterprise(enterprise_id):
    """Correct the register entry with the API's checks (credit code check character, unique code)."""
    enterprise = _enterprise(enterprise_id)
    form = EnterpriseForm(prefix="ent")
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return render_enterprise(enterprise, form, 400)
    try:
        enterprises_service.update(enterprise, EnterpriseUpdateSchema().load(form_data(form)))
    except (ValidationError, DomainError) as exc:
        db.session.rollback()
        return render_enterprise(_enterprise(enterprise_id), form, refusal(form, exc))
    db.session.commit()
    flash(_("Details saved."), "success")
    return redirect(url_for("web.enterprise", enterprise_id=enterprise_id))


@bp.route("/alerts")
@page()
def alerts():
    """The inbox is filled by alerts.js from the alerts API with the filters in the URL (the form's GET)."""
    return render_template("web/alerts.html", filters=request.args,
                           enterprises=alerts_service.enterprises(current_user.id))
