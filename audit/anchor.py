"""Anchors: the audit chain's head, signed with a key that is not in the database and kept outside it.

The hash chain (``audit.chain``) shows an entry edited or deleted inside the chain, but not the newest
entries deleted, nor the whole table: what is left is still a valid chain. An anchor records the head
(``seq`` and ``hash`` of the newest sealed entry) with an HMAC-SHA256 under ``AUDIT_ANCHOR_KEY``, as one
JSON line appended to ``AUDIT_ANCHOR_FILE``; each line's HMAC also covers the line before, so a line
edited, inserted or removed in the middle is found too. The same signed head goes into every backup
manifest. ``verify`` compares the chain with every anchor: an anchored entry that is gone or different
means the chain was cut or rewritten after that anchor.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from audit.models import AuditEntry
from core.db import db, utcnow

_FIELDS = {"anchored_dt": str, "seq": int, "hash": str, "mac": str}
_HEX64 = re.compile(r"[0-9a-f]{64}")


class AnchorError(Exception):
    """The chain no longer holds what was anchored; anchoring it again would hide that."""


@dataclass(frozen=True)
class Anchor:
    """A signed head: ``seq`` and ``hash`` of the newest sealed entry at ``anchored_dt``; ``source`` names
    where it was read (a line of the anchor file, a backup) for messages."""

    anchored_dt: str
    seq: int
    hash: str
    mac: str
    source: str

    def describe(self) -> str:
        return f"the anchor of {self.anchored_dt} ({self.source})"


def _mac(body: dict, previous_mac: str) -> str:
    canonical = json.dumps({k: body[k] for k in ("anchored_dt", "seq", "hash")}, sort_keys=True,
                           separators=(",", ":"))
    key = current_app.config["AUDIT_ANCHOR_KEY"].encode()
    return hmac.new(key, (previous_mac + canonical).encode(), hashlib.sha256).hexdigest()


def sign(seq: int, head_hash: str, previous_mac: str = "") -> dict:
    """A signed head ``{"anchored_dt", "seq", "hash", "mac"}`` (the form of a line and of a manifest's
    ``audit`` section); ``previous_mac`` chains a line to the one before."""
    body = {"anchored_dt": utcnow().isoformat(), "seq": seq, "hash": head_hash}
    return body | {"mac": _mac(body, previous_mac)}


def head() -> tuple[int, str] | None:
    """(seq, hash) of the newest sealed entry in the database, or None when nothing is sealed."""
    row = db.session.execute(sa.select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.is_not(None))
                             .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return tuple(row) if row else None


def _parse(text: str) -> dict | None:
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or set(record) != set(_FIELDS):
        return None
    if not all(type(record[name]) is kind for name, kind in _FIELDS.items()):  # noqa: E721 (bool is no int)
        return None
    if not all(_HEX64.fullmatch(record[name]) for name in ("hash", "mac")):
        return None
    return record


def read(path: Path | None = None) -> tuple[list[Anchor], list[str]]:
    """The anchors of the anchor file whose HMAC holds, and a problem for each line that does not.

    A line that is not an anchor at all (say, cut short by a crash) is reported and left out of the chain
    of HMACs, so removing it repairs the file; a line whose HMAC fails is reported and still chains the next.
    """
    path = Path(path or current_app.config["AUDIT_ANCHOR_FILE"])
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return [], []
    anchors, problems, failed, previous = [], [], [], ""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        record = _parse(text)
        if record is None:
            problems.append(f"the anchor file {path}, line {number}, is not an anchor: the file was changed, "
                            "or a write was cut short")
            continue
        if hmac.compare_digest(record["mac"], _mac(record, previous)):
            anchors.append(Anchor(**record, source=f"{path}, line {number}"))
        else:
            failed.append(number)
        previous = record["mac"]
    if failed:
        more = f" (and {len(failed) - 1} later line(s))" if len(failed) > 1 else ""
        problems.append(f"the anchor file {path}, line {failed[0]}{more}, fails its HMAC: the file was changed (a "
                        "line edited, inserted or removed) or AUDIT_ANCHOR_KEY is not the key it was written with")
    return anchors, problems


def from_manifest(manifest: dict, source: str) -> tuple[Anchor | None, str | None]:
    """The signed head in a backup manifest's ``audit`` section, or a problem when it has none or fails."""
    record = manifest.get("audit")
    if record is None:
        return None, f"{source} has no audit head (it was made before the chain was anchored)"
    if not hmac.compare_digest(record["mac"], _mac(record, "")):
        return None, (f"the audit head in {source} fails its HMAC: the manifest was changed, or the backup was "
                      "made with another AUDIT_ANCHOR_KEY")
    return Anchor(**record, source=source), None


def append() -> dict | None:
    """Append the sealed head to the anchor file; returns the line written, or None when nothing is sealed
    or the head is already anchored. Raises AnchorError when the chain lost what the last anchor holds.

    Under an exclusive lock on the file: the scheduler and `flask audit anchor` never interleave."""
    current = head()
    path = Path(current_app.config["AUDIT_ANCHOR_FILE"])
    with open(path, "a+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read()
        records = [r for r in map(_parse, text.splitlines()) if r is not None]
        last = records[-1] if records else None
        if last and not _held(last):
            raise AnchorError(f"entry {last['seq']} of the audit chain, anchored on {last['anchored_dt']}, is gone "
                              "or changed: run `flask audit verify`; nothing was anchored")
        if current is None or (last and (last["seq"], last["hash"]) == current):
            return None
        record = sign(*current, previous_mac=last["mac"] if last else "")
        # A line cut short by a crash stays a line of its own (reported by verify), never glued to this one.
        f.write(("\n" if text and not text.endswith("\n") else "") + json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return record


def _held(record: dict) -> bool:
    found = db.session.scalar(sa.select(AuditEntry.hash).where(AuditEntry.seq == record["seq"]))
    return found == record["hash"]


def check(anchors: list[Anchor], chain_hashes: dict[int, str], last_seq: int) -> list[str]:
    """What the anchors say about a chain whose anchored entries have ``chain_hashes`` (seq -> hash of those
    present) and whose newest sealed entry is ``last_seq`` (0: none)."""
    problems, beyond, changed = [], [a for a in anchors if a.seq > last_seq], []
    if beyond:
        newest = max(beyond, key=lambda a: a.seq)
        if last_seq == 0:
            problems.append(f"the audit table has no sealed entries, but {newest.describe()} recorded the chain "
                            f"up to entry {newest.seq}: the whole table was emptied")
        else:
            problems.append(f"entries {last_seq + 1}..{newest.seq} of the chain are missing (deleted): "
                            f"{newest.describe()} recorded the chain up to entry {newest.seq}, it now ends at "
                            f"entry {last_seq}")
    for anchor in sorted(anchors, key=lambda a: a.seq):
        if anchor.seq <= last_seq and chain_hashes.get(anchor.seq) != anchor.hash:
            changed.append(anchor)
    if changed:
        first = changed[0]
        more = f" (and {len(changed) - 1} later anchor(s))" if len(changed) > 1 else ""
        problems.append(f"entry {first.seq} is missing or differs from {first.describe()}{more}: the chain was "
                        "cut and sealed again, or rewritten, after it was anchored")
    return problems
