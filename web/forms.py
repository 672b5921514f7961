"""Flask-WTF forms: every form on every page carries the CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from web.labels import MEASURES, TASK_STATUSES


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


class IssueCardForm(FlaskForm):
    enterprise = StringField(_l("Enterprise (credit code or full name)"), validators=[Optional(), Length(max=200)])
    colour = RadioField(_l("Colour"), validators=[DataRequired()],
                        choices=[SelectChoice("yellow", _l("Yellow card")), SelectChoice("red", _l("Red card"))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])


class LiftCardForm(FlaskForm):
    """Choices of ``reinspection`` are the enterprise's inspections after the card (set by the view)."""

    reinspection = SelectField(_l("Passing re-inspection"), coerce=int, validators=[DataRequired()], choices=[])
    reason = TextAreaField(_l("Reason for lifting"), validators=[DataRequired(), Length(max=5000)])


class SampleForm(FlaskForm):
    """Section, time and note; one text field per measured item is added by ``sample_form`` (web.water)."""

    section = SelectField(_l("Monitoring section"), coerce=int, validators=[DataRequired()], choices=[])
    sampled_dt = DateTimeLocalField(_l("Sampling time (local)"), format="%Y-%m-%dT%H:%M",
                                    validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class SampleImportForm(FlaskForm):
    file = FileField(_l("Lab file (CSV or XLSX)"),
                     validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Give a CSV or XLSX file."))])
    section = SelectField(_l("Section for every row (when the file has no section column)"), coerce=int,
                          choices=[], validators=[Optional()])


class CloseOffForm(FlaskForm):
    reason = TextAreaField(_l("Reason for closing off"), validators=[DataRequired(), Length(max=5000)])


def _choices(names: dict) -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in names.items()]


class TaskForm(FlaskForm):
    measure = SelectField(_l("Measure"), choices=_choices(MEASURES), validators=[DataRequired()])
    description = TextAreaField(_l("What is to be done"), validators=[DataRequired(), Length(max=5000)])
    responsible_unit = StringField(_l("Responsible unit"), validators=[Optional(), Length(max=200)])
    deadline = DateField(_l("Deadline"), validators=[DataRequired()])


class TaskProgressForm(FlaskForm):
    """Progress, status and deadline of one task; only what differs from the task is sent to the service."""

    progress = IntegerField(_l("Progress (%)"), validators=[Optional(), NumberRange(0, 100)])
    status = SelectField(_l("Status"), choices=_choices(TASK_STATUSES), validators=[DataRequired()])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    note = TextAreaField(_l("Note (needed to cancel or move the deadline)"), validators=[Optional(), Length(max=5000)])
