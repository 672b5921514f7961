from flask_login import current_user

from alerts import service
from alerts.schemas import AckResultSchema, AckSchema, AlertQuerySchema, AlertSchema, PreferenceSchema
from core.api import Blueprint
from core.db import db
from core.pagination import paginate

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="Due-soon, overdue and escalation alerts")


@blp.route("")
@blp.arguments(AlertQuerySchema, location="query")
@blp.response(200, AlertSchema(many=True))
@blp.paginate()
def alert_list(args, pagination_parameters):
    """The caller's alerts, newest first, filtered by kind or stage, what they are about, enterprise and the
    local dates they were raised; ``unread=true`` for those not acknowledged yet. The total is in X-Pagination."""
    return service.present(paginate(service.inbox(current_user.id, **args), pagination_parameters))


@blp.route("/ack", methods=["POST"])
@blp.arguments(AckSchema)
@blp.response(200, AckResultSchema)
def acknowledge_many(data):
    """Acknowledge several of the caller's alerts: by ``ids`` (all or none: an id that is not the caller's is
    refused, naming it), or every unread one matching ``filter`` (``{}`` for all). Returns how many were marked
    read and how many are left unread."""
    if "ids" in data:
        count = service.acknowledge_ids(current_user.id, data["ids"])
    else:
        count = service.acknowledge_matching(current_user.id, data["filter"])
    db.session.commit()
    return {"acknowledged": count, "unread": service.unread_count(current_user.id, cap=None)}


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
