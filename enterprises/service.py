"""Enterprise reads and writes. Flush only; the request or command commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from audit import service as audit
from core import keyset
from core.db import db
from core.errors import Conflict, NotFound
from enterprises.models import Enterprise


def get(enterprise_id: int) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(f"enterprise {enterprise_id} does not exist")
    return enterprise


# The list's order (``core.keyset``): by name, the id breaking ties; index ix_enterprises_name_id.
SORT = keyset.Sort((Enterprise.name, Enterprise.id))
CARDS = ("red", "yellow", "none")


def search(q: str | None = None, sector: str | None = None, zone: str | None = None,
           card: str | None = None) -> sa.Select:
    """Enterprises matching every filter given, unordered (order with ``SORT``): ``q`` part of the name or of
    the credit code (as it is: ``%`` and ``_`` are plain characters), ``card`` the colour of the active card or
    ``none`` (no active card; one active card at most, uq_cards_active_enterprise, looked up by its index)."""
    query = sa.select(Enterprise)
    if q and q.strip():
        text = q.strip()
        query = query.where(sa.or_(Enterprise.name.icontains(text, autoescape=True),
                                   Enterprise.credit_code.icontains(text, autoescape=True)))
    if sector:
        query = query.where(Enterprise.sector == sector)
    if zone:
        query = query.where(Enterprise.zone == zone)
    if card is not None:
        from cards.models import Card  # cards build on enterprises: the import stays here, at the use

        active = sa.exists().where(Card.enterprise_id == Enterprise.id, Card.status == "active")
        query = query.where(sa.not_(active) if card == "none" else active.where(Card.colour == card))
    return query


def _check_code_free(code: str, enterprise_id: int | None = None) -> None:
    holder = db.session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == code))
    if holder is not None and holder != enterprise_id:
        raise Conflict(_l("an enterprise with credit code %(code)s already exists", code=code), field="credit_code")


def create(data: dict) -> Enterprise:
    _check_code_free(data["credit_code"])
    enterprise = Enterprise(**data)
    db.session.add(enterprise)
    db.session.flush()
    audit.record("enterprise.created", enterprise, None, {k: v for k, v in data.items()})
    return enterprise


def update(enterprise: Enterprise, data: dict) -> Enterprise:
    """Change the given fields; the audit entry keeps what they were."""
    changed = audit.changes(enterprise, data)
    if "credit_code" in changed:
        _check_code_free(changed["credit_code"], enterprise.id)
    audit.apply("enterprise.updated", enterprise, changed)
    return enterprise
