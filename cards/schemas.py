from marshmallow import Schema, fields, validate

from accounts.schemas import UserRefSchema
from cards.models import COLOURS, STATUSES
from core.api import ID
from enterprises.models import SECTORS


class CardReasonSchema(Schema):
    rule_id = fields.String()
    colour = fields.String()
    text_zh = fields.String()
    text_en = fields.String()
    finding_ids = fields.List(fields.Integer())
    card_ids = fields.List(fields.Integer())
    first_seen_dt = fields.AwareDateTime()


class CardEventSchema(Schema):
    action = fields.String()
    colour = fields.String()
    actor_id = fields.Integer(allow_none=True)
    note = fields.String()
    created_dt = fields.AwareDateTime()


class CardSchema(Schema):
    id = fields.Integer()
    enterprise_id = fields.Integer()
    enterprise_name = fields.String(attribute="enterprise.name")
    sector = fields.String(attribute="enterprise.sector")
    zone = fields.String(attribute="enterprise.zone")
    colour = fields.String()
    issued_colour = fields.String()
    status = fields.String()
    origin = fields.String()
    ruleset_version = fields.String()
    issued_on = fields.Date()
    issued_by = fields.Nested(UserRefSchema, allow_none=True)
    days_held = fields.Integer()
    rectification_due = fields.Date(allow_none=True)
    escalated_dt = fields.AwareDateTime(allow_none=True)
    lifted_on = fields.Date(allow_none=True)
    lifted_by = fields.Nested(UserRefSchema, allow_none=True)
    lift_reason = fields.String()
    reinspection_id = fields.Integer(allow_none=True)
    reasons = fields.List(fields.Nested(CardReasonSchema))
    events = fields.List(fields.Nested(CardEventSchema))


class CardQuerySchema(Schema):
    colour = fields.String(validate=validate.OneOf(COLOURS))
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "active or lifted"})
    sector = fields.String(validate=validate.OneOf(SECTORS))
    zone = fields.String()
    issued_since = fields.Date()
    sort = fields.String(load_default="days_held", validate=validate.OneOf(("days_held", "issued")),
                         metadata={"description": "days_held (longest first) or issued (newest first)"})


class ManualCardSchema(Schema):
    enterprise_id = fields.Integer(required=True, strict=True, validate=ID)
    colour = fields.String(required=True, validate=validate.OneOf(COLOURS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class LiftSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    reinspection_id = fields.Integer(required=True, strict=True, validate=ID,
                                     metadata={"description": "the passing re-inspection of the enterprise"})


class PreviewRequestSchema(Schema):
    ruleset = fields.Dict(required=True, metadata={"description": "a rule set in the format of "
                                                   "risk_rules/rulesets/default.yaml"})


class PreviewEntrySchema(Schema):
    enterprise_id = fields.Integer()
    enterprise_name = fields.String()
    current = fields.String(allow_none=True)
    proposed = fields.String(allow_none=True)
    reasons = fields.List(fields.Nested(CardReasonSchema))


class PreviewSchema(Schema):
    ruleset_version = fields.String()
    gained = fields.List(fields.Nested(PreviewEntrySchema))
    lost = fields.List(fields.Nested(PreviewEntrySchema))
    changed = fields.List(fields.Nested(PreviewEntrySchema))
