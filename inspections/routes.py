from flask.views import MethodView
from flask_login import current_user

from accounts.auth import roles_required
from core.api import Blueprint
from core.db import commit_keeping_loaded
from core.pagination import paginate
from inspections import service
from inspections.schemas import InspectionCreateSchema, InspectionQuerySchema, InspectionSchema

blp = Blueprint("inspections", __name__, url_prefix="/api/v1/inspections", description="Inspections (检查)")


@blp.route("")
class Inspections(MethodView):
    @blp.arguments(InspectionQuerySchema, location="query")
    @blp.response(200, InspectionSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Inspections, newest first."""
        return paginate(service.search(**args), pagination_parameters)

    @roles_required("inspector")
    @blp.arguments(InspectionCreateSchema)
    @blp.response(201, InspectionSchema)
    @blp.alt_response(200, schema=InspectionSchema, description="Retry of a stored submission: the stored one")
    @blp.alt_response(409, description="client_id already used for different content")
    def post(self, data):
        """Record an inspection with its checklist results and findings; idempotent by ``client_id``."""
        inspection, created = service.record(data, current_user.id)
        commit_keeping_loaded()
        return inspection, 201 if created else 200


@blp.route("/<int:inspection_id>")
@blp.response(200, InspectionSchema)
def inspection(inspection_id):
    """One inspection with its findings."""
    return service.get(inspection_id)
