from marshmallow import Schema, fields, validate

from core.api import Boolean
from core.text import Text
from inspections.models import CATEGORIES, DOMAINS


class ChecklistItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = Text(required=True, validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9_.-]{0,39}$",
                                                     error="1-40 capitals, digits, _ . -"))
    text_zh = Text(required=True, validate=validate.Length(min=1, max=2000))
    text_en = Text(required=True, validate=validate.Length(min=1, max=2000))
    category = Text(required=True, validate=validate.OneOf(CATEGORIES))
    is_major = Boolean(required=True)
    clause = Text(load_default="", validate=validate.Length(max=100))
    default_deadline_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 365))
    is_local = Boolean(dump_only=True)


class ChecklistVersionSchema(Schema):
    id = fields.Integer()
    domain = Text()
    standard = Text()
    title_zh = Text()
    title_en = Text()
    version = Text()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)


class ChecklistSchema(ChecklistVersionSchema):
    items = fields.List(fields.Nested(ChecklistItemSchema))


class ChecklistQuerySchema(Schema):
    on = fields.Date(metadata={"description": "the version in force on this date (default: today)"})


class DomainSchema(Schema):
    domain = Text(validate=validate.OneOf(DOMAINS))
