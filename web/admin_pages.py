"""Administration on the pages (administrators): the users with search and paging, a new user, and one user's
page to change their name and roles, deactivate or reactivate them, reset their password, and see and revoke
their API tokens or end their browser sessions.

Every write goes through the accounts service with the API's schemas (``accounts.routes``), so the checks and
their words are the API's, and so is the one rule that keeps an administrator: nobody takes away their own admin
role or deactivates themselves (``accounts.service.update_user``), so the acting administrator always remains.
A refused form keeps what was typed, with the refusal beside its field. A password generated here is shown once,
on the answer to the request that set it, and never stored anywhere but as its hash."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from marshmallow import ValidationError

from accounts import service as accounts
from accounts.models import User
from accounts.schemas import UserCreateSchema, UserUpdateSchema
from core.db import db, utcnow
from core.errors import DomainError
from web.access import page
from web.admin_forms import ActiveForm, PasswordForm, UserCreateForm, UserDetailsForm
from web.blueprint import bp
from web.forms import PostForm, form_data, refusal

ADMINS = ("admin",)
PAGE_SIZE = 50


def _user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    if found is None:
        abort(404)
    return found


def _password(form) -> tuple[str, bool]:
    """The password typed, or a generated one (16 characters); and whether it was generated (to show it once)."""
    typed = form.password.data or ""
    return (typed, False) if typed else (secrets.token_urlsafe(12), True)


def _api_values(form) -> dict:
    """The form's values as the API's JSON carries them: no e-mail address is ``null``, not ``""``."""
    values = form_data(form)
    return values | {"email": values["email"] or None}


def _shown_once(body: str, status: int = 200):
    """A page carrying a generated password: neither the browser nor a proxy may keep a copy."""
    return body, status, {"Cache-Control": "no-store"}


# -- the list and a new user ----------------------------------------------------------------------------------

def _users_page(create: UserCreateForm | None = None, status_code: int = 200):
    q = (request.args.get("q") or "").strip()[:100]
    number = max(1, request.args.get("page", 1, type=int))
    query = accounts.search(q or None)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(number, pages)
    users = db.session.scalars(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return render_template("web/users.html", users=users, total=total, q=q, page=number, pages=pages,
                           create=create or UserCreateForm(formdata=None, prefix="new", roles=[])), status_code


@bp.route("/users")
@page(*ADMINS)
def users():
    return _users_page()


@bp.route("/users", methods=["POST"])
@page(*ADMINS)
def create_user():
    """Create a user with the API's checks (``UserCreateSchema``, ``accounts.service.create_user``)."""
    form = UserCreateForm(prefix="new")
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _users_page(form, 400)
    password, generated = _password(form)
    try:
        created = accounts.create_user(**UserCreateSchema().load(_api_values(form) | {"password": password}))
    except (ValidationError, DomainError) as exc:
        db.session.rollback()
        return _users_page(form, refusal(form, exc))
    db.session.commit()
    flash(_("User %(username)s created.", username=created.username), "success")
    if generated:
        return _shown_once(_user_page(created, new_password=password)[0], 201)
    return redirect(url_for("web.user", user_id=created.id))


# -- one user -------------------------------------------------------------------------------------------------

def _user_page(user: User, forms: dict | None = None, new_password: str = "", status_code: int = 200):
    forms = forms or {}
    tokens, token_total = accounts.tokens_of(user)
    return render_template(
        "web/user.html", user=user, tokens=tokens, token_total=token_total, now=utcnow(), new_password=new_password,
        details=forms.get("details") or UserDetailsForm(formdata=None, prefix="edit", obj=user),
        password=forms.get("password") or PasswordForm(formdata=None, prefix="pw"),
        active=forms.get("active") or ActiveForm(formdata=None, prefix="act", is_active="0" if user.is_active else "1"),
        post=PostForm(formdata=None)), status_code


@bp.route("/users/<int:user_id>")
@page(*ADMINS)
def user(user_id):
    return _user_page(_user(user_id))


def _change(user_id: int, key: str, form, values, done: str):
    """Post ``values(form)`` as the API's PATCH would (``UserUpdateSchema``, ``accounts.service.update_user``):
    a refusal shows the user's page again with ``form`` (under ``key``) keeping what was typed and the refusal
    on its field; a success is committed. Returns the response, or ``None`` after a success."""
    found = _user(user_id)
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _user_page(found, {key: form}, status_code=400)
    try:
        accounts.update_user(found, UserUpdateSchema().load(values(form)), current_user.id)
    except (ValidationError, DomainError) as exc:
        db.session.rollback()
        return _user_page(_user(user_id), {key: form}, status_code=refusal(form, exc))
    db.session.commit()
    flash(done, "success")
    return None


@bp.route("/users/<int:user_id>", methods=["POST"])
@page(*ADMINS)
def edit_user(user_id):
    """Change a user's name, e-mail, certificate number and roles."""
    form = UserDetailsForm(prefix="edit")
    refused = _change(user_id, "details", form, _api_values, _("Details saved."))
    return refused or redirect(url_for("web.user", user_id=user_id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@page(*ADMINS)
def set_active(user_id):
    """Deactivate (which revokes the user's tokens and ends their sessions) or reactivate a user."""
    form = ActiveForm(prefix="act")
    on = form.is_active.data == "1"
    refused = _change(user_id, "active", form, lambda f: {"is_active": on},
                      _("User reactivated.") if on else _("User deactivated: their tokens are revoked and their "
                                                           "sessions ended."))
    return refused or redirect(url_for("web.user", user_id=user_id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@page(*ADMINS)
def reset_password(user_id):
    """Set a new password, typed or generated (shown once); the user's tokens and sessions end with the old one
    (an administrator's own other sessions too, not this one)."""
    form = PasswordForm(prefix="pw")
    password, generated = _password(form)
    refused = _change(user_id, "password", form, lambda f: {"password": password},
                      _("Password changed: the user's tokens are revoked and their sessions ended."))
    if refused:
        return refused
    if user_id == current_user.id:
        login_user(_user(user_id))  # their own: every other session ends, this one goes on with the new password
    if generated:
        return _shown_once(_user_page(_user(user_id), new_password=password)[0])
    return redirect(url_for("web.user", user_id=user_id))


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@page(*ADMINS)
def revoke_token(user_id, token_id):
    found = _user(user_id)
    if PostForm().validate_on_submit():
        try:
            accounts.revoke_token_of(found, token_id, current_user.id)
        except DomainError:
            abort(404)
        db.session.commit()
        flash(_("Token revoked."), "success")
    else:
        flash(_("The form has expired; try again."), "error")
    return redirect(url_for("web.user", user_id=user_id, _anchor="tokens"))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@page(*ADMINS)
def end_sessions(user_id):
    """End every browser session of the user (an administrator's own: this one too)."""
    found = _user(user_id)
    if PostForm().validate_on_submit():
        accounts.end_sessions_of(found, current_user.id)
        db.session.commit()
        flash(_("Every browser session of %(username)s has ended.", username=found.username), "success")
    else:
        flash(_("The form has expired; try again."), "error")
    return redirect(url_for("web.user", user_id=user_id, _anchor="sessions"))
