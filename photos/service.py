"""Store, attach and sweep photos. Files are written (atomically) before the row that points to them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.db import db, utcnow
from core.errors import Invalid, NotFound
from core.time import zone
from photos.models import FindingPhoto, Photo, storage_key
from photos.processing import process
from photos.storage import LocalStorage


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_DIR"])


def get(photo_id: int, reader_id: int) -> Photo:
    """The photo ``photo_id`` as ``reader_id`` may see it: one attached to a finding, or one of their own
    uploads still waiting for its inspection. Someone else's unattached upload is nobody's evidence yet (it
    may never be sent): ``NotFound``, as for an id that does not exist, so ids cannot be walked to find it."""
    photo = db.session.scalar(sa.select(Photo).where(
        Photo.id == photo_id, sa.or_(Photo.uploaded_by_id == reader_id, _attached())))
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    return photo


def _attached(finding_ids=()) -> sa.Exists:
    """Whether the photo row in the query is attached to a finding other than ``finding_ids``."""
    return sa.exists().where(FindingPhoto.photo_id == Photo.id, FindingPhoto.finding_id.not_in(finding_ids))


def store(data: bytes, uploader_id: int) -> tuple[Photo, bool]:
    """Process and store an upload; returns (photo, created).

    The same bytes again from the same user, while that photo is attached nowhere, return it: a retried
    upload never makes a second photo. Otherwise (someone else's upload, or a picture already evidence of a
    finding) a new photo is made; its files are those of the same bytes, named by their hash."""
    sha256 = hashlib.sha256(data).hexdigest()
    waiting = db.session.scalar(sa.select(Photo).where(Photo.sha256 == sha256, Photo.uploaded_by_id == uploader_id,
                                                       ~_attached()).order_by(Photo.id).limit(1))
    if waiting is not None:
        return waiting, False
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
    db.session.add(photo)
    db.session.flush()
    return photo, True


def room_for(finding, count: int, field: str = "photo_ids") -> None:
    """Refuse (422) before any photo is processed when ``count`` more would pass MAX_PHOTOS_PER_FINDING."""
    problem = _over_limit(finding, count)
    if problem:
        raise Invalid(problem, field=field)


def _over_limit(finding, adding: int):
    limit = current_app.config["MAX_PHOTOS_PER_FINDING"]
    if len(finding.photo_links) + adding > limit:
        return _l("a finding can have at most %(n)d photos", n=limit)
    return None


def _refusals(photo_ids: set[int], user_id: int, finding_ids: list[int]) -> dict:
    """Why each of ``photo_ids`` cannot be attached by ``user_id`` to the findings ``finding_ids`` (new
    findings have none): it does not exist, someone else uploaded it, or it is evidence of another finding."""
    found = {pid: (owner, elsewhere) for pid, owner, elsewhere in db.session.execute(
        sa.select(Photo.id, Photo.uploaded_by_id, _attached(finding_ids)).where(Photo.id.in_(photo_ids)))}
    why = {}
    for pid in photo_ids:
        if pid not in found:
            why[pid] = _l("photo %(id)s does not exist (never uploaded, or removed after waiting %(days)s days "
                          "unattached): upload it again", id=pid, days=current_app.config["PHOTO_UNATTACHED_DAYS"])
        elif found[pid][0] != user_id:
            why[pid] = _l("photo %(id)s was uploaded by someone else: attach photos you uploaded", id=pid)
        elif found[pid][1]:
            why[pid] = _l("photo %(id)s is already evidence of another finding: upload it again to use it here",
                          id=pid)
    return why


def attach(kind: str, user_id: int, wanted) -> None:
    """Attach photos to findings as evidence (before) or rectification (after).

    ``wanted`` is ``[(finding, photo_ids, where)]``, ``where`` the place of the ids in the request as a tuple
    (``("findings", 0, "photo_ids")``). A finding takes only photos that ``user_id`` uploaded and that no other
    finding has (the findings of one call may share one), up to MAX_PHOTOS_PER_FINDING; a photo the finding
    already has is refused too (an "after" photo that is the "before" one proves nothing, and dropping it
    silently would lose what the client meant). All ids are checked in one query. Any refusal is one
    ``Invalid`` (422) whose ``errors`` nest the reasons where the ids sit, down to each refused entry's position
    (``{"json": {"findings": {"0": {"photo_ids": {"1": ["photo 17 does not exist..."]}}}}}``), so a client
    knows exactly which photos to upload again; nothing is attached then."""
    ids = {pid for _, photo_ids, _ in wanted for pid in photo_ids}
    if not ids:
        return
    why = _refusals(ids, user_id, [finding.id for finding, _, _ in wanted if finding.id is not None])
    errors, messages, links = {}, [], []
    for finding, photo_ids, where in wanted:
        already = {link.photo_id for link in finding.photo_links}
        reasons = {pid: why.get(pid) or (_l("photo %(id)s is already on this finding: take a new photo", id=pid)
                                         if pid in already else None) for pid in photo_ids}
        new = list(dict.fromkeys(photo_ids))
        refused = {str(position): [str(reasons[pid])] for position, pid in enumerate(photo_ids) if reasons[pid]}
        if refused:
            _nest(errors, ("json", *map(str, where)), refused)
            messages += [reasons[0] for reasons in refused.values()]
        elif problem := _over_limit(finding, len(new)):
            _nest(errors, ("json", *map(str, where)), [str(problem)])
            messages.append(str(problem))
        links.append((finding, new))
    if errors:
        raise Invalid("; ".join(dict.fromkeys(messages)), field="photo_ids", errors=errors)
    for finding, new in links:
        finding.photo_links.extend(FindingPhoto(photo_id=pid, kind=kind) for pid in new)


def _nest(tree: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def sweep_rows(now=None) -> int:
    """Delete photos attached nowhere after PHOTO_UNATTACHED_DAYS (a tablet may be offline that long between
    uploading a photo and sending its inspection). Commit before ``sweep_files`` removes their files, so a row
    never outlives its files."""
    now = now or utcnow()
    stale = db.session.scalars(sa.select(Photo).where(
        Photo.created_dt < now - timedelta(days=current_app.config["PHOTO_UNATTACHED_DAYS"]), ~_attached())).all()
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
