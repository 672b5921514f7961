from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from core import keyset
from core.api import NOT_BLANK, PartialUpdate
from core.text import Text
from enterprises import credit_code
from enterprises.models import SECTORS
from enterprises.service import CARDS
from risk_rules.checklists import FEATURES, SUB_SECTORS


class EnterpriseCreateSchema(Schema):
    name = Text(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    credit_code = Text(required=True)
    sector = Text(required=True, validate=validate.OneOf(SECTORS))
    sub_sector = Text(load_default="", validate=validate.OneOf(
        ("", *SUB_SECTORS), error=f"must be one of {', '.join(SUB_SECTORS)}, or empty (not recorded)"), metadata={
        "description": "the industry sub-sector, which decides the parts of the industry-and-trade checklist that "
                       "apply (工贸企业重大事故隐患判定标准); empty: not recorded, every part applies"})
    features = fields.List(Text(validate=validate.OneOf(FEATURES)), load_default=list, metadata={
        "description": "cross-cutting features whose checklist parts apply: dust_explosion, ammonia_refrigeration, "
                       "confined_space"})
    zone = Text(load_default="", validate=validate.Length(max=100))
    address = Text(load_default="", validate=validate.Length(max=300))
    contact_name = Text(load_default="", validate=validate.Length(max=100))
    contact_phone = Text(load_default="", validate=validate.Length(max=40))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))

    @validates("credit_code")
    def _valid_code(self, value, **_):
        problem = credit_code.problem(credit_code.normalise(value))
        if problem:
            raise ValidationError(str(problem))

    @post_load
    def _normalise(self, data, **_):
        if "credit_code" in data:
            data["credit_code"] = credit_code.normalise(data["credit_code"])
        if "name" in data:
            data["name"] = data["name"].strip()
        if "features" in data:  # a set, kept in the standard's order
            data["features"] = [feature for feature in FEATURES if feature in data["features"]]
        return data


class EnterpriseUpdateSchema(PartialUpdate, EnterpriseCreateSchema):
    """Any of the fields (a contact moved, a typo in the name or code); what is left out stays as it is."""


class EnterpriseSchema(EnterpriseCreateSchema):
    id = fields.Integer(dump_only=True)
    created_dt = fields.AwareDateTime(dump_only=True)


class EnterpriseFilterSchema(Schema):
    q = Text(metadata={"description": "part of the name or of the credit code"})
    sector = Text(validate=validate.OneOf(SECTORS))
    zone = Text(validate=validate.Length(max=100))
    card = Text(validate=validate.OneOf(CARDS), metadata={
        "description": "the colour of the enterprise's active card, or none: no active card"})


class EnterpriseQuerySchema(keyset.ListPageSchema, EnterpriseFilterSchema):
    """The enterprises list: filters and paging (by name)."""
