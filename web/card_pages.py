"""Cards by hand: issue (with a written reason), the card page with reasons and history, lifting (摘牌)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy.orm import lazyload, selectinload

from accounts.models import User
from cards import queries as card_queries
from cards import service as cards
from cards.models import MANUAL_RULE, Card
from core.db import db
from core.errors import DomainError
from enterprises.models import Enterprise
from inspections.models import Finding, Inspection
from web.access import page
from web.blueprint import bp
from web.forms import IssueCardForm, LiftCardForm, refusal
from web.manager import board
from web.premises_pages import pick_enterprise


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
    findings = {f.id: f for f in db.session.scalars(
        sa.select(Finding).where(Finding.id.in_(finding_ids)).options(lazyload("*")))}
    actor_ids = {e.actor_id for e in card.events if e.actor_id}
    actors = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))}
    reinspection = db.session.get(Inspection, card.reinspection_id) if card.reinspection_id else None
    named = card_queries.named_since(card)
    return render_template("web/card.html", card=card, findings=findings, actors=actors, named=named,
                           shared=shared_findings(card, named), manual_rule=MANUAL_RULE,
                           reasons={r.rule_id: r for r in card.reasons},
                           reinspection=reinspection, lift=form or lift_form(card)), status


def shared_findings(card: Card, named: dict) -> dict[int, list]:
    """Findings that more than one reason of ``card`` names: finding id → [(reason, when the rules named it
    there)], earliest first. Each reason records what held when it named the finding (within its deadline,
    later overdue...), so the page says when each held rather than letting both read as true now."""
    by_finding = {}
    for reason in card.reasons:
        for finding_id in reason.finding_ids:
            by_finding.setdefault(finding_id, []).append((reason, named[(reason.rule_id, finding_id)]))
    return {finding_id: sorted(held, key=lambda pair: pair[1])
            for finding_id, held in sorted(by_finding.items()) if len(held) > 1}


@bp.route("/enterprises/<int:enterprise_id>/cards", methods=["POST"])
@page("safety_manager")
def issue_card(enterprise_id):
    """Issue a card by hand (or raise a yellow card to red) with the reason the manager writes; a refusal shows
    the enterprise page again with what was typed and the error beside its field."""
    from web.directory import render_enterprise  # (the enterprise page imports this module's lift form)

    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        abort(404)
    form = IssueCardForm(prefix="issue")
    if not form.validate_on_submit():
        flash(_("Not issued: choose the colour and write the reason."), "error")
        return render_enterprise(enterprise, status_code=400, issue=form)
    return _issue(enterprise, form, lambda status: render_enterprise(
        db.session.get(Enterprise, enterprise_id), status_code=status, issue=form))


@bp.route("/cards/issue", methods=["POST"])
@page("safety_manager")
def issue_card_from_board():
    """The board's form names the enterprise: the picker's choice, or a credit code or exact name typed without
    it. A refusal shows the board again with what was typed and the error beside its field."""
    form = IssueCardForm(prefix="issue")
    valid = form.validate_on_submit()
    try:
        enterprise = _named_enterprise(form)
    except ValidationError as exc:
        return board(form, refusal(form, exc))
    if not valid or enterprise is None:
        flash(_("Please correct the marked fields."), "error")
        return board(form, 400)
    return _issue(enterprise, form, lambda status: board(form, status))


@bp.route("/cards/enterprises")
@page("safety_manager")
def enterprise_picker():
    """The issue form's picker: up to ten enterprises whose name or credit code contains ``q``, as JSON
    ``{"matches": [{"id", "name", "credit_code", "card"}]}`` (``card``: the colour of its active card, or null)."""
    q = (request.args.get("q") or "")[:200]
    return jsonify(matches=[{"id": e.id, "name": e.name, "credit_code": e.credit_code, "card": colour}
                            for e, colour in card_queries.enterprise_matches(q)])


def _named_enterprise(form: IssueCardForm) -> Enterprise | None:
    """The enterprise the board's form names: the picker's choice, else the text as every enterprise picker of
    the pages reads it (``pick_enterprise``: a credit code, the exact name, or the one enterprise containing it);
    ``None`` with the reason on the enterprise field. ``ValidationError`` when the text names none or several."""
    if form.enterprise_id.errors:
        return None
    if form.enterprise_id.data:
        enterprise = db.session.get(Enterprise, form.enterprise_id.data)
        if enterprise is None:
            form.enterprise.errors = [_("This enterprise does not exist (any more): choose it again.")]
        return enterprise
    enterprise_id = pick_enterprise(form.enterprise)
    if enterprise_id is None:
        form.enterprise.errors = [_("Name the enterprise: type part of its name or its credit code and choose it.")]
        return None
    return db.session.get(Enterprise, enterprise_id)


def _issue(enterprise: Enterprise, form: IssueCardForm, refused: Callable[[int], Any]):
    """Issue the card the form asks for, commit and go to the card; refused, ``refused(status)`` shows the form
    again with the refusal on its fields."""
    try:
        card = cards.issue_manual(enterprise.id, form.colour.data, form.reason.data.strip(), current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return refused(refusal(form, exc))
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
