"""Safety manager's pages: extension requests and the red/yellow card board."""

from __future__ import annotations

from flask import render_template, request, url_for

from cards import queries as card_queries
from cards.models import COLOURS
from cards.models import STATUSES as CARD_STATUSES
from enterprises.models import SECTORS
from web import charts, queries
from web.access import page
from web.blueprint import bp
from web.forms import ExtensionDecisionForm, IssueCardForm

SORTS = ("days_held", "issued")


@bp.route("/extensions")
@page("safety_manager")
def extensions():
    return render_template("web/extensions.html", requests=queries.pending_extensions(),
                           form=ExtensionDecisionForm(prefix="decide"))


def _card_filters() -> dict:
    """The board's filters from the query string; unknown values are ignored rather than refused."""
    args = request.args
    chosen = {
        "colour": args.get("colour") if args.get("colour") in COLOURS else None,
        "status": args.get("status", "active") if args.get("status", "active") in CARD_STATUSES else None,
        "sector": args.get("sector") if args.get("sector") in SECTORS else None,
        "zone": (args.get("zone") or "").strip()[:100] or None,
        "sort": args.get("sort") if args.get("sort") in SORTS else "days_held",
    }
    return chosen


@bp.route("/cards")
@page("safety_manager", "admin")
def cards():
    return board()


def board(issue: IssueCardForm | None = None, status: int = 200):
    """The card board; ``issue`` is the issue form as it was sent when it is shown again refused."""
    filters = _card_filters()
    rows, total = queries.limited(card_queries.search(**filters))
    export = url_for("cards.export_ledger", **{k: v for k, v in filters.items() if v})
    return render_template("web/cards.html", cards=rows, total=total, filters=filters, colours=COLOURS,
                           sectors=SECTORS, statuses=CARD_STATUSES, sorts=SORTS, export_url=export,
                           zones=queries.zones(), limit=queries.LIST_LIMIT,
                           issue=issue or IssueCardForm(formdata=None, prefix="issue"),
                           charts={"by_sector": charts.cards_by_sector(), "by_month": charts.cards_by_month(),
                                   "overdue": charts.overdue_trend()}), status
