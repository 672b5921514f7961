"""Findings: lists, one finding with before/after photos, rectification, verification and extensions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from checklists import service as checklists
from core.db import db
from core.errors import DomainError, Forbidden
from core.time import local_date
from documents import service as documents
from inspections import findings as workflow
from inspections.models import STATUSES, Finding, Inspection
from photos import service as photos
from photos.processing import PhotoError
from web import queries
from web.access import INSPECTION_READERS, can, page
from web.blueprint import bp
from web.card_pages import inspection_label
from web.forms import ExtensionDecisionForm, ExtensionRequestForm, RectificationForm, VerificationForm

FILTERS = ("open", "overdue", "rectification_submitted", "verified", "all")
WORKFLOW_ROLES = ("inspector", "safety_manager")


@bp.route("/findings")
@page("inspector", "safety_manager", "admin")
def findings():
    show = request.args.get("show", "overdue" if can("safety_manager") else "open")
    if show not in FILTERS:
        show = "open"
    args = {"overdue": True} if show == "overdue" else ({"status": show} if show in STATUSES else {})
    rows, total = queries.limited(workflow.search(**args))
    return render_template("web/findings.html", findings=rows, total=total, show=show, filters=FILTERS,
                           limit=queries.LIST_LIMIT)


def _item(finding: Finding):
    """The checklist item the finding came from, in the version in force when it was found."""
    if not finding.item_code:
        return None
    try:
        version = checklists.version_for(finding.domain, local_date(finding.found_dt))
    except DomainError:
        return None
    return next((item for item in version.items if item.code == finding.item_code), None)


def _forms(finding: Finding):
    verify = VerificationForm(prefix="verify")
    verify.reinspection.choices = [(0, _("— none —"))] + [
        (i.id, inspection_label(i)) for i in documents.reinspection_candidates(finding)
    ] if finding.status == "rectification_submitted" else [(0, "")]
    return {"rectify": RectificationForm(prefix="rect"), "verify": verify,
            "extend": ExtensionRequestForm(prefix="ext"), "decide": ExtensionDecisionForm(prefix="decide")}


def _render(finding: Finding, forms: dict, status: int = 200):
    links = finding.photo_links
    return render_template(
        "web/finding.html", finding=finding, item=_item(finding), forms=forms,
        before=[link for link in links if link.kind == "evidence"],
        after=[link for link in links if link.kind == "rectification"],
        pending=next((ext for ext in finding.extensions if ext.status == "pending"), None),
        today=local_date(), readers=INSPECTION_READERS,
        documents=documents.listing(finding_id=finding.id) if can(*INSPECTION_READERS) else [],
    ), status


@bp.route("/findings/<int:finding_id>")
@page()
def finding(finding_id):
    found = _get(finding_id)
    return _render(found, _forms(found))


def _get(finding_id: int) -> Finding:
    finding = db.session.get(Finding, finding_id)
    if finding is None:
        abort(404)
    return finding


def _act(finding_id: int, form_name: str, roles, action):
    """Validate one of the page's forms, run ``action(finding, form)``, commit once; show errors on the page."""
    if not can(*roles):
        abort(403)
    finding = _get(finding_id)
    forms = _forms(finding)
    form = forms[form_name]
    if form.validate_on_submit():
        try:
            message = action(finding, form)
        except (DomainError, PhotoError) as exc:
            db.session.rollback()
            flash(_("Not saved: %(reason)s", reason=exc.message), "error")
            status = 403 if isinstance(exc, Forbidden) else 409 if isinstance(exc, DomainError) else 400
            return _render(_get(finding_id), forms, status)
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("web.finding", finding_id=finding_id))
    flash(_("Please correct the marked fields."), "error")
    return _render(finding, forms, 400)


def _rectify(finding: Finding, form: RectificationForm) -> str:
    uploads = [upload for upload in form.photos.data or [] if upload and upload.filename]
    # The cheap refusals (too many photos, a finding not open) before any photo is decoded.
    photos.room_for(finding, len(uploads), field="photos")
    workflow.transition(finding, "rectification_submitted", current_user.id, form.note.data.strip())
    ids = [photos.store(upload.read(), current_user.id)[0].id for upload in uploads]
    photos.attach("rectification", current_user.id, [(finding, ids, ("photos",))])
    return _("Rectification submitted; it now waits for verification on site.")


def _verify(finding: Finding, form: VerificationForm) -> str:
    """The decision, by an on-site re-inspection when one is chosen (a major hazard needs one): then its
    整改复查意见书 is issued and named in the message."""
    accepted = form.decision.data == "accept"
    note = (form.note.data or "").strip()  # a form posted without the note field: no note, not a 500
    if form.reinspection.data:
        opinion = documents.reinspect(db.session.get(Inspection, form.reinspection.data),
                                      [(finding, accepted, note)], documents.OPINIONS[accepted], current_user.id)
        return _("Re-inspection opinion %(number)s issued.", number=opinion.number)
    workflow.transition(finding, "verified" if accepted else "rejected", current_user.id, note)
    return _("Verified: the finding is closed.") if accepted else _("Rejected: the finding is open again.")


def _extend(finding: Finding, form: ExtensionRequestForm) -> str:
    workflow.request_extension(finding, form.new_deadline.data, form.reason.data.strip(), current_user.id)
    return _("Extension requested; a safety manager will decide.")


def _decide(finding: Finding, form: ExtensionDecisionForm) -> str:
    approved = form.decision.data == "approve"
    workflow.decide_extension(finding, approved, (form.note.data or "").strip(), current_user.id)
    return _("Extension approved: the deadline has moved.") if approved else _("Extension rejected.")


@bp.route("/findings/<int:finding_id>/rectification", methods=["POST"])
@page()
def rectify(finding_id):
    return _act(finding_id, "rectify", WORKFLOW_ROLES, _rectify)


@bp.route("/findings/<int:finding_id>/verification", methods=["POST"])
@page()
def verify(finding_id):
    return _act(finding_id, "verify", WORKFLOW_ROLES, _verify)


@bp.route("/findings/<int:finding_id>/extension", methods=["POST"])
@page()
def extend(finding_id):
    return _act(finding_id, "extend", WORKFLOW_ROLES, _extend)


@bp.route("/findings/<int:finding_id>/extension/decision", methods=["POST"])
@page()
def decide(finding_id):
    back = request.args.get("back")
    response = _act(finding_id, "decide", ("safety_manager",), _decide)
    if back == "extensions" and getattr(response, "status_code", None) == 302:
        return redirect(url_for("web.extensions"))
    return response
