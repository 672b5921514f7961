"""The audit log as a hash chain: each sealed entry carries the hash of the one before, so an edited or
deleted entry breaks the chain where it was. The newest entries deleted, or all of them, leave a valid
chain: anchors of its head kept outside the database (``audit.anchor``) show that.

Entries are written unsealed inside the transaction that made the change (no contention between
requests); sealing, one process at a time, gives them their place (``seq``) and hashes in order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from audit import anchor
from audit.models import AuditEntry
from core.db import db

GENESIS = "0" * 64


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    body = {"id": entry.id, "seq": entry.seq, "created_dt": entry.created_dt.isoformat(), "actor_id": entry.actor_id,
            "action": entry.action, "entity_type": entry.entity_type, "entity_id": entry.entity_id,
            "before": entry.before, "after": entry.after}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def seal() -> int:
    """Chain every unsealed entry, in id order; flush only. Returns how many were sealed."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(727001)"))  # one sealer at a time
    last = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.seq.is_not(None))
                             .order_by(AuditEntry.seq.desc()).limit(1))
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    pending = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id))
    count = 0
    for entry in pending:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_hash(entry, prev)
        count += 1
    db.session.flush()
    return count


@dataclass
class Verdict:
    checked: int
    unsealed: int
    problems: list[str]
    last_seq: int = 0


def verify(anchors: Sequence[anchor.Anchor] = ()) -> Verdict:
    """Walk the chain in order and recompute every hash, then hold it against ``anchors``; report the
    entries that do not fit."""
    prev, expected, problems, checked = GENESIS, 1, [], 0
    anchored, hashes = {a.seq for a in anchors}, {}
    for entry in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.seq.is_not(None))
                                    .order_by(AuditEntry.seq)):
        if entry.seq != expected:
            problems.append(f"entries {expected}..{entry.seq - 1} of the chain are missing (deleted)")
        if entry.prev_hash != prev or entry.hash != entry_hash(entry, prev):
            problems.append(f"entry {entry.seq} (id {entry.id}, {entry.action}) was changed after sealing")
        if entry.seq in anchored:
            hashes[entry.seq] = entry.hash
        prev, expected, checked = entry.hash, entry.seq + 1, checked + 1
    problems += anchor.check(anchors, hashes, expected - 1)
    unsealed = db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.seq.is_(None)))
    return Verdict(checked, unsealed, problems, expected - 1)
