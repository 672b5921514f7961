"""A damaged archive is refused with a message saying what is wrong, before anything is restored."""

import os
import tarfile
from pathlib import Path

import pytest

from tests.backup.helpers import backup, cli, store_files, table_counts


def _flip_byte(path: Path, member: str) -> None:
    with tarfile.open(path) as tar:
        info = tar.getmember(member)
    with open(path, "r+b") as f:
        f.seek(info.offset_data + info.size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))


def _first_photo(path: Path) -> str:
    with tarfile.open(path) as tar:
        return next(name for name in tar.getnames() if name.startswith("photos/"))


def _database(path: Path) -> str:
    with tarfile.open(path) as tar:
        return next(name for name in tar.getnames() if name.startswith("database."))


def flip_photo_byte(path):
    _flip_byte(path, _first_photo(path))


def flip_database_byte(path):
    _flip_byte(path, _database(path))


def cut_short(path):
    os.truncate(path, path.stat().st_size // 2)


def not_a_tar(path):
    path.write_bytes(os.urandom(4096))


def drop_a_photo(path):
    """Rewrite the archive without one photo member (the manifest still lists it)."""
    dropped, copy = _first_photo(path), path.with_suffix(".copy")
    with tarfile.open(path) as source, tarfile.open(copy, "w") as out:
        for info in source.getmembers():
            if info.name != dropped:
                out.addfile(info, source.extractfile(info))
    copy.replace(path)


@pytest.mark.parametrize(("damage", "message"), [
    (flip_photo_byte, "is corrupt"),
    (flip_database_byte, "the database in"),
    (cut_short, "cut short"),
    (not_a_tar, "is not a readable backup archive"),
    (drop_a_photo, "is listed in the manifest but missing from the archive"),
])
def test_a_damaged_archive_is_refused_and_nothing_is_restored(app, populated, make_target, tmp_path, damage,
                                                              message):
    path = backup(app, tmp_path / "backups")
    damage(path)
    target = make_target()
    for command in (("verify",), ("restore",)):
        result = cli(target, "backup", *command, str(path))
        assert result.exit_code == 1
        assert result.output.startswith("Error: ") and message in result.output, result.output
    assert table_counts(target) == {}
    assert store_files(target) == []


def test_a_missing_archive_is_named(app, tmp_path):
    result = cli(app, "backup", "restore", str(tmp_path / "nowhere.tar"))
    assert result.exit_code == 1 and "nowhere.tar does not exist" in result.output
