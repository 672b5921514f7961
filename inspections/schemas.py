from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from accounts.schemas import UserRefSchema
from core.api import ID, Boolean, QueryBoolean
from core.text import Text
from core.time import within_years
from inspections.models import CATEGORIES, DOMAINS, RESULTS, SEVERITIES, STATUSES
from photos.schemas import FindingPhotoSchema

_text = Text


class ChecklistResultSchema(Schema):
    item_code = _text(required=True, validate=validate.Length(min=1, max=40))
    result = _text(required=True, validate=validate.OneOf(RESULTS))


class FindingCreateSchema(Schema):
    item_code = _text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    description = _text(required=True, validate=validate.Length(min=1, max=5000))
    category = _text(required=True, validate=validate.OneOf(CATEGORIES))
    severity = _text(load_default=None, validate=validate.OneOf(SEVERITIES), metadata={
        "description": "general or major; a failed major checklist item is always major"})
    deadline = fields.Date(load_default=None, metadata={
        "description": "rectification deadline (zone's local date); default from severity"})
    responsible_person = _text(load_default="", validate=validate.Length(max=100))
    photo_ids = fields.List(fields.Integer(strict=True, validate=ID), load_default=list, load_only=True,
                            validate=validate.Length(max=20), metadata={"description": "uploaded photo ids"})


class InspectionCreateSchema(Schema):
    client_id = fields.UUID(required=True, metadata={
        "description": "UUID made by the client; resending it returns the stored inspection"})
    enterprise_id = fields.Integer(required=True, strict=True, validate=ID)
    domain = _text(required=True, validate=validate.OneOf(DOMAINS))
    inspected_dt = fields.AwareDateTime(required=True, validate=within_years)
    location = _text(load_default="", validate=validate.Length(max=300))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    notes = _text(load_default="", validate=validate.Length(max=10000))
    checklist = fields.List(fields.Nested(ChecklistResultSchema), load_default=list,
                            validate=validate.Length(max=500))
    findings = fields.List(fields.Nested(FindingCreateSchema), load_default=list, validate=validate.Length(max=200))

    @validates_schema
    def _failed_items_have_findings(self, data, **_):
        codes = [row["item_code"] for row in data.get("checklist", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError("each checklist item may appear once", "checklist")
        found = {f["item_code"] for f in data.get("findings", []) if f.get("item_code")}
        failed = [row["item_code"] for row in data.get("checklist", []) if row["result"] == "failed"]
        missing = [code for code in failed if code not in found]
        if missing:
            raise ValidationError(f"failed item(s) {', '.join(missing)} need a finding", "findings")


class FindingEventSchema(Schema):
    id = fields.Integer()
    action = _text()
    from_status = _text(allow_none=True)  # none for the event that created the finding
    to_status = _text()
    actor = fields.Nested(UserRefSchema, allow_none=True)
    note = _text()
    created_dt = fields.AwareDateTime()


class ExtensionSchema(Schema):
    id = fields.Integer()
    requested_deadline = fields.Date()
    previous_deadline = fields.Date()
    reason = _text()
    status = _text()
    requested_by_id = fields.Integer()
    requested_dt = fields.AwareDateTime()
    decided_by_id = fields.Integer(allow_none=True)
    decided_dt = fields.AwareDateTime(allow_none=True)
    decision_note = _text()


class FindingSchema(FindingCreateSchema):
    class Meta:
        dump_only = ("severity", "deadline")

    id = fields.Integer(dump_only=True)
    inspection_id = fields.Integer(dump_only=True)
    enterprise_id = fields.Integer(dump_only=True)
    domain = _text(dump_only=True)
    status = _text(dump_only=True)
    is_overdue = Boolean(dump_only=True)
    found_dt = fields.AwareDateTime(dump_only=True)
    closed_dt = fields.AwareDateTime(dump_only=True, allow_none=True)
    photos = fields.List(fields.Nested(FindingPhotoSchema), attribute="photo_links", dump_only=True)


class FindingDetailSchema(FindingSchema):
    events = fields.List(fields.Nested(FindingEventSchema), dump_only=True)
    extensions = fields.List(fields.Nested(ExtensionSchema), dump_only=True)


class InspectionSchema(InspectionCreateSchema):
    id = fields.Integer(dump_only=True)
    inspector_id = fields.Integer(dump_only=True)
    created_dt = fields.AwareDateTime(dump_only=True)
    checklist = fields.List(fields.Nested(ChecklistResultSchema), attribute="results", dump_only=True)
    findings = fields.List(fields.Nested(FindingSchema), dump_only=True)


class InspectionQuerySchema(Schema):
    enterprise_id = fields.Integer(validate=ID)
    domain = _text(validate=validate.OneOf(DOMAINS))
    inspector_id = fields.Integer(validate=ID)


class FindingQuerySchema(Schema):
    status = _text(validate=validate.OneOf(STATUSES))
    severity = _text(validate=validate.OneOf(SEVERITIES))
    enterprise_id = fields.Integer(validate=ID)
    domain = _text(validate=validate.OneOf(DOMAINS))
    overdue = QueryBoolean()
    found_from = fields.Date(validate=within_years, metadata={"description": "found on or after this local date"})
    found_to = fields.Date(validate=within_years, metadata={"description": "found on or before this local date"})


class RectificationSchema(Schema):
    note = _text(required=True, validate=validate.Length(min=1, max=5000))
    photo_ids = fields.List(fields.Integer(strict=True, validate=ID), load_default=list,
                            validate=validate.Length(max=20), metadata={"description": "uploaded 'after' photos"})


class VerificationSchema(Schema):
    accepted = Boolean(required=True)
    note = _text(load_default="", validate=validate.Length(max=5000))

    @validates_schema
    def _reason_for_rejection(self, data, **_):
        if not data["accepted"] and not data["note"].strip():
            raise ValidationError("a rejection needs a reason", "note")


class ExtensionCreateSchema(Schema):
    new_deadline = fields.Date(required=True)
    reason = _text(required=True, validate=validate.Length(min=1, max=5000))


class ExtensionDecisionSchema(Schema):
    approved = Boolean(required=True)
    note = _text(load_default="", validate=validate.Length(max=5000))


class SeverityChangeSchema(Schema):
    severity = _text(required=True, validate=validate.OneOf(SEVERITIES))
    reason = _text(required=True, validate=validate.Length(min=1, max=5000))
