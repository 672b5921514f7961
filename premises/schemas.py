from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from core.api import ID, NOT_BLANK, PartialUpdate
from core.text import Text
from core.time import within_years
from premises.identity import no_id_number
from premises.models import AGREEMENT_STATES, USES

_PERSON = "a person landlord (no enterprise): name and phone number; never an identity-card number"


class PremisesCreateSchema(Schema):
    """A building or plot let to others. The landlord is an enterprise of the register (``landlord_enterprise_id``)
    or a person (``landlord_name`` and ``landlord_phone``), exactly one of the two."""

    name = Text(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK, no_id_number])
    address = Text(load_default="", validate=[validate.Length(max=300), no_id_number])
    zone = Text(load_default="", validate=validate.Length(max=100))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    landlord_enterprise_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID, metadata={
        "description": "the landlord when it is an enterprise of the register"})
    landlord_name = Text(load_default="", validate=[validate.Length(max=100), no_id_number],
                         metadata={"description": _PERSON})
    landlord_phone = Text(load_default="", validate=[validate.Length(max=40), no_id_number],
                          metadata={"description": _PERSON})
    use = Text(required=True, validate=validate.OneOf(USES), metadata={
        "description": "factory (厂房), warehouse (仓库), factory_warehouse (厂房兼仓库) or other"})
    floors = fields.Integer(required=True, strict=True, validate=validate.Range(1, 200))
    area_m2 = fields.Float(required=True, validate=validate.Range(0, 10_000_000, min_inclusive=False),
                           metadata={"description": "floor area in square metres"})

    @post_load
    def _strip(self, data, **_):
        for name in ("name", "landlord_name", "landlord_phone"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        return data


class PremisesUpdateSchema(PartialUpdate, PremisesCreateSchema):
    """Any of the fields; to change the kind of landlord, give the new one and empty the other."""


class TenantSchema(Schema):
    """A tenant of today, as the inspection form offers it as a finding's party."""

    tenancy_id = fields.Integer(attribute="id")
    enterprise_id = fields.Integer()
    name = fields.String(attribute="enterprise.name")
    unit = fields.String()


class PremisesSchema(PremisesCreateSchema):
    id = fields.Integer(dump_only=True)
    landlord = fields.String(attribute="landlord_display", dump_only=True, metadata={
        "description": "the landlord's name (the enterprise's or the person's)"})
    tenants = fields.List(fields.Nested(TenantSchema), attribute="tenancies_today", dump_only=True, metadata={
        "description": "the tenancies in force today: whom a finding of an inspection today can be against"})
    created_dt = fields.AwareDateTime(dump_only=True)


class PremisesQuerySchema(Schema):
    q = Text(metadata={"description": "part of the name or of the address"})
    zone = Text()
    landlord_enterprise_id = fields.Integer(validate=ID)


class TenancyCreateSchema(Schema):
    """An enterprise renting a part (``unit``: floor, room, bay) of the premises. The work safety management
    agreement (安全生产法 (2021) 第四十九条第二款) may be recorded now by its dates, or later with its file
    (``PUT /api/v1/tenancies/{id}/agreement``)."""

    enterprise_id = fields.Integer(required=True, strict=True, validate=ID, metadata={"description": "the tenant"})
    unit = Text(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK, no_id_number], metadata={
        "description": "which part is let (3楼A区); compared without spaces, case or full-width forms"})
    start_date = fields.Date(required=True, validate=within_years)
    end_date = fields.Date(load_default=None, allow_none=True, validate=within_years,
                           metadata={"description": "last day of the tenancy; none while it runs"})
    agreement_signed_on = fields.Date(load_default=None, allow_none=True, validate=within_years)
    agreement_expires_on = fields.Date(load_default=None, allow_none=True, validate=within_years, metadata={
        "description": "last day the agreement covers; given with agreement_signed_on"})

    @post_load
    def _strip(self, data, **_):
        if isinstance(data.get("unit"), str):
            data["unit"] = data["unit"].strip()
        return data


class TenancyUpdateSchema(PartialUpdate, TenancyCreateSchema):
    """Any of the fields (the tenancy ended, the unit written more precisely, the agreement renewed)."""

    enterprise_id = fields.Integer(dump_only=True)  # another tenant is another tenancy


class TenancySchema(TenancyCreateSchema):
    id = fields.Integer(dump_only=True)
    premises_id = fields.Integer(dump_only=True)
    tenant = fields.String(attribute="enterprise.name", dump_only=True)
    agreement_file = fields.Method("_has_file", dump_only=True, metadata={"type": "boolean", "description": (
        "whether the agreement's file is on record (GET /api/v1/tenancies/{id}/agreement)")})
    agreement_state = fields.Method("_state", dump_only=True, metadata={
        "type": "string", "enum": list(AGREEMENT_STATES), "description": "the agreement today"})
    created_dt = fields.AwareDateTime(dump_only=True)

    def _has_file(self, tenancy) -> bool:
        return tenancy.agreement_file_id is not None

    def _state(self, tenancy):
        from core.time import local_date

        return tenancy.agreement_state(local_date())


class TenancyQuerySchema(Schema):
    on = fields.Date(validate=within_years, metadata={"description": "only the tenancies in force on this date"})


class AgreementUploadSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary", "description": (
        "the signed agreement: a PDF, or a picture (JPEG, PNG, WebP, HEIC) kept as a JPEG; at most 10 MB")})


class AgreementDatesSchema(Schema):
    signed_on = fields.Date(required=True, validate=within_years)
    expires_on = fields.Date(required=True, validate=within_years,
                             metadata={"description": "last day the agreement covers"})


class ImportUploadSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary", "description": (
        "a CSV (UTF-8 or GB18030) or XLSX register: one line per tenancy with its premises' columns (a premises "
        "with no tenant has a line of its own); Chinese or English headers")})


class ImportResultSchema(Schema):
    read = fields.Integer()
    premises = fields.Integer(metadata={"description": "premises created"})
    tenancies = fields.Integer(metadata={"description": "tenancies created"})
    summary = fields.String()
