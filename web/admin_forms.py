"""The administration page's forms (``web.admin_pages``). Each field is named like the accounts API's schema
(``accounts.schemas``), so a refusal of the API's checks lands on the field it names (``web.forms.refusal``)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from web.labels import ROLES

_PASSWORD_HINT = _l("New password (at least 8 characters; leave empty to have one generated)")


def _roles_field():
    return SelectMultipleField(_l("Roles"), choices=[SelectChoice(code, name) for code, name in ROLES.items()],
                               widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class UserDetailsForm(FlaskForm):
    """What an administrator changes about a user (``UserUpdateSchema``)."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    certificate_no = StringField(_l("Law-enforcement certificate number"), validators=[Optional(), Length(max=40)])
    roles = _roles_field()


class UserCreateForm(UserDetailsForm):
    """A new user (``UserCreateSchema``); an empty password has one generated and shown once."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=100)])
    password = PasswordField(_PASSWORD_HINT, validators=[Optional(), Length(max=256)])


class PasswordForm(FlaskForm):
    password = PasswordField(_PASSWORD_HINT, validators=[Optional(), Length(max=256)])


class ActiveForm(FlaskForm):
    """Deactivate ("0") or reactivate ("1") a user: the button carries the value."""

    is_active = HiddenField(validators=[DataRequired(), AnyOf(["0", "1"])])
