"""A crafted archive (hostile names, links, devices, extra or duplicate members, a manifest that lies) is refused
by `verify` and by `restore`, and nothing is written anywhere: not outside the restore folder, not inside it."""

from __future__ import annotations

import hashlib
import tarfile
import tempfile

import pytest

from core.db import db
from tests.backup.helpers import backup, cli, craft, inspect, jpeg, store_files, table_counts, upload
from tests.conftest import credit_code


@pytest.fixture(scope="module")
def pristine(app, tmp_path_factory):
    """One real backup with an enterprise, an inspection and two photos (six photo files), made once."""
    from accounts import service as accounts
    from enterprises.models import Enterprise

    with app.app_context():
        user = accounts.create_user("crafted.archives", "correct horse", ["inspector"])
        enterprise = Enterprise(name="江海危化品储运有限公司", credit_code=credit_code(9001),
                                sector="hazardous_chemicals", zone="港区一片")
        db.session.add(enterprise)
        db.session.flush()
        token, _ = accounts.issue_token(user, 1)
        enterprise_id = enterprise.id
        db.session.commit()
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    inspect(client, headers, enterprise_id, [upload(client, headers, jpeg(seed)) for seed in (1, 2)])
    return backup(app, tmp_path_factory.mktemp("pristine"))


# Names in the manifest, with the tar member renamed to match (the archive is consistent apart from the name).

def database_named(name):
    def edit(c):
        c.member("database.").name = c.manifest["database"]["file"] = name
    return edit


def database_of_the_other_kind(c):
    other = {"database.sqlite3": "database.pgdump", "database.pgdump": "database.sqlite3"}
    database_named(other[c.manifest["database"]["file"]])(c)


def photo_keyed(key):
    def edit(c):
        entry = c.manifest["photos"]["files"][0]
        c.member("photos/" + entry["key"]).name = "photos/" + key
        entry["key"] = key
    return edit


def problem_keyed(key, problem="missing from the photo store"):
    def edit(c):
        c.manifest["photos"]["problems"].append({"key": key, "problem": problem})
    return edit


# Members of the tar that a backup never has.

def extra(name, data=b"x", **attributes):
    def edit(c):
        c.add(name, data, **attributes)
    return edit


def photo_as(**attributes):
    """The first photo file replaced by another kind of member under the same name."""
    def edit(c):
        info = c.member("photos/")
        index = next(n for n, (member, _data) in enumerate(c.members) if member is info)
        replacement = tarfile.TarInfo(info.name)
        for key, value in attributes.items():
            setattr(replacement, key, value)
        c.members[index] = (replacement, b"")
    return edit


def database_twice(c):
    info, data = next((i, d) for i, d in c.members if i.name.startswith("database."))
    c.members.append((tarfile.TarInfo(info.name), b""))
    c.members[-1][0].size = 0
    c.members.append((info, data))  # the last copy is the good one


def photo_listed_twice(c):
    c.manifest["photos"]["files"].append(dict(c.manifest["photos"]["files"][0]))


def case_twin(c):
    info, data = next((i, d) for i, d in c.members if i.name.startswith("database."))
    c.add(info.name.upper(), data)


def width_twin(c):
    c.add("ｍanifest.json", b"{}")  # FULLWIDTH LATIN SMALL LETTER M: manifest.json after NFKC


def sparse_database(c):
    """The database as a GNU sparse member: a few bytes in the archive that read as a huge file."""
    info, _data = next((i, d) for i, d in c.members if i.name.startswith("database."))
    body = b"1\n0\n512\n".ljust(512, b"\0") + b"x" * 512
    realsize = 64 * 1024 * 1024
    info.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": info.name,
                        "GNU.sparse.realsize": str(realsize)}
    c.members = [(i, d) if i is not info else (info, body) for i, d in c.members]
    info.size = len(body)
    c.manifest["database"]["size"] = realsize


def drop_database(c):
    c.members = [(i, d) for i, d in c.members if not i.name.startswith("database.")]


def photo_bigger_than_listed(c):
    info = c.member("photos/")
    index = next(n for n, (member, _data) in enumerate(c.members) if member is info)
    data = c.members[index][1] + b"\0" * 4096
    info.size = len(data)
    c.members[index] = (info, data)


def raw(data: bytes):
    def edit(c):
        c.raw_manifest = data
    return edit


def manifest_set(path: str, value):
    """Set one field of the manifest (dotted path; list indices as numbers)."""
    def edit(c):
        *parents, last = path.split(".")
        node = c.manifest
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value
    return edit


def manifest_drop(path: str):
    def edit(c):
        *parents, last = path.split(".")
        node = c.manifest
        for part in parents:
            node = node[part]
        del node[last]
    return edit


SHA = "ab" * 32
PHOTO = f"ab/ab/{SHA}-display.jpg"

CASES = {
    # The database file's name: climbing out, absolute, Windows separators and drives, NUL, another kind's name.
    "database ../x": (database_named("../x"), "'../x' is not the database file of a"),
    "database ../../x nested": (database_named("photos/../../x"), "is not the database file of a"),
    "database absolute": (database_named("/tmp/x"), "'/tmp/x' is not the database file"),
    "database backslashes": (database_named("..\\..\\x"), "is not the database file"),
    "database drive letter": (database_named("C:\\x"), "is not the database file"),
    "database drive relative": (database_named("C:x"), "is not the database file"),
    "database NUL": (manifest_set("database.file", "database.sqlite3\0../x"), "is not the database file"),
    "database dot segment": (database_named("./database.sqlite3"), "is not the database file"),
    "database of the other kind": (database_of_the_other_kind, "is not the database file"),
    # Photo keys, the same ways, and keys of the problems list (printed only, still checked).
    "photo ../": (photo_keyed("../../../../x"), "is not a photo file name"),
    "photo key with .. inside": (photo_keyed(f"ab/../../{SHA}-display.jpg"), "is not a photo file name"),
    "photo absolute": (photo_keyed(f"/ab/ab/{SHA}-display.jpg"), "is not a photo file name"),
    "photo backslash": (photo_keyed(f"ab\\ab\\{SHA}-display.jpg"), "is not a photo file name"),
    "photo drive": (photo_keyed(f"C:/ab/{SHA}-display.jpg"), "is not a photo file name"),
    "photo upper case": (photo_keyed(PHOTO.upper()), "is not a photo file name"),
    "photo fullwidth": (photo_keyed(PHOTO.replace("a", "ａ")), "is not a photo file name"),
    "photo wrong folder": (photo_keyed(f"cd/ab/{SHA}-display.jpg"), "is not a photo file name"),
    "problem key ../": (problem_keyed("../x"), "photos.problems.0.key"),
    "problem with terminal escapes": (problem_keyed(PHOTO, "\x1b]0;owned\x07\x1b[2J"), "control characters"),
    # Tar members that are not plain files, wherever they point.
    "extra symlink": (extra("photos/ab/ab/link", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
                      "as a symbolic link"),
    "extra hard link": (extra("photos/ab/ab/link", type=tarfile.LNKTYPE, linkname="/etc/passwd"), "as a hard link"),
    "extra device": (extra("photos/ab/ab/dev", type=tarfile.CHRTYPE, devmajor=1, devminor=3),
                     "as a character device"),
    "extra block device": (extra("photos/ab/ab/blk", type=tarfile.BLKTYPE, devmajor=8), "as a block device"),
    "extra fifo": (extra("photos/ab/ab/fifo", type=tarfile.FIFOTYPE), "as a FIFO"),
    "extra directory": (extra("photos/", type=tarfile.DIRTYPE), "as a directory"),
    "photo replaced by a symlink": (photo_as(type=tarfile.SYMTYPE, linkname="../../../../etc/passwd"),
                                    "as a symbolic link"),
    "photo replaced by a hard link": (photo_as(type=tarfile.LNKTYPE, linkname="manifest.json"), "as a hard link"),
    "sparse database": (sparse_database, "as a sparse file"),
    # Names twice, also as a case-insensitive or Unicode-normalising file system sees them.
    "database member twice": (database_twice, "more than once"),
    "photo listed twice": (photo_listed_twice, "is listed more than once"),
    "case twin": (case_twin, "one file on a file system that ignores case or normalises Unicode"),
    "fullwidth twin": (width_twin, "one file on a file system that ignores case or normalises Unicode"),
    # Members the manifest does not list, and entries with no member.
    "unlisted file": (extra("notes.txt"), "holds 'notes.txt', which its manifest does not list"),
    "unlisted ../": (extra("../../x"), "holds '../../x', which its manifest does not list"),
    "unlisted absolute": (extra("/etc/cron.d/x"), "which its manifest does not list"),
    "unlisted backslash": (extra("..\\x"), "which its manifest does not list"),
    "unlisted photo": (extra(f"photos/{PHOTO}"), "which its manifest does not list"),
    "database missing": (drop_database, "the database is listed in the manifest but missing"),
    # Sizes that do not fit.
    "photo bigger than listed": (photo_bigger_than_listed, "bytes in the archive, the manifest says"),
    "photo claims huge size": (manifest_set("photos.files.0.size", 10**15), "photos.files.0.size"),
    # A manifest that is not JSON, or not of the right shape.
    "not json": (raw(b"\x00\x01garbage"), "is not JSON"),
    "not utf-8": (raw('{"format": 1, "x": "港"}'.encode("gb18030")), "is not UTF-8"),
    "a list": (raw(b"[1]"), "is not format 1"),
    "deeply nested": (raw(b'{"format": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"), "nested too deeply"),
    "NaN": (raw(b'{"format": 1, "x": NaN}'), "NaN, which is not a JSON number"),
    "duplicate field": (raw(b'{"format": 1, "format": 1}'), "'format' appears twice"),
    "format as text": (manifest_set("format", "1"), "is not format 1"),
    "format as true": (manifest_set("format", True), "format: Not a valid integer"),
    "size as text": (manifest_set("database.size", "1"), "database.size: Not a valid integer"),
    "size negative": (manifest_set("photos.files.0.size", -1), "photos.files.0.size"),
    "sha256 not hex": (manifest_set("database.sha256", "z" * 64), "database.sha256: is not a SHA-256"),
    "row count as text": (manifest_set("database.row_counts.users", "3"), "database.row_counts.users"),
    "table name with quote": (manifest_set("database.row_counts.x\"; DROP", 1), "is not a table name"),
    "files not a list": (manifest_set("photos.files", {}), "photos.files: Not a valid list"),
    "database missing from manifest": (manifest_drop("database"), "database: Missing data"),
    "unknown field": (manifest_set("database.extra", "x"), "database.extra: Unknown field"),
    "kind unknown": (manifest_set("database.kind", "mysql"), "database.kind"),
    "created_dt not a time": (manifest_set("created_dt", "yesterday"), "created_dt: 'yesterday' is not an ISO"),
    "revision with escapes": (manifest_set("database.alembic_revision", "\x1b[2J"), "database.alembic_revision"),
}


@pytest.fixture
def watched(tmp_path, monkeypatch):
    """Temporary files and the working directory inside ``tmp_path``; returns a listing of everything there."""
    for name in ("tmp", "cwd"):
        (tmp_path / name).mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.chdir(tmp_path / "cwd")

    def listing() -> dict[str, str]:
        return {p.relative_to(tmp_path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
                for p in sorted(tmp_path.rglob("*"))}

    return listing


def test_an_archive_rewritten_unchanged_restores(app, pristine, make_target, tmp_path, watched):
    """The crafting itself keeps an archive usable: each case below differs from this by one thing."""
    path = craft(pristine, tmp_path / "same.tar", lambda contents: None)
    target = make_target()
    assert cli(target, "backup", "verify", str(path)).exit_code == 0
    result = cli(target, "backup", "restore", str(path))
    assert result.exit_code == 0, result.output
    assert len(store_files(target)) == 4 and table_counts(target)["photos"] == 2


@pytest.mark.parametrize(("edit", "message"), CASES.values(), ids=CASES.keys())
def test_a_crafted_archive_is_refused_and_nothing_is_written(app, pristine, make_target, tmp_path, watched, edit,
                                                             message):
    path = craft(pristine, tmp_path / "crafted.tar", edit)
    target = make_target()
    before = watched()
    for command in ("verify", "restore"):
        result = cli(target, "backup", command, str(path))
        assert result.exit_code == 1, (command, result.output)
        assert result.output.startswith("Error: ") and message in result.output, result.output
        assert watched() == before, f"{command} wrote files"
    assert table_counts(target) == {}
    assert store_files(target) == []


def test_an_oversized_manifest_is_refused_before_it_is_read(app, pristine, make_target, tmp_path, monkeypatch):
    from backup import manifest

    monkeypatch.setattr(manifest, "MAX_MANIFEST_BYTES", 64 * 1024)
    path = craft(pristine, tmp_path / "crafted.tar", raw(b"[" * (64 * 1024 + 1)))
    result = cli(make_target(), "backup", "verify", str(path))
    assert result.exit_code == 1 and f"has a manifest.json of {64 * 1024 + 1} bytes, more than" in result.output
