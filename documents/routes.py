from urllib.parse import quote

from flask import Response
from flask.views import MethodView
from flask_login import current_user

from accounts.auth import roles_required
from core.api import Blueprint
from core.db import db
from core.errors import NotFound
from core.pagination import paginate
from documents import service
from documents.models import KINDS
from documents.schemas import (
    CorrectionSchema,
    DocumentQuerySchema,
    DocumentSchema,
    OpinionCreateSchema,
    PdfQuerySchema,
    TemplateSchema,
    VerifyResultSchema,
    VerifyUploadSchema,
)
from inspections import findings
from inspections import service as inspections

blp = Blueprint("documents", __name__, url_prefix="/api/v1/documents",
                description="Enforcement documents (执法文书): record, order, re-inspection opinion")
YEAR = 365 * 24 * 3600


@blp.route("")
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, DocumentSchema(many=True))
@blp.paginate()
def document_list(args, pagination_parameters):
    """Issued documents, newest first; superseded ones included (each names its correction)."""
    return paginate(service.search(**args), pagination_parameters)


@blp.route("/<int:document_id>")
@blp.response(200, DocumentSchema)
def document(document_id):
    """One document: number, kind, what it lists, what it supersedes or answers, its hashes."""
    return service.get(document_id)


def pdf_filename(document, language: str) -> tuple[str, str]:
    """(ASCII name, UTF-8 name) for the download: the kind and id (``inspection_record-17.pdf``), and the printed
    number (``（港）安监检记〔2026〕17号.pdf``); ``-en`` / `` (English)`` for the English rendering."""
    ascii_name = f"{document.kind}-{document.id}"
    if language == "en":
        return f"{ascii_name}-en.pdf", f"{document.number} (English).pdf"
    return f"{ascii_name}.pdf", f"{document.number}.pdf"


def pdf_response(document, language: str) -> Response:
    """The stored PDF, inline, cacheable for ever (an issued document never changes; a correction is another)."""
    response = Response(service.pdf(document, language), mimetype="application/pdf")
    ascii_name, name = pdf_filename(document, language)
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    return response


@blp.route("/<int:document_id>/pdf")
@blp.arguments(PdfQuerySchema, location="query")
@blp.response(200, description="The PDF (A4)", content_type="application/pdf")
def document_pdf(args, document_id):
    """The document as issued: ``lang=zh`` (default) the legal document, ``lang=en`` its English rendering."""
    return pdf_response(service.get(document_id), args["lang"])


@blp.route("/<int:document_id>/corrections", methods=["POST"])
@roles_required("inspector", "safety_manager")
@blp.arguments(CorrectionSchema)
@blp.response(201, DocumentSchema)
def correction(data, document_id):
    """Issue a correction: the place or the person in charge corrected where given, then a new document from
    the records as they are now, superseding this one (kept), its signature rows left for ink."""
    client_id = None if data["client_id"] is None else str(data["client_id"])
    changes = {key: data[key] for key in service.CORRECTABLE if key in data}
    corrected = service.correct(service.get(document_id), data["reason"], current_user.id, client_id, changes)
    db.session.commit()
    return corrected


@blp.route("/opinions", methods=["POST"])
@roles_required("inspector", "safety_manager")
@blp.arguments(OpinionCreateSchema)
@blp.response(201, DocumentSchema)
def opinion(data):
    """Record an on-site re-inspection's result for each hazard (verified or sent back) and issue its
    整改复查意见书. Whoever submitted a rectification cannot verify it."""
    reinspection = inspections.get(data["reinspection_id"])
    results = [(findings.get(row["finding_id"]), row["accepted"], row["note"]) for row in data["results"]]
    client_id = None if data["client_id"] is None else str(data["client_id"])
    issued = service.reinspect(reinspection, results, data["opinion"], current_user.id, client_id)
    db.session.commit()
    return issued


@blp.route("/verify", methods=["POST"])
@blp.arguments(VerifyUploadSchema, location="files")
@blp.response(200, VerifyResultSchema)
def verify(files):
    """Whether an uploaded PDF (multipart field ``file``) is one this system issued, unchanged, and which."""
    return service.verify(files["file"].read())


@blp.route("/templates/<kind>")
class Template(MethodView):
    @blp.response(200, TemplateSchema)
    def get(self, kind):
        """The wording documents of ``kind`` are issued with now."""
        _known(kind)
        return {"kind": kind, "body": service.template(kind)}

    @roles_required("admin")
    @blp.arguments(TemplateSchema)
    @blp.response(200, TemplateSchema)
    def put(self, data, kind):
        """Replace the wording (the authority's name, the number prefix, paragraphs); issued documents keep
        theirs."""
        _known(kind)
        body = service.set_template(kind, data["body"], current_user.id)
        db.session.commit()
        return {"kind": kind, "body": body}


def _known(kind: str) -> None:
    if kind not in KINDS:
        raise NotFound(f"no document kind {kind!r}; known: {', '.join(KINDS)}")
