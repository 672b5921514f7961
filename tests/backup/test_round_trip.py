"""Back up a running instance, restore it into an empty database and photo store, and find everything again."""

import json
import stat
import tarfile
from pathlib import Path

import pytest

from backup import service
from tests.backup.helpers import (
    backup,
    cli,
    dangling_foreign_keys,
    inspect,
    jpeg,
    photo_keys,
    rows,
    store_files,
    table_counts,
    upload,
)
from tests.test_migrations import _triggers

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "photos"
KEY_ROWS = {
    "enterprises": "SELECT name, credit_code FROM enterprises ORDER BY id",
    "inspections": "SELECT id, client_id, enterprise_id FROM inspections ORDER BY id",
    "findings": "SELECT id, inspection_id, description, status FROM findings ORDER BY id",
    "photos": "SELECT id, sha256, size_bytes FROM photos ORDER BY id",
    "finding_photos": "SELECT finding_id, photo_id, kind FROM finding_photos ORDER BY id",
    "users": "SELECT username, password_hash FROM users ORDER BY id",
    "audit_entries": "SELECT seq, action, hash FROM audit_entries ORDER BY id",
}


def _manifest(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


def test_restore_brings_back_every_row_and_photo(app, client, populated, make_target, tmp_path):
    path = backup(app, tmp_path / "backups")
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [path.name]  # no work or partial files left
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # password hashes inside
    manifest = _manifest(path)
    assert manifest["database"]["kind"] in ("sqlite", "postgresql")
    assert manifest["database"]["row_counts"]["photos"] == 3 and len(manifest["photos"]["files"]) == 6
    assert manifest["photos"]["problems"] == []

    target = make_target()
    result = cli(target, "backup", "restore", str(path))
    assert result.exit_code == 0, result.output
    assert "Restored 6 photo files (0 were already in place)." in result.output
    assert "no Alembic revision" in result.output  # the suite builds its schema with create_all

    assert table_counts(target) == table_counts(app)
    for table, sql in KEY_ROWS.items():
        assert rows(target, sql) == rows(app, sql), table
    assert dangling_foreign_keys(target) == []
    verified = cli(target, "audit", "verify")
    assert verified.exit_code == 0 and "Checked" in verified.output and "0 not sealed" in verified.output

    # The photos are served again, byte for byte, to the same token (api_tokens came back too).
    restored_client, headers = target.test_client(), populated["inspector"]
    for photo_id in populated["photos"]:
        for variant in ("display", "thumb"):
            before, after = (c.get(f"/api/v1/photos/{photo_id}/{variant}", headers=headers)
                             for c in (client, restored_client))
            assert after.status_code == 200 and after.data == before.data and len(after.data) > 1000
            before.close()
            after.close()

    # The restored instance takes new work: ids continue after the restored ones (sequences came back).
    photo_id = upload(restored_client, headers, jpeg(4))
    created = inspect(restored_client, headers, populated["enterprise_id"], [photo_id])
    assert photo_id > max(populated["photos"]) and created["id"] > populated["inspections"][-1]["id"]


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(app, populated, make_target, make_enterprise,
                                                                     tmp_path):
    path = backup(app, tmp_path / "backups")
    counts = table_counts(app)
    refused = cli(app, "backup", "restore", str(path))
    assert refused.exit_code == 1
    assert "is not empty" in refused.output and "--force" in refused.output
    assert table_counts(app) == counts

    target = make_target()
    assert cli(target, "backup", "restore", str(path)).exit_code == 0
    assert cli(target, "backup", "restore", str(path)).exit_code == 1
    forced = cli(target, "backup", "restore", "--force", str(path))
    assert forced.exit_code == 0, forced.output
    assert "Restored 0 photo files (6 were already in place)." in forced.output
    assert table_counts(target) == counts
    with target.app_context():  # the restored database still refuses to change an issued document
        assert _triggers() == {"documents_never_change"}


def test_verify_checks_an_archive_without_restoring(app, populated, tmp_path):
    path = backup(app, tmp_path / "backups")
    result = cli(app, "backup", "verify", str(path))
    assert result.exit_code == 0 and "is intact" in result.output and "6 photo files" in result.output


def test_a_failed_backup_leaves_nothing_that_looks_complete(app, populated, tmp_path, monkeypatch):
    from backup.archive import Writer

    real, calls = Writer.add_bytes, []

    def disk_fills_up(self, name, data):
        calls.append(name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, name, data)

    monkeypatch.setattr(Writer, "add_bytes", disk_fills_up)
    result = cli(app, "backup", "create", "--to", str(tmp_path / "backups"))
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_file_gone_between_snapshot_and_copy_is_reported(app, populated, make_target, tmp_path, monkeypatch):
    real, gone = service._read_photo, []

    def swept_meanwhile(path):
        if not gone:  # as if the sweep (or a failing disk) removed it just after the snapshot
            gone.append(path.relative_to(app.config["UPLOAD_DIR"]).as_posix())
            path.unlink()
        return real(path)

    monkeypatch.setattr(service, "_read_photo", swept_meanwhile)
    result = cli(app, "backup", "create", "--to", str(tmp_path / "backups"))
    assert result.exit_code == 1
    assert f"WARNING: photo file {gone[0]}: missing from the photo store" in result.stderr
    (path,) = (tmp_path / "backups").glob("backup-*.tar")
    assert _manifest(path)["photos"]["problems"] == [{"key": gone[0], "problem": "missing from the photo store"}]

    target = make_target()
    restored = cli(target, "backup", "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert f"photo file {gone[0]} was not in the backup" in restored.stderr
    assert "1 photo file(s) named by the database are absent" in restored.stderr
    assert len(store_files(target)) == 5


def test_an_original_that_does_not_match_its_hash_is_reported(app, client, auth, tmp_path):
    app.config["PHOTO_KEEP_ORIGINALS"] = True
    try:
        upload(client, auth("inspector"), jpeg(7))
    finally:
        app.config["PHOTO_KEEP_ORIGINALS"] = False
    (original,) = [key for key in photo_keys(app) if key.endswith("-original")]
    (Path(app.config["UPLOAD_DIR"]) / original).write_bytes(jpeg(8))  # bit rot, or a bad copy by hand
    result = cli(app, "backup", "create", "--to", str(tmp_path / "backups"))
    assert result.exit_code == 1
    assert f"{original}: content does not match the SHA-256 in its name" in result.stderr


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"sample photos not found at {SHARED}")
def test_camera_photos_and_their_originals_come_back(app, client, auth, make_enterprise, make_target, tmp_path):
    app.config["PHOTO_KEEP_ORIGINALS"] = True
    try:
        inspector = auth("inspector")
        names = ("Canon_40D.jpg", "gps__DSCN0010.jpg", "orientation__landscape_3.jpg")
        photos = {name: upload(client, inspector, (SHARED / name).read_bytes()) for name in names}
        inspect(client, inspector, make_enterprise(), list(photos.values()))
    finally:
        app.config["PHOTO_KEEP_ORIGINALS"] = False
    manager = auth("safety_manager")  # originals are for managers; the token is restored with the rest
    path = backup(app, tmp_path / "backups")
    target = make_target()
    result = cli(target, "backup", "restore", str(path))
    assert result.exit_code == 0 and "Restored 9 photo files" in result.output, result.output
    restored_client = target.test_client()
    for name, photo_id in photos.items():
        response = restored_client.get(f"/api/v1/photos/{photo_id}/original", headers=manager)
        assert response.status_code == 200 and response.data == (SHARED / name).read_bytes()
        response.close()
