from marshmallow import Schema, fields

from core.api import Boolean, QueryBoolean


class AlertQuerySchema(Schema):
    unread = QueryBoolean(load_default=None, metadata={"description": "true: only alerts not yet acknowledged"})


class AlertSchema(Schema):
    """One alert in the caller's inbox."""

    id = fields.Integer(dump_only=True, metadata={"description": "the alert (use it to acknowledge)"})
    kind = fields.String(dump_only=True, metadata={"description": "due_in_3d, due_in_1d, overdue, escalated_7d..."})
    subject_type = fields.String(dump_only=True, metadata={"description": "finding (later: remediation_task)"})
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
