from flask.views import MethodView

from accounts.auth import roles_required
from core import keyset
from core.api import Blueprint
from core.db import db
from enterprises import service
from enterprises.schemas import EnterpriseCreateSchema, EnterpriseQuerySchema, EnterpriseSchema, EnterpriseUpdateSchema

blp = Blueprint("enterprises", __name__, url_prefix="/api/v1/enterprises", description="Enterprises in the zone")


@blp.route("")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseQuerySchema, location="query")
    @blp.response(200, EnterpriseSchema(many=True), headers=keyset.PAGINATION_HEADER)
    def get(self, args):
        """Enterprises by name, searchable by name or credit code, filtered by sector, zone and active card.
        Paged: ``page`` for the first pages, then the ``cursor`` given in ``X-Pagination``, whose ``total`` is
        counted up to 10,000 (``total_is_capped`` above)."""
        filters = {name: args[name] for name in ("q", "sector", "zone", "card") if name in args}
        page = keyset.page_of(service.search(**filters), "name", service.SORT, args)
        return page.rows, page.headers()

    @roles_required("admin", "safety_manager")
    @blp.arguments(EnterpriseCreateSchema)
    @blp.response(201, EnterpriseSchema)
    def post(self, data):
        """Register an enterprise."""
        enterprise = service.create(data)
        db.session.commit()
        return enterprise


@blp.route("/<int:enterprise_id>")
class Enterprise(MethodView):
    @blp.response(200, EnterpriseSchema)
    def get(self, enterprise_id):
        """One enterprise."""
        return service.get(enterprise_id)

    @roles_required("admin", "safety_manager")
    @blp.arguments(EnterpriseUpdateSchema)
    @blp.response(200, EnterpriseSchema)
    def patch(self, data, enterprise_id):
        """Correct or update an enterprise (contact, address, zone, sector, name, credit code); only the fields
        given change, and the audit log keeps the old values."""
        enterprise = service.update(service.get(enterprise_id), data)
        db.session.commit()
        return enterprise
