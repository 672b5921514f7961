"""Back up and restore this instance: the database as of one moment, then every photo file its rows name.

Order matters. Photo files are written before the row that names them (``photos.service.store``), so every
row in the database snapshot already had its files when the snapshot was taken; copying files after the
snapshot therefore finds them all, unless something deleted one meanwhile (the sweep, a damaged disk),
which is reported and recorded in the manifest, never skipped in silence. Only files named by snapshot
rows are copied: temporary files of uploads in progress and files of rows committed later are left out.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

from audit import anchor
from backup import databases
from backup.archive import Archive, BackupError, Writer
from backup.manifest import DATABASE_MEMBERS, FORMAT, MANIFEST, PHOTO_PREFIX
from core.db import db, utcnow
from photos.models import storage_key
from photos.storage import LocalStorage


def _url() -> sa.URL:
    return sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _store() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_DIR"])


def _migrations() -> ScriptDirectory:
    return ScriptDirectory(os.path.join(current_app.root_path, "migrations"))


def _commit() -> str | None:
    """The application's git commit, when it runs from a checkout."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=current_app.root_path, capture_output=True,
                                text=True, timeout=10, check=False)
    except OSError:
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def _variants(has_original: bool) -> tuple[str, ...]:
    return ("display", "thumb", "original") if has_original else ("display", "thumb")


def _read_photo(path: Path) -> bytes:
    """One stored file (a seam for the tests, which pause or delete here to act between snapshot and copy)."""
    return path.read_bytes()


@dataclass
class Created:
    path: Path
    manifest: dict

    @property
    def problems(self) -> list[dict]:
        return self.manifest["photos"]["problems"]

    def summary(self) -> str:
        database, photos = self.manifest["database"], self.manifest["photos"]
        size = sum(f["size"] for f in photos["files"]) / 1e6
        return (f"Backup written to {self.path}: {database['kind']} database ({len(database['row_counts'])} tables, "
                f"{sum(database['row_counts'].values())} rows, revision {database['alembic_revision'] or 'none'}), "
                f"{len(photos['files'])} photo files ({size:.1f} MB) for {photos['rows']} photos.")


def create(directory: Path) -> Created:
    """Write ``backup-<UTC time>.tar`` into ``directory``: the database snapshot first, then the photo files."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    started, url = utcnow(), _url()
    path = directory / f"backup-{started:%Y%m%dT%H%M%SZ}-{databases.kind_of(url)}.tar"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-work-") as work:
        snap = databases.snapshot(url, Path(work))
        with Writer(path) as out:
            size, sha256 = out.add_file(DATABASE_MEMBERS[snap.kind], snap.file)
            files, problems = _copy_photos(out, snap.photos)
            manifest = {
                "format": FORMAT,
                "created_dt": started.isoformat(),
                "application": {"commit": _commit(), "alembic_heads": sorted(_migrations().get_heads())},
                "database": {"kind": snap.kind, "file": DATABASE_MEMBERS[snap.kind], "size": size, "sha256": sha256,
                             "alembic_revision": snap.revision, "row_counts": snap.row_counts, **snap.details},
                "photos": {"rows": len(snap.photos), "files": files, "problems": problems},
            }
            if snap.audit_head:  # the chain's head as of the snapshot, signed: an anchor kept with the backup
                manifest["audit"] = anchor.sign(*snap.audit_head)
            out.add_bytes(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False).encode())
            out.commit()
    return Created(path, manifest)


def _copy_photos(out: Writer, rows: list[tuple[str, bool]]) -> tuple[list[dict], list[dict]]:
    store, files, problems = _store(), [], []
    for sha256, has_original in sorted(rows):
        for variant in _variants(has_original):
            key = storage_key(sha256, variant)
            try:
                data = _read_photo(store.path(key))
            except FileNotFoundError:
                problems.append({"key": key, "problem": "missing from the photo store"})
                continue
            except OSError as exc:  # unreadable (permissions, a bad disk sector): report it, back up the rest
                problems.append({"key": key, "problem": f"cannot be read: {exc.strerror or exc}"})
                continue
            # The name carries the SHA-256 of the uploaded bytes: an original must hash to it.
            if variant == "original" and hashlib.sha256(data).hexdigest() != sha256:
                problems.append({"key": key, "problem": "content does not match the SHA-256 in its name"})
                continue
            size, digest = out.add_bytes(PHOTO_PREFIX + key, data)
            files.append({"key": key, "size": size, "sha256": digest})
    return files, problems


@dataclass
class Restored:
    manifest: dict
    row_counts: dict[str, int]
    written: int = 0
    present: int = 0
    rows_without_files: list[str] = field(default_factory=list)
    revision_note: str = ""
    revision_ok: bool = True


def verify(path: Path) -> dict:
    """Check an archive end to end without restoring it; returns its manifest."""
    with Archive(path) as archive:
        archive.verify()
        return archive.manifest


def restore(path: Path, force: bool = False) -> Restored:
    """Restore the database (into an empty one unless ``force``), then the photo files, all checked first."""
    url = _url()
    with Archive(path) as archive:
        manifest, kind = archive.manifest, databases.kind_of(url)
        if manifest["database"]["kind"] != kind:
            raise BackupError(f"{path} holds a {manifest['database']['kind']} database but DATABASE_URL is "
                              f"{kind}; restore it into a {manifest['database']['kind']} database")
        archive.verify()  # every byte, before anything is touched
        with tempfile.TemporaryDirectory(prefix="backup-restore-") as work:
            file = Path(work) / DATABASE_MEMBERS[kind]  # a name of ours, never one from the archive
            name, size, sha256 = archive.database_member()
            archive.extract(name, size, sha256, "the database", file)
            db.session.remove()
            db.engine.dispose()  # no pooled connection may outlive the old contents
            databases.restore(url, file, force, manifest["database"])
        revision, counts, photo_rows, _head = databases.describe(url)
        _check_counts(manifest["database"]["row_counts"], counts)
        result = Restored(manifest, counts)
        _restore_photos(archive, result)
    store = _store()
    result.rows_without_files = [storage_key(sha, variant) for sha, original in photo_rows
                                 for variant in _variants(original) if not store.exists(storage_key(sha, variant))]
    result.revision_note, result.revision_ok = _revision_note(revision)
    return result


def _check_counts(expected: dict[str, int], found: dict[str, int]) -> None:
    wrong = [f"{table}: {found.get(table)} rows, the backup has {rows}" for table, rows in sorted(expected.items())
             if found.get(table) != rows]
    if wrong:
        raise BackupError("the restored database differs from the backup: " + "; ".join(wrong))


def _restore_photos(archive: Archive, result: Restored) -> None:
    store = _store()
    for member, key, size, sha256 in archive.photo_files():
        data = archive.read(member, size, sha256, f"photo file {key}")
        name_hash = key.rsplit("/", 1)[1].split("-", 1)[0]
        if key.endswith("-original") and hashlib.sha256(data).hexdigest() != name_hash:
            raise BackupError(f"photo file {key} in {archive.path} does not match the SHA-256 in its name")
        path = store.path(key)
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            result.present += 1
            continue
        store.write(key, data)  # atomic: temporary file, fsync, rename
        result.written += 1


def _revision_note(revision: str | None) -> tuple[str, bool]:
    """What the operator must do about the schema version of the restored database; (text, fine)."""
    script = _migrations()
    heads = set(script.get_heads())
    if revision is None:
        return ("The restored database has no Alembic revision (it was not built by `flask db upgrade`); "
                "check its schema before starting the service.", False)
    if set(revision.split(",")) == heads:
        return f"Database revision {revision} matches the code.", True
    try:
        for part in revision.split(","):
            script.get_revision(part)
    except CommandError:
        return (f"Database revision {revision} is unknown to this code: the backup was made by a newer version of "
                "the application. Deploy that version before starting the service.", False)
    return (f"Database revision {revision} is older than the code ({', '.join(sorted(heads))}): "
            "run `flask --app app db upgrade` before starting the service.", False)
