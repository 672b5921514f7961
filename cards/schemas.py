from marshmallow import Schema, fields, validate

from accounts.schemas import UserRefSchema
from cards.models import ALL_STATUSES, COLOURS, STATUSES
from core.api import ID
from core.text import Text
from enterprises.models import SECTORS


class CardReasonSchema(Schema):
    rule_id = Text()
    colour = Text()
    text_zh = Text()
    text_en = Text()
    finding_ids = fields.List(fields.Integer())
    card_ids = fields.List(fields.Integer())
    first_seen_dt = fields.AwareDateTime()


class AddedReasonSchema(Schema):
    rule_id = Text()
    finding_ids = fields.List(fields.Integer())
    card_ids = fields.List(fields.Integer())


class CardEventSchema(Schema):
    action = Text()
    colour = Text()
    actor_id = fields.Integer(allow_none=True)
    note = Text()
    added = fields.List(fields.Nested(AddedReasonSchema), metadata={
        "description": "the triggers this step put on the card, per rule (rule MANUAL: a manager's written reason)"})
    created_dt = fields.AwareDateTime()


class CardSchema(Schema):
    id = fields.Integer()
    enterprise_id = fields.Integer()
    enterprise_name = Text(attribute="enterprise.name")
    sector = Text(attribute="enterprise.sector")
    zone = Text(attribute="enterprise.zone")
    colour = Text()
    issued_colour = Text()
    status = Text()
    origin = Text()
    ruleset_version = Text()
    issued_on = fields.Date()
    issued_by = fields.Nested(UserRefSchema, allow_none=True)
    days_held = fields.Integer()
    rectification_due = fields.Date(allow_none=True)
    escalated_dt = fields.AwareDateTime(allow_none=True)
    lifted_on = fields.Date(allow_none=True)
    lifted_by = fields.Nested(UserRefSchema, allow_none=True)
    lift_reason = Text()
    reinspection_id = fields.Integer(allow_none=True)
    reasons = fields.List(fields.Nested(CardReasonSchema))
    events = fields.List(fields.Nested(CardEventSchema))


class CardQuerySchema(Schema):
    colour = Text(validate=validate.OneOf(COLOURS))
    status = Text(validate=validate.OneOf((*STATUSES, ALL_STATUSES)),
                  metadata={"description": "active, lifted or all (the default: every state)"})
    sector = Text(validate=validate.OneOf(SECTORS))
    zone = Text()
    issued_since = fields.Date()
    sort = Text(load_default="days_held", validate=validate.OneOf(("days_held", "issued")),
                metadata={"description": "days_held (longest first) or issued (newest first)"})


class ManualCardSchema(Schema):
    enterprise_id = fields.Integer(required=True, strict=True, validate=ID)
    colour = Text(required=True, validate=validate.OneOf(COLOURS))
    reason = Text(required=True, validate=validate.Length(min=1, max=5000))


class LiftSchema(Schema):
    reason = Text(required=True, validate=validate.Length(min=1, max=5000))
    reinspection_id = fields.Integer(required=True, strict=True, validate=ID,
                                     metadata={"description": "the passing re-inspection of the enterprise"})


class PreviewRequestSchema(Schema):
    ruleset = fields.Dict(required=True, metadata={"description": "a rule set in the format of "
                                                   "risk_rules/rulesets/default.yaml"})


class PreviewEntrySchema(Schema):
    enterprise_id = fields.Integer()
    enterprise_name = Text()
    current = Text(allow_none=True)
    proposed = Text(allow_none=True)
    reasons = fields.List(fields.Nested(CardReasonSchema))


class PreviewSchema(Schema):
    ruleset_version = Text()
    gained = fields.List(fields.Nested(PreviewEntrySchema))
    lost = fields.List(fields.Nested(PreviewEntrySchema))
    changed = fields.List(fields.Nested(PreviewEntrySchema))
