"""Flask-WTF forms: every form on every page carries the CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, MultipleFileField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PostForm(FlaskForm):
    """A button that changes something (log out): only the CSRF token."""


class RectificationForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=5000)])
    photos = MultipleFileField(_l("Photos after rectification"))


def _reason_when_rejected(form, field):
    if form.decision.data == "reject" and not (field.data or "").strip():
        raise ValidationError(_l("A rejection needs a reason."))


class VerificationForm(FlaskForm):
    decision = RadioField(_l("Decision"), validators=[DataRequired()],
                          choices=[SelectChoice("accept", _l("Accept and close")),
                                   SelectChoice("reject", _l("Reject"))])
    note = TextAreaField(_l("Reason or note"), validators=[_reason_when_rejected, Length(max=5000)])


class ExtensionRequestForm(FlaskForm):
    new_deadline = DateField(_l("New deadline"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])


class ExtensionDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), validators=[DataRequired()],
                          choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
