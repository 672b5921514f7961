import sqlalchemy as sa
from marshmallow import Schema, fields

from core.api import Blueprint, public
from core.db import db

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Service health")


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()


@blp.route("/health")
@public
@blp.response(200, HealthSchema)
def health():
    """Liveness and database reachability (no login needed)."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok", "database": db.engine.dialect.name}
