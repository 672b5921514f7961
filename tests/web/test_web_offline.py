"""A tablet offline for days, and photo limits on the pages (issue 12, items 1, 2 and 18).

The browser test drives Debian's Chromium (skipped with a reason where it is missing), as test_web_browser.py
does; the page tests use the test client."""

from __future__ import annotations

import hashlib
import io
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from core.db import db, utcnow
from inspections.models import Finding, Inspection
from photos.models import FindingPhoto, Photo
from tests.conftest import inspection_payload


def jpeg(seed: int, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (seed * 53 % 256, seed * 97 % 256, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# ---- item 18: the rectification page refuses before it decodes any photo -------------------------------

@pytest.fixture
def decoded(monkeypatch):
    """Counts the photos the service decodes (photos.processing.process, the expensive step)."""
    from photos import service

    calls = []
    real = service.process

    def counting(data, **kwargs):
        calls.append(len(data))
        return real(data, **kwargs)

    monkeypatch.setattr(service, "process", counting)
    return calls


def _rectify(client, finding_id: int, files: list[bytes]):
    """The page's rectification form, posted as a browser would (the session's CSRF token)."""
    return client.post(f"/findings/{finding_id}/rectification", content_type="multipart/form-data", data={
        "rect-csrf_token": client.get("/csrf-token").json["token"], "rect-note": "已整改",
        "rect-photos": [(io.BytesIO(data), f"after{n}.jpg", "image/jpeg") for n, data in enumerate(files)]})


@pytest.fixture
def own_finding(app, client, login, make_enterprise):
    """(logged-in inspector's test client, headers-free id of a finding they recorded through the pages' API)."""
    browser, _ = login("inspector")
    token = browser.get("/csrf-token").json["token"]
    response = browser.post("/api/v1/inspections", headers={"X-CSRFToken": token},
                            json=inspection_payload(make_enterprise()))
    assert response.status_code == 201, response.json
    return browser, response.json["findings"][0]["id"]


def test_too_many_photos_on_the_page_are_refused_before_any_is_decoded(app, own_finding, decoded):
    browser, finding_id = own_finding
    limit = app.config["MAX_PHOTOS_PER_FINDING"]
    response = _rectify(browser, finding_id, [jpeg(n) for n in range(limit + 1)])
    assert response.status_code == 409
    assert f"每条隐患最多 {limit} 张照片" in response.get_data(as_text=True)
    assert decoded == []
    assert count(app, Photo) == 0
    with app.app_context():
        assert db.session.get(Finding, finding_id).status == "open"


def test_photos_already_on_the_finding_count_towards_the_limit(app, client, auth, login, make_enterprise, decoded):
    browser, user_id = login("inspector")
    token = browser.get("/csrf-token").json["token"]
    limit = app.config["MAX_PHOTOS_PER_FINDING"]
    evidence = []
    for n in range(limit - 1):
        response = browser.post("/api/v1/photos", headers={"X-CSRFToken": token}, content_type="multipart/form-data",
                                data={"file": (io.BytesIO(jpeg(100 + n)), "e.jpg", "image/jpeg")})
        assert response.status_code == 201, response.json
        evidence.append(response.json["id"])
    payload = inspection_payload(make_enterprise())
    payload["findings"][0]["photo_ids"] = evidence
    finding_id = browser.post("/api/v1/inspections", headers={"X-CSRFToken": token},
                              json=payload).json["findings"][0]["id"]
    decoded.clear()
    assert _rectify(browser, finding_id, [jpeg(1), jpeg(2)]).status_code == 409
    assert decoded == [] and count(app, Photo) == limit - 1
    assert _rectify(browser, finding_id, [jpeg(1)]).status_code == 302  # exactly the limit
    assert len(decoded) == 1 and count(app, FindingPhoto) == limit


def test_a_finding_that_cannot_take_a_rectification_decodes_nothing(app, own_finding, decoded):
    browser, finding_id = own_finding
    assert _rectify(browser, finding_id, [jpeg(1)]).status_code == 302
    decoded.clear()
    response = _rectify(browser, finding_id, [jpeg(2)])  # already submitted: the rectification is refused
    assert response.status_code == 409
    assert decoded == [] and count(app, Photo) == 1


# ---- items 1 and 2: an inspection offline past the sweep arrives once, with its own photo ---------------

def outbox_item(page, ready, timeout: float = 15) -> dict:
    """The one item in the page's outbox (IndexedDB), once ``ready(item)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        items = page.evaluate("Outbox.all()")
        if len(items) == 1 and ready(items[0]):
            return items[0]
        assert time.monotonic() < deadline, items
        page.wait_for_timeout(100)


def test_an_inspection_offline_past_the_sweep_arrives_once_with_its_photo(
        app, tablet, browser_login, make_enterprise, auth, client, tmp_path):
    """Upload, drop the connection before the inspection is sent, stay offline past the sweep (which deletes the
    unattached photo; meanwhile another inspector uploads one), reconnect: the outbox learns which photo the
    server no longer has, uploads the blob it kept again and resends with the same client_id."""
    from photos import service

    make_enterprise(name="港城化工有限公司")
    photo = tmp_path / "hazard.jpg"
    photo.write_bytes(jpeg(7, size=(800, 600)))
    context = tablet()
    page = context.new_page()
    inspector = browser_login(page, "inspector")
    page.goto("/inspect")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.locator("#inspection-form[data-offline-ready='1']").wait_for()
    from tests.web.test_web_browser import fill_inspection

    fill_inspection(page, "港城化工有限公司", "装卸区警示标志缺失", photo)
    sent = []
    page.on("request", lambda r: sent.append(r.post_data_json["client_id"])
            if r.url.endswith("/api/v1/inspections") and r.method == "POST" else None)

    # The photo goes up, then the signal drops before the inspection leaves.
    page.route("**/api/v1/inspections", lambda route: route.abort("internetdisconnected"))
    page.click("#submit-inspection")
    item = outbox_item(page, lambda i: i["attempts"] > 0)
    context.set_offline(True)
    page.unroute("**/api/v1/inspections")
    assert item["state"] == "queued" and item["photos"][0]["id"]
    held = item["photos"][0]["id"]
    with app.app_context():
        uploaded = db.session.get(Photo, held)
        assert uploaded.uploaded_by_id == inspector
        sha256 = uploaded.sha256
    assert sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert count(app, Inspection) == 0

    # Days offline: the daily sweep runs past the waiting time, and someone else uploads meanwhile.
    later = utcnow() + timedelta(days=app.config["PHOTO_UNATTACHED_DAYS"] + 1)
    with app.app_context():
        assert service.sweep_rows(later) == 1
        db.session.commit()
        service.sweep_files(later)
    other = client.post("/api/v1/photos", headers=auth("inspector"), content_type="multipart/form-data",
                        data={"file": (io.BytesIO(jpeg(8)), "other.jpg", "image/jpeg")}).json["id"]

    context.set_offline(False)
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for(timeout=30000)
    assert count(app, Inspection) == 1
    assert len(sent) >= 3 and set(sent) == {item["client_id"]}  # the lost one, the refused one, the one stored
    with app.app_context():
        finding = db.session.scalars(sa.select(Finding)).one()
        [link] = finding.photo_links
        evidence = db.session.get(Photo, link.photo_id)
        assert (evidence.sha256, evidence.uploaded_by_id) == (sha256, inspector)
        assert evidence.id not in (held, other)
    page.wait_for_timeout(300)
    assert page.locator("#outbox li.outbox-item").count() == 1
    page.evaluate("Outbox.sync(true)")
    page.wait_for_timeout(300)
    assert count(app, Inspection) == 1


def test_a_photo_the_server_refuses_is_left_out_only_when_the_inspector_chooses(
        app, tablet, browser_login, make_enterprise, tmp_path):
    """Bytes no browser or server can read as an image: the inspection waits, refused, with the reason; it is
    sent without that photo only after the inspector's tap."""
    make_enterprise(name="港城化工有限公司")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a photo " * 40)
    page = tablet(service_workers="block").new_page()
    browser_login(page, "inspector")
    from tests.web.test_web_browser import fill_inspection

    item = fill_inspection(page, "港城化工有限公司", "装卸区警示标志缺失")
    item.locator(".f-photos").set_input_files(str(broken))
    page.click("#submit-inspection")
    refused = page.locator("#outbox li.outbox-item[data-state='rejected']")
    refused.wait_for()
    assert count(app, Inspection) == 0 and count(app, Photo) == 0
    assert outbox_item(page, lambda i: i["state"] == "rejected")["photos"][0]["refused"]
    refused.locator("button", has_text="不带被拒照片发送").tap()
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for()
    assert "有照片被服务器拒收，已略去" in page.locator("#outbox li.outbox-item").inner_text()
    assert count(app, Inspection) == 1 and count(app, FindingPhoto) == 0
