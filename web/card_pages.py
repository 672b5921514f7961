"""Cards by hand: issue (with a written reason), the card page with reasons and history, lifting (摘牌)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from accounts.models import User
from cards import service as cards
from cards.models import Card
from core.db import db
from core.errors import DomainError
from enterprises.models import Enterprise
from inspections.models import Finding, Inspection
from web.access import page
from web.blueprint import bp
from web.forms import IssueCardForm, LiftCardForm


def _card(card_id: int) -> Card:
    card = db.session.get(Card, card_id)
    if card is None:
        abort(404)
    return card


def reinspections(card: Card) -> list[Inspection]:
    """The enterprise's inspections after the card was issued: the candidates for a passing re-inspection."""
    return db.session.scalars(
        sa.select(Inspection).where(Inspection.enterprise_id == card.enterprise_id,
                                    Inspection.inspected_dt > card.issued_dt)
        .order_by(Inspection.inspected_dt.desc()).limit(50).options(selectinload(Inspection.findings))  # counted
    ).all()


def lift_form(card: Card | None, formdata=None) -> LiftCardForm | None:
    """The lift form of an active card, its re-inspection choices filled in."""
    if card is None or card.status != "active":
        return None
    form = LiftCardForm(formdata=formdata, prefix="lift")
    form.reinspection.choices = [(i.id, inspection_label(i)) for i in reinspections(card)]
    return form


def inspection_label(inspection: Inspection) -> str:
    """How an inspection is offered as a re-inspection: when, by whom, how many findings."""
    return _("%(when)s · %(inspector)s · %(n)d finding(s)", when=_when(inspection),
             inspector=inspection.inspector.full_name, n=len(inspection.findings))


def _when(inspection: Inspection) -> str:
    from flask_babel import format_datetime

    return format_datetime(inspection.inspected_dt, "medium")


def _back(card: Card):
    if request.args.get("back") == "enterprise":
        return redirect(url_for("web.enterprise", enterprise_id=card.enterprise_id))
    return redirect(url_for("web.card", card_id=card.id))


@bp.route("/cards/<int:card_id>")
@page("safety_manager", "admin")
def card(card_id):
    return _render(_card(card_id))


def _render(card: Card, form: LiftCardForm | None = None, status: int = 200):
    finding_ids = sorted({fid for reason in card.reasons for fid in reason.finding_ids})
    findings = {f.id: f for f in db.session.scalars(sa.select(Finding).where(Finding.id.in_(finding_ids)))}
    actor_ids = {e.actor_id for e in card.events if e.actor_id}
    actors = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))}
    reinspection = db.session.get(Inspection, card.reinspection_id) if card.reinspection_id else None
    return render_template("web/card.html", card=card, findings=findings, actors=actors,
                           reinspection=reinspection, lift=form or lift_form(card)), status


@bp.route("/enterprises/<int:enterprise_id>/cards", methods=["POST"])
@page("safety_manager")
def issue_card(enterprise_id):
    """Issue a card by hand (or raise a yellow card to red) with the reason the manager writes."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        abort(404)
    form = IssueCardForm(prefix="issue")
    if not form.validate_on_submit():
        flash(_("Not issued: choose the colour and write the reason."), "error")
        return redirect(url_for("web.enterprise", enterprise_id=enterprise_id))
    return _issue(enterprise, form)


@bp.route("/cards/issue", methods=["POST"])
@page("safety_manager")
def issue_card_from_board():
    """The board's form names the enterprise by its credit code (or exact name) instead of a page."""
    form = IssueCardForm(prefix="issue")
    wanted = (form.enterprise.data or "").strip()
    enterprise = db.session.scalar(sa.select(Enterprise).where(
        sa.or_(Enterprise.credit_code == wanted.upper(), Enterprise.name == wanted)).limit(1)) if wanted else None
    if not form.validate_on_submit() or enterprise is None:
        flash(_("Not issued: name the enterprise (credit code or full name), choose the colour and write "
                "the reason.") if enterprise is None or wanted == "" else
              _("Not issued: choose the colour and write the reason."), "error")
        return redirect(url_for("web.cards"))
    return _issue(enterprise, form)


def _issue(enterprise: Enterprise, form: IssueCardForm):
    try:
        card = cards.issue_manual(enterprise.id, form.colour.data, form.reason.data.strip(), current_user.id)
    except DomainError:
        db.session.rollback()
        flash(_("Not issued: the enterprise already holds a card of this colour or a red card."), "error")
        return redirect(url_for("web.enterprise", enterprise_id=enterprise.id))
    db.session.commit()
    flash(_("Card issued to %(name)s.", name=enterprise.name), "success")
    return redirect(url_for("web.card", card_id=card.id))


def _open_triggers(card: Card) -> list[int]:
    return [finding.id for finding in cards.triggering_findings(card) if finding.status != "verified"]


@bp.route("/cards/<int:card_id>/lift", methods=["POST"])
@page("safety_manager")
def lift_card(card_id):
    """Lift after a passing re-inspection, then re-evaluate: new findings may issue a new card at once."""
    card = _card(card_id)
    form = lift_form(card, request.form)
    if form is None:
        flash(_("This card is not active any more."), "error")
        return _back(card)
    if not form.validate_on_submit():
        flash(_("Not lifted: choose the re-inspection and write the reason."), "error")
        return _render(card, form, 400)
    try:
        cards.lift(card, form.reason.data.strip(), db.session.get(Inspection, form.reinspection.data),
                   current_user.id)
        cards.reevaluate([card.enterprise_id])
    except DomainError as exc:
        db.session.rollback()
        card = _card(card_id)
        still_open = _open_triggers(card)
        if still_open:
            message = _("Not lifted: the finding(s) that triggered the card are not verified yet: %(ids)s.",
                        ids=", ".join(f"#{fid}" for fid in still_open))
        else:
            message = _("Not lifted: %(reason)s", reason=exc.message)
        flash(message, "error")
        return _render(card, lift_form(card, request.form), 409)
    db.session.commit()
    flash(_("Card lifted."), "success")
    return _back(card)
