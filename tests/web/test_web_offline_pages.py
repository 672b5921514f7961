"""Issue 15, the tablet offline: visited pages open from the service worker's copy with a notice that they may be
stale (and never for another user), and a finding's rectification and verification wait in the outbox like an
inspection and arrive once.

Debian's Chromium at 800x1280 (a 10-inch tablet upright), as test_web_browser.py drives it; the database is the
suite's real one, and the photo one of the shared sample photos."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from inspections.models import Finding, FindingEvent
from photos.models import FindingPhoto, Photo
from tests.conftest import inspection_payload
from tests.web.conftest import local_day
from tests.web.test_web_offline import outbox_item

TABLET = {"width": 800, "height": 1280}
ZH_RECTIFIED = "整改已提交，等待现场复查。"


def events(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(FindingEvent)
                                 .where(FindingEvent.action == action))


def after_photos(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(FindingPhoto)
                                 .where(FindingPhoto.kind == "rectification"))


@pytest.fixture
def recorded(client, auth, make_enterprise):
    """``recorded(description)`` → id of an open general finding recorded through the API by another inspector
    (with their headers), so the browser's user only reads and acts on it."""
    def make(description="装卸区安全警示标志缺失"):
        headers = auth("inspector")
        payload = inspection_payload(make_enterprise(name="港城化工有限公司"))
        payload["findings"][0]["description"] = description
        response = client.post("/api/v1/inspections", headers=headers, json=payload)
        assert response.status_code == 201, response.json
        return response.json["findings"][0]["id"], headers

    return make


def kept_pages(page) -> list[str]:
    return page.evaluate("caches.open('pages-v1').then((c) => c.keys()).then((k) => k.map((r) => r.url))")


def visit_kept(page, path: str) -> None:
    """Open ``path`` with the service worker in control, and wait until its copy is kept. A page whose load began
    while the worker was still activating stays uncontrolled (``clients.claim`` does not take it): load again."""
    deadline = time.monotonic() + 60
    page.goto(path)
    while not page.evaluate("navigator.serviceWorker.controller !== null"):
        assert time.monotonic() < deadline, "the service worker never took the page"
        page.wait_for_timeout(300)
        page.goto(path)
    page.goto(path)
    while not any(url.endswith(path) for url in kept_pages(page)):
        assert time.monotonic() < deadline, kept_pages(page)
        page.wait_for_timeout(100)


def test_a_visited_page_opens_offline_marked_stale_and_never_for_the_next_user(
        app, tablet, browser_login, recorded, screenshots):
    finding_id, _ = recorded("仓库消防通道堵塞")
    context = tablet(viewport=TABLET)
    page = context.new_page()
    browser_login(page, "inspector")
    with app.app_context():
        enterprise_id = db.session.get(Finding, finding_id).enterprise_id
    visited = [f"/enterprises/{enterprise_id}", "/today", "/findings", f"/findings/{finding_id}"]
    for path in visited:
        visit_kept(page, path)
        assert page.locator("#stale-notice").count() == 0  # fresh from the server: no notice

    context.set_offline(True)
    for path in visited[:-1]:
        assert page.goto(path).from_service_worker
        assert page.locator("#stale-notice").is_visible(), path
    reloaded = page.goto(f"/findings/{finding_id}")
    assert reloaded.from_service_worker
    notice = page.locator("#stale-notice")
    assert notice.is_visible()
    # The zone's clock, in the page's language: "无网络：这是本页于 2026年12月1日 16:05 保存的副本，…"
    assert re.fullmatch(r"无网络：这是本页于 \d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2} 保存的副本，内容可能已过时。",
                        notice.inner_text()), notice.inner_text()
    assert "仓库消防通道堵塞" in page.locator(".lead").inner_text()
    screenshots(page, "offline-finding-stale-portrait", full_page=False)

    # An English page says it in English.
    context.set_offline(False)
    visit_kept(page, f"/findings/{finding_id}?lang=en")
    context.set_offline(True)
    page.goto(f"/findings/{finding_id}?lang=en")
    english = page.locator("#stale-notice").inner_text()
    assert re.fullmatch(r"No connection: this is the copy of this page kept on \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2}"
                        r"\s[AP]M; it may be out of date\.", english), english

    # The next user of the shared tablet: A logs out, B logs in; offline, A's copy does not open for B.
    context.set_offline(False)
    page.goto(f"/findings/{finding_id}")
    page.locator(".account > summary").click()  # logging out is in the account menu
    page.locator(".account form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login"))
    browser_login(page, "inspector")
    assert not any(f"/findings/{finding_id}" in url for url in kept_pages(page))
    context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(f"/findings/{finding_id}")


def test_a_copy_is_served_only_to_the_user_it_was_made_for(app, tablet, browser_login, recorded):
    """Whatever the login page did: the service worker itself learns the user from each page it sees, drops the
    copies when the user changes, and checks each copy's user before it serves it."""
    finding_id, _ = recorded()
    context = tablet(viewport=TABLET)
    page = context.new_page()
    browser_login(page, "inspector")
    visit_kept(page, f"/findings/{finding_id}")
    context.clear_cookies()  # the session ends without the logout page (expired, or cookies cleared)
    browser_login(page, "safety_manager")
    page.goto("/findings")
    assert kept_pages(page) == [] or not any(f"/findings/{finding_id}" in url for url in kept_pages(page))
    context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(f"/findings/{finding_id}")


def test_downloads_errors_and_old_pages_are_not_kept(app, tablet, browser_login, recorded):
    finding_id, _ = recorded()
    context = tablet(viewport=TABLET)
    page = context.new_page()
    browser_login(page, "inspector")
    visit_kept(page, f"/findings/{finding_id}")
    page.goto("/findings/999999")  # a 404 page
    page.goto("/findings/0/nothing-here")
    kept = kept_pages(page)
    assert not any("999999" in url or "nothing-here" in url for url in kept), kept
    # Bounded: the oldest copies go beyond 50 pages.
    for n in range(55):
        page.goto(f"/findings?n={n}")
    page.wait_for_timeout(500)
    kept = kept_pages(page)
    assert len(kept) == 50, len(kept)
    assert not any(url.endswith(f"/findings/{finding_id}") for url in kept)  # the oldest went first
    assert any(url.endswith("/findings?n=54") for url in kept)


def test_a_rectification_made_offline_with_a_photo_arrives_once_even_when_sent_twice(
        app, tablet, browser_login, recorded, photo_api, screenshots):
    """No signal on site: the note and the photo wait in the outbox (the form hidden, the item listed, across a
    reload from the kept copy). Back online, the first send reaches the server but its answer is lost; the
    outbox sends again with the same client_id: one rectification event, one photo."""
    finding_id, _ = recorded()
    context = tablet(viewport=TABLET)
    page = context.new_page()
    user_id = browser_login(page, "inspector")
    visit_kept(page, f"/findings/{finding_id}")

    context.set_offline(True)
    page.fill("#rect-note", "已重新张贴警示标志并设置围挡")
    page.set_input_files("#rect-photos", str(photo_api))
    page.locator("#rectify .thumbs img").wait_for()
    page.locator("#rectify button[type=submit]").tap()
    item = outbox_item(page, lambda i: i["state"] == "queued")
    assert item["payload"]["note"] == "已重新张贴警示标志并设置围挡" and len(item["photos"]) == 1
    page.locator("#rectify").wait_for(state="hidden")
    listed = page.locator("#outbox li.outbox-item")
    assert "已重新张贴警示标志" in listed.inner_text() and listed.get_attribute("data-state") == "queued"
    screenshots(page, "offline-rectification-queued-portrait", full_page=False)

    page.reload()  # still offline: the kept copy, the item still there and the form still held back
    assert page.locator("#stale-notice").is_visible()
    page.locator("#outbox li.outbox-item[data-state='queued']").wait_for()
    page.locator("#rectify").wait_for(state="hidden")
    assert events(app, "rectification_submitted") == 0

    api = f"**/api/v1/findings/{finding_id}/rectification"
    sent = []
    page.on("request", lambda r: sent.append(r.post_data_json["client_id"])
            if r.url.endswith(f"/findings/{finding_id}/rectification") and r.method == "POST" else None)

    def lost_answer(route):
        route.fetch()  # the server stores it...
        route.abort("internetdisconnected")  # ...and the answer never reaches the tablet

    page.route(api, lost_answer, times=1)
    context.set_offline(False)
    outbox_item(page, lambda i: i["attempts"] > 0, timeout=30)
    assert events(app, "rectification_submitted") == 1
    page.evaluate("Outbox.sync(true)")  # the retry
    page.wait_for_function("() => document.querySelector('.status-rectification_submitted') !== null",
                           timeout=30000)
    assert len(sent) == 2 and set(sent) == {item["client_id"]}
    assert page.locator(".flash-success").inner_text() == ZH_RECTIFIED  # as after the form's post
    assert events(app, "rectification_submitted") == 1 and after_photos(app) == 1
    with app.app_context():
        assert db.session.get(Finding, finding_id).status == "rectification_submitted"
        [link] = db.session.get(Finding, finding_id).photo_links
        assert link.kind == "rectification"
        assert db.session.get(Photo, link.photo_id).uploaded_by_id == user_id
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for()
    page.evaluate("Outbox.sync(true)")
    page.wait_for_timeout(300)
    assert events(app, "rectification_submitted") == 1 and after_photos(app) == 1


@pytest.fixture
def verify_offline(client, tablet, browser_login, recorded):
    """``verify_offline(decision, note)`` → (context, page, finding id): a safety manager's decision on a submitted
    rectification, made without signal on the kept page and waiting in the outbox."""
    def make(decision: str, note: str):
        finding_id, inspector = recorded()
        response = client.post(f"/api/v1/findings/{finding_id}/rectification", headers=inspector,
                               json={"note": "已整改"})
        assert response.status_code == 200, response.json
        context = tablet(viewport=TABLET)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        browser_login(page, "safety_manager")
        visit_kept(page, f"/findings/{finding_id}")
        context.set_offline(True)
        page.locator("#verify label.seg", has_text=decision).tap()
        page.fill("#verify-note", note)
        page.locator("#verify button[type=submit]").tap()
        outbox_item(page, lambda i: i["state"] == "queued")
        page.locator("#verify").wait_for(state="hidden")
        return context, page, finding_id

    return make


def test_a_verification_made_offline_arrives_once(app, verify_offline):
    context, page, _ = verify_offline("通过并销号", "现场核实已整改")
    context.set_offline(False)
    page.wait_for_function("() => document.querySelector('.status-verified') !== null", timeout=30000)
    assert events(app, "verified") == 1
    page.evaluate("Outbox.sync(true)")
    page.wait_for_timeout(300)
    assert events(app, "verified") == 1


def test_a_verification_refused_on_arrival_stays_with_the_reason_until_discarded(
        app, client, auth, verify_offline, screenshots):
    """Someone else verified while this tablet had no signal: the queued decision is refused (409); the outbox
    says why in the page's language and keeps it, across a reload, until the user discards it."""
    context, page, finding_id = verify_offline("驳回", "围挡不完整，需重新整改")

    other = client.post(f"/api/v1/findings/{finding_id}/verification", headers=auth("safety_manager"),
                        json={"accepted": True, "note": "已核实"})
    assert other.status_code == 200, other.json
    context.set_offline(False)
    refused = page.locator("#outbox li.outbox-item[data-state='rejected']")
    refused.wait_for(timeout=30000)
    text = refused.inner_text()
    assert "未被接受：与服务器上现有的记录冲突（例如该隐患已由他人核查）。" in text and "409" in text, text
    assert "围挡不完整" in text
    screenshots(page, "offline-verification-refused-portrait", full_page=False)
    page.reload()
    page.locator("#outbox li.outbox-item[data-state='rejected']").wait_for()  # kept until the user decides
    assert events(app, "rejected") == 0

    assert page.locator(".status-verified").is_visible()  # the page now says who got there first
    page.locator("#outbox li.outbox-item button.btn-danger").tap()
    page.locator("#outbox li.outbox-item").wait_for(state="detached")
    assert page.evaluate("Outbox.all()") == []


def test_discarding_a_queued_rectification_gives_the_form_back_as_it_was(
        app, tablet, browser_login, recorded, photo_api):
    finding_id, _ = recorded()
    context = tablet(viewport=TABLET)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, "inspector")
    visit_kept(page, f"/findings/{finding_id}")
    context.set_offline(True)
    page.fill("#rect-note", "已设置围挡")
    page.set_input_files("#rect-photos", str(photo_api))
    page.locator("#rectify button[type=submit]").tap()
    outbox_item(page, lambda i: i["state"] == "queued")
    page.locator("#rectify").wait_for(state="hidden")
    page.locator("#outbox li.outbox-item button.btn-danger").tap()
    page.locator("#rectify").wait_for()
    assert page.input_value("#rect-note") == "已设置围挡"
    assert page.evaluate("document.getElementById('rect-photos').files.length") == 1
    page.locator("#rectify .thumbs img").wait_for()
    assert page.evaluate("Outbox.all()") == [] and events(app, "rectification_submitted") == 0


def test_an_extension_request_made_offline_arrives_once(app, client, tablet, browser_login, recorded):
    finding_id, headers = recorded()
    deadline = date.fromisoformat(client.get(f"/api/v1/findings/{finding_id}", headers=headers).json["deadline"])
    wanted = (max(deadline, local_day()) + timedelta(days=3)).isoformat()
    context = tablet(viewport=TABLET)
    page = context.new_page()
    browser_login(page, "inspector")
    visit_kept(page, f"/findings/{finding_id}")
    context.set_offline(True)
    page.locator("#extend summary").tap()
    page.fill("#ext-new_deadline", wanted)
    page.fill("#ext-reason", "配件到货延迟")
    page.locator("#extend button[type=submit]").tap()
    outbox_item(page, lambda i: i["state"] == "queued")
    context.set_offline(False)
    page.wait_for_function("() => document.querySelector('#extend') === null", timeout=30000)
    assert events(app, "extension_requested") == 1
