"""The backup archive: one uncompressed tar with the database, the photo files and ``manifest.json`` (no Flask).

The archive is written under a temporary name and renamed when complete, so a half-made backup never
carries the final name. The manifest is the last member: an archive cut short has none and is refused.
Reading never extracts by the names inside the tar. Opening checks the whole archive's shape first: only
plain files, each name once, the manifest valid (``backup.manifest``), and the members exactly the files
it lists with the sizes it gives; then each member read is checked against its SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time
import unicodedata
from pathlib import Path

from backup import manifest as manifests
from core.files import fsync_directory

_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what is wrong and what to do."""


class Writer:
    """``with Writer(path) as out: out.add_file(...); out.add_bytes(MANIFEST, ...); out.commit()``."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(f".{path.name}.partial")

    def __enter__(self) -> Writer:
        if self.path.exists():
            raise BackupError(f"{self.path} already exists")
        # Owner-only: the archive holds password hashes and personal data.
        self._raw = os.fdopen(os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        self._tar = tarfile.open(fileobj=self._raw, mode="w", format=tarfile.PAX_FORMAT)
        self._committed = False
        return self

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(time.time()), 0o644
        return info

    def add_bytes(self, name: str, data: bytes) -> tuple[int, str]:
        """Add a member; returns its (size, sha256)."""
        self._tar.addfile(self._info(name, len(data)), io.BytesIO(data))
        return len(data), hashlib.sha256(data).hexdigest()

    def add_file(self, name: str, path: Path) -> tuple[int, str]:
        """Add a file by streaming it (the database can be large); returns its (size, sha256)."""
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self._tar.addfile(self._info(name, size), _Hashing(f, digest))
        return size, digest.hexdigest()

    def commit(self) -> None:
        """Finish the tar, make it durable, then give it its final name."""
        self._tar.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.partial, self.path)
        fsync_directory(self.path.parent)
        self._committed = True

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self._committed:
            self._tar.close()
            self._raw.close()
            self.partial.unlink(missing_ok=True)


class _Hashing:
    """A file reader that feeds a hash with what tarfile copies."""

    def __init__(self, f, digest):
        self.f, self.digest = f, digest

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.digest.update(data)
        return data


def _kind(member: tarfile.TarInfo) -> str | None:
    """What a member is when it is not a plain file (``None`` for a plain file)."""
    if member.type in (tarfile.REGTYPE, tarfile.AREGTYPE) and not member.issparse():
        return None
    kinds = [(member.issym, "a symbolic link"), (member.islnk, "a hard link"), (member.isdir, "a directory"),
             (member.ischr, "a character device"), (member.isblk, "a block device"), (member.isfifo, "a FIFO"),
             (member.issparse, "a sparse file")]
    return next((text for test, text in kinds if test()), f"a member of tar type {member.type!r}")


class Archive:
    """A backup archive opened for reading; ``manifest`` is parsed and checked on opening, with every
    member of the tar, before anything is read by name."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._tar = None
        try:
            self._tar = tarfile.open(self.path, mode="r:")  # noqa: SIM115 (closed by __exit__)
            self._members = self._check_members(self._tar.getmembers())
            self.manifest = self._read_manifest()
            self._check_listed()
        except FileNotFoundError:
            raise BackupError(f"{self.path} does not exist") from None
        except (tarfile.TarError, OSError, EOFError) as exc:
            self.close()
            raise BackupError(f"{self.path} is not a readable backup archive ({exc}): it is damaged, cut short, "
                              "or not a backup made by `flask backup create`") from None
        except BackupError:
            self.close()
            raise

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _refuse(self, what: str) -> BackupError:
        return BackupError(f"{self.path} {what}: the archive was altered or not made by `flask backup create`; "
                           "nothing was restored")

    def _check_members(self, members: list[tarfile.TarInfo]) -> dict[str, tarfile.TarInfo]:
        """Plain files only, each name once, also on a file system that ignores case or normalises Unicode."""
        by_name, folded = {}, {}
        for member in members:
            if kind := _kind(member):
                raise self._refuse(f"holds {member.name!r} as {kind}; a backup holds only plain files")
            same = folded.setdefault(unicodedata.normalize("NFKC", member.name).casefold(), member.name)
            if member.name in by_name:
                raise self._refuse(f"holds {member.name!r} more than once")
            if same != member.name:
                raise self._refuse(f"holds {same!r} and {member.name!r}, one file on a file system that ignores "
                                   "case or normalises Unicode")
            by_name[member.name] = member
        return by_name

    def _read_manifest(self) -> dict:
        member = self._members.get(manifests.MANIFEST)
        if member is None:
            raise BackupError(f"{self.path} has no {manifests.MANIFEST}: the backup is incomplete (cut short while "
                              "being written or copied) or not a backup made by `flask backup create`")
        if member.size > manifests.MAX_MANIFEST_BYTES:
            raise self._refuse(f"has a {manifests.MANIFEST} of {member.size} bytes, more than the "
                               f"{manifests.MAX_MANIFEST_BYTES} a backup's manifest may have")
        try:
            raw = self._tar.extractfile(member).read()
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{self.path}: {manifests.MANIFEST} is damaged ({exc})") from None
        try:
            return manifests.parse(raw)
        except manifests.ManifestError as exc:
            raise self._refuse(f"has a {manifests.MANIFEST} that is not usable: {exc}") from None

    def _check_listed(self) -> None:
        """The tar holds exactly the files the manifest lists, each with the size the manifest gives."""
        listed = manifests.member_names(self.manifest)
        extra = sorted(set(self._members) - set(listed))
        if extra:
            raise self._refuse(f"holds {extra[0]!r}, which its manifest does not list")
        name, size, _sha256 = self.database_member()
        expected = [(name, size, "the database")]
        expected += [(member, size, f"photo file {key}") for member, key, size, _sha256 in self.photo_files()]
        for name, size, what in expected:
            member = self._members.get(name)
            if member is None:
                raise BackupError(f"{what} is listed in the manifest but missing from the archive {self.path}")
            if member.size != size:
                raise BackupError(f"{what} in {self.path} is corrupt: {member.size} bytes in the archive, the "
                                  f"manifest says {size}")

    def _copy(self, name: str, size: int, sha256: str, what: str, sink) -> None:
        digest, total = hashlib.sha256(), 0
        try:
            source = self._tar.extractfile(self._members[name])
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                total += len(chunk)
                sink(chunk)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{what} cannot be read from {self.path} ({exc}); the archive is damaged") from None
        if total != size or digest.hexdigest() != sha256:
            raise BackupError(f"{what} in {self.path} is corrupt: {total} bytes with SHA-256 {digest.hexdigest()}, "
                              f"the manifest says {size} bytes with SHA-256 {sha256}")

    def read(self, name: str, size: int, sha256: str, what: str) -> bytes:
        """The bytes of a member, checked against the manifest's size and hash."""
        parts: list[bytes] = []
        self._copy(name, size, sha256, what, parts.append)
        return b"".join(parts)

    def extract(self, name: str, size: int, sha256: str, what: str, target: Path) -> None:
        """Write a (possibly large) member to ``target``, checked against the manifest's size and hash."""
        with open(target, "wb") as f:
            self._copy(name, size, sha256, what, f.write)

    def database_member(self) -> tuple[str, int, str]:
        entry = self.manifest["database"]
        return entry["file"], entry["size"], entry["sha256"]

    def photo_files(self):
        """(member name, key, size, sha256) of every photo file in the archive."""
        for entry in self.manifest["photos"]["files"]:
            yield manifests.PHOTO_PREFIX + entry["key"], entry["key"], entry["size"], entry["sha256"]

    def verify(self) -> int:
        """Check every member the manifest lists; returns the number of bytes checked."""
        name, size, sha256 = self.database_member()
        self._copy(name, size, sha256, "the database", lambda _chunk: None)
        total = size
        for member, key, size, sha256 in self.photo_files():
            self._copy(member, size, sha256, f"photo file {key}", lambda _chunk: None)
            total += size
        return total
