from flask import Response
from flask.views import MethodView
from flask_login import current_user

from accounts.auth import roles_required
from cards import export, preview, queries, service
from cards.models import Card
from cards.schemas import (
    CardQuerySchema,
    CardSchema,
    LiftSchema,
    ManualCardSchema,
    PreviewRequestSchema,
    PreviewSchema,
)
from core.api import Blueprint
from core.db import db
from core.errors import Invalid, NotFound
from core.pagination import paginate
from enterprises import service as enterprises
from inspections import service as inspections
from risk_rules.cards import RuleSetError, load_ruleset

blp = Blueprint("cards", __name__, url_prefix="/api/v1", description="Red and yellow cards (红黄牌)")


def _card(card_id: int) -> Card:
    card = db.session.get(Card, card_id)
    if card is None:
        raise NotFound(f"card {card_id} does not exist")
    return card


@blp.route("/cards")
class Cards(MethodView):
    @blp.arguments(CardQuerySchema, location="query")
    @blp.response(200, CardSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The card ledger; by default the longest-held first."""
        return paginate(queries.search(**args), pagination_parameters)

    @roles_required("safety_manager")
    @blp.arguments(ManualCardSchema)
    @blp.response(201, CardSchema)
    def post(self, data):
        """Issue a card by hand with a written reason (or escalate a yellow card to red)."""
        enterprises.get(data["enterprise_id"])
        card = service.issue_manual(data["enterprise_id"], data["colour"], data["reason"], current_user.id)
        db.session.commit()
        return card


@blp.route("/cards/<int:card_id>")
@blp.response(200, CardSchema)
def card(card_id):
    """One card with its reasons and history."""
    return _card(card_id)


@blp.route("/cards/<int:card_id>/lift", methods=["POST"])
@roles_required("safety_manager")
@blp.arguments(LiftSchema)
@blp.response(200, CardSchema)
def lift(data, card_id):
    """Lift (摘牌) a card after a passing re-inspection; refused while a triggering finding is open."""
    lifted = service.lift(_card(card_id), data["reason"], inspections.get(data["reinspection_id"]), current_user.id)
    service.reevaluate([lifted.enterprise_id])
    db.session.commit()
    return lifted


@blp.route("/cards/export.xlsx")
@blp.arguments(CardQuerySchema, location="query")
@blp.response(200, description="Excel workbook of the card ledger",
              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def export_ledger(args):
    """The card ledger (filters as for the list; every state unless ``status`` says one) as an Excel workbook,
    one row per card with its reasons, for A4 landscape."""
    data = export.workbook_bytes(db.session.scalars(queries.for_export(queries.search(**args))))
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=cards.xlsx; "
                                                    "filename*=UTF-8''%E7%BA%A2%E9%BB%84%E7%89%8C%E5%8F%B0%E8%B4%A6.xlsx"})


@blp.route("/cards/preview", methods=["POST"])
@roles_required("safety_manager", "admin")
@blp.arguments(PreviewRequestSchema)
@blp.response(200, PreviewSchema)
def preview_ruleset(data):
    """Which enterprises would gain, lose or change a card under a proposed rule set. Changes nothing."""
    try:
        rule_set = load_ruleset(data["ruleset"])
    except RuleSetError as exc:
        raise Invalid(str(exc), field="ruleset") from None
    return preview.preview(rule_set)


@blp.route("/enterprises/<int:enterprise_id>/cards")
@blp.response(200, CardSchema(many=True))
def enterprise_cards(enterprise_id):
    """Every card an enterprise has held, newest first."""
    enterprises.get(enterprise_id)
    return db.session.scalars(queries.search(enterprise_id=enterprise_id, sort="issued")).all()
