"""Load what the card rules look at, for many enterprises at once (a fixed number of queries, none per
enterprise), as the plain facts of ``risk_rules.cards``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, selectinload

from cards.models import Card
from core.db import db
from core.time import day_start, zone
from inspections.models import Finding
from risk_rules.cards import CardFact, FindingFact


@dataclass
class EnterpriseFacts:
    findings: list[FindingFact] = field(default_factory=list)
    cards: list[CardFact] = field(default_factory=list)
    active: Card | None = None
    # rule id -> (finding ids, card ids) already answered by a lifted card: they do not issue a new one
    consumed: dict[str, tuple[set[int], set[int]]] = field(default_factory=dict)


def _scope(column, enterprise_ids):
    return sa.true() if enterprise_ids is None else column.in_(enterprise_ids)


def _findings(enterprise_ids, since: date):
    tz, start = zone(), day_start(since)
    query = sa.select(Finding.id, Finding.enterprise_id, Finding.item_code, Finding.severity, Finding.status,
                      Finding.found_dt, Finding.deadline, Finding.closed_dt).where(
        _scope(Finding.enterprise_id, enterprise_ids),
        sa.or_(Finding.status != "verified", Finding.found_dt >= start, Finding.closed_dt >= start),
    )
    for row in db.session.execute(query):
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


def load(enterprise_ids: Iterable[int] | None, since: date) -> dict[int, EnterpriseFacts]:
    """Facts per enterprise; ``None`` means every enterprise that has findings or cards."""
    ids = None if enterprise_ids is None else set(enterprise_ids)
    facts: dict[int, EnterpriseFacts] = defaultdict(EnterpriseFacts)
    for enterprise_id in ids or ():
        facts[enterprise_id]  # noqa: B018 - an enterprise with nothing left still gets evaluated
    for enterprise_id, fact in _findings(ids, since):
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

