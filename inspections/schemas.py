from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from accounts.schemas import UserRefSchema
from core import keyset
from core.api import ID, MAX_ID, Boolean, QueryBoolean
from core.db import utcnow
from core.text import Text
from core.time import within_years
from enterprises.models import SECTORS
from inspections.models import (
    CATEGORIES,
    DOMAINS,
    FINDING_SORTS,
    FINDING_SOURCES,
    PARTIES,
    RESULTS,
    SEVERITIES,
    SIGNER_ROLES,
    STATUSES,
)
from photos.schemas import FindingPhotoSchema
from risk_rules.citation import cite

_text = Text
# How far ahead of the server a tablet's clock may run before its times are refused as in the future.
CLOCK_SKEW = timedelta(minutes=10)


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
    party = _text(load_default=None, allow_none=True, validate=validate.OneOf(PARTIES), metadata={
        "description": "premises inspections only: against the landlord (the default) or a tenant"})
    enterprise_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID, metadata={
        "description": "premises inspections only: the tenant the finding is against (a tenant of the premises on "
                       "the inspection date); for the landlord, none or the landlord enterprise"})


class SignatureCreateSchema(Schema):
    """One signature from the pad, or the enterprise's refusal to sign with its reason and a witness."""

    role = _text(required=True, validate=validate.OneOf(SIGNER_ROLES), metadata={
        "description": "lead or second inspector, or the enterprise's person in charge"})
    image = _text(load_default=None, allow_none=True, validate=validate.Length(max=700_000), metadata={
        "description": "the signature as a PNG data URL (data:image/png;base64,...); none when refused"})
    refused = Boolean(load_default=False, metadata={"description": "the person in charge refused to sign (拒绝签字)"})
    refusal_reason = _text(load_default="", validate=validate.Length(max=300), metadata={
        "description": "why the person in charge refused, in a sentence or two (it is printed in the signature row)"})
    witness = _text(load_default="", validate=validate.Length(max=100), metadata={
        "description": "who witnessed the refusal (见证人)"})
    signed_dt = fields.AwareDateTime(required=True, validate=within_years)

    @validates_schema
    def _signed_or_refused(self, data, **_):
        if data["refused"]:
            if data["role"] != "enterprise":
                raise ValidationError("only the enterprise's person in charge can refuse to sign", "refused")
            if data["image"]:
                raise ValidationError("a refusal carries no signature image", "image")
            for name in ("refusal_reason", "witness"):
                if not data[name].strip():
                    raise ValidationError("a refusal to sign needs a reason and a witness", name)
        elif not data["image"]:
            raise ValidationError("a signature image is required unless the signer refused", "image")


class InspectionCreateSchema(Schema):
    client_id = fields.UUID(required=True, metadata={
        "description": "UUID made by the client; resending it returns the stored inspection"})
    enterprise_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID, metadata={
        "description": "the inspected enterprise; give this or premises_id"})
    premises_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID, metadata={
        "description": "rented premises inspected (domain premises): the landlord is the inspected party"})
    domain = _text(required=True, validate=validate.OneOf(DOMAINS))
    inspected_dt = fields.AwareDateTime(required=True, validate=within_years, metadata={
        "description": "when the inspection started"})
    ended_dt = fields.AwareDateTime(load_default=None, allow_none=True, validate=within_years, metadata={
        "description": "when it ended; not before the start"})
    second_inspector_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID, metadata={
        "description": "the second inspector (the submitter is the lead); the documents need both"})
    contact_name = _text(load_default="", validate=validate.Length(max=100), metadata={
        "description": "the enterprise's legal representative or person in charge present"})
    contact_title = _text(load_default="", validate=validate.Length(max=100))
    contact_phone = _text(load_default="", validate=validate.Length(max=40))
    location = _text(load_default="", validate=validate.Length(max=300))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    notes = _text(load_default="", validate=validate.Length(max=10000))
    checklist = fields.List(fields.Nested(ChecklistResultSchema), load_default=list,
                            validate=validate.Length(max=500))
    findings = fields.List(fields.Nested(FindingCreateSchema), load_default=list, validate=validate.Length(max=200))
    signatures = fields.List(fields.Nested(SignatureCreateSchema), load_default=list, load_only=True,
                             validate=validate.Length(max=len(SIGNER_ROLES)), metadata={
        "description": "signatures of both inspectors and the person in charge (or the refusal): with them the "
                       "现场检查记录, and the 责令限期整改指令书 when there are findings, are issued"})

    @validates_schema
    def _one_party(self, data, **_):
        if (data.get("enterprise_id") is None) == (data.get("premises_id") is None):
            raise ValidationError("give the inspected enterprise_id or the premises_id, one of the two",
                                  "enterprise_id")
        if (data.get("premises_id") is not None) != (data.get("domain") == "premises"):
            raise ValidationError("premises are inspected in the premises domain, and only premises are",
                                  "premises_id" if data.get("premises_id") is not None else "domain")

    @validates_schema
    def _times_and_signers(self, data, **_):
        ahead = utcnow() + CLOCK_SKEW
        for name in ("inspected_dt", "ended_dt"):
            if data.get(name) is not None and data[name] > ahead:
                raise ValidationError("this time is in the future: check the device's clock", name)
        if data.get("ended_dt") is not None and data["ended_dt"] < data["inspected_dt"]:
            raise ValidationError("the end is before the start", "ended_dt")
        for index, row in enumerate(data.get("signatures", [])):
            if not data["inspected_dt"] <= row["signed_dt"] <= ahead:
                raise ValidationError({"signatures": {index: {"signed_dt": [
                    "a signature is made during or after the inspection and not in the future: check the "
                    "device's clock"]}}})
        roles = [row["role"] for row in data.get("signatures", [])]
        if not roles:
            return
        if sorted(roles) != sorted(SIGNER_ROLES):
            raise ValidationError(f"the documents need one signature (or refusal) each from {', '.join(SIGNER_ROLES)}",
                                  "signatures")
        for name, message in (("second_inspector_id", "the documents need a second inspector"),
                              ("contact_name", "the documents need the enterprise's person in charge"),
                              ("ended_dt", "the documents need the time the inspection ended")):
            if not data.get(name) or (isinstance(data[name], str) and not data[name].strip()):
                raise ValidationError(message, name)

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
        contradictions = {index: {"result": [f"item {row['item_code']} is marked {row['result']} but this inspection "
                                             "records a finding on it"]}
                          for index, row in enumerate(data.get("checklist", []))
                          if row["result"] != "failed" and row["item_code"] in found}
        if contradictions:
            raise ValidationError({"checklist": contradictions})


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
    standard = _text(dump_only=True, metadata={"description": "number of the standard broken (from the item)"})
    standard_title = _text(dump_only=True)
    standard_version = _text(dump_only=True)
    clause = _text(dump_only=True)
    citation_zh = fields.Function(lambda f: cite(f.standard, f.clause, "zh", f.standard_title), dump_only=True,
                                  metadata={"description": "the basis as people read: 《short name》（number）clause"})
    citation_en = fields.Function(lambda f: cite(f.standard, f.clause, "en", f.standard_title), dump_only=True)
    inspection_id = fields.Integer(dump_only=True)
    enterprise_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "whom the finding is against; none for a person landlord of premises"})
    premises_id = fields.Integer(dump_only=True, allow_none=True)
    tenancy_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "the tenancy whose missing or expired work safety management agreement the finding is"})
    party_name = _text(dump_only=True, metadata={"description": "whom the finding is against, by name"})
    domain = _text(dump_only=True)
    status = _text(dump_only=True)
    is_overdue = Boolean(dump_only=True)
    found_dt = fields.AwareDateTime(dump_only=True)
    closed_dt = fields.AwareDateTime(dump_only=True, allow_none=True)
    photos = fields.List(fields.Nested(FindingPhotoSchema), attribute="photo_links", dump_only=True)


class FindingDetailSchema(FindingSchema):
    events = fields.List(fields.Nested(FindingEventSchema), dump_only=True)
    extensions = fields.List(fields.Nested(ExtensionSchema), dump_only=True)


class SignatureSchema(Schema):
    role = _text()
    signer_name = _text()
    refused = Boolean()
    refusal_reason = _text()
    witness = _text()
    signed_dt = fields.AwareDateTime()


class InspectionSchema(InspectionCreateSchema):
    id = fields.Integer(dump_only=True)
    party_name = _text(dump_only=True, metadata={"description": "the inspected party, by name"})
    inspector_id = fields.Integer(dump_only=True)
    signed = fields.List(fields.Nested(SignatureSchema), attribute="signatures", dump_only=True)
    created_dt = fields.AwareDateTime(dump_only=True)
    checklist = fields.List(fields.Nested(ChecklistResultSchema), attribute="results", dump_only=True)
    findings = fields.List(fields.Nested(FindingSchema), dump_only=True)


class InspectionQuerySchema(Schema):
    enterprise_id = fields.Integer(validate=ID)
    premises_id = fields.Integer(validate=ID)
    domain = _text(validate=validate.OneOf(DOMAINS))
    inspector_id = fields.Integer(validate=ID)


class InspectorChoice(fields.Field):
    """``me`` (the caller), ``all`` (anyone), or a user id: whose inspections' findings a list shows."""

    default_error_messages = {"invalid": "give me, all, or a user id"}

    def _deserialize(self, value, attr, data, **kwargs):
        if value in ("me", "all"):
            return value
        if not isinstance(value, str) or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
            raise self.make_error("invalid")
        return int(value)


class FindingFilterSchema(Schema):
    """The findings list's filters, for the list and its export."""

    q = _text(validate=validate.Length(max=200), metadata={
        "description": "part of the enterprise's name or credit code (of the premises or person landlord where "
                       "the finding has no enterprise), or of the description"})
    status = _text(validate=validate.OneOf((*STATUSES, "unclosed", "all")), metadata={
        "description": "a status; unclosed: open or awaiting verification; all (or none): any"})
    severity = _text(validate=validate.OneOf(SEVERITIES))
    enterprise_id = fields.Integer(validate=ID)
    premises_id = fields.Integer(validate=ID)
    domain = _text(validate=validate.OneOf(DOMAINS), metadata={"description": "the inspection's domain"})
    sector = _text(validate=validate.OneOf(SECTORS), metadata={"description": "the enterprise's sector"})
    zone = _text(validate=validate.Length(max=100), metadata={"description": "the enterprise's zone"})
    overdue = QueryBoolean()
    found_from = fields.Date(validate=within_years, metadata={"description": "found on or after this local date"})
    found_to = fields.Date(validate=within_years, metadata={"description": "found on or before this local date"})
    deadline_from = fields.Date(validate=within_years, metadata={"description": "deadline on or after this date"})
    deadline_to = fields.Date(validate=within_years, metadata={"description": "deadline on or before this date"})
    inspector = InspectorChoice(metadata={
        "description": "the inspection's lead inspector: me, all (the default), or a user id",
        "type": "string", "pattern": f"^(me|all|[1-9][0-9]{{0,{len(str(MAX_ID)) - 1}}})$"})
    source = _text(validate=validate.OneOf(FINDING_SOURCES), metadata={
        "description": "checklist: a failed checklist item; observation: written on no item; agreement: made from "
                       "the premises register (a tenancy without a work safety management agreement)"})
    sort = _text(load_default="deadline", validate=validate.OneOf(FINDING_SORTS), metadata={
        "description": "deadline: earliest deadline first; found: earliest found first; newest: latest found "
                       "first (ties by id)"})

    @validates_schema
    def _ranges(self, data, **_):
        for low, high in (("found_from", "found_to"), ("deadline_from", "deadline_to")):
            if data.get(low) and data.get(high) and data[low] > data[high]:
                raise ValidationError(f"must not be before {low}", high)


class FindingQuerySchema(keyset.ListPageSchema, FindingFilterSchema):
    """The findings list: filters and paging."""


def _request_id():
    """An optional UUID a client makes once per submission: resending it returns the finding, nothing is stored
    twice (``inspections.findings.replayed``)."""
    return fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "UUID made by the client for this submission; resending it returns the finding as it is, "
                       "without storing anything again (409 if it was used for another request)"})


class RectificationSchema(Schema):
    client_id = _request_id()
    note = _text(required=True, validate=validate.Length(min=1, max=5000))
    photo_ids = fields.List(fields.Integer(strict=True, validate=ID), load_default=list,
                            validate=validate.Length(max=20), metadata={"description": "uploaded 'after' photos"})


class VerificationSchema(Schema):
    client_id = _request_id()
    accepted = Boolean(required=True)
    note = _text(load_default="", validate=validate.Length(max=5000))
    reinspection_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID, metadata={
        "description": "the on-site re-inspection (an inspection of the enterprise after the rectification was "
                       "submitted): required to verify a major hazard; issues the 整改复查意见书"})

    @validates_schema
    def _reason_for_rejection(self, data, **_):
        if not data["accepted"] and not data["note"].strip():
            raise ValidationError("a rejection needs a reason", "note")


class ExtensionCreateSchema(Schema):
    client_id = _request_id()
    new_deadline = fields.Date(required=True)
    reason = _text(required=True, validate=validate.Length(min=1, max=5000))


class ExtensionDecisionSchema(Schema):
    approved = Boolean(required=True)
    note = _text(load_default="", validate=validate.Length(max=5000))


class SeverityChangeSchema(Schema):
    severity = _text(required=True, validate=validate.OneOf(SEVERITIES))
    reason = _text(required=True, validate=validate.Length(min=1, max=5000))
