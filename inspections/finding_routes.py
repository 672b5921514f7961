from flask.views import MethodView
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from accounts.auth import roles_required
from core import keyset
from core.api import Blueprint
from core.db import db
from core.errors import DomainError, Invalid
from documents import service as documents
from inspections import findings
from inspections import service as inspections
from inspections.schemas import (
    ExtensionCreateSchema,
    ExtensionDecisionSchema,
    FindingDetailSchema,
    FindingQuerySchema,
    FindingSchema,
    RectificationSchema,
    SeverityChangeSchema,
    VerificationSchema,
)
from photos import service as photos

blp = Blueprint("findings", __name__, url_prefix="/api/v1/findings", description="Findings (隐患) and rectification")


@blp.route("")
@blp.arguments(FindingQuerySchema, location="query")
@blp.response(200, FindingSchema(many=True), headers=keyset.PAGINATION_HEADER)
def finding_list(args):
    """Findings, searched (``q``) and filtered, in one of three orders (``sort``; earliest deadline first by
    default). Paged: ``page`` for the first pages, then the ``cursor`` given in ``X-Pagination``, whose
    ``total`` is counted up to 10,000 (``total_is_capped`` above)."""
    query, sort = findings.listed(args, current_user.id)
    page = keyset.page_of(query, sort, findings.SORTS[sort], args)
    return page.rows, page.headers()


@blp.route("/<int:finding_id>")
@blp.response(200, FindingDetailSchema)
def finding(finding_id):
    """One finding with its full history and extension requests."""
    return findings.get(finding_id)


def _commit(finding):
    db.session.commit()
    return finding


def _once(finding_id: int, data: dict, action: str, note: str, write):
    """``write(finding, client_id)``, committed, once per the request's ``client_id``: the tablet's outbox resends
    until it has an answer, and a resent copy is answered with the finding as it is now, storing nothing again
    (``findings.replayed``). A copy sent at the same moment that loses the race (the event's unique client_id,
    or the status its twin already moved) is answered the same way; any other refusal stands."""
    client_id = str(data["client_id"]) if data["client_id"] is not None else None

    def replay():
        return findings.replayed(finding_id, client_id, (action,), current_user.id, note) if client_id else None

    if done := replay():
        return done
    try:
        with db.session.begin_nested():
            finding = findings.get(finding_id)
            write(finding, client_id)
    except (IntegrityError, DomainError):
        if done := replay():
            return done
        raise
    return _commit(finding)


@blp.route("/<int:finding_id>/rectification", methods=["POST"])
@roles_required("inspector", "safety_manager")
@blp.arguments(RectificationSchema)
@blp.response(200, FindingDetailSchema)
def rectification(data, finding_id):
    """Report what the enterprise did to rectify the finding (open → rectification_submitted); idempotent by
    ``client_id``."""
    def write(finding, client_id):
        photos.attach("rectification", current_user.id, [(finding, data["photo_ids"], ("photo_ids",))])
        findings.transition(finding, "rectification_submitted", current_user.id, data["note"], client_id=client_id)

    return _once(finding_id, data, "rectification_submitted", data["note"], write)


@blp.route("/<int:finding_id>/verification", methods=["POST"])
@roles_required("inspector", "safety_manager")
@blp.arguments(VerificationSchema)
@blp.response(200, FindingDetailSchema)
def verification(data, finding_id):
    """Accept the rectification on site (→ verified, 销号) or reject it with a reason (→ open). With
    ``reinspection_id`` (required to verify a major hazard) the decision is that re-inspection's, and its
    整改复查意见书 is issued. Idempotent by ``client_id`` (with a re-inspection, the opinion carries it)."""
    action = "verified" if data["accepted"] else "rejected"

    def write(finding, client_id):
        if data["reinspection_id"] is None:
            findings.transition(finding, action, current_user.id, data["note"], client_id=client_id)
            return
        try:
            documents.reinspect(inspections.get(data["reinspection_id"]), [(finding, data["accepted"], data["note"])],
                                documents.OPINIONS[data["accepted"]], current_user.id, client_id)
        except Invalid as exc:  # said of the opinion's results: here it is about this request's re-inspection
            raise Invalid(exc.message, field="reinspection_id") from None

    return _once(finding_id, data, action, data["note"], write)


@blp.route("/<int:finding_id>/extension")
class Extension(MethodView):
    @roles_required("inspector", "safety_manager")
    @blp.arguments(ExtensionCreateSchema)
    @blp.response(201, FindingDetailSchema)
    def post(self, data, finding_id):
        """Ask for a later deadline, with a reason; idempotent by ``client_id``."""
        def write(finding, client_id):
            findings.request_extension(finding, data["new_deadline"], data["reason"], current_user.id, client_id)

        return _once(finding_id, data, "extension_requested", data["reason"], write)


@blp.route("/<int:finding_id>/extension/decision", methods=["POST"])
@roles_required("safety_manager")
@blp.arguments(ExtensionDecisionSchema)
@blp.response(200, FindingDetailSchema)
def extension_decision(data, finding_id):
    """Approve (the deadline moves) or reject the pending extension request."""
    finding = findings.get(finding_id)
    findings.decide_extension(finding, data["approved"], data["note"], current_user.id)
    return _commit(finding)


@blp.route("/<int:finding_id>/severity", methods=["POST"])
@roles_required("safety_manager")
@blp.arguments(SeverityChangeSchema)
@blp.response(200, FindingDetailSchema)
def severity(data, finding_id):
    """Change a finding's severity, with a written reason kept in its history."""
    finding = findings.get(finding_id)
    return _commit(findings.change_severity(finding, data["severity"], data["reason"], current_user.id))
