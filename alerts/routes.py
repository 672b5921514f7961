from flask_login import current_user

from alerts import service
from alerts.schemas import AlertQuerySchema, AlertSchema, PreferenceSchema
from core.api import Blueprint
from core.db import db
from core.pagination import paginate

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="Due-soon, overdue and escalation alerts")


@blp.route("")
@blp.arguments(AlertQuerySchema, location="query")
@blp.response(200, AlertSchema(many=True))
@blp.paginate()
def alert_list(args, pagination_parameters):
    """The caller's alerts, newest first; ``unread=true`` for those not acknowledged yet."""
    return service.present(paginate(service.inbox(current_user.id, args["unread"]), pagination_parameters))


@blp.route("/<int:alert_id>/ack", methods=["POST"])
@blp.response(200, AlertSchema)
def acknowledge(alert_id):
    """Acknowledge (mark read) one of the caller's alerts; repeating it changes nothing."""
    row = service.acknowledge(alert_id, current_user.id)
    db.session.commit()
    return service.present([row])[0]


@blp.route("/preferences", methods=["GET"])
@blp.response(200, PreferenceSchema)
def get_preferences():
    """The caller's alert preferences."""
    return service.preferences(current_user.id)


@blp.route("/preferences", methods=["PUT"])
@blp.arguments(PreferenceSchema)
@blp.response(200, PreferenceSchema)
def put_preferences(data):
    """Choose a daily digest e-mail instead of one e-mail per alert."""
    row = service.set_preferences(current_user.id, data["digest_email"])
    db.session.commit()
    return row
