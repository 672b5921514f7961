import io
from contextlib import closing

from flask import send_file
from flask.views import MethodView
from flask_login import current_user

from accounts.auth import roles_required
from core.api import Blueprint
from core.db import db
from core.errors import Invalid
from core.pagination import paginate
from core.tabular import TabularError
from premises import importer, service
from premises.schemas import (
    AgreementDatesSchema,
    AgreementUploadSchema,
    ImportResultSchema,
    ImportUploadSchema,
    PremisesCreateSchema,
    PremisesQuerySchema,
    PremisesSchema,
    PremisesUpdateSchema,
    TenancyCreateSchema,
    TenancyQuerySchema,
    TenancySchema,
    TenancyUpdateSchema,
)

blp = Blueprint("premises", __name__, url_prefix="/api/v1/premises",
                description="Rented industrial buildings (出租厂房、群租厂房) and their tenancies")
tenancies_blp = Blueprint("tenancies", __name__, url_prefix="/api/v1/tenancies",
                          description="Tenancies and their work safety management agreements")

EDITORS = ("admin", "safety_manager")


@blp.route("")
class PremisesList(MethodView):
    @blp.arguments(PremisesQuerySchema, location="query")
    @blp.response(200, PremisesSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Premises, by name; search by name or address, zone or landlord."""
        return paginate(service.search(**args), pagination_parameters)

    @roles_required(*EDITORS)
    @blp.arguments(PremisesCreateSchema)
    @blp.response(201, PremisesSchema)
    def post(self, data):
        """Register premises let to others, with their landlord (an enterprise, or a person's name and phone)."""
        premises = service.create(data)
        db.session.commit()
        return premises


@blp.route("/<int:premises_id>")
class PremisesItem(MethodView):
    @blp.response(200, PremisesSchema)
    def get(self, premises_id):
        """One premises."""
        return service.get(premises_id)

    @roles_required(*EDITORS)
    @blp.arguments(PremisesUpdateSchema)
    @blp.response(200, PremisesSchema)
    def patch(self, data, premises_id):
        """Correct or update premises; only the fields given change, and the audit log keeps the old values."""
        premises = service.update(service.get(premises_id), data)
        db.session.commit()
        return premises


@blp.route("/<int:premises_id>/tenancies")
class PremisesTenancies(MethodView):
    @blp.arguments(TenancyQuerySchema, location="query")
    @blp.response(200, TenancySchema(many=True))
    def get(self, args, premises_id):
        """The premises' tenancies by start date (those in force on ``on``)."""
        service.get(premises_id)
        return db.session.scalars(service.tenancies(premises_id=premises_id, on=args.get("on"))).all()

    @roles_required(*EDITORS)
    @blp.arguments(TenancyCreateSchema)
    @blp.response(201, TenancySchema)
    @blp.alt_response(409, description="The unit is let to another tenancy on some of these days (named)")
    def post(self, data, premises_id):
        """Let a part of the premises to an enterprise; refused (409, naming it) when another tenancy of the same
        unit shares any day."""
        tenancy = service.add_tenancy(service.get(premises_id), data)
        db.session.commit()
        return tenancy


@blp.route("/import", methods=["POST"])
@roles_required(*EDITORS)
@blp.arguments(ImportUploadSchema, location="files")
@blp.response(201, ImportResultSchema)
def import_register(files):
    """Import premises and tenancies from a CSV or XLSX register. Every line is checked first: if any is
    refused, nothing is imported and the 422 lists each line with the column and why."""
    with closing(files["file"]) as upload:
        try:
            report = importer.check_upload(upload)
        except TabularError as exc:
            raise Invalid(str(exc), errors={"files": {"file": [str(exc)]}}) from None
    if not report.ok:
        raise Invalid(f"nothing was imported: {report.summary(0)}",
                      errors={"files": {"file": {str(line): [why] for line, why in report.rejected}}})
    created = importer.store(report)
    db.session.commit()
    return {"read": report.read, "premises": created[0], "tenancies": created[1],
            "summary": report.summary(report.read)}


@tenancies_blp.route("/<int:tenancy_id>")
class TenancyItem(MethodView):
    @tenancies_blp.response(200, TenancySchema)
    def get(self, tenancy_id):
        """One tenancy."""
        return service.get_tenancy(tenancy_id)

    @roles_required(*EDITORS)
    @tenancies_blp.arguments(TenancyUpdateSchema)
    @tenancies_blp.response(200, TenancySchema)
    @tenancies_blp.alt_response(409, description="The unit is let to another tenancy on some of these days (named)")
    def patch(self, data, tenancy_id):
        """End a tenancy, correct its unit or dates, record the agreement's dates; checked again for overlaps."""
        tenancy = service.update_tenancy(service.get_tenancy(tenancy_id), data)
        db.session.commit()
        return tenancy


@tenancies_blp.route("/<int:tenancy_id>/agreement")
class Agreement(MethodView):
    @tenancies_blp.response(200, description="The agreement's file (PDF or JPEG)",
                            content_type="application/octet-stream")
    def get(self, tenancy_id):
        """The tenancy's agreement file, as recorded (staff only: any logged-in user)."""
        stored = service.agreement_file(service.get_tenancy(tenancy_id))
        suffix = "pdf" if stored.media_type == "application/pdf" else "jpg"
        response = send_file(io.BytesIO(stored.data), mimetype=stored.media_type, download_name=(
            f"agreement-{tenancy_id}.{suffix}"), etag=stored.sha256, conditional=True)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.cache_control.private = True
        response.cache_control.no_store = True
        return response

    @roles_required("inspector", *EDITORS)
    @tenancies_blp.arguments(AgreementDatesSchema, location="query")
    @tenancies_blp.arguments(AgreementUploadSchema, location="files")
    @tenancies_blp.response(200, TenancySchema)
    def put(self, dates, files, tenancy_id):
        """Record the tenancy's work safety management agreement (安全生产法 (2021) 第四十九条第二款): its dates
        ``signed_on`` and ``expires_on`` in the query, its ``file`` as multipart (a PDF, or a picture of the signed
        pages; checked by content, at most 10 MB), all at once. Replaces the agreement recorded before."""
        with closing(files["file"]) as upload:  # a large upload is spooled to a temporary file: closed at once
            data = upload.read()
        tenancy = service.set_agreement(service.get_tenancy(tenancy_id), dates["signed_on"], dates["expires_on"],
                                        data, current_user.id)
        db.session.commit()
        return tenancy
