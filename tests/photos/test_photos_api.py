"""Photo upload, attachment and serving through the API, with real camera files from ../shared/photos."""

import io
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from core.db import db
from photos.models import Photo
from tests.conftest import inspection_payload

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "photos"
needs_photos = pytest.mark.skipif(not SHARED.is_dir(), reason=f"sample photos not found at {SHARED}")


def _upload(client, headers, data: bytes, name="photo.jpg", mimetype="image/jpeg"):
    return client.post("/api/v1/photos", headers=headers,
                       data={"file": (io.BytesIO(data), name, mimetype)}, content_type="multipart/form-data")


def _files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def _empty_store(app):
    for path in _files(app):
        path.unlink()


@needs_photos
def test_upload_returns_metadata_and_the_same_bytes_give_the_same_photo(app, client, auth):
    headers = auth("inspector")
    data = (SHARED / "gps__DSCN0010.jpg").read_bytes()
    first = _upload(client, headers, data)
    assert first.status_code == 201, first.json
    body = first.json
    assert body["format"] == "JPEG" and body["width"] == 640 and body["height"] == 480
    assert body["latitude"] == pytest.approx(43.467448, abs=1e-5)
    assert body["longitude"] == pytest.approx(11.885126, abs=1e-5)
    assert body["taken_dt"].startswith("2008-10-22")
    again = _upload(client, headers, data, name="other-name.jpg")
    assert again.status_code == 200 and again.json["id"] == body["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 1
    assert len(_files(app)) == 2  # display and thumbnail; originals are not kept by default


@needs_photos
def test_renditions_are_served_with_caching_and_without_metadata(client, auth):
    headers = auth("inspector")
    photo = _upload(client, headers, (SHARED / "gps__DSCN0021.jpg").read_bytes()).json
    for variant, longest in (("display", 640), ("thumb", 320)):
        response = client.get(f"/api/v1/photos/{photo['id']}/{variant}", headers=headers)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "immutable" in response.headers["Cache-Control"]
        image = Image.open(io.BytesIO(response.data))
        assert max(image.size) == longest and not image.getexif()
        etag = response.headers["ETag"]
        response.close()
        cached = client.get(f"/api/v1/photos/{photo['id']}/{variant}", headers=headers | {"If-None-Match": etag})
        assert cached.status_code == 304
        cached.close()


@needs_photos
def test_originals_only_when_kept_and_only_for_managers(app, client, auth, make_enterprise):
    app.config["PHOTO_KEEP_ORIGINALS"] = True
    try:
        data = (SHARED / "Canon_40D.jpg").read_bytes()
        inspector = auth("inspector")
        photo = _upload(client, inspector, data).json
        body = inspection_payload(make_enterprise())
        body["findings"][0]["photo_ids"] = [photo["id"]]
        assert client.post("/api/v1/inspections", headers=inspector, json=body).status_code == 201
        assert client.get(f"/api/v1/photos/{photo['id']}/original", headers=inspector).status_code == 403
        response = client.get(f"/api/v1/photos/{photo['id']}/original", headers=auth("safety_manager"))
        assert response.status_code == 200 and response.data == data
        response.close()
    finally:
        app.config["PHOTO_KEEP_ORIGINALS"] = False


@pytest.mark.parametrize(("data", "name", "status"), [
    (b"", "empty.jpg", 400),
    (b"<html><script>alert(1)</script></html>", "evil.jpg", 415),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg", 415),
    (b"GIF89a" + b"\x00" * 40, "../../etc/passwd", 415),
])
def test_bad_uploads_get_a_clear_4xx_and_store_nothing(app, client, auth, data, name, status):
    response = _upload(client, auth("inspector"), data, name=name)
    assert response.status_code == status, response.json
    assert response.json["message"]
    assert _files(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0


def test_upload_larger_than_the_limit_is_413(app, client, auth):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = _upload(client, auth("inspector"), os.urandom(4096))
        assert response.status_code == 413 and response.json["code"] == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit


def test_missing_file_field_is_422(client, auth):
    response = client.post("/api/v1/photos", headers=auth("inspector"), data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in response.json["errors"]["files"]


@needs_photos
def test_photos_attach_to_findings_as_evidence_and_rectification(client, auth, make_enterprise):
    inspector = auth("inspector")
    before = _upload(client, inspector, (SHARED / "orientation__landscape_1.jpg").read_bytes()).json["id"]
    after = _upload(client, inspector, (SHARED / "orientation__landscape_6.jpg").read_bytes()).json["id"]
    payload = inspection_payload(make_enterprise())
    payload["findings"][0]["photo_ids"] = [before]
    finding = client.post("/api/v1/inspections", headers=inspector, json=payload).json["findings"][0]
    assert [(p["photo_id"], p["kind"]) for p in finding["photos"]] == [(before, "evidence")]
    response = client.post(f"/api/v1/findings/{finding['id']}/rectification", headers=inspector,
                           json={"note": "已整改", "photo_ids": [after]})
    assert [(p["photo_id"], p["kind"]) for p in response.json["photos"]] == [(before, "evidence"),
                                                                            (after, "rectification")]


def test_unknown_photo_ids_are_rejected(client, auth, make_enterprise):
    payload = inspection_payload(make_enterprise(), client_id=str(uuid.uuid4()))
    payload["findings"][0]["photo_ids"] = [4242]
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert response.status_code == 422 and "4242" in response.json["message"]


@needs_photos
def test_too_many_photos_on_one_finding(app, client, auth, make_enterprise):
    inspector = auth("inspector")
    ids = [_upload(client, inspector, (SHARED / f"orientation__landscape_{n}.jpg").read_bytes()).json["id"]
           for n in range(1, 4)]
    app.config["MAX_PHOTOS_PER_FINDING"] = 2
    try:
        payload = inspection_payload(make_enterprise())
        payload["findings"][0]["photo_ids"] = ids
        response = client.post("/api/v1/inspections", headers=inspector, json=payload)
        assert response.status_code == 422 and "at most 2" in response.json["message"]
    finally:
        app.config["MAX_PHOTOS_PER_FINDING"] = 10


@needs_photos
def test_sweep_removes_unattached_old_photos_and_orphan_files(app, client, auth):
    from datetime import timedelta

    from core.db import utcnow
    from photos import service

    photo = _upload(client, auth("inspector"), (SHARED / "gps__DSCN0010.jpg").read_bytes()).json
    orphan = Path(app.config["UPLOAD_DIR"]) / "ff" / "ff" / ("f" * 64 + "-display.jpg")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    later = utcnow() + timedelta(days=app.config["PHOTO_UNATTACHED_DAYS"] + 1)
    with app.app_context():
        assert service.sweep_rows(utcnow() + timedelta(days=2)) == 0  # too young: its tablet may be offline
        assert service.sweep_rows(later) == 1
        db.session.commit()
        assert service.sweep_files(later) == 3
        assert db.session.get(Photo, photo["id"]) is None
    assert _files(app) == []
