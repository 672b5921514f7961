from marshmallow import Schema, fields, validate

from accounts.models import ROLES
from core.api import Boolean, PartialUpdate
from core.text import Email, Text


class TokenRequestSchema(Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    password = Text(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class TokenSchema(Schema):
    token = Text(dump_only=True)
    token_type = Text(dump_only=True, dump_default="Bearer")
    expires_dt = fields.AwareDateTime(dump_only=True)


class UserCreateSchema(Schema):
    username = Text(
        required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{2,64}$", error="2-64 letters, digits, _ . -")
    )
    password = Text(required=True, load_only=True, validate=validate.Length(min=8, max=256))
    full_name = Text(validate=validate.Length(max=100), load_default="")
    email = Email(load_default=None)
    certificate_no = Text(validate=validate.Length(max=40), load_default="",
                          metadata={"description": "law-enforcement certificate number (行政执法证号)"})
    roles = fields.List(Text(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))


class UserUpdateSchema(PartialUpdate, Schema):
    """What an administrator changes; a new password or ``is_active: false`` also revokes the user's tokens."""

    full_name = Text(validate=validate.Length(min=1, max=100))
    email = Email(allow_none=True)
    certificate_no = Text(validate=validate.Length(max=40),
                          metadata={"description": "law-enforcement certificate number (行政执法证号)"})
    roles = fields.List(Text(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))
    is_active = Boolean(metadata={"description": "false: the user can no longer log in; tokens stop working"})
    password = Text(load_only=True, validate=validate.Length(min=8, max=256),
                   metadata={"description": "a new password (at least 8 characters)"})


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = Text(dump_only=True)
    full_name = Text(dump_only=True)
    email = Text(dump_only=True, allow_none=True)
    certificate_no = Text(dump_only=True)
    roles = fields.List(Text(), dump_only=True)
    is_active = Boolean(dump_only=True)


class UserRefSchema(Schema):
    """A user as shown inside other resources."""

    id = fields.Integer(dump_only=True)
    username = Text(dump_only=True)
    full_name = Text(dump_only=True)
