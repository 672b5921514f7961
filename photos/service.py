"""Store, attach and sweep photos. Files are written (atomically) before the row that points to them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core.db import db, utcnow
from core.errors import Invalid, NotFound
from core.time import zone
from photos.models import FindingPhoto, Photo, storage_key
from photos.processing import process
from photos.storage import LocalStorage


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_DIR"])


def get(photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    return photo


def _by_hash(sha256: str) -> Photo | None:
    return db.session.scalar(sa.select(Photo).where(Photo.sha256 == sha256))


def store(data: bytes, uploader_id: int) -> tuple[Photo, bool]:
    """Process and store an upload; the same bytes again return the stored photo. Returns (photo, created)."""
    existing = _by_hash(hashlib.sha256(data).hexdigest())
    if existing is not None:
        return existing, False
    processed = process(data, max_pixels=current_app.config["MAX_PHOTO_PIXELS"])
    files = storage()
    for rendition in processed.renditions:
        files.write(storage_key(processed.sha256, rendition.name), rendition.data)
    keep_original = current_app.config["PHOTO_KEEP_ORIGINALS"]
    if keep_original:
        files.write(storage_key(processed.sha256, "original"), data)
    taken = processed.taken_at
    photo = Photo(sha256=processed.sha256, format=processed.format, width=processed.width, height=processed.height,
                  size_bytes=len(data), latitude=processed.latitude, longitude=processed.longitude,
                  taken_dt=taken.replace(tzinfo=taken.tzinfo or zone()) if taken else None,
                  has_original=keep_original, uploaded_by_id=uploader_id)
    try:
        with db.session.begin_nested():
            db.session.add(photo)
    except IntegrityError:  # the same bytes uploaded concurrently: the other request's row wins
        return _by_hash(processed.sha256), False
    return photo, True


def attach(finding, photo_ids: Iterable[int], kind: str) -> None:
    """Attach uploaded photos to a finding as evidence (before) or rectification (after)."""
    wanted = list(dict.fromkeys(photo_ids))
    if not wanted:
        return
    found = set(db.session.scalars(sa.select(Photo.id).where(Photo.id.in_(wanted))))
    missing = [str(pid) for pid in wanted if pid not in found]
    if missing:
        raise Invalid(_l("photo(s) %(ids)s do not exist; upload them first", ids=", ".join(missing)), field="photo_ids")
    limit = current_app.config["MAX_PHOTOS_PER_FINDING"]
    already = {link.photo_id for link in finding.photo_links}
    new = [pid for pid in wanted if pid not in already]
    if len(already) + len(new) > limit:
        raise Invalid(_l("a finding can have at most %(n)d photos", n=limit), field="photo_ids")
    finding.photo_links.extend(FindingPhoto(photo_id=pid, kind=kind) for pid in new)


def sweep_rows(now=None) -> int:
    """Delete photos nobody attached within a day. Commit before ``sweep_files`` removes their files,
    so a row never outlives its files."""
    now = now or utcnow()
    stale = db.session.scalars(sa.select(Photo).where(
        Photo.created_dt < now - timedelta(days=1),
        ~sa.exists().where(FindingPhoto.photo_id == Photo.id))).all()
    for photo in stale:
        db.session.delete(photo)
    db.session.flush()
    return len(stale)


def sweep_files(now=None) -> int:
    """Delete files no committed row points to, and temporary files of writes that never finished (a killed
    process); files younger than an hour may belong to an upload whose row is being committed right now, so
    they are left for the next sweep."""
    cutoff = (now or utcnow()) - timedelta(hours=1)
    known = set(db.session.scalars(sa.select(Photo.sha256)))
    files, removed = storage(), 0
    for key, mtime in list(files.keys()):
        sha256 = key.rsplit("/", 1)[-1].split("-", 1)[0]
        if sha256 not in known and mtime < cutoff.timestamp():
            files.delete(key)
            removed += 1
    return removed + files.remove_temporaries(cutoff.timestamp())
