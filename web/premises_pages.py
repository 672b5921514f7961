"""Rented premises (出租厂房、群租厂房): the list with the campaign's progress per quarter, one premises with its
landlord, tenants and every party's findings and cards in one place, and the roll-up a landlord enterprise's page
shows of its premises' tenants.

Safety managers and administrators register premises, import a register, add and end tenancies; they and
inspectors record a tenancy's agreement (the API's roles, ``premises.routes``). Every write goes through the
premises service with the API's schemas, so a refusal reads the same; a refused form keeps what was typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from cards import queries as card_queries
from core import text
from core.db import db
from core.errors import DomainError
from core.tabular import TabularError
from core.time import local_date
from documents.models import Document
from enterprises.models import Enterprise
from inspections import premises as premises_inspection
from inspections.models import Finding
from premises import importer
from premises import service as premises_service
from premises.models import Premises, Tenancy
from premises.routes import EDITORS
from premises.schemas import AgreementDatesSchema, PremisesCreateSchema, TenancyCreateSchema, TenancyUpdateSchema
from web import queries
from web.access import INSPECTION_READERS, can, page
from web.blueprint import bp
from web.forms import (
    AgreementForm,
    EndTenancyForm,
    PremisesForm,
    PremisesImportForm,
    TenancyForm,
    form_data,
    refusal,
)

# Who follows the campaign: those who inspect, manage or administer (as for inspections).
READERS = INSPECTION_READERS
# Who records a tenancy's agreement (the API's PUT /api/v1/tenancies/{id}/agreement): an inspector may bring it
# back from the premises.
AGREEMENT_WRITERS = ("inspector", *EDITORS)
PICK_SHOWN = 5  # enterprises named when a picker's text matches several


@dataclass
class Rollup:
    """What a landlord answers for beside its own record: its premises, their tenants of today, the findings made
    at the premises or against those tenants anywhere, and the tenants' cards."""

    premises: list[Premises] = field(default_factory=list)
    tenancies: list[Tenancy] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cards: list = field(default_factory=list)

    @property
    def tenant_ids(self) -> set[int]:
        return {tenancy.enterprise_id for tenancy in self.tenancies}


def rollup(premises: list[Premises], leave_out: int | None = None) -> Rollup:
    """The roll-up of ``premises``; ``leave_out``: an enterprise whose own findings and cards are shown apart
    (the landlord's page lists its own above)."""
    today = local_date()
    result = Rollup(premises=premises, tenancies=[t for p in premises for t in p.tenancies_on(today)])
    tenants = result.tenant_ids - {leave_out}
    findings = queries.findings_where(Finding.premises_id.in_([p.id for p in premises]),
                                      Finding.enterprise_id.in_(tenants)) if premises else []
    result.findings = [f for f in findings if f.enterprise_id != leave_out or f.premises_id is not None]
    result.cards = db.session.scalars(card_queries.search(enterprise_ids=tenants, sort="issued")).all()
    return result


def rented_by(enterprise_id: int) -> list[Tenancy]:
    """The tenancies through which an enterprise rents today."""
    return db.session.scalars(premises_service.tenancies(enterprise_id=enterprise_id, on=local_date())).all()


# -- the enterprise picker and the API's values --------------------------------------------------------------

def pick_enterprise(field) -> int | None:
    """The enterprise a picker names: by its credit code or full name, else the only one whose name or credit
    code contains the text (taken literally: ``%`` and ``_`` are no wildcards); ``None`` when empty.
    ``ValidationError`` on the field for a character that cannot be stored, or when none or several match
    (naming the first few)."""
    wanted = (field.data or "").strip()
    if not wanted:
        return None
    if why := text.problem(wanted):
        raise ValidationError({field.short_name: [why]})
    exact = db.session.scalars(sa.select(Enterprise.id).where(
        sa.or_(Enterprise.credit_code == wanted.upper(), Enterprise.name == wanted)).limit(2)).all()
    if len(exact) == 1:
        return exact[0]
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", wanted) + "%"
    found = db.session.scalars(sa.select(Enterprise).where(sa.or_(
        Enterprise.name.ilike(pattern, escape="\\"), Enterprise.credit_code.ilike(pattern.upper(), escape="\\")))
        .order_by(Enterprise.name, Enterprise.id).limit(PICK_SHOWN + 1)).all()
    if len(found) == 1:
        return found[0].id
    if not found:
        message = _("No enterprise of the register matches “%(text)s”.", text=wanted)
    else:
        message = _("Several enterprises match “%(text)s” (%(names)s): give more of the name, or the credit code.",
                    text=wanted, names=" · ".join(e.name for e in found[:PICK_SHOWN]))
    raise ValidationError({field.short_name: [message]})


def _api_values(form, **picked) -> dict:
    """The form's values as the API's JSON carries them (dates as ISO text), with the pickers resolved."""
    values = form_data(form) | picked
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


def _premises(premises_id: int) -> Premises:
    found = db.session.get(Premises, premises_id)
    if found is None:
        abort(404)
    return found


def _tenancy(tenancy_id: int) -> Tenancy:
    found = db.session.get(Tenancy, tenancy_id)
    if found is None:
        abort(404)
    return found


# -- the list, registering and importing ----------------------------------------------------------------------

def _list_page(register: PremisesForm | None = None, upload: PremisesImportForm | None = None, report=None,
               status_code: int = 200):
    q = (request.args.get("q") or "").strip()[:200]
    year = request.args.get("year", type=int) or local_date().year
    if not 2000 <= year <= 2099:
        abort(404)
    rows, total = queries.limited(premises_service.search(q=q or None))
    today = local_date()
    listed = [(p, len(p.tenancies_on(today)), sum(1 for t in p.tenancies_on(today) if not t.agreement_valid(today)))
              for p in rows]
    return render_template(
        "web/premises_list.html", premises=listed, total=total, q=q, year=year, limit=queries.LIST_LIMIT,
        quarters=premises_inspection.campaign(year), today=today, editors=EDITORS,
        register=register or PremisesForm(formdata=None, prefix="reg"),
        upload=upload or PremisesImportForm(formdata=None, prefix="imp"), report=report,
        enterprise_choices=queries.enterprise_choices() if can(*EDITORS) else []), status_code


@bp.route("/premises")
@page(*READERS)
def premises_list():
    return _list_page()


@bp.route("/premises", methods=["POST"])
@page(*EDITORS)
def register_premises():
    """Register premises with the API's checks (``PremisesCreateSchema``, ``premises.service.create``)."""
    form = PremisesForm(prefix="reg")
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _list_page(register=form, status_code=400)
    try:
        landlord = pick_enterprise(form.landlord_enterprise_id)
        created = premises_service.create(PremisesCreateSchema().load(
            _api_values(form, landlord_enterprise_id=landlord)))
    except (ValidationError, DomainError) as exc:
        db.session.rollback()
        return _list_page(register=form, status_code=refusal(form, exc))
    db.session.commit()
    flash(_("Premises registered."), "success")
    return redirect(url_for("web.premises", premises_id=created.id))


@bp.route("/premises/import", methods=["POST"])
@page(*EDITORS)
def import_premises():
    """Import a register with the API's importer: every line checked first; all stored, or none and the
    refused lines listed."""
    form = PremisesImportForm(prefix="imp")
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _list_page(upload=form, status_code=400)
    try:
        report = importer.check_upload(form.file.data)
    except TabularError as exc:
        flash(_("The file could not be read: %(reason)s", reason=str(exc)), "error")
        return _list_page(upload=form, status_code=400)
    if not report.ok:
        flash(_("Nothing was imported: %(summary)s.", summary=report.summary(0)), "error")
        return _list_page(upload=form, report=report, status_code=400)
    made, let = importer.store(report)
    db.session.commit()
    flash(_("%(premises)d premises and %(tenancies)d tenancies imported: %(summary)s.", premises=made,
            tenancies=let, summary=report.summary(report.read)), "success")
    return redirect(url_for("web.premises_list"))


# -- one premises and its tenancies ---------------------------------------------------------------------------

def end_form(tenancy: Tenancy, **kwargs) -> EndTenancyForm:
    """One tenancy's end form (its own prefix: several on a page); ``formdata=None`` for an empty one."""
    return EndTenancyForm(prefix=f"end{tenancy.id}", **kwargs)


def agreement_form(tenancy: Tenancy, **kwargs) -> AgreementForm:
    return AgreementForm(prefix=f"agr{tenancy.id}", **kwargs)


def _premises_page(found: Premises, forms: dict | None = None, status_code: int = 200):
    """The premises page; ``forms``: a refused form to show again ("tenancy", or ("end"|"agreement", id))."""
    forms = forms or {}
    today = local_date()
    landlord = found.landlord_enterprise
    everyone = rollup([found])
    parties = everyone.tenant_ids | ({landlord.id} if landlord else set())
    inspections = queries.inspections_of_premises(found.id)
    documents = db.session.scalars(sa.select(Document).where(Document.inspection_id.in_([i.id for i in inspections]))
                                   .order_by(Document.issued_dt.desc(), Document.id.desc())).all()
    open_ended = [t for t in found.tenancies if t.end_date is None or t.end_date >= today]
    return render_template(
        "web/premises.html", premises=found, today=today, tenancies=found.tenancies, rollup=everyone,
        here=[f for f in everyone.findings if f.premises_id == found.id],
        elsewhere=[f for f in everyone.findings if f.premises_id != found.id],
        landlord_elsewhere=[f for f in queries.findings_of_enterprise(landlord.id) if f.premises_id != found.id]
        if landlord else [],
        cards=db.session.scalars(card_queries.search(enterprise_ids=parties, sort="issued")).all(),
        inspections=inspections, documents=documents, readers=READERS, editors=EDITORS,
        agreement_writers=AGREEMENT_WRITERS,
        new_tenancy=forms.get("tenancy") or TenancyForm(formdata=None, prefix="ten"),
        ends={t.id: forms.get(("end", t.id)) or end_form(t, formdata=None) for t in open_ended},
        agreements={t.id: forms.get(("agreement", t.id)) or agreement_form(t, formdata=None) for t in found.tenancies},
        enterprise_choices=queries.enterprise_choices() if can(*EDITORS) else []), status_code


@bp.route("/premises/<int:premises_id>")
@page(*READERS)
def premises(premises_id):
    return _premises_page(_premises(premises_id))


@bp.route("/premises/<int:premises_id>/tenancies", methods=["POST"])
@page(*EDITORS)
def add_tenancy(premises_id):
    """Let a unit to an enterprise with the API's checks; an overlap is refused (409) naming the tenancy there."""
    found = _premises(premises_id)
    form = TenancyForm(prefix="ten")

    def let():
        tenant = pick_enterprise(form.enterprise_id)
        premises_service.add_tenancy(found, TenancyCreateSchema().load(_api_values(form, enterprise_id=tenant)))

    return _tenancy_post(found, "tenancy", form, let, _("Tenancy added."))


@bp.route("/tenancies/<int:tenancy_id>/end", methods=["POST"])
@page(*EDITORS)
def end_tenancy(tenancy_id):
    """End a tenancy on a day (the API's PATCH with ``end_date``), checked again like the API."""
    tenancy = _tenancy(tenancy_id)
    form = end_form(tenancy)
    return _tenancy_post(tenancy.premises, ("end", tenancy_id), form, lambda: premises_service.update_tenancy(
        tenancy, TenancyUpdateSchema().load(_api_values(form))), _("Tenancy ended."))


@bp.route("/tenancies/<int:tenancy_id>/agreement", methods=["POST"])
@page(*AGREEMENT_WRITERS)
def upload_agreement(tenancy_id):
    """Record the tenancy's agreement: its file (checked by content) and dates, as the API's PUT."""
    tenancy = _tenancy(tenancy_id)
    form = agreement_form(tenancy)

    def record():
        dates = AgreementDatesSchema().load({key: value for key, value in _api_values(form).items()
                                             if key != "file"})
        premises_service.set_agreement(tenancy, dates["signed_on"], dates["expires_on"], form.file.data.read(),
                                       current_user.id)

    return _tenancy_post(tenancy.premises, ("agreement", tenancy_id), form, record, _("Agreement recorded."))


def _tenancy_post(found: Premises, key, form, action, done: str):
    """One form posted on a premises page: ``action()`` runs the API's checks and the service; a refusal shows
    the page again with ``form`` (under ``key``) keeping what was typed and marking the field, a success is
    committed and goes back to the tenants."""
    premises_id = found.id
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _premises_page(found, {key: form}, 400)
    try:
        action()
    except (ValidationError, DomainError) as exc:
        db.session.rollback()
        return _premises_page(_premises(premises_id), {key: form}, refusal(form, exc))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("web.premises", premises_id=premises_id, _anchor="tenants"))


def enterprise_extras(enterprise: Enterprise) -> dict:
    """What the enterprise page adds for premises: as a landlord, the roll-up of its premises' tenants; as a
    tenant, where it rents today."""
    let = premises_service.of_landlord(enterprise.id)
    return {"landlord_rollup": rollup(let, leave_out=enterprise.id) if let else None,
            "rented": rented_by(enterprise.id), "premises_readers": can(*READERS), "today": local_date()}
