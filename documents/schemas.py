from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from accounts.schemas import UserRefSchema
from core.api import ID, Boolean
from core.text import Text
from core.time import within_years
from documents.models import KINDS
from documents.service import LANGUAGES


class DocumentQuerySchema(Schema):
    enterprise_id = fields.Integer(validate=ID)
    inspection_id = fields.Integer(validate=ID)
    finding_id = fields.Integer(validate=ID, metadata={"description": "documents that list this finding"})
    kind = Text(validate=validate.OneOf(KINDS))
    issued_from = fields.Date(validate=within_years, metadata={"description": "issued on or after (local date)"})
    issued_to = fields.Date(validate=within_years, metadata={"description": "issued on or before (local date)"})

    @validates_schema
    def _order(self, data, **_):
        if "issued_from" in data and "issued_to" in data and data["issued_from"] > data["issued_to"]:
            raise ValidationError("issued_from is after issued_to", "issued_to")


class DocumentRefSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = Text(dump_only=True)
    number = Text(dump_only=True)


class DocumentSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = Text(dump_only=True, metadata={"description": ", ".join(KINDS)})
    number = Text(dump_only=True, metadata={"description": "as printed, e.g. （港）安监检记〔2026〕17号"})
    year = fields.Integer(dump_only=True)
    serial = fields.Integer(dump_only=True)
    enterprise_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "the inspected enterprise; none for premises whose landlord is a person"})
    inspection_id = fields.Integer(dump_only=True)
    answers = fields.Method("_answers", dump_only=True, metadata={"description": "the order an opinion answers"})
    supersedes_id = fields.Integer(dump_only=True, allow_none=True)
    superseded_by = fields.Nested(DocumentRefSchema, dump_only=True, allow_none=True)
    correction_reason = Text(dump_only=True)
    issued_by = fields.Nested(UserRefSchema, dump_only=True)
    issued_dt = fields.AwareDateTime(dump_only=True)
    finding_ids = fields.Method("_finding_ids", dump_only=True)
    content_sha256 = Text(dump_only=True, metadata={"description": "printed in the footer"})
    pdf_sha256 = Text(dump_only=True, metadata={"description": "SHA-256 of the Chinese PDF as issued"})
    pdf_en_sha256 = Text(dump_only=True, metadata={"description": "SHA-256 of the English rendering"})

    def _answers(self, document):
        return document.answers_id

    def _finding_ids(self, document):
        return [row.finding_id for row in document.findings]


class PdfQuerySchema(Schema):
    lang = Text(load_default="zh", validate=validate.OneOf(LANGUAGES), metadata={
        "description": "zh: the legal document; en: its English rendering"})


class CorrectionSchema(Schema):
    reason = Text(required=True, validate=validate.Length(min=1, max=2000))
    location = Text(validate=validate.Length(max=300), metadata={"description": "the place inspected, corrected"})
    contact_name = Text(validate=validate.Length(min=1, max=100), metadata={
        "description": "the person in charge's name, corrected"})
    contact_title = Text(validate=validate.Length(max=100))
    contact_phone = Text(validate=validate.Length(max=40))
    client_id = fields.UUID(load_default=None, metadata={"description": "resending it returns the same correction"})


class OpinionResultSchema(Schema):
    finding_id = fields.Integer(required=True, strict=True, validate=ID)
    accepted = Boolean(required=True, metadata={"description": "true: 整改合格 (verified); false: 未整改到位"})
    note = Text(load_default="", validate=validate.Length(max=5000))


class OpinionCreateSchema(Schema):
    client_id = fields.UUID(load_default=None, metadata={"description": "resending it returns the same opinion"})
    reinspection_id = fields.Integer(required=True, strict=True, validate=ID, metadata={
        "description": "the on-site re-inspection of the enterprise, after the rectifications were submitted"})
    results = fields.List(fields.Nested(OpinionResultSchema), required=True, validate=validate.Length(min=1, max=200))
    opinion = Text(required=True, validate=validate.Length(min=1, max=5000))

    @validates_schema
    def _each_once(self, data, **_):
        ids = [row["finding_id"] for row in data.get("results", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("each finding may appear once", "results")


class VerifyUploadSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # other parts of the form are ignored (as for photo uploads)

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class VerifyResultSchema(Schema):
    issued = Boolean(dump_only=True)
    unchanged = Boolean(dump_only=True)
    language = Text(dump_only=True, allow_none=True)
    document = fields.Nested(DocumentSchema, dump_only=True, allow_none=True)
    message = Text(dump_only=True)


class TemplateSchema(Schema):
    kind = Text(dump_only=True)
    body = fields.Dict(keys=Text(), values=Text(), required=True, metadata={
        "description": "the wording: prefix, authority_zh/en, title_zh/en and the kind's paragraphs, with "
                       "$placeholders"})
