from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.api import ID, Boolean
from core.text import Text
from inspections.models import CATEGORIES, DOMAINS
from risk_rules.citation import cite


class ChecklistItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = Text(required=True, validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9_.-]{0,39}$",
                                                     error="1-40 capitals, digits, _ . -"))
    text_zh = Text(required=True, validate=validate.Length(min=1, max=2000))
    text_en = Text(required=True, validate=validate.Length(min=1, max=2000))
    category = Text(required=True, validate=validate.OneOf(CATEGORIES))
    is_major = Boolean(required=True)
    clause = Text(load_default="", validate=validate.Length(max=100))
    part = Text(load_default="", validate=validate.Length(max=40),
                metadata={"description": "the code of the standard's part (section) the item belongs to"})
    standard = Text(load_default="", validate=validate.Length(max=100), metadata={
        "description": "the document the item cites (for a local item: the zone's rule, e.g. 港区安全生产检查规定); "
                       "required with a clause"})
    citation_zh = fields.Method("_citation_zh", dump_only=True,
                                metadata={"description": "《short name》（number）clause"})
    citation_en = fields.Method("_citation_en", dump_only=True)
    default_deadline_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 365))
    is_local = Boolean(dump_only=True)

    @validates_schema
    def _local_rules(self, data, **_):
        """A local item is a general hazard (major hazards are those of the determination standards), and a
        clause is cited with the document it belongs to, never bare."""
        errors = {}
        if data.get("is_major"):
            errors["is_major"] = ["a local item is a general hazard: major hazards are the determination "
                                  "standard's items"]
        if data.get("clause") and not data.get("standard"):
            errors["standard"] = ["name the document the clause is of"]
        if errors:
            raise ValidationError(errors)

    def _citation_zh(self, item) -> str:
        return cite(item.standard, item.clause, "zh")

    def _citation_en(self, item) -> str:
        return cite(item.standard, item.clause, "en")


class PartSchema(Schema):
    code = Text()
    title_zh = Text()
    title_en = Text()
    applies = Text(metadata={"description": "always | sub_sector | feature"})


class SuccessorSchema(Schema):
    standard = Text()
    title_zh = Text()
    title_en = Text()
    effective_from = fields.Date()


class ChecklistVersionSchema(Schema):
    id = fields.Integer()
    domain = Text()
    standard = Text()
    title_zh = Text()
    title_en = Text()
    version = Text()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    source = Text(metadata={"description": "where the items' text was taken from"})
    note = Text()
    parts = fields.List(fields.Nested(PartSchema))
    successor = fields.Nested(SuccessorSchema, allow_none=True, metadata={
        "description": "a newer edition whose items are not loaded, with the date it is in force from"})


class ChecklistSchema(ChecklistVersionSchema):
    items = fields.List(fields.Nested(ChecklistItemSchema))
    notice = fields.Nested(SuccessorSchema, allow_none=True, metadata={
        "description": "set when a newer edition is in force on the date asked but its items are not loaded: the "
                       "checklist applies the older edition and must say so"})
    applicable_parts = fields.List(Text(), allow_none=True, metadata={
        "description": "the parts that apply to the enterprise asked for (null: every part)"})


class ChecklistQuerySchema(Schema):
    on = fields.Date(metadata={"description": "the version in force on this date (default: today)"})
    enterprise_id = fields.Integer(validate=ID, metadata={
        "description": "say which parts apply to this enterprise (its sub-sector and features)"})


class DomainSchema(Schema):
    domain = Text(validate=validate.OneOf(DOMAINS))
