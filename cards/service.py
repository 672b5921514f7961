"""Keep cards current and run their lifecycle: issue, escalate, add reasons, lift (摘牌).

Cards are never lowered or lifted by the rules themselves: lifting is a safety manager's act after a
passing re-inspection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from audit import service as audit
from cards import facts as card_facts
from cards.models import MANUAL_RULE, Card, CardEvent, CardReason
from core.db import db, utcnow
from core.errors import Conflict, Invalid
from core.time import local_date
from enterprises.models import Enterprise
from risk_rules import cards as rules

COLOUR_RANK = {None: 0, "yellow": 1, "red": 2}
_AUDITED = ("colour", "status", "lifted_on", "lift_reason")


def ruleset() -> rules.RuleSet:
    """The rule set in force: ``CARD_RULESET`` (a data file) or the project's default, loaded once."""
    cache = current_app.extensions.setdefault("card_ruleset", {})
    path = current_app.config.get("CARD_RULESET")
    if path not in cache:
        cache[path] = rules.load_ruleset(path) if path else rules.default_ruleset()
    return cache[path]


def _fresh_reasons(decision: rules.Decision, consumed) -> list[rules.Reason]:
    """Drop reasons whose every trigger was already answered by a lifted card."""
    kept = []
    for reason in decision.reasons:
        findings, cards = consumed.get(reason.rule_id, (set(), set()))
        if not (set(reason.finding_ids) <= findings and set(reason.card_ids) <= cards):
            kept.append(reason)
    return kept


def decide(entry: card_facts.EnterpriseFacts, rule_set: rules.RuleSet, today: date) -> list[rules.Reason]:
    return _fresh_reasons(rules.evaluate(entry.findings, entry.cards, rule_set, today), entry.consumed)


def worst(reasons) -> str | None:
    return max((r.colour for r in reasons), key=COLOUR_RANK.__getitem__, default=None)


def _yellow_days(rule_set: rules.RuleSet) -> int:
    return next((r.params.get("days", 90) for r in rule_set.rules if r.kind == "yellow_card_overdue"), 90)


def _merge_reasons(card: Card, reasons: Iterable[rules.Reason]) -> list[dict]:
    """Add new rules and new triggers to the card's reasons. Returns what was added, one entry per rule with the
    findings and cards it newly names (``CardEvent.added``); empty when nothing changed."""
    by_rule = {row.rule_id: row for row in card.reasons}
    added = []
    for reason in reasons:
        row = by_rule.get(reason.rule_id)
        if row is None:
            card.reasons.append(CardReason(rule_id=reason.rule_id, colour=reason.colour, text_zh=reason.text_zh,
                                           text_en=reason.text_en, finding_ids=sorted(reason.finding_ids),
                                           card_ids=sorted(reason.card_ids)))
            added.append({"rule_id": reason.rule_id, "finding_ids": sorted(reason.finding_ids),
                          "card_ids": sorted(reason.card_ids)})
            continue
        new_findings = sorted(set(reason.finding_ids) - set(row.finding_ids))
        new_cards = sorted(set(reason.card_ids) - set(row.card_ids))
        if new_findings or new_cards:
            row.finding_ids = sorted({*row.finding_ids, *new_findings})
            row.card_ids = sorted({*row.card_ids, *new_cards})
            added.append({"rule_id": reason.rule_id, "finding_ids": new_findings, "card_ids": new_cards})
    return added


def _issue(enterprise_id: int, colour: str, today: date, origin: str, rule_set: rules.RuleSet,
           actor_id: int | None = None, note: str = "") -> Card:
    card = Card(enterprise_id=enterprise_id, colour=colour, issued_colour=colour, origin=origin, issued_on=today,
                ruleset_version=rule_set.version if origin == "rule" else "", issued_by_id=actor_id,
                manual_reason=note,
                rectification_due=today + timedelta(days=_yellow_days(rule_set)) if colour == "yellow" else None,
                events=[CardEvent(action="issued", colour=colour, actor_id=actor_id, note=note)])
    db.session.add(card)
    return card


def _escalate(card: Card, actor_id: int | None = None, note: str = "") -> CardEvent:
    """Raise ``card`` to red; the history's new entry."""
    card.colour, card.escalated_dt = "red", utcnow()
    event = CardEvent(action="escalated", colour="red", actor_id=actor_id, note=note)
    card.events.append(event)
    return event


def _changes(active: card_facts.ActiveCard | None, reasons) -> bool:
    """Whether ``reasons`` would change the enterprise's card (issue, escalate, or add a rule or a trigger),
    told from plain data: the steady state touches no ORM object."""
    colour = worst(reasons)
    if colour is None:
        return False
    if active is None or COLOUR_RANK[colour] > COLOUR_RANK[active.colour]:
        return True
    for reason in reasons:
        held = active.reasons.get(reason.rule_id)
        if held is None or not (set(reason.finding_ids).issubset(held[0]) and set(reason.card_ids).issubset(held[1])):
            return True
    return False


def _apply(enterprise_id: int, card: Card | None, reasons, rule_set, today) -> Card | None:
    colour = worst(reasons)
    if colour is None:
        return card
    step = None  # the event of an issue or an escalation names the reasons that came with it
    if card is None:
        card = _issue(enterprise_id, colour, today, "rule", rule_set)
        step = card.events[-1]
    elif COLOUR_RANK[colour] > COLOUR_RANK[card.colour]:
        step = _escalate(card)
    added = _merge_reasons(card, reasons)
    if step is not None:
        step.added = added
    elif added:
        card.events.append(CardEvent(action="reasons_added", colour=card.colour, added=added))
    return card


def _serialise(enterprise_ids: Iterable[int] | None) -> None:
    """Evaluate an enterprise's card in one transaction at a time, after the previous one committed, so
    racing requests see each other's findings and cards. NO KEY UPDATE: the foreign-key checks of
    concurrent inserts (KEY SHARE) do not conflict with it, so it cannot deadlock with them. (SQLite
    ignores it: it lets one writer in at a time anyway.)"""
    query = sa.select(Enterprise.id).order_by(Enterprise.id).with_for_update(key_share=True)
    if enterprise_ids is not None:
        query = query.where(Enterprise.id.in_(set(enterprise_ids)))
    db.session.execute(query).all()


def reevaluate(enterprise_ids: Iterable[int] | None, today: date | None = None) -> int:
    """Bring the cards of these enterprises (``None``: all) in line with their findings as of ``today``
    (the zone's date; default now); flush only.

    Set-based: the facts of all enterprises come from a fixed number of queries. Returns how many
    enterprises were evaluated.
    """
    rule_set, today = ruleset(), today or local_date()
    if enterprise_ids is not None:  # a finding against a person landlord of premises has no enterprise, no card
        enterprise_ids = {enterprise_id for enterprise_id in enterprise_ids if enterprise_id is not None}
    if enterprise_ids is None:
        # Everyone (the daily pass): decide on what is committed first; most days nothing changes, and then
        # there is nothing to serialise. Otherwise lock, and decide again on what the locks let through.
        evaluated, todo = _to_change(None, rule_set, today)
        if not todo:
            return evaluated
    _serialise(enterprise_ids)
    evaluated, todo = _to_change(enterprise_ids, rule_set, today)
    held = _held_cards([active.id for active, _ in todo.values() if active is not None])
    changed = []
    for enterprise_id, (active, reasons) in todo.items():
        card = _apply(enterprise_id, held[active.id] if active else None, reasons, rule_set, today)
        if card.colour != (active.colour if active else None):
            changed.append((card, active.colour if active else None))
    db.session.flush()  # one flush for every new card, then their audit entries
    for card, before in changed:
        audit.record(f"card.{'issued' if before is None else 'escalated'}", card, {"colour": before},
                     {"colour": card.colour})
    db.session.flush()
    return evaluated


def _to_change(enterprise_ids, rule_set: rules.RuleSet, today: date):
    """How many enterprises were evaluated, and the decision of each one whose card it changes."""
    everything = card_facts.load(enterprise_ids, rule_set, today)
    todo = {}
    for enterprise_id, entry in everything.items():
        reasons = decide(entry, rule_set, today)
        if _changes(entry.active, reasons):
            todo[enterprise_id] = (entry.active, reasons)
    return len(everything), todo


def _held_cards(card_ids: list[int]) -> dict[int, Card]:
    """The active cards about to change, in one query (reasons and events batched too)."""
    if not card_ids:
        return {}
    query = sa.select(Card).where(Card.id.in_(card_ids)).options(selectinload(Card.reasons),
                                                                   selectinload(Card.events))
    return {card.id: card for card in db.session.scalars(query)}


def reevaluate_all(today: date | None = None) -> int:
    return reevaluate(None, today)


def issue_manual(enterprise_id: int, colour: str, reason: str, actor_id: int) -> Card:
    """A manager issues a card with a written reason (e.g. inspection refused, an accident)."""
    entry = card_facts.load([enterprise_id], ruleset(), local_date()).get(enterprise_id)
    card = db.session.get(Card, entry.active.id) if entry and entry.active else None
    if card is not None and COLOUR_RANK[card.colour] >= COLOUR_RANK[colour]:
        raise Conflict(_l("the enterprise already holds an active %(colour)s card (id %(id)s)", colour=card.colour,
                           id=card.id), field="colour")
    manual = rules.Reason(rule_id=MANUAL_RULE, colour=colour, text_zh=f"管理人员发牌：{reason}",
                          text_en=f"Issued by a manager: {reason}")
    if card is None:
        card = _issue(enterprise_id, colour, local_date(), "manual", ruleset(), actor_id, reason)
        step = card.events[-1]
    else:
        step = _escalate(card, actor_id, reason)
    step.added = _merge_reasons(card, [manual])
    db.session.flush()
    audit.record("card.issued_manually", card, None, {"colour": colour, "reason": reason}, actor_id)
    return card


def triggering_findings(card: Card):
    """The findings behind ``card``: those its reasons name (``finding_ids``), and those behind the earlier cards
    its reasons name (``card_ids``), followed through their reasons in turn. A few queries, one per level."""
    from inspections.models import Finding

    finding_ids, seen, level = set(), {card.id}, [card]
    while level:
        finding_ids.update(fid for held in level for row in held.reasons for fid in row.finding_ids)
        named = {cid for held in level for row in held.reasons for cid in row.card_ids} - seen
        seen |= named
        level = db.session.scalars(sa.select(Card).where(Card.id.in_(named))).all() if named else []
    if not finding_ids:
        return []
    return db.session.scalars(sa.select(Finding).where(Finding.id.in_(finding_ids)).order_by(Finding.id)).all()


def _reinspection_problems(reinspection, items: set[str] | None) -> list:
    """What keeps ``reinspection`` from being the passing re-inspection of a card whose triggering findings sit on
    checklist ``items`` (``None``: a card with no findings, where every item re-checked must pass): no checklist,
    items it did not re-check, items it re-checked without passing, other items it failed (lazy texts; empty
    when it passed)."""
    if not reinspection.results:
        return [_l("it recorded no checklist: a re-inspection re-checks the items behind the card")]
    results = {row.item_code: row.result for row in reinspection.results}
    if items is None:
        not_passed = sorted(code for code, result in results.items() if result != "passed")
        return [_l("item(s) %(items)s did not pass", items=_with_results(not_passed, results))] if not_passed else []
    problems = []
    missing = sorted(items - results.keys())
    if missing:
        problems.append(_l("item(s) %(items)s behind the card were not re-checked", items=", ".join(missing)))
    not_passed = sorted(code for code in items & results.keys() if results[code] != "passed")
    if not_passed:
        problems.append(_l("item(s) %(items)s behind the card did not pass",
                           items=_with_results(not_passed, results)))
    failed = sorted(code for code, result in results.items() if result == "failed" and code not in items)
    if failed:
        problems.append(_l("item(s) %(items)s failed", items=", ".join(failed)))
    return problems


# How a re-checked item's result reads in a refusal (the stored codes are not words for a reader).
_RESULT_WORDS = {"passed": _l("passed"), "failed": _l("failed"), "not_applicable": _l("not applicable")}


def _with_results(codes: list[str], results: dict[str, str]) -> str:
    return ", ".join(f"{code} ({_RESULT_WORDS[results[code]]})" for code in codes)


def lift(card: Card, reason: str, reinspection, actor_id: int) -> Card:
    """Lift a card (摘牌) after a passing re-inspection; flush only.

    The re-inspection is of the card's enterprise, made after the card was issued, with a checklist that
    re-checked every item behind the card's triggering findings (``triggering_findings``) and passed each, and
    failed no item; the hazards it found are all verified, and so are the triggering findings (those on no item
    are covered by their own verification). A card with no findings (a manual one) needs a re-inspection
    whose checklist is not empty and all passed. Raises ``Conflict`` (409) for a lifted
    card or a finding not yet verified, ``Invalid`` (422, field ``reinspection_id``, naming the items) for a
    re-inspection that does not qualify (issue 13, "closing rules that follow the procedure")."""
    if card.status != "active":
        raise Conflict(_l("card %(id)s is already %(status)s", id=card.id, status=card.status))
    if reinspection.enterprise_id != card.enterprise_id or reinspection.inspected_dt <= card.issued_dt:
        raise Invalid(_l("the re-inspection must be of this enterprise and after the card was issued"),
                      field="reinspection_id")
    if any(f.status != "verified" for f in reinspection.findings):
        raise Conflict(_l("the re-inspection found hazards that are not yet verified; it did not pass"))
    triggering = triggering_findings(card)
    still_open = [f.id for f in triggering if f.status != "verified"]
    if still_open:
        raise Conflict(_l("triggering finding(s) %(ids)s are not verified yet", ids=", ".join(map(str, still_open))))
    items = {f.item_code for f in triggering if f.item_code} if triggering else None
    problems = _reinspection_problems(reinspection, items)
    if problems:
        raise Invalid(_l("re-inspection %(id)s did not pass: %(problems)s", id=reinspection.id,
                         problems="; ".join(map(str, problems))), field="reinspection_id")
    before = audit.snapshot(card, _AUDITED)
    card.status, card.lifted_dt, card.lifted_on = "lifted", utcnow(), local_date()
    card.lifted_by_id, card.lift_reason, card.reinspection_id = actor_id, reason, reinspection.id
    card.events.append(CardEvent(action="lifted", colour=card.colour, actor_id=actor_id, note=reason))
    db.session.flush()
    audit.record("card.lifted", card, before, audit.snapshot(card, _AUDITED), actor_id)
    return card
