"""Reads of the card ledger shared by the API list and the Excel export."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, selectinload

from cards.models import ALL_STATUSES, Card
from core.db import db
from core.time import local_date
from enterprises.models import Enterprise


def days_held_expression(today):
    """Days a card has been (or was) held, in SQL; the two databases subtract dates differently."""
    end = sa.func.coalesce(Card.lifted_on, today)
    if db.engine.dialect.name == "sqlite":
        return sa.func.julianday(end) - sa.func.julianday(Card.issued_on)
    return end - Card.issued_on


def search(colour=None, status=None, sector=None, zone=None, issued_since=None, sort="days_held",
           enterprise_id=None, enterprise_ids=None) -> sa.Select:
    """Cards, filtered; ``enterprise_ids`` (a collection) keeps those of any of these enterprises; ``status``
    ``"all"`` is no filter, like ``None``."""
    query = sa.select(Card).join(Card.enterprise)
    if enterprise_ids is not None:
        query = query.where(Card.enterprise_id.in_(set(enterprise_ids)))
    if status == ALL_STATUSES:
        status = None
    for column, value in ((Card.colour, colour), (Card.status, status), (Enterprise.sector, sector),
                          (Enterprise.zone, zone), (Card.enterprise_id, enterprise_id)):
        if value is not None:
            query = query.where(column == value)
    if issued_since is not None:
        query = query.where(Card.issued_on >= issued_since)
    if sort == "days_held":
        return query.order_by(days_held_expression(local_date()).desc(), Card.id)
    return query.order_by(Card.issued_dt.desc(), Card.id.desc())



def for_export(query: sa.Select) -> sa.Select:
    """``query`` (of cards) loading what the ledger prints, its enterprise and reasons, and not the history or the
    people; fetched in batches, so a long ledger never sits in memory at once."""
    return query.options(lazyload(Card.events), lazyload(Card.issued_by), lazyload(Card.lifted_by),
                         selectinload(Card.reasons)).execution_options(yield_per=500)


def named_since(card: Card) -> dict[tuple[str, int], datetime]:
    """When the rules (or a manager) put each finding on each reason of ``card``: ``(rule id, finding id)`` → the
    time of the history entry that added it (``CardEvent.added``). Entries recorded before events named what they
    added fall back to when the reason was first seen, the earliest the finding can have been named there."""
    named = {}
    for event in card.events:
        for entry in event.added or ():
            for finding_id in entry.get("finding_ids", ()):
                named.setdefault((entry["rule_id"], finding_id), event.created_dt)
    for reason in card.reasons:
        for finding_id in reason.finding_ids:
            named.setdefault((reason.rule_id, finding_id), reason.first_seen_dt)
    return named


def enterprise_matches(q: str, limit: int = 10) -> list[tuple[Enterprise, str | None]]:
    """Enterprises whose name or credit code contains ``q`` (``%`` and ``_`` are themselves, not wildcards),
    those starting with it first, then by name; each with the colour of its active card (``None``: none)."""
    q = q.strip()
    if not q:
        return []
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    name, code = Enterprise.name, Enterprise.credit_code
    starts = sa.or_(name.ilike(f"{escaped}%", escape="\\"), code.ilike(f"{escaped}%", escape="\\"))
    held = sa.select(Card.colour).where(Card.enterprise_id == Enterprise.id, Card.status == "active")
    query = (sa.select(Enterprise, held.scalar_subquery())
             .where(sa.or_(name.ilike(f"%{escaped}%", escape="\\"), code.ilike(f"%{escaped}%", escape="\\")))
             .order_by(sa.case((starts, 0), else_=1), name, Enterprise.id).limit(limit))
    return [tuple(row) for row in db.session.execute(query)]



def active_colours(enterprise_ids: list[int]) -> dict[int, str]:
    """{enterprise id: colour of its card in force} for those of ``enterprise_ids`` holding one (one indexed query
    for a page of a list; an enterprise holds one card in force at most)."""
    if not enterprise_ids:
        return {}
    return dict(db.session.execute(sa.select(Card.enterprise_id, Card.colour)
                                   .where(Card.enterprise_id.in_(enterprise_ids), Card.status == "active")).all())
