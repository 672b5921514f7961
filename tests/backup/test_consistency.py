"""A backup taken while inspectors keep submitting is one consistent moment of the instance."""

import threading
import time

from audit import chain
from backup import service
from core.db import db
from tests.backup.helpers import (
    cli,
    dangling_foreign_keys,
    inspect,
    jpeg,
    photo_keys,
    seal,
    store_files,
    table_counts,
    upload,
)


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writer stalled"
        time.sleep(0.01)


def test_backup_while_inspections_and_photos_keep_coming(app, auth, make_enterprise, make_target, tmp_path,
                                                         monkeypatch):
    inspector, enterprise_id = auth("inspector"), make_enterprise()
    written, stop, errors = [], threading.Event(), []

    def keep_inspecting():
        client = app.test_client()
        try:
            while not stop.is_set():
                photo = upload(client, inspector, jpeg(1000 + len(written)))
                inspect(client, inspector, enterprise_id, [photo])
                if len(written) % 2:
                    seal(app)  # the scheduler seals the audit chain while requests add to it
                written.append(photo)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    # Hold the copy of the first photo file until two more inspections (and their photos) are committed:
    # rows and files newer than the snapshot exist while the files are copied.
    real_read, held = service._read_photo, []

    def read_while_writes_go_on(path):
        if not held:
            held.append(len(written))
            _wait_for(lambda: len(written) >= held[0] + 2 or errors)
        return real_read(path)

    monkeypatch.setattr(service, "_read_photo", read_while_writes_go_on)
    writer = threading.Thread(target=keep_inspecting)
    writer.start()
    try:
        _wait_for(lambda: len(written) >= 3 or errors)
        result = cli(app, "backup", "create", "--to", str(tmp_path / "backups"))
    finally:
        stop.set()
        writer.join(60)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "backups").glob("backup-*.tar")

    target = make_target()
    restored = cli(target, "backup", "restore", str(path))
    assert restored.exit_code == 0, restored.output
    counts, source_counts = table_counts(target), table_counts(app)
    assert 3 <= counts["inspections"] < source_counts["inspections"]  # the writes went on after the snapshot
    assert counts["finding_photos"] == counts["inspections"]
    # The moment may fall between a photo's upload and the inspection that attaches it.
    assert counts["photos"] - counts["inspections"] in (0, 1)
    # Every photo row has its files, and only the files of snapshot rows were taken.
    restored_files = {p.relative_to(target.config["UPLOAD_DIR"]).as_posix() for p in store_files(target)}
    assert restored_files == set(photo_keys(target))
    assert dangling_foreign_keys(target) == []
    with target.app_context():
        verdict = chain.verify()
        db.session.remove()
    assert verdict.problems == [] and verdict.checked > 0
