"""Whose photo may document a finding, and for how long an unattached upload waits (issue 12, items 1, 2, 18).

A tablet holds photo ids for days before it sends the inspection. The ids it holds must never name another
photo later (SQLite reused the id of the newest photo after the sweep deleted it), and a finding only takes
photos its own user uploaded that no other finding has. Real uploads of real JPEG bytes, on the suite's
database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from core.config import ConfigError, load
from core.db import db, utcnow
from inspections.models import Inspection
from photos import service
from photos.models import Photo
from tests.conftest import inspection_payload


def jpeg(seed: int) -> bytes:
    """Distinct small JPEG bytes for each seed."""
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (seed * 37 % 256, seed * 91 % 256, seed * 13 % 256)).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(client, headers, data: bytes, status=(200, 201)) -> int:
    response = client.post("/api/v1/photos", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "photo.jpg", "image/jpeg")})
    assert response.status_code in status, response.json
    return response.json["id"]


def inspect(client, headers, enterprise: int, *photo_ids_per_finding) -> object:
    """POST an inspection with one finding per list of photo ids (the first on HC-G-01, the others free)."""
    payload = inspection_payload(enterprise)
    extra = {"item_code": None, "description": "消防通道堵塞", "category": "thing"}
    payload["findings"] = [payload["findings"][0] | {"photo_ids": list(photo_ids_per_finding[0])}] + [
        extra | {"photo_ids": list(ids)} for ids in photo_ids_per_finding[1:]]
    return client.post("/api/v1/inspections", headers=headers, json=payload)


def sweep(app, days_later: float) -> int:
    """The daily sweep, as if run ``days_later`` days from now: rows, then files."""
    with app.app_context():
        removed = service.sweep_rows(utcnow() + timedelta(days=days_later))
        db.session.commit()
        service.sweep_files(utcnow() + timedelta(days=days_later))
        return removed


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def keep_days(app):
    return app.config["PHOTO_UNATTACHED_DAYS"]


# ---- item 1: the sweep keeps unattached photos for a realistic offline period --------------------------

def test_unattached_photos_wait_for_their_inspection_as_long_as_configured(app, client, auth, keep_days):
    assert keep_days >= 14
    photo = upload(client, auth("inspector"), jpeg(1))
    assert sweep(app, 2) == 0  # two days offline: still there
    assert sweep(app, keep_days - 0.5) == 0
    assert sweep(app, keep_days + 0.5) == 1
    with app.app_context():
        assert db.session.get(Photo, photo) is None


def test_attached_photos_are_never_swept(app, client, auth, make_enterprise, keep_days):
    inspector = auth("inspector")
    photo = upload(client, inspector, jpeg(2))
    assert inspect(client, inspector, make_enterprise(), [photo]).status_code == 201
    assert sweep(app, keep_days * 10) == 0
    assert count(app, Photo) == 1


@pytest.mark.parametrize(("value", "fine"), [("", True), ("14", True), ("3650", True), ("0", False), ("-3", False),
                                             ("two weeks", False), ("3651", False), ("99999999999", False)])
def test_the_retention_setting_is_checked_at_start_up(tmp_path, value, fine):
    env = {"PHOTO_UNATTACHED_DAYS": value}
    if fine:
        assert load(str(tmp_path), str(tmp_path), env=env)["PHOTO_UNATTACHED_DAYS"] == int(value or 30)
    else:
        with pytest.raises(ConfigError, match="PHOTO_UNATTACHED_DAYS"):
            load(str(tmp_path), str(tmp_path), env=env)


# ---- item 2: ids are never reused, and a finding takes only its user's unattached photos ----------------

def test_a_swept_photos_id_is_never_given_to_the_next_upload(app, client, auth, keep_days):
    old = upload(client, auth("inspector"), jpeg(3))
    assert sweep(app, keep_days + 1) == 1
    assert upload(client, auth("inspector"), jpeg(4)) > old


def test_a_stale_id_after_the_sweep_is_refused_naming_it_and_nothing_is_stored(
        app, client, auth, make_enterprise, keep_days):
    """The tablet's retry names a photo the sweep deleted; someone else has uploaded since. Before the fix,
    SQLite gave that upload the same id and the retry stored the other inspector's photo as evidence."""
    inspector, other = auth("inspector"), auth("inspector")
    stale = upload(client, inspector, jpeg(5))
    assert sweep(app, keep_days + 1) == 1
    upload(client, other, jpeg(6))
    response = inspect(client, inspector, make_enterprise(), [stale])
    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"]["findings"]["0"]["photo_ids"]["0"] == [
        f"photo {stale} does not exist (never uploaded, or removed after waiting {keep_days} days unattached): "
        "upload it again"]
    assert str(stale) in response.json["message"]
    assert count(app, Inspection) == 0


@pytest.mark.parametrize("path", ["inspection", "rectification"])
def test_another_users_photo_is_refused(app, client, auth, make_enterprise, path):
    inspector, other = auth("inspector"), auth("inspector", "safety_manager")
    theirs = upload(client, other, jpeg(7))
    if path == "inspection":
        response = inspect(client, inspector, make_enterprise(), [theirs])
        where = response.json["errors"]["json"]["findings"]["0"]["photo_ids"]
    else:
        finding = inspect(client, inspector, make_enterprise(), []).json["findings"][0]["id"]
        response = client.post(f"/api/v1/findings/{finding}/rectification", headers=inspector,
                               json={"note": "已整改", "photo_ids": [theirs]})
        where = response.json["errors"]["json"]["photo_ids"]
    assert response.status_code == 422
    assert where == {"0": [f"photo {theirs} was uploaded by someone else: attach photos you uploaded"]}
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM finding_photos")).scalar() == 0


@pytest.mark.parametrize("path", ["inspection", "rectification"])
def test_a_photo_that_is_evidence_of_another_finding_is_refused(app, client, auth, make_enterprise, path):
    inspector = auth("inspector")
    photo = upload(client, inspector, jpeg(8))
    first = inspect(client, inspector, make_enterprise(), [photo])
    assert first.status_code == 201
    if path == "inspection":
        response = inspect(client, inspector, make_enterprise(), [photo])
    else:
        second = inspect(client, inspector, make_enterprise(), []).json["findings"][0]["id"]
        response = client.post(f"/api/v1/findings/{second}/rectification", headers=inspector,
                               json={"note": "已整改", "photo_ids": [photo]})
    assert response.status_code == 422
    assert "already evidence of another finding" in response.json["message"]
    assert str(photo) in response.json["message"]


def test_one_refusal_names_every_refused_id_at_its_place(app, client, auth, make_enterprise, keep_days):
    """All refused ids at once, so a client uploads them all again in one round; the good ones are not named."""
    inspector, other = auth("inspector"), auth("inspector")
    mine, theirs = upload(client, inspector, jpeg(9)), upload(client, other, jpeg(10))
    response = inspect(client, inspector, make_enterprise(), [mine, 2_000_000_000], [theirs, mine])
    assert response.status_code == 422
    findings = response.json["errors"]["json"]["findings"]
    assert {i: sorted(errors["photo_ids"]) for i, errors in findings.items()} == {"0": ["1"], "1": ["0"]}
    assert count(app, Inspection) == 0


def test_findings_of_one_inspection_may_share_a_photo(client, auth, make_enterprise):
    """One picture showing two hazards: the same id on two findings of the same submission."""
    inspector = auth("inspector")
    photo = upload(client, inspector, jpeg(11))
    response = inspect(client, inspector, make_enterprise(), [photo], [photo])
    assert response.status_code == 201, response.json
    assert [[p["photo_id"] for p in f["photos"]] for f in response.json["findings"]] == [[photo], [photo]]


def test_the_same_bytes_again_give_the_same_photo_only_while_it_waits(app, client, auth, make_enterprise):
    """A retried upload is the same photo; once that photo is evidence, or for another user, the same bytes make
    a photo of their own (sharing the files), so the same picture can document a later finding too."""
    inspector, other = auth("inspector"), auth("inspector")
    data = jpeg(12)
    first = upload(client, inspector, data, status=(201,))
    assert upload(client, inspector, data, status=(200,)) == first
    theirs = upload(client, other, data, status=(201,))
    assert theirs != first
    assert inspect(client, inspector, make_enterprise(), [first]).status_code == 201
    again = upload(client, inspector, data, status=(201,))
    assert again not in (first, theirs)
    assert inspect(client, inspector, make_enterprise(), [again]).status_code == 201
    assert inspect(client, other, make_enterprise(), [theirs]).status_code == 201
    for photo in (first, theirs, again):
        response = client.get(f"/api/v1/photos/{photo}/thumb", headers=inspector)
        assert response.status_code == 200
        response.close()


def test_files_shared_by_two_rows_stay_until_the_last_row_goes(app, client, auth, make_enterprise, keep_days):
    inspector, other = auth("inspector"), auth("inspector")
    data = jpeg(13)
    kept = upload(client, inspector, data)
    assert inspect(client, inspector, make_enterprise(), [kept]).status_code == 201
    upload(client, other, data)  # never attached: swept
    assert sweep(app, keep_days + 1) == 1
    response = client.get(f"/api/v1/photos/{kept}/display", headers=inspector)
    assert response.status_code == 200
    response.close()


def test_the_findings_own_photo_is_refused_as_its_rectification_and_nothing_changes(client, auth, make_enterprise):
    """An "after" photo that is the finding's "before" photo proves nothing: refused at its place (not dropped
    without a word), the finding unchanged; an id repeated in one request is attached once."""
    inspector = auth("inspector")
    before, after = upload(client, inspector, jpeg(14)), upload(client, inspector, jpeg(15))
    finding = inspect(client, inspector, make_enterprise(), [before]).json["findings"][0]["id"]
    response = client.post(f"/api/v1/findings/{finding}/rectification", headers=inspector,
                           json={"note": "已整改", "photo_ids": [after, before]})
    assert response.status_code == 422, response.json
    assert "already on this finding" in response.json["errors"]["json"]["photo_ids"]["1"][0]
    assert "0" not in response.json["errors"]["json"]["photo_ids"]
    unchanged = client.get(f"/api/v1/findings/{finding}", headers=inspector).json
    assert unchanged["status"] == "open" and [p["photo_id"] for p in unchanged["photos"]] == [before]
    response = client.post(f"/api/v1/findings/{finding}/rectification", headers=inspector,
                           json={"note": "已整改", "photo_ids": [after, after]})
    assert response.status_code == 200, response.json
    assert [(p["photo_id"], p["kind"]) for p in response.json["photos"]] == [(before, "evidence"),
                                                                            (after, "rectification")]


@pytest.mark.parametrize("variant", ["display", "thumb"])
def test_someone_elses_unattached_upload_cannot_be_fetched(client, auth, make_enterprise, variant):
    """An upload waiting for its inspection is its uploader's alone (404 like a missing id to anyone else, a
    safety manager too); once it is evidence, whoever may read the finding may see it."""
    inspector, other, manager = auth("inspector"), auth("inspector"), auth("safety_manager")
    waiting = upload(client, inspector, jpeg(16))
    for headers, status in ((inspector, 200), (other, 404), (manager, 404)):
        response = client.get(f"/api/v1/photos/{waiting}/{variant}", headers=headers)
        assert response.status_code == status
        response.close()
    assert inspect(client, inspector, make_enterprise(), [waiting]).status_code == 201
    for headers in (other, manager):
        response = client.get(f"/api/v1/photos/{waiting}/{variant}", headers=headers)
        assert response.status_code == 200
        response.close()


# ---- the migration: ids on a database upgraded from before the fix -------------------------------------

def test_the_migration_makes_photo_ids_never_reused_and_keeps_attached_photos(tmp_path):
    """``flask db upgrade`` over a store with an attached photo: the rows and links stay, the foreign keys hold,
    and an id the sweep frees is not given again (SQLite AUTOINCREMENT; PostgreSQL never reused them)."""
    from flask_migrate import upgrade

    from app import create_app
    from tests.conftest import PG_URL
    from tests.databases import fresh_database

    with fresh_database(tmp_path, PG_URL) as uri:
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_DIR": str(tmp_path / "uploads")})
        with app.app_context():
            upgrade(revision="20da1ee160c6")
            with db.engine.begin() as conn:
                def run(sql):
                    return conn.execute(sa.text(sql))

                run("INSERT INTO users (id, username, full_name, password_hash, is_active, created_dt) "
                    "VALUES (1, 'a', 'a', 'x', true, '2026-11-01')")
                ids = [run("INSERT INTO photos (sha256, format, width, height, size_bytes, has_original, "
                           f"uploaded_by_id, created_dt) VALUES ('{n:064d}', 'JPEG', 1, 1, 1, false, 1, "
                           "'2026-11-01') RETURNING id").scalar() for n in (1, 2, 3)]
                run("INSERT INTO enterprises (id, name, credit_code, sector, zone, address, contact_name, "
                    "contact_phone, created_dt) VALUES (1, 'e', 'c', 'hazardous_chemicals', 'z', '', '', '', "
                    "'2026-11-01')")
                run("INSERT INTO inspections (id, client_id, payload_sha256, enterprise_id, domain, inspector_id, "
                    "inspected_dt, location, notes, created_dt) VALUES (1, 'c', 'p', 1, 'gas', 1, '2026-11-01', '', "
                    "'', '2026-11-01')")
                run("INSERT INTO findings (id, inspection_id, enterprise_id, description, category, severity, "
                    "deadline, responsible_person, status, found_dt, updated_dt) VALUES (1, 1, 1, 'd', 'thing', "
                    "'general', '2026-12-01', '', 'open', '2026-11-01', '2026-11-01')")
                run("INSERT INTO finding_photos (finding_id, photo_id, kind, created_dt) "
                    f"VALUES (1, {ids[1]}, 'evidence', '2026-11-01')")
            upgrade()
            with db.engine.begin() as conn:
                assert conn.execute(sa.text("SELECT photo_id FROM finding_photos")).scalars().all() == [ids[1]]
                conn.execute(sa.text(f"DELETE FROM photos WHERE id = {ids[2]}"))  # the newest, as the sweep would
                if conn.dialect.name == "sqlite":
                    assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
                    assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            with db.engine.begin() as conn:
                new = conn.execute(sa.text(
                    "INSERT INTO photos (sha256, format, width, height, size_bytes, has_original, uploaded_by_id, "
                    f"created_dt) VALUES ('{4:064d}', 'JPEG', 1, 1, 1, false, 1, '2026-11-02') RETURNING id")).scalar()
            assert new > ids[2]
            db.engine.dispose()


def test_a_backup_copies_files_shared_by_two_photos_once(app, client, auth, tmp_path):
    """Two users uploaded the same bytes: two rows, one set of files; the archive holds each file once."""
    import json
    import tarfile

    for path in Path(app.config["UPLOAD_DIR"]).rglob("*"):  # the session's store: only this test's files
        if path.is_file():
            path.unlink()
    data = jpeg(16)
    assert upload(client, auth("inspector"), data) != upload(client, auth("inspector"), data)
    result = app.test_cli_runner().invoke(args=["backup", "create", "--to", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (archive,) = tmp_path.glob("backup-*.tar")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    keys = [f["key"] for f in manifest["photos"]["files"]]
    assert len(keys) == len(set(keys)) == 2  # display and thumbnail
    assert len([n for n in names if n.endswith(".jpg")]) == 2
    verified = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert verified.exit_code == 0, verified.output
