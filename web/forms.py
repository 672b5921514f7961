"""Flask-WTF forms: every form on every page carries the CSRF token. A service's refusal is shown on the fields
it names (``refusal``), so the pages keep one set of rules: the services'."""

import re

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from marshmallow import ValidationError as SchemaError
from wtforms import (
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from core.errors import Conflict, DomainError
from web.labels import FEATURES, MEASURES, SECTORS, SUB_SECTORS, TASK_STATUSES, USES, WATER_CLASSES, WATER_KINDS


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
    # The inspections that can be the on-site re-inspection (set by the view); 0 is none. A major hazard needs one.
    reinspection = SelectField(_l("On-site re-inspection"), coerce=int, validators=[Optional()], choices=[])


class ExtensionRequestForm(FlaskForm):
    new_deadline = DateField(_l("New deadline"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])


class ExtensionDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), validators=[DataRequired()],
                          choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class IssueCardForm(FlaskForm):
    """On the board, ``enterprise`` is what was typed: a credit code or the exact name, or part of either that
    the picker (picker.js) turns into a choice, whose id it puts in ``enterprise_id``. The enterprise page's form
    has neither (the page names the enterprise)."""

    enterprise = StringField(_l("Enterprise (part of its name, or its credit code)"),
                             validators=[Optional(), Length(max=200)])
    enterprise_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
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


class WaterBodyForm(FlaskForm):
    """A body's details and closure rule, filled from the body; the service records only what changed."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=_choices(WATER_KINDS), validators=[DataRequired()])
    township = StringField(_l("Township"), validators=[Optional(), Length(max=100)])
    river_chief = StringField(_l("River chief"), validators=[Optional(), Length(max=100)])
    responsible_unit = StringField(_l("Responsible unit"), validators=[Optional(), Length(max=200)])
    target_class = SelectField(_l("Target class"), coerce=int, validators=[DataRequired()],
                               choices=[SelectChoice(n, WATER_CLASSES[n]) for n in range(1, 6)])
    closure_months = IntegerField(_l("Months in a row meeting the target to close off"),
                                  validators=[DataRequired(), NumberRange(1, 12)])


class EnterpriseForm(FlaskForm):
    """An enterprise's register entry, filled from it; the service records only what changed."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    credit_code = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=40)])
    sector = SelectField(_l("Sector"), choices=_choices(SECTORS), validators=[DataRequired()])
    sub_sector = SelectField(_l("Industry sub-sector"), default="",  # not sent: not recorded
                             choices=[SelectChoice("", _l("Not recorded")), *_choices(SUB_SECTORS)])
    features = SelectMultipleField(_l("Cross-cutting hazards"), choices=_choices(FEATURES),
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    zone = StringField(_l("Zone"), validators=[Optional(), Length(max=100)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])


class PremisesForm(FlaskForm):
    """Premises to register: the landlord is an enterprise (``landlord_enterprise_id`` holds the picker's text
    until the view resolves it) or a person's name and phone; the premises service decides which is given."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    zone = StringField(_l("Zone"), validators=[Optional(), Length(max=100)])
    landlord_enterprise_id = StringField(_l("Landlord enterprise (part of its name, or its credit code)"),
                                         validators=[Optional(), Length(max=200)])
    landlord_name = StringField(_l("Landlord's name (a person)"), validators=[Optional(), Length(max=100)])
    landlord_phone = StringField(_l("Landlord's phone (a person)"), validators=[Optional(), Length(max=40)])
    use = SelectField(_l("Use"), choices=_choices(USES), validators=[DataRequired()])
    floors = IntegerField(_l("Floors"), validators=[DataRequired(), NumberRange(1, 200)])
    area_m2 = FloatField(_l("Floor area (m²)"), validators=[DataRequired()])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])


class TenancyForm(FlaskForm):
    """A tenancy to add; ``enterprise_id`` holds the picker's text until the view resolves it."""

    enterprise_id = StringField(_l("Tenant enterprise (part of its name, or its credit code)"),
                                validators=[DataRequired(), Length(max=200)])
    unit = StringField(_l("Unit let (floor, room, bay)"), validators=[DataRequired(), Length(max=100)])
    start_date = DateField(_l("From"), validators=[DataRequired()])
    end_date = DateField(_l("To (last day; empty while it runs)"), validators=[Optional()])


class EndTenancyForm(FlaskForm):
    end_date = DateField(_l("Last day of the tenancy"), validators=[DataRequired()])


class AgreementForm(FlaskForm):
    """The agreement's file is judged by its content (``premises.files``), as the API does: no extension check."""

    file = FileField(_l("Signed agreement (PDF, or a photo: JPEG, PNG, WebP, HEIC)"), validators=[FileRequired()])
    signed_on = DateField(_l("Signed on"), validators=[DataRequired()])
    expires_on = DateField(_l("Expires on (last day covered)"), validators=[DataRequired()])


class PremisesImportForm(FlaskForm):
    file = FileField(_l("Register of premises and tenancies (CSV or XLSX)"),
                     validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Give a CSV or XLSX file."))])


def form_data(form) -> dict:
    """The form's fields (text stripped, no CSRF token), keyed like the API's schemas."""
    return {name: (field.data or "").strip() if isinstance(field, StringField) else field.data
            for name, field in form._fields.items() if name != "csrf_token"}


def _field_of(key: str, form):
    """The form field an API error key names (``values.nh3n.unit`` → ``item_nh3n`` on the sample form)."""
    parts = key.split(".")
    if parts[0] == "values" and len(parts) > 1 and hasattr(form, f"item_{parts[1]}"):
        return getattr(form, f"item_{parts[1]}")
    return getattr(form, parts[0], None)


# marshmallow's own messages (its fields' and validators' defaults) are English; a refused page form shows them in
# the page's language. The msgids are marshmallow's texts, each number a place (``%(n)s``, ``%(m)s``, in order).
SCHEMA_MESSAGES = [(re.compile(pattern), text) for pattern, text in (
    (r"^Missing data for required field\.$", _l("Missing data for required field.")),
    (r"^Field may not be null\.$", _l("Field may not be null.")),
    (r"^Shorter than minimum length (\d+)\.$", _l("Shorter than minimum length %(n)s.")),
    (r"^Longer than maximum length (\d+)\.$", _l("Longer than maximum length %(n)s.")),
    (r"^Length must be between (\d+) and (\d+)\.$", _l("Length must be between %(n)s and %(m)s.")),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
     _l("Must be greater than or equal to %(n)s and less than or equal to %(m)s.")),
    (r"^Must be greater than or equal to (\S+)\.$", _l("Must be greater than or equal to %(n)s.")),
    (r"^Must be less than or equal to (\S+)\.$", _l("Must be less than or equal to %(n)s.")),
    (r"^Not a valid email address\.$", _l("Not a valid email address.")),
    (r"^Not a valid integer\.$", _l("Not a valid integer.")),
    (r"^Not a valid number\.$", _l("Not a valid number.")),
    (r"^Not a valid date\.$", _l("Not a valid date.")),
    (r"^Not a valid datetime\.$", _l("Not a valid datetime.")),
    (r"^String does not match expected pattern\.$", _l("String does not match expected pattern.")),
)]


def schema_message(message) -> str:
    """``message`` in the page's language where it is one of marshmallow's English defaults (``SCHEMA_MESSAGES``);
    the project's own messages are translated already and pass as they are."""
    text = str(message)
    for pattern, translated in SCHEMA_MESSAGES:
        found = pattern.match(text)
        if found:
            places = dict(zip(("n", "m"), found.groups(), strict=False))
            return str(translated) % places if places else str(translated)
    return text


def _place_errors(form, messages: dict) -> list[str]:
    """Put each message on its field; returns those with no field on the form."""
    loose = []
    for key, errors in messages.items():
        if isinstance(errors, dict):
            loose += _place_errors(form, {f"{key}.{k}": v for k, v in errors.items()})
            continue
        errors = errors if isinstance(errors, list) else [errors]
        field = _field_of(key, form)
        if field is None:
            loose += [schema_message(e) for e in errors]
        else:
            field.errors = list(field.errors) + [schema_message(e) for e in errors]
    return loose


def refusal(form, exc: SchemaError | DomainError) -> int:
    """Show a service's refusal on the form's fields (the rest as messages); returns the status to answer."""
    if isinstance(exc, SchemaError):
        loose, status = _place_errors(form, exc.messages), 400
    else:
        # Errors the service nests under where the API takes the input (``{"files": {"file": [...]}}``).
        where = {k: v for errors in exc.errors.values() for k, v in errors.items()} if exc.errors else {}
        loose = _place_errors(form, where or {exc.field or "": [exc.message]})
        status = 409 if isinstance(exc, Conflict) else 400
    for message in loose:
        flash(message, "error")
    flash(_("Please correct the marked fields."), "error")
    return status
