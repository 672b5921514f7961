"""Checklist versions in the database: sync from the data files, pick the version in force, local items."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import sqlalchemy as sa

from audit import service as audit
from checklists.models import ChecklistItem, ChecklistVersion
from core.db import db
from core.errors import Conflict, Invalid, NotFound
from risk_rules import checklists as standards

_ITEM_FIELDS = ("text_zh", "text_en", "category", "is_major", "standard", "clause", "default_deadline_days", "part")


def sync_from_files(directory=None) -> tuple[int, int]:
    """Insert or update every version and item of the data files; local items are left alone.

    Returns (versions, items) seen. Safe to run at every deploy.
    """
    sources = standards.load_checklists(directory)
    for source in sources:
        version = db.session.scalar(sa.select(ChecklistVersion).filter_by(domain=source.domain,
                                                                          version=source.version))
        if version is None:
            version = ChecklistVersion(domain=source.domain, version=source.version)
            db.session.add(version)
        for name in ("standard", "title_zh", "title_en", "effective_from", "effective_to", "source", "note"):
            setattr(version, name, getattr(source, name))
        version.parts = [asdict(part) for part in source.parts]
        successor = source.successor
        version.successor_standard = successor.standard if successor else ""
        version.successor_title_zh = successor.title_zh if successor else ""
        version.successor_title_en = successor.title_en if successor else ""
        version.successor_effective_from = successor.effective_from if successor else None
        existing = {item.code: item for item in version.items}
        for item in source.items:
            row = existing.get(item.code) or ChecklistItem(code=item.code)
            for name in _ITEM_FIELDS:
                setattr(row, name, getattr(item, name))
            row.standard_version = item.version
            if row.id is None:
                version.items.append(row)
    db.session.flush()
    return len(sources), sum(len(source.items) for source in sources)


def versions() -> list[ChecklistVersion]:
    query = sa.select(ChecklistVersion).order_by(ChecklistVersion.domain, ChecklistVersion.effective_from)
    return db.session.scalars(query).all()


def version_for(domain: str, on: date) -> ChecklistVersion:
    """The version of the domain's checklist in force on ``on`` (the inspection's local date)."""
    version = db.session.scalar(
        sa.select(ChecklistVersion)
        .where(ChecklistVersion.domain == domain, ChecklistVersion.effective_from <= on,
               sa.or_(ChecklistVersion.effective_to.is_(None), ChecklistVersion.effective_to >= on))
        .order_by(ChecklistVersion.effective_from.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(f"no {domain} checklist is in force on {on}")
    return version


def checklist_for(domain: str, on: date, enterprise=None) -> dict:
    """The checklist a form shows: the version in force on ``on`` (a dict of its columns and ``items``), with
    ``notice``, the newer edition in force whose items are not loaded (None when there is none), and
    ``applicable_parts``, the codes of the parts that apply to ``enterprise`` (None: every part). NotFound when
    no version is in force."""
    version = version_for(domain, on)
    columns = {column.key: getattr(version, column.key) for column in sa.inspect(ChecklistVersion).columns}
    applicable = None if enterprise is None else version.applicable_parts(enterprise)
    return {**columns, "items": version.items, "successor": version.successor, "notice": version.pending_successor(on),
            "applicable_parts": None if applicable is None else sorted(applicable)}


def add_local_item(domain: str, on: date, data: dict) -> ChecklistItem:
    version = version_for(domain, on)
    parts = [part["code"] for part in version.parts]
    if data.get("part") and data["part"] not in parts:
        raise Invalid(f"part must be one of {', '.join(parts) or 'none: this checklist has no parts'}",
                      field="part")
    if any(item.code == data["code"] for item in version.items):
        raise Conflict(f"item {data['code']} already exists in {domain} version {version.version}", field="code")
    item = ChecklistItem(is_local=True, **data)
    version.items.append(item)
    db.session.flush()
    audit.record("checklist_item.added", item, None, {"code": item.code, "version_id": version.id})
    return item
