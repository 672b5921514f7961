"""Premises and tenancies: reads and writes. Flush only; the request or command commits.

Tenancies of the same unit (``models.normalise_unit``) of the same premises never overlap in time. The check
runs with the premises row locked (``SELECT ... FOR UPDATE`` on PostgreSQL), so two requests letting the same
unit at the same moment queue on it and the second sees the first's tenancy: 409 naming it.
"""

from __future__ import annotations

import hashlib
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from audit import service as audit
from core.db import db
from core.errors import Conflict, Invalid, NotFound
from enterprises.models import Enterprise
from premises import files
from premises.models import AgreementFile, Premises, Tenancy, normalise_unit

_PREMISES_AUDITED = ("name", "address", "zone", "latitude", "longitude", "landlord_enterprise_id", "landlord_name",
                     "landlord_phone", "use", "floors", "area_m2")
_TENANCY_AUDITED = ("enterprise_id", "unit", "start_date", "end_date", "agreement_signed_on", "agreement_expires_on",
                    "agreement_file_id")


# -- premises -------------------------------------------------------------------------------------------------

def get(premises_id: int, field: str | None = None) -> Premises:
    """The premises; ``NotFound`` (404), naming ``field`` of the request body when given."""
    premises = db.session.get(Premises, premises_id)
    if premises is None:
        raise NotFound(f"premises {premises_id} does not exist", field=field)
    return premises


def search(q: str | None = None, zone: str | None = None, landlord_enterprise_id: int | None = None) -> sa.Select:
    query = sa.select(Premises).order_by(Premises.name, Premises.id)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(sa.or_(Premises.name.ilike(pattern), Premises.address.ilike(pattern)))
    if zone:
        query = query.where(Premises.zone == zone)
    if landlord_enterprise_id is not None:
        query = query.where(Premises.landlord_enterprise_id == landlord_enterprise_id)
    return query


def _enterprise(enterprise_id: int, field: str) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(f"enterprise {enterprise_id} does not exist", field=field)
    return enterprise


def check_landlord(values: dict) -> None:
    """Exactly one kind of landlord: an enterprise of the register, or a person with a name and a phone number.
    ``Invalid`` (422) naming the field otherwise; ``NotFound`` for an unknown enterprise."""
    person = {key: (values.get(key) or "").strip() for key in ("landlord_name", "landlord_phone")}
    if values.get("landlord_enterprise_id") is not None:
        _enterprise(values["landlord_enterprise_id"], "landlord_enterprise_id")
        given = next((key for key, value in person.items() if value), None)
        if given:
            raise Invalid(_l("the landlord is an enterprise or a person, not both: leave the person's name and "
                             "phone empty when the landlord is an enterprise"), field=given)
        return
    missing = next((key for key, value in person.items() if not value), None)
    if missing:
        raise Invalid(_l("name the landlord: an enterprise of the register, or a person's name and phone number"),
                      field=missing)


def _check_name_free(name: str, premises_id: int | None = None) -> None:
    holder = db.session.scalar(sa.select(Premises.id).where(Premises.name == name))
    if holder is not None and holder != premises_id:
        raise Conflict(_l("premises named %(name)s are already registered", name=name), field="name")


def create(data: dict) -> Premises:
    check_landlord(data)
    _check_name_free(data["name"])
    premises = Premises(**data)
    db.session.add(premises)
    db.session.flush()
    audit.record("premises.created", premises, None, audit.snapshot(premises, _PREMISES_AUDITED))
    return premises


def update(premises: Premises, data: dict) -> Premises:
    """Change the given fields (checked together with those kept); the audit entry keeps the old values."""
    changed = audit.changes(premises, data)
    check_landlord({key: changed.get(key, getattr(premises, key))
                    for key in ("landlord_enterprise_id", "landlord_name", "landlord_phone")})
    if "name" in changed:
        _check_name_free(changed["name"], premises.id)
    if "landlord_enterprise_id" in changed:
        tenant = next((t for t in premises.tenancies if t.enterprise_id == changed["landlord_enterprise_id"]), None)
        if tenant is not None:
            raise Invalid(_l("enterprise %(id)s rents a part of these premises (tenancy %(tenancy)s): a landlord is "
                             "not its own tenant", id=tenant.enterprise_id, tenancy=tenant.id),
                          field="landlord_enterprise_id")
    audit.apply("premises.updated", premises, changed)
    return premises


def lock(premises: Premises) -> None:
    """Hold the premises row until the transaction ends: tenancy changes of one premises run one at a time.

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite ignores that clause, and its driver opens a transaction only at
    the first write, so reads before it see no lock at all: there the lock is a write to the row (the database's
    one write lock), taken before the overlap check reads, so a second request waits until the first commits."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(Premises).where(Premises.id == premises.id).values(id=Premises.id))
    else:
        db.session.execute(sa.select(Premises.id).where(Premises.id == premises.id).with_for_update())


def of_landlord(enterprise_id: int) -> list[Premises]:
    return db.session.scalars(search(landlord_enterprise_id=enterprise_id)).all()


# -- tenancies ------------------------------------------------------------------------------------------------

def get_tenancy(tenancy_id: int) -> Tenancy:
    tenancy = db.session.get(Tenancy, tenancy_id)
    if tenancy is None:
        raise NotFound(f"tenancy {tenancy_id} does not exist")
    return tenancy


def tenancies(premises_id: int | None = None, enterprise_id: int | None = None, on: date | None = None) -> sa.Select:
    """Tenancies, by premises and start; of one premises, one tenant, or in force on a day."""
    query = sa.select(Tenancy).order_by(Tenancy.premises_id, Tenancy.start_date, Tenancy.id)
    if premises_id is not None:
        query = query.where(Tenancy.premises_id == premises_id)
    if enterprise_id is not None:
        query = query.where(Tenancy.enterprise_id == enterprise_id)
    if on is not None:
        query = query.where(in_force_clause(on))
    return query


def in_force_clause(on: date):
    """SQL twin of ``Tenancy.in_force``."""
    return sa.and_(Tenancy.start_date <= on, sa.or_(Tenancy.end_date.is_(None), Tenancy.end_date >= on))


def tenant_on(premises: Premises, enterprise_id: int, day: date) -> Tenancy | None:
    """The tenancy through which ``enterprise_id`` rents a part of ``premises`` on ``day``, if any."""
    return next((t for t in premises.tenancies_on(day) if t.enterprise_id == enterprise_id), None)


def check_dates(values: dict) -> None:
    """Tenancy and agreement dates in order (``values`` holds all five); ``Invalid`` (422) naming the field."""
    if values["end_date"] is not None and values["end_date"] < values["start_date"]:
        raise Invalid(_l("the tenancy ends before it starts"), field="end_date")
    signed, expires = values["agreement_signed_on"], values["agreement_expires_on"]
    if (signed is None) != (expires is None):
        raise Invalid(_l("an agreement is recorded with both its signing date and its expiry date"),
                      field="agreement_expires_on" if expires is None else "agreement_signed_on")
    if signed is not None and expires < signed:
        raise Invalid(_l("the agreement expires before it was signed"), field="agreement_expires_on")


def overlapping(premises_id: int, unit_key: str, start: date, end: date | None,
                exclude_id: int | None = None) -> Tenancy | None:
    """The earliest stored tenancy of the same unit of the premises whose days meet ``start``..``end``."""
    query = sa.select(Tenancy).where(Tenancy.premises_id == premises_id, Tenancy.unit_key == unit_key,
                                     sa.or_(Tenancy.end_date.is_(None), Tenancy.end_date >= start))
    if end is not None:
        query = query.where(Tenancy.start_date <= end)
    if exclude_id is not None:
        query = query.where(Tenancy.id != exclude_id)
    return db.session.scalars(query.order_by(Tenancy.start_date, Tenancy.id).limit(1)).first()


def overlap_message(existing: Tenancy) -> str:
    """The refusal naming the tenancy already there (a lazy text)."""
    return _l("%(unit)s of %(premises)s is already let to %(tenant)s from %(start)s to %(end)s (tenancy %(id)s)",
              unit=existing.unit, premises=existing.premises.name, tenant=existing.enterprise.name,
              start=existing.start_date.isoformat(),
              end=existing.end_date.isoformat() if existing.end_date else _l("no end date"), id=existing.id)


def _check_free(premises: Premises, values: dict, exclude_id: int | None = None) -> None:
    existing = overlapping(premises.id, normalise_unit(values["unit"]), values["start_date"], values["end_date"],
                           exclude_id)
    if existing is not None:
        raise Conflict(overlap_message(existing), field="unit")


def check_tenant(landlord_enterprise_id: int | None, enterprise_id: int) -> None:
    """The tenant is an enterprise of the register other than the landlord."""
    _enterprise(enterprise_id, "enterprise_id")
    if enterprise_id == landlord_enterprise_id:
        raise Invalid(_l("the landlord is not its own tenant"), field="enterprise_id")


def add_tenancy(premises: Premises, data: dict) -> Tenancy:
    """Let ``data["unit"]`` of ``premises`` to an enterprise. ``Conflict`` (409) naming the tenancy whose days
    it would share; ``Invalid`` (422) for dates out of order or the landlord as tenant."""
    check_dates(data)
    check_tenant(premises.landlord_enterprise_id, data["enterprise_id"])
    lock(premises)
    _check_free(premises, data)
    tenancy = Tenancy(premises_id=premises.id, unit_key=normalise_unit(data["unit"]), **data)
    db.session.add(tenancy)
    db.session.flush()
    db.session.expire(premises, ["tenancies"])
    audit.record("tenancy.created", tenancy, None, audit.snapshot(tenancy, _TENANCY_AUDITED))
    return tenancy


def update_tenancy(tenancy: Tenancy, data: dict) -> Tenancy:
    """Change the given fields; the unit and dates are checked again against the other tenancies."""
    changed = audit.changes(tenancy, data)
    values = {key: changed.get(key, getattr(tenancy, key))
              for key in ("unit", "start_date", "end_date", "agreement_signed_on", "agreement_expires_on")}
    check_dates(values)
    if changed.keys() & {"unit", "start_date", "end_date"}:
        lock(tenancy.premises)
        _check_free(tenancy.premises, values, exclude_id=tenancy.id)
    if "unit" in changed:
        tenancy.unit_key = normalise_unit(changed["unit"])
    audit.apply("tenancy.updated", tenancy, changed)
    return tenancy


def set_agreement(tenancy: Tenancy, signed_on: date, expires_on: date, data: bytes, actor_id: int) -> Tenancy:
    """Record the tenancy's agreement: its dates and its file (``files.check``: a PDF or a picture, checked by
    content). A new agreement replaces the one recorded; the audit trail keeps the old dates and file."""
    try:
        check_dates({"start_date": tenancy.start_date, "end_date": tenancy.end_date,
                     "agreement_signed_on": signed_on, "agreement_expires_on": expires_on})
    except Invalid as exc:  # said of the tenancy's fields: here the dates come in the query
        raise Invalid(exc.message, errors={"query": {"expires_on": [exc.message]}}) from None
    media_type, stored = files.check(data)
    upload = AgreementFile(sha256=hashlib.sha256(stored).hexdigest(), media_type=media_type, size_bytes=len(stored),
                           data=stored, uploaded_by_id=actor_id)
    db.session.add(upload)
    db.session.flush()
    audit.apply("tenancy.agreement_recorded", tenancy, audit.changes(tenancy, {
        "agreement_signed_on": signed_on, "agreement_expires_on": expires_on, "agreement_file_id": upload.id}),
        actor_id)
    return tenancy


def agreement_file(tenancy: Tenancy) -> AgreementFile:
    if tenancy.agreement_file is None:
        raise NotFound(f"tenancy {tenancy.id} has no agreement file on record")
    return tenancy.agreement_file
