"""The pages in a real browser (Debian's Chromium driven by Playwright) at 10-inch tablet size with touch.

Skipped with a reason when Chromium is not installed; CI installs it (.ci/run)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from core.db import db
from inspections.models import Finding, Inspection

XSS = '<img src=x onerror="window.__xss=1">'


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def no_dialogs(page):
    """Fail on any alert/confirm the page opens unasked (an executed XSS payload would)."""
    opened = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def open_checklist(page, enterprise_name):
    """The form with ``enterprise_name`` chosen and its checklist loaded."""
    page.goto("/inspect")
    page.fill("#enterprise-q", enterprise_name[:2])
    page.locator("#enterprise-results .choice", has_text=enterprise_name).click()
    page.wait_for_selector("#checklist li.item")


def go_through_sections(page):
    """As an inspector does: scroll each shown section to its last item, then mark the rest of it as not found
    (the control waits until the section's end has been in view)."""
    for section in page.locator("#checklist section.part").all():
        if not section.is_visible():
            continue
        section.locator("li.item").last.locator(".result-choice").evaluate(
            "(el) => el.scrollIntoView({block: 'center'})")
        rest = section.locator(".mark-rest")
        if rest.is_visible():
            rest.click()  # Playwright's click waits until the control is enabled
    assert page.locator("#next-missing").is_hidden()


def fill_inspection(page, enterprise_name, description, photo=None):
    open_checklist(page, enterprise_name)
    assert page.is_checked("input[name=domain][value=hazardous_chemicals]")  # from the enterprise's sector
    go_through_sections(page)
    item = page.locator("li.item[data-code='HC-G-01']")
    item.locator(".res-failed span").tap()
    assert item.locator(".finding-panel").is_visible()
    item.locator(".f-desc").fill(description)
    item.locator(".f-resp").fill("王工")
    deadline = item.locator(".f-deadline").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline)
    if photo is not None:
        item.locator(".f-photos").set_input_files(str(photo))
        item.locator(".thumbs img").wait_for()
    return item


@pytest.mark.parametrize("with_photo", [False, True], ids=["no-photo", "photo"])
def test_inspection_submitted_offline_arrives_once_when_back_online(
        request, app, tablet, browser_login, make_enterprise, screenshots, with_photo):
    photo = request.getfixturevalue("photo_api") if with_photo else None
    make_enterprise(name="港城化工有限公司")
    context = tablet()
    page = context.new_page()
    dialogs = no_dialogs(page)
    browser_login(page, "inspector")
    page.goto("/inspect")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")  # the app shell is cached
    page.locator("#inspection-form[data-offline-ready='1']").wait_for()  # directory and checklists too

    # The whole inspection happens without signal: page, enterprise search, checklist, photos, submit.
    context.set_offline(True)
    fill_inspection(page, "港城化工有限公司", f"装卸区警示标志缺失 {XSS}", photo)
    assert not page.evaluate("navigator.onLine")
    screenshots(page, f"inspector-form-filled-{request.node.callspec.id}")
    page.click("#submit-inspection")
    queued = page.locator("#outbox li.outbox-item")
    queued.wait_for()
    assert queued.get_attribute("data-state") == "queued"
    assert page.locator("#net-status").is_visible()
    assert page.locator("#outbox-count").inner_text().endswith("1")
    screenshots(page, f"inspector-offline-queued-{request.node.callspec.id}")

    # Still no signal: the page reloads from the service worker and the queue survives in IndexedDB.
    reloaded = page.reload()
    assert reloaded.from_service_worker
    page.locator("#outbox li.outbox-item[data-state='queued']").wait_for()
    assert page.locator("#inspection-form").is_visible()
    page.wait_for_timeout(500)
    assert count(app, Inspection) == 0

    context.set_offline(False)
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for(timeout=30000)
    assert page.locator("#outbox-count").is_hidden()
    assert count(app, Inspection) == 1 and count(app, Finding) == 1
    with app.app_context():
        finding = db.session.scalars(sa.select(Finding)).one()
        assert finding.item_code == "HC-G-01" and XSS in finding.description
        assert finding.responsible_person == "王工"
        assert len(finding.photo_links) == (1 if with_photo else 0)
        finding_id = finding.id

    # Nothing is sent twice: more retry rounds and a reload leave one inspection.
    page.evaluate("Outbox.sync(true)")
    page.reload()
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for()
    assert count(app, Inspection) == 1

    page.goto(f"/findings/{finding_id}")
    assert XSS in page.locator(".lead").inner_text()  # shown as text, not run
    assert page.evaluate("window.__xss") is None
    if with_photo:
        # the thumbnail is lazy-loaded: wait until it has decoded (a broken image never gets a width)
        page.wait_for_function("() => { const img = document.querySelector('.before-after img');"
                               " return img !== null && img.complete && img.naturalWidth > 0; }")
    screenshots(page, f"finding-{request.node.callspec.id}")
    assert dialogs == []


def test_lost_response_is_retried_with_the_same_client_id(app, tablet, browser_login, make_enterprise):
    """The server stored the inspection but the answer never reached the tablet: the retry must not duplicate."""
    make_enterprise(name="滨江燃气储运公司", sector="hazardous_chemicals")
    context = tablet(service_workers="block")
    page = context.new_page()
    browser_login(page, "inspector")
    fill_inspection(page, "滨江燃气储运公司", "气瓶未固定")
    seen = []

    def lose_first_answer(route):
        body = route.request.post_data_json
        seen.append(body["client_id"])
        response = route.fetch()  # the server stores it...
        if len(seen) == 1:
            route.abort("connectionreset")  # ...but the tablet never hears back
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/inspections", lose_first_answer)
    page.click("#submit-inspection")
    page.locator("#outbox li.outbox-item[data-state='queued']").wait_for()
    page.locator("#outbox li.outbox-item button", has_text=re.compile("重试|Retry")).first.tap()
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for()
    assert len(seen) == 2 and seen[0] == seen[1]
    assert count(app, Inspection) == 1


ROLE_NAV = {
    "inspector": ["/today", "/inspect", "/findings", "/enterprises", "/premises", "/alerts"],
    "safety_manager": ["/findings", "/extensions", "/cards", "/water-bodies", "/enterprises", "/premises", "/alerts"],
    "env_staff": ["/water-bodies", "/enterprises", "/alerts"],
}
UNTRANSLATED = ["Log out", "Findings", "Enterprises", "Alerts", "Today", "New inspection", "Submit inspection",
                "Card board", "Extension requests", "Waiting to be sent", "Water bodies", "Cards issued per month"]


@pytest.mark.parametrize("role", sorted(ROLE_NAV))
def test_walk_the_navigation_in_both_languages(app, tablet, browser_login, make_enterprise, screenshots, role):
    make_enterprise(name="港城化工有限公司")
    context = tablet(portrait=role == "safety_manager")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, role)
    for lang in ("zh", "en"):
        page.goto(f"/?lang={lang}")
        links = page.locator("nav.mainnav a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert hrefs == ROLE_NAV[role]
        for href in hrefs:
            link = page.locator(f"nav.mainnav a[href='{href}']")
            if not link.is_visible():  # a link that does not fit the header's one row is under "More"
                page.locator(".nav-more > summary").tap()
            link.tap()
            page.wait_for_url(f"**{href}")
            page.wait_for_load_state("networkidle")
            # the page, and the account menu (closed) with its log-out button
            text = page.locator("body").inner_text() + page.locator(".account").text_content()
            if lang == "zh":
                leaks = [key for key in UNTRANSLATED if key in text]
                assert not leaks, f"{href}: untranslated {leaks}"
                assert "退出" in text
            else:
                assert "Log out" in text and "退出" not in text
            screenshots(page, f"{role}-{href.strip('/')}-{lang}")
    assert errors == []


def test_pages_send_the_content_security_policy(tablet, browser_login):
    page = tablet().new_page()
    browser_login(page, "inspector")
    response = page.goto("/inspect")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("portrait", [False, True], ids=["landscape", "portrait"])
def test_inspector_form_fits_a_tablet_with_big_targets(tablet, browser_login, make_enterprise, screenshots, portrait):
    make_enterprise(name="港城化工有限公司")
    page = tablet(portrait=portrait).new_page()
    browser_login(page, "inspector")
    fill_inspection(page, "港城化工有限公司", "装卸区警示标志缺失")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"
    small = page.evaluate("""() => Array.from(document.querySelectorAll(
            '#inspection-form button, #inspection-form .res span, #inspection-form .seg span, nav.mainnav a'))
        .filter((el) => el.offsetParent !== null)
        .map((el) => el.getBoundingClientRect())
        .filter((box) => box.height < 44 || box.width < 44).length""")
    assert small == 0, "touch targets smaller than 44 px"
    orientation = "portrait" if portrait else "landscape"
    page.evaluate("window.scrollTo(0, 0)")
    screenshots(page, f"inspector-form-{orientation}", full_page=False)  # what the tablet shows
    page.locator("li.item[data-code='HC-G-01']").evaluate("(el) => el.scrollIntoView({block: 'center'})")
    screenshots(page, f"inspector-form-finding-{orientation}", full_page=False)


def test_a_local_item_with_one_long_word_wraps_and_its_section_can_be_gone_through(
        client, auth, tablet, browser_login, make_enterprise):
    """An administrator's item may hold a long unbroken string (a code, a URL): it wraps on the tablet instead
    of pushing the answers off the side, where the section's end could never come into view."""
    item = {"code": "HC-L-77", "text_zh": "园区自定：" + "A1" * 150, "text_en": "Local: " + "B2" * 150,
            "category": "thing", "is_major": False, "default_deadline_days": 7}
    assert client.post("/api/v1/checklists/hazardous_chemicals/items", headers=auth("admin"),
                       json=item).status_code == 201
    make_enterprise(name="港城化工有限公司")
    for portrait in (False, True):
        page = tablet(portrait=portrait).new_page()
        browser_login(page, "inspector")
        fill_inspection(page, "港城化工有限公司", "装卸区警示标志缺失")  # goes through every section
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_rectification_with_an_after_photo_downscaled_on_the_device(
        app, client, auth, tablet, browser_login, make_enterprise, photo_api, tmp_path, screenshots):
    """A big camera photo is shrunk to 2048 px on the tablet before upload; before and after show side by side."""
    from PIL import Image

    from photos.models import FindingPhoto, Photo
    from tests.conftest import inspection_payload

    enterprise = make_enterprise(name="港城化工有限公司")
    inspector = auth("inspector")  # a finding takes only photos its own inspector uploaded
    evidence = client.post("/api/v1/photos", headers=inspector,
                           data={"file": (io.BytesIO(photo_api.read_bytes()), photo_api.name)}).json["id"]
    payload = inspection_payload(enterprise)
    payload["findings"][0]["photo_ids"] = [evidence]
    finding_id = client.post("/api/v1/inspections", headers=inspector, json=payload).json["findings"][0]["id"]
    big = tmp_path / "after.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side, as tablets do: upright it is 3000 wide, 4000 high
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 10:30:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 57.0, 36.0), 3: "E", 4: (120.0, 40.0, 12.0)})
    Image.radial_gradient("L").resize((4000, 3000)).convert("RGB").save(big, quality=95, exif=exif)

    page = tablet().new_page()
    browser_login(page, "inspector")
    page.goto(f"/findings/{finding_id}")
    page.fill("#rect-note", "已补设警示标志")
    page.set_input_files("#rect-photos", str(big))
    page.locator("[data-thumbs-for='rect-photos'] img").wait_for()
    # Submitted at once: the form waits for the shrinking instead of sending the 4000 px original.
    with page.expect_navigation():
        page.locator("#rectify button[type=submit]").tap()
    flash = page.locator(".flash").first
    assert flash.get_attribute("class") == "flash flash-success", flash.inner_text()
    assert page.locator(".before-after > div").nth(1).locator("img").count() == 1
    with app.app_context():
        rectification = sa.select(Photo).join(FindingPhoto).where(FindingPhoto.kind == "rectification")
        after = db.session.scalars(rectification).one()
        assert (after.width, after.height) == (1536, 2048)  # upright and downscaled on the tablet
        assert after.latitude == pytest.approx(31.96) and after.longitude == pytest.approx(120.67)  # EXIF kept
        assert after.taken_dt is not None
    screenshots(page, "finding-before-after")


def test_manager_sees_the_card_and_its_reason(client, auth, tablet, browser_login, make_enterprise, screenshots):
    """A failed major item (an open major hazard) gives the enterprise a yellow card, shown with its reason."""
    from tests.conftest import inspection_payload

    enterprise = make_enterprise(name="港城化工有限公司")
    payload = inspection_payload(enterprise, checklist=[{"item_code": "HC-01", "result": "failed"}],
                                 findings=[{"item_code": "HC-01", "description": "主要负责人未经考核",
                                            "category": "person"}])
    assert client.post("/api/v1/inspections", headers=auth("inspector"), json=payload).status_code == 201
    page = tablet().new_page()
    browser_login(page, "safety_manager")
    page.goto("/cards")
    card = page.locator(".board .card", has_text="港城化工有限公司")
    assert "黄牌" in card.inner_text() and "存在未完成整改的重大事故隐患" in card.inner_text()
    screenshots(page, "card-board-zh")
    for name in ("by-month", "by-sector", "overdue"):
        page.locator(f"canvas#chart-{name}[data-rendered='1']").wait_for()
    active_by_sector = page.evaluate(
        "() => Chart.getChart('chart-by-sector').data.datasets.map((set) => set.data.reduce((a, b) => a + b, 0))")
    assert sum(active_by_sector) == 1
    page.goto("/cards?lang=en")
    assert "An unresolved major hazard" in page.locator(".board .card").first.inner_text()
    screenshots(page, "card-board-en")
    page.locator(".board .card a").first.tap()
    page.wait_for_url("**/enterprises/*")
    assert "An unresolved major hazard" in page.locator("body").inner_text()
    screenshots(page, "enterprise-en")


def test_alerts_inbox_lists_and_acknowledges(app, client, auth, tablet, browser_login, make_enterprise, screenshots):
    from tests.conftest import inspection_payload
    from tests.web.conftest import overdue_alert

    payload = inspection_payload(make_enterprise(name="港城化工有限公司"))
    finding = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload).json["findings"][0]
    page = tablet().new_page()
    overdue_alert(app, finding, browser_login(page, "safety_manager"))
    page.goto("/alerts")
    row = page.locator("#alerts li.unread")
    row.wait_for()
    assert "港城化工有限公司" in row.inner_text()
    screenshots(page, "alerts-zh")
    row.locator("button").tap()
    page.locator("#alerts li.read").wait_for()
    assert page.locator("#alerts li.unread").count() == 0
    page.locator("#alerts li.read a").tap()
    page.wait_for_url(f"**/findings/{finding['id']}")


def test_environmental_staff_see_a_bodys_trend_chart(tablet, browser_login, water, body, screenshots):
    """The chart is drawn by the vendored Chart.js: one line per section and the target as a dashed line."""
    page = tablet(portrait=True).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "env_staff")
    page.goto("/water-bodies")
    row = page.locator(".water-list li", has_text="和平河")
    assert "Ⅲ类" in row.inner_text() and "Ⅳ类" in row.inner_text()  # current class against the target
    screenshots(page, "water-bodies-zh")
    row.locator("a").first.tap()
    page.wait_for_url(f"**/water-bodies/{body}")
    page.locator("canvas#chart-trend[data-rendered='1']").wait_for()
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart('chart-trend');
        return chart.data.datasets.map((set) => ({label: set.label, dashed: set.borderDash.length > 0,
                                                  points: set.data.filter((v) => v !== null).length}));
    }""")
    sections = {d["label"]: d["points"] for d in drawn if not d["dashed"]}
    assert sections == {"上游断面": 12, "下游断面": 6}
    assert [d["points"] for d in drawn if d["dashed"]] == [12]
    page.locator("#chart-trend").scroll_into_view_if_needed()
    screenshots(page, "water-body-zh")
    assert errors == []


@pytest.mark.parametrize(("lang", "message"), [("zh", "水体 和平河 已存在"),
                                               ("en", "a water body named 和平河 already exists")])
def test_the_pages_scripts_get_refusals_in_the_pages_language(tablet, browser_login, water, body, lang, message):
    """The browser itself says English (Playwright's default); the page's language decides."""
    page = tablet().new_page()
    browser_login(page, "env_staff")
    page.goto(f"/water-bodies?lang={lang}")
    answer = page.evaluate("""async () => {
        const response = await App.api('/api/v1/water-bodies', {method: 'POST', json: {name: '和平河', kind: 'river'}});
        return [response.status, (await response.json()).message];
    }""")
    assert answer == [409, message]
