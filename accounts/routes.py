from flask import current_app, request
from flask.views import MethodView
from flask_login import current_user

from accounts import service
from accounts.auth import limit_failed_logins, login_failed, remember_device, roles_required
from accounts.models import User
from accounts.schemas import TokenRequestSchema, TokenSchema, UserCreateSchema, UserSchema, UserUpdateSchema
from core.api import Blueprint, public
from core.db import db
from core.errors import DomainError

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and API tokens")


class BadCredentials(DomainError):
    status = 401


@blp.route("/auth/tokens")
class Tokens(MethodView):
    @public
    @limit_failed_logins
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @blp.alt_response(401, description="Unknown user or wrong password")
    @blp.alt_response(429, description="Too many failed logins for this user from this client, or for this user "
                                       "from everywhere (see LOGIN_RATE_LIMIT and LOGIN_ACCOUNT_RATE_LIMIT)")
    def post(self, data):
        """Log in with username and password; returns a bearer token that expires."""
        user = service.authenticate(data["username"], data["password"])
        if user is None:
            login_failed()
            raise BadCredentials("unknown username or wrong password")
        token, row = service.issue_token(user, current_app.config["TOKEN_TTL_HOURS"])
        db.session.commit()
        remember_device(user.username)
        return {"token": token, "expires_dt": row.expires_dt}

    @blp.response(204)
    def delete(self):
        """Revoke the bearer token this request carries (log out)."""
        _, _, token = request.headers.get("Authorization", "").partition(" ")
        service.revoke_token(token.strip())
        db.session.commit()


@blp.route("/users")
class Users(MethodView):
    @roles_required("admin")
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """All users (administrators)."""
        return db.session.scalars(db.select(User).order_by(User.username)).all()

    @roles_required("admin")
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user with one or more roles (administrators)."""
        user = service.create_user(**data)
        db.session.commit()
        return user


@blp.route("/users/<int:user_id>")
class OneUser(MethodView):
    @roles_required("admin")
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user (administrators)."""
        return service.get_user(user_id)

    @roles_required("admin")
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data, user_id):
        """Change a user's name, e-mail or roles, deactivate or reactivate them, or set a new password
        (administrators). Deactivating or a new password revokes the user's tokens; the audit log keeps
        what changed, never the password."""
        user = service.update_user(service.get_user(user_id), data, current_user.id)
        db.session.commit()
        return user


@blp.route("/users/me")
@blp.response(200, UserSchema)
def me():
    """The calling user."""
    return current_user
