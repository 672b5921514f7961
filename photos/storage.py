"""Where photo files live: a small interface, with a local directory now and object storage later.

Writes are atomic (temporary file in the same directory, fsync, rename, fsync of the directory), so a
reader or a crash never sees half a file.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from core.files import fsync_directory

_KEY = re.compile(r"[0-9a-z_.-]+(/[0-9a-z_.-]+)*")
_TEMP_PREFIX = ".tmp-"  # no key segment starts with a dot, so temporary files are never keys
_FILE_MODE = 0o644  # mkstemp creates 0600; the files may be served by another user (X-Accel, sendfile)


class Storage(Protocol):
    def write(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...
    def path(self, key: str) -> Path | None: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> Iterator[tuple[str, float]]: ...
    def remove_temporaries(self, before: float) -> int: ...


def _valid(key: str) -> bool:
    """A relative path of ``[0-9a-z_.-]`` segments, none starting with a dot (so no ``..``, no temp file)."""
    return (
        isinstance(key, str)
        and bool(_KEY.fullmatch(key))
        and not any(p.startswith(".") for p in key.split("/"))
    )


def check_key(key: str) -> str:
    if not _valid(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under a root directory, named by their keys (``ab/cd/<sha256>-display.jpg``)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def write(self, key: str, data: bytes) -> None:
        """Atomically create or replace ``key``; rewriting the same content is harmless."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fchmod(f.fileno(), _FILE_MODE)
                os.fsync(f.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        fsync_directory(target.parent)

    def read(self, key: str) -> bytes:
        """The stored bytes; FileNotFoundError if there are none."""
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove ``key`` if present (deleting a missing key is not an error)."""
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[tuple[str, float]]:
        """(key, mtime) of every stored file; temporary files and anything not a valid key are skipped."""
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            try:
                status = path.stat()
            except FileNotFoundError:  # deleted meanwhile (a concurrent sweep)
                continue
            if _valid(key) and stat.S_ISREG(status.st_mode):
                yield key, status.st_mtime

    def remove_temporaries(self, before: float) -> int:
        """Remove temporary files last written before ``before`` (a timestamp): what a process killed in the
        middle of ``write`` leaves (its clean-up never ran). Younger ones may be a write in progress."""
        removed = 0
        for path in self.root.rglob(f"{_TEMP_PREFIX}*"):
            try:
                status = path.stat()
                if stat.S_ISREG(status.st_mode) and status.st_mtime < before:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # renamed into place or removed meanwhile
                continue
        return removed
