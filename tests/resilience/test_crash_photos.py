"""SIGKILL the whole gunicorn (master and workers) in the middle of many photo uploads, then restart: no photo
row points to a missing or partial file, and after the sweep no file without a row and no temporary file
stays. Then the tablets resend what failed, and every photo ends up stored once.

Runs on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from PIL import Image

from tests.resilience.conftest import jpeg, make_people, stored_files, upload_photo

PHOTOS, CLIENTS = 48, 8
KILL_AFTER = PHOTOS // 3  # answered uploads before the kill; then it waits for a write in progress
HOUR = 3600


def _upload_until_killed(base, token, pending: queue.Queue, answered: list, failed: list, lock) -> None:
    while True:
        try:
            index, data = pending.get_nowait()
        except queue.Empty:
            return
        try:
            status, body = upload_photo(base, token, data, timeout=60)
        except (OSError, http.client.HTTPException):  # refused, reset or cut short: the server is gone
            with lock:
                failed.append(index)
            continue
        assert status in (200, 201), (status, body)
        with lock:
            answered.append(index)


def _wait_for_a_write(upload_dir, seconds: float) -> None:
    """Return as soon as a temporary file exists (a rendition or original being written), so the kill lands
    in the middle of a write; after ``seconds`` return anyway."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(upload_dir.rglob(".tmp-*")):
            return
        time.sleep(0.0005)


def _rows(deployment):
    from core.db import db
    from photos.models import Photo

    with deployment.app.app_context():
        rows = {p.sha256: p.has_original for p in db.session.scalars(sa.select(Photo))}
        db.session.remove()
    return rows


def _assert_rows_have_whole_files(deployment, rows) -> None:
    """Each row's renditions are complete JPEGs and its original is the uploaded bytes."""
    from photos.models import storage_key

    for sha256, has_original in rows.items():
        for variant in ("display", "thumb"):
            with Image.open(deployment.upload_dir / storage_key(sha256, variant)) as image:
                image.load()  # raises on a truncated file
        if has_original:
            original = (deployment.upload_dir / storage_key(sha256, "original")).read_bytes()
            assert hashlib.sha256(original).hexdigest() == sha256


def test_sigkill_during_uploads_leaves_no_dangling_row_and_the_sweep_no_orphan(deployment, server_for):
    deployment.env["PHOTO_KEEP_ORIGINALS"] = "true"  # three files per photo, one of them the large original
    token = make_people(deployment, {"inspector": ("inspector",)})["inspector"][1]
    photos = {i: jpeg(i, size=(1600, 1200), quality=92) for i in range(PHOTOS)}
    server = server_for(deployment)

    pending, answered, failed, lock = queue.Queue(), [], [], threading.Lock()
    for item in photos.items():
        pending.put(item)
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(_upload_until_killed, server.base, token, pending, answered, failed, lock)
                   for _ in range(CLIENTS)]
        while len(answered) < KILL_AFTER and not all(f.done() for f in futures):
            time.sleep(0.005)
        _wait_for_a_write(deployment.upload_dir, seconds=1)
        server.kill()
        for future in futures:
            future.result()
    assert failed, "every upload finished before the kill: make the uploads bigger or more"
    files, temporary = stored_files(deployment.upload_dir)
    rows = _rows(deployment)
    print(f"\nkilled after {len(answered)} answered uploads: {len(failed)} failed, {len(rows)} rows, "
          f"{len(files)} files, {len(temporary)} temporary files left by the kill")

    # After the restart: every committed row has whole files (files are written before their row).
    server.start()
    assert set(rows) >= {hashlib.sha256(photos[i]).hexdigest() for i in answered}
    _assert_rows_have_whole_files(deployment, rows)

    # The sweep leaves young files alone (an upload may be committing its row); an hour on, it removes every
    # file without a row and every temporary file a killed write left.
    for path in files + temporary:
        os.utime(path, (time.time() - 2 * HOUR, time.time() - 2 * HOUR))
    deployment.flask("photos", "sweep")
    files, temporary = stored_files(deployment.upload_dir)
    assert not temporary
    assert {path.name.split("-", 1)[0] for path in files} == set(rows)
    assert len(files) == 3 * len(rows)
    _assert_rows_have_whole_files(deployment, rows)

    # The tablets resend what got no answer: each photo is then stored once, with all its files.
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(lambda i: (i, *upload_photo(server.base, token, photos[i])), failed))
    for index, status, body in answers:
        assert status == (200 if hashlib.sha256(photos[index]).hexdigest() in rows else 201), (status, body)
    rows = _rows(deployment)
    assert set(rows) == {hashlib.sha256(data).hexdigest() for data in photos.values()}
    files, temporary = stored_files(deployment.upload_dir)
    assert not temporary and len(files) == 3 * PHOTOS
    _assert_rows_have_whole_files(deployment, rows)
    # A served rendition is whole too.
    status, body = upload_photo(server.base, token, photos[0])
    assert status == 200
    with Image.open(io.BytesIO(_get(server, token, body["id"]))) as image:
        image.load()


def _get(server, token, photo_id) -> bytes:
    from tests.resilience.conftest import bearer, request

    status, body = request(server.base, "GET", f"/api/v1/photos/{photo_id}/display", headers=bearer(token))
    assert status == 200
    return body
