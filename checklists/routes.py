from flask.views import MethodView

from accounts.auth import roles_required
from checklists import service
from checklists.schemas import ChecklistItemSchema, ChecklistQuerySchema, ChecklistSchema, ChecklistVersionSchema
from core.api import Blueprint
from core.db import db
from core.errors import NotFound
from core.time import local_date
from enterprises.models import Enterprise
from inspections.models import DOMAINS

blp = Blueprint("checklists", __name__, url_prefix="/api/v1/checklists",
                description="Checklists of the major-hazard determination standards")


def _domain(domain: str) -> str:
    if domain not in DOMAINS:
        raise NotFound(f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    return domain


@blp.route("")
@blp.response(200, ChecklistVersionSchema(many=True))
def checklist_versions():
    """Every version of every domain's checklist, with the dates it is in force."""
    return service.versions()


@blp.route("/<domain>")
class Checklist(MethodView):
    @blp.arguments(ChecklistQuerySchema, location="query")
    @blp.response(200, ChecklistSchema)
    def get(self, args, domain):
        """The domain's checklist in force on a date (default today), with its items, the parts that apply to an
        enterprise, and a notice when a newer edition is in force whose items are not loaded."""
        enterprise = None
        if "enterprise_id" in args:
            enterprise = db.session.get(Enterprise, args["enterprise_id"])
            if enterprise is None:
                message = f"enterprise {args['enterprise_id']} not found"
                raise NotFound(message, errors={"query": {"enterprise_id": [message]}})
        return service.checklist_for(_domain(domain), args.get("on") or local_date(), enterprise)


@blp.route("/<domain>/items", methods=["POST"])
@roles_required("admin")
@blp.arguments(ChecklistItemSchema)
@blp.response(201, ChecklistItemSchema)
def add_item(data, domain):
    """Add a local item to the version in force today (administrators)."""
    item = service.add_local_item(_domain(domain), local_date(), data)
    db.session.commit()
    return item
