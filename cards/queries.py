"""Reads of the card ledger shared by the API list and the Excel export."""

from __future__ import annotations

import sqlalchemy as sa

from cards.models import Card
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
    """Cards, filtered; ``enterprise_ids`` (a collection) keeps those of any of these enterprises."""
    query = sa.select(Card).join(Card.enterprise)
    if enterprise_ids is not None:
        query = query.where(Card.enterprise_id.in_(set(enterprise_ids)))
    for column, value in ((Card.colour, colour), (Card.status, status), (Enterprise.sector, sector),
                          (Enterprise.zone, zone), (Card.enterprise_id, enterprise_id)):
        if value is not None:
            query = query.where(column == value)
    if issued_since is not None:
        query = query.where(Card.issued_on >= issued_since)
    if sort == "days_held":
        return query.order_by(days_held_expression(local_date()).desc(), Card.id)
    return query.order_by(Card.issued_dt.desc(), Card.id.desc())

