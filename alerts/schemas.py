from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from alerts.models import SUBJECT_TYPES
from alerts.rules import ESCALATION, OVERDUE, REMINDER
from core.api import ID, Boolean, QueryBoolean
from core.text import Text
from core.time import within_years

STAGES = (REMINDER, OVERDUE, ESCALATION)
# Alert kinds follow the configured days (alerts.rules): due_in_3d, overdue, escalated_30d...
KIND = validate.Regexp(r"^(overdue|due_in_\d{1,3}d|escalated_\d{1,3}d)$",
                       error="an alert kind: overdue, due_in_<days>d or escalated_<days>d")
# Alerts one request may acknowledge by id (a page of the inbox is at most 100).
MAX_ACK_IDS = 500


class AlertFilterSchema(Schema):
    """Which of the caller's alerts: every given condition holds (none given: all of them)."""

    kind = Text(validate=KIND, metadata={"description": "one kind exactly: due_in_3d, overdue, escalated_7d..."})
    stage = Text(validate=validate.OneOf(STAGES), metadata={
        "description": "the kind's stage: reminder (due soon), overdue or escalation (any number of days)"})
    subject_type = Text(validate=validate.OneOf(SUBJECT_TYPES), metadata={
        "description": "what the alert is about: finding, remediation_task (water body task) or tenancy_agreement"})
    enterprise_id = fields.Integer(validate=ID, metadata={"description": "the enterprise the item concerns"})
    raised_from = fields.Date(validate=within_years, metadata={"description": "raised on or after this local date"})
    raised_to = fields.Date(validate=within_years, metadata={"description": "raised on or before this local date"})

    @validates_schema
    def _dates_in_order(self, data, **_):
        if data.get("raised_from") and data.get("raised_to") and data["raised_to"] < data["raised_from"]:
            raise ValidationError("the end of the range is before its start", field_name="raised_to")


class AlertQuerySchema(AlertFilterSchema):
    unread = QueryBoolean(load_default=None, metadata={"description": "true: only alerts not yet acknowledged"})


class AckSchema(Schema):
    """Alerts to acknowledge at once: by ``ids`` (up to 500, all the caller's), or every unread one matching
    ``filter`` (``{}``: all the caller's unread alerts)."""

    ids = fields.List(fields.Integer(strict=True, validate=ID), validate=validate.Length(min=1, max=MAX_ACK_IDS),
                      metadata={"description": f"the alerts' ids (1 to {MAX_ACK_IDS})"})
    filter = fields.Nested(AlertFilterSchema, metadata={
        "description": "acknowledge every unread alert matching these conditions, however many"})

    @validates_schema
    def _one_way(self, data, **_):
        if "ids" in data and "filter" in data:
            raise ValidationError("give ids or a filter, not both", field_name="filter")
        if "ids" not in data and "filter" not in data:
            raise ValidationError("give the alerts' ids, or a filter ({} for all unread alerts)", field_name="ids")


class AckResultSchema(Schema):
    acknowledged = fields.Integer(dump_only=True, metadata={"description": "alerts marked read by this request"})
    unread = fields.Integer(dump_only=True, metadata={"description": "the caller's unread alerts left"})


class AlertSchema(Schema):
    """One alert in the caller's inbox."""

    id = fields.Integer(dump_only=True, metadata={"description": "the alert (use it to acknowledge)"})
    kind = fields.String(dump_only=True, metadata={"description": "due_in_3d, due_in_1d, overdue, escalated_7d..."})
    stage = fields.String(dump_only=True, metadata={"description": "reminder, overdue or escalation"})
    subject_type = fields.String(dump_only=True, metadata={
        "description": "finding, remediation_task or tenancy_agreement"})
    subject_id = fields.Integer(dump_only=True)
    deadline = fields.Date(dump_only=True, metadata={"description": "the item's deadline when raised (local)"})
    enterprise_id = fields.Integer(dump_only=True, allow_none=True)
    enterprise_name = fields.String(dump_only=True)
    summary = fields.String(dump_only=True, metadata={
        "description": "what the item is, as people wrote it (a finding's description, a task's)"})
    title = fields.String(dump_only=True, metadata={"description": "the e-mail's title, in Chinese"})
    text = fields.String(dump_only=True, metadata={"description": "the e-mail's text, in Chinese"})
    raised_dt = fields.AwareDateTime(dump_only=True)
    acked_dt = fields.AwareDateTime(dump_only=True, allow_none=True)


class PreferenceSchema(Schema):
    digest_email = Boolean(required=True, metadata={
        "description": "true: one summary e-mail a day (DIGEST_HOUR local) instead of one e-mail per alert"})
