"""The tablet, measured in a real browser (issue 15): a one-row header, thumbnails of HEIC photos made on the
device, touch targets of 44 px, a visible focus ring and nothing focused hidden under the sticky bars.

Sizes: a 10-inch tablet upright (800x1280) and on its side (1280x800), and a phone (390x844)."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PHOTOS
from tests.web.test_web_browser import fill_inspection

PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
HEADER_MAX = 56  # one row: a 48 px target and 4 px above and below
ROLES = {"inspector": ("inspector",), "safety_manager": ("safety_manager",), "env_staff": ("env_staff",),
         "admin": ("admin",), "every role": ("inspector", "safety_manager", "env_staff", "admin")}

HEADER = """() => {
    const header = document.querySelector('header.topbar');
    const box = header.getBoundingClientRect();
    const row = [...document.querySelectorAll('.nav-row a')].map((a) => a.getAttribute('href'));
    const more = [...document.querySelectorAll('.nav-overflow a')].map((a) => a.getAttribute('href'));
    const shown = [...header.querySelectorAll('a, summary, button')].filter((el) => el.offsetParent !== null
        && !el.closest('details:not([open]) > :not(summary)'));
    const boxes = shown.map((el) => el.getBoundingClientRect());
    const outside = shown.filter((el, i) => { const r = boxes[i];
        return r.right > box.right + 0.5 || r.left < box.left - 0.5 || r.bottom > box.bottom + 0.5; });
    const overlaps = [];
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, j) => {
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
            overlaps.push([shown[i].textContent.trim(), shown[i + 1 + j].textContent.trim()]);
    }));
    return {height: box.height, row, more, moreShown: !document.querySelector('.nav-more').hidden,
            outside: outside.map((el) => el.outerHTML.slice(0, 80)), overlaps,
            sideways: document.documentElement.scrollWidth > innerWidth};
}"""


def in_order(part: list, whole: list) -> bool:
    positions = [whole.index(href) for href in part]
    return positions == sorted(positions)


@pytest.mark.parametrize("role", list(ROLES))
def test_the_header_is_one_row_and_every_link_is_reachable(tablet, browser_login, role):
    """At each size and in both languages the header is one row of at most 56 px; the links that do not fit are
    in "More", each exactly once and in order; "More" and the account menu open by touch and by keyboard."""
    page = tablet(viewport=PORTRAIT).new_page()
    browser_login(page, *ROLES[role])
    heights = {}
    for lang in ("zh", "en"):
        page.goto(f"/enterprises?lang={lang}")
        served = page.request.get("/enterprises").text()  # the links in the server's order, before nav.js
        expected = re.findall(r'<li><a href="([^"]+)"', served.split('class="nav-row"')[1].split("</ul>")[0])
        for name, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.wait_for_timeout(50)  # the ResizeObserver's turn
            got = page.evaluate(HEADER)
            heights[f"{lang} {name}"] = got["height"]
            assert got["height"] <= HEADER_MAX, (lang, name, got)
            # each link once, in order in the row and in "More" (the current page's link may stay in the row)
            assert sorted(got["row"] + got["more"]) == sorted(expected), (lang, name, got)
            assert all(in_order(part, expected) for part in (got["row"], got["more"])), (lang, name, got)
            assert got["moreShown"] == bool(got["more"]), (lang, name, got)
            assert got["outside"] == [] and got["overlaps"] == [] and not got["sideways"], (lang, name, got)
            if got["more"]:  # a tap opens "More" and its links are there to tap
                page.locator(".nav-more > summary").tap()
                link = page.locator(f".nav-overflow a[href='{got['more'][-1]}']")
                assert link.is_visible()
                box = link.bounding_box()
                assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
                page.keyboard.press("Escape")
                assert not link.is_visible()
        # the keyboard: Tab reaches the account menu, Enter opens it, Escape closes it and focus stays on it
        page.set_viewport_size(PORTRAIT)
        page.locator(".account > summary").focus()
        page.keyboard.press("Enter")
        logout = page.locator(".account button[type=submit]")
        assert logout.is_visible() and logout.inner_text() == ("退出" if lang == "zh" else "Log out")
        page.keyboard.press("Escape")
        assert not logout.is_visible()
        assert page.evaluate("document.activeElement.matches('.account > summary')")
    print(f"\nheader height (px), {role}: {heights}")


def test_a_link_in_more_opens_its_page(tablet, browser_login):
    page = tablet(viewport=PORTRAIT).new_page()
    browser_login(page, *ROLES["every role"])
    page.goto("/enterprises?lang=en")
    last = page.locator(".nav-overflow a").last
    href = last.get_attribute("href")
    page.locator(".nav-more > summary").tap()
    last.tap()
    page.wait_for_url(f"**{href}")
    # the current page's link stays in the row where it can
    assert page.locator(f".nav-row a[href='{href}'][aria-current=page]").is_visible()


# ---- HEIC photos: a thumbnail made on the device, in the form and in the outbox ----

@pytest.fixture
def heic_photo():
    photo = next(iter(sorted(PHOTOS.glob("*.HEIC")) + sorted(PHOTOS.glob("*.heic"))), None)
    if photo is None:
        pytest.skip(f"no HEIC sample photo in {PHOTOS}; it comes with the shared folder")
    return photo


DRAWN = "(img) => img.complete && img.naturalWidth > 0"


def test_a_heic_photo_gets_a_thumbnail_in_the_form_and_the_outbox(tablet, browser_login, make_enterprise,
                                                                   screenshots, heic_photo):
    """Chromium cannot draw HEIC: the thumbnail is a JPEG decoded on the device (vendored libheif, loaded only
    now, from the service worker's cache: this happens without signal) and it travels with the outbox entry."""
    make_enterprise(name="港城化工有限公司")
    context = tablet(portrait=True)
    page = context.new_page()
    browser_login(page, "inspector")
    decoder = []
    page.on("request", lambda request: "libheif" in request.url and decoder.append(request.url))
    page.goto("/inspect")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.locator("#inspection-form[data-offline-ready='1']").wait_for()
    context.set_offline(True)

    item = fill_inspection(page, "港城化工有限公司", "装卸区警示标志缺失")
    assert not decoder  # nothing chosen yet, nothing loaded
    item.locator(".f-photos").set_input_files(str(heic_photo))
    thumb = item.locator(".thumbs figure.thumb img")
    thumb.wait_for(timeout=30000)
    page.wait_for_function(f"() => ({DRAWN})(document.querySelector('li.item[data-code=HC-G-01] .thumbs img'))")
    assert thumb.evaluate("(img) => img.src").startswith("blob:")
    assert thumb.evaluate("(img) => img.naturalWidth") <= 320 and decoder
    screenshots(page, "heic-thumbnail-form", full_page=False)

    page.click("#submit-inspection")
    queued = page.locator("#outbox li.outbox-item[data-state='queued'] .thumbs img")
    queued.wait_for()
    page.wait_for_function(f"() => ({DRAWN})(document.querySelector('#outbox .thumbs img'))")
    # the original HEIC is what waits to be uploaded, untouched
    kept = page.evaluate("""async () => { const [item] = await Outbox.all();
        return {name: item.photos[0].name, size: item.photos[0].blob.size, thumb: item.photos[0].thumb.type}; }""")
    assert kept == {"name": heic_photo.name, "size": heic_photo.stat().st_size, "thumb": "image/jpeg"}
    page.goto("/today")  # the outbox on the inspector's day page shows it too
    page.locator("#outbox .thumbs img").wait_for()
    page.wait_for_function(f"() => ({DRAWN})(document.querySelector('#outbox .thumbs img'))")
    screenshots(page, "heic-thumbnail-outbox", full_page=False)


def test_a_photo_the_device_cannot_draw_gets_a_named_tile(tablet, browser_login, make_enterprise, tmp_path):
    make_enterprise(name="港城化工有限公司")
    page = tablet(portrait=True).new_page()
    browser_login(page, "inspector")
    item = fill_inspection(page, "港城化工有限公司", "装卸区警示标志缺失")
    broken = tmp_path / "IMG_0001.HEIC"
    broken.write_bytes(b"\0\0\0\x18ftypheic" + bytes(2000))  # a HEIF brand and nothing inside
    item.locator(".f-photos").set_input_files(str(broken))
    tile = item.locator(".thumbs figure.thumb-missing")
    tile.wait_for(timeout=30000)
    assert item.locator(".thumbs img").count() == 0  # no broken image
    assert "IMG_0001.HEIC" in tile.inner_text() and "本机无法预览" in tile.inner_text()
    assert tile.get_attribute("role") == "img" and "IMG_0001.HEIC" in tile.get_attribute("aria-label")
