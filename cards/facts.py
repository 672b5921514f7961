"""Load what the card rules look at, for many enterprises at once (a fixed number of queries, none per
enterprise), as the plain facts of ``risk_rules.cards``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, lazyload, selectinload

from cards.models import Card
from core.db import db
from core.time import day_start, zone
from inspections.models import Finding
from risk_rules.cards import CardFact, FindingFact, FindingScope, RuleSet, finding_scopes, relevant_since


@dataclass
class EnterpriseFacts:
    findings: list[FindingFact] = field(default_factory=list)
    cards: list[CardFact] = field(default_factory=list)
    active: Card | None = None
    # rule id -> (finding ids, card ids) already answered by a lifted card: they do not issue a new one
    consumed: dict[str, tuple[set[int], set[int]]] = field(default_factory=dict)


def _scope(column, enterprise_ids):
    return sa.true() if enterprise_ids is None else column.in_(enterprise_ids)


def _dated_since(table, day: date):
    start = day_start(day)
    return sa.or_(table.found_dt >= start, table.closed_dt >= start)


def _scope_clause(scope: FindingScope, enterprise_ids):
    """SQL twin of ``FindingScope.admits`` (tests compare the two on the same data)."""
    parts = []
    if scope.severity is not None:
        parts.append(Finding.severity == scope.severity)
    if scope.unresolved:
        parts.append(Finding.status != "verified")
    if scope.found_since is not None:
        parts.append(Finding.found_dt >= day_start(scope.found_since))
    if scope.repeated_item_since is not None:
        other = aliased(Finding)
        repeated = (sa.select(other.enterprise_id, other.item_code)
                    .where(other.item_code.is_not(None), _dated_since(other, scope.repeated_item_since),
                           _scope(other.enterprise_id, enterprise_ids))
                    .group_by(other.enterprise_id, other.item_code).having(sa.func.count() >= 2))
        parts += [_dated_since(Finding, scope.repeated_item_since),
                  sa.tuple_(Finding.enterprise_id, Finding.item_code).in_(repeated)]
    return sa.and_(*parts)


def _findings(enterprise_ids, scopes):
    if not scopes:
        return
    tz = zone()
    query = sa.select(Finding.id, Finding.enterprise_id, Finding.item_code, Finding.severity, Finding.status,
                      Finding.found_dt, Finding.deadline, Finding.closed_dt).where(
        _scope(Finding.enterprise_id, enterprise_ids), sa.or_(*(_scope_clause(s, enterprise_ids) for s in scopes)))
    for row in db.session.connection().execute(query):  # Core rows: no ORM bookkeeping per row
        yield row.enterprise_id, FindingFact(
            id=row.id, checklist_item=row.item_code, severity=row.severity, status=row.status,
            found_on=row.found_dt.astimezone(tz).date(), deadline=row.deadline,
            closed_on=row.closed_dt.astimezone(tz).date() if row.closed_dt else None,
        )


def _cards(enterprise_ids, since: date):
    query = sa.select(Card).where(_scope(Card.enterprise_id, enterprise_ids),
                                  sa.or_(Card.status == "active", Card.issued_on >= since,
                                         Card.lifted_on >= since))
    # Reasons in one batched query; events and enterprise are not needed to decide.
    options = (selectinload(Card.reasons), lazyload(Card.events), lazyload(Card.enterprise))
    return db.session.scalars(query.options(*options)).all()


def load(enterprise_ids: Iterable[int] | None, rule_set: RuleSet, today: date) -> dict[int, EnterpriseFacts]:
    """The facts ``rule_set`` can look at on ``today``, per enterprise; ``None`` means every enterprise that
    has such findings or cards."""
    since = relevant_since(rule_set, today)
    ids = None if enterprise_ids is None else set(enterprise_ids)
    facts: dict[int, EnterpriseFacts] = defaultdict(EnterpriseFacts)
    for enterprise_id in ids or ():
        facts[enterprise_id]  # noqa: B018 - an enterprise with nothing left still gets evaluated
    for enterprise_id, fact in _findings(ids, finding_scopes(rule_set, today)):
        facts[enterprise_id].findings.append(fact)
    for card in _cards(ids, since):
        entry = facts[card.enterprise_id]
        entry.cards.append(CardFact(id=card.id, colour=card.issued_colour, issued_on=card.issued_on,
                                    lifted_on=card.lifted_on, is_manual=card.origin == "manual"))
        if card.status == "active":
            entry.active = card
        else:
            for reason in card.reasons:
                found, cards = entry.consumed.setdefault(reason.rule_id, (set(), set()))
                found.update(reason.finding_ids)
                cards.update(reason.card_ids)
    return facts

