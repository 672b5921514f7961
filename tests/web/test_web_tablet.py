"""The tablet, measured in a real browser (issue 15): a one-row header, thumbnails of HEIC photos made on the
device, touch targets of 44 px, a visible focus ring and nothing focused hidden under the sticky bars.

Sizes: a 10-inch tablet upright (800x1280) and on its side (1280x800), and a phone (390x844)."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PHOTOS, overdue_alert
from tests.web.test_web_browser import fill_inspection
from tests.web.test_web_cards_pages import major_card, record  # noqa: F401 (fixtures)
from tests.web.test_web_premises import building  # noqa: F401 (fixture)

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
        for name, size, waiting in (("portrait", PORTRAIT, 0), ("landscape", LANDSCAPE, 0), ("phone", PHONE, 0),
                                    ("portrait", PORTRAIT, 3), ("phone", PHONE, 3)):
            page.set_viewport_size(size)
            # inspections waiting on the tablet: their count appears in the header, as outbox.js shows it
            page.evaluate("""(n) => { const count = document.getElementById('outbox-count');
                if (count) { count.textContent = `${App.t('queued_short')} ${n}`; count.hidden = n === 0; } }""",
                          waiting)
            page.wait_for_timeout(50)  # the ResizeObserver's turn
            got = page.evaluate(HEADER)
            heights[f"{lang} {name}{' +outbox' if waiting else ''}"] = got["height"]
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


# ---- touch targets, the focus ring, nothing focused under the sticky bars ----

# Every control the page shows, measured where a finger lands: a check box or radio button by its label too (a
# tap on the label works it), a hidden file input (the camera button) by the label that shows it.
# Exempt, as WCAG 2.5.8's inline exception allows: a link displayed inline in running text, that is, whose nearest
# block container holds words (letters, not only separators such as ", " or " · ") outside every link, button,
# label and badge: a sentence, not a table cell, a heading or a list row holding the link alone.
TARGETS = r"""() => {
    const CONTROLS = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], '
        + '[tabindex]:not([tabindex="-1"]), label:has(> input:is(.visually-hidden, .sr-only))';
    const shown = (el) => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && el.getClientRects().length > 0
            && !el.closest('details:not([open]) > :not(summary)') && !el.closest('.sr-only, .visually-hidden')
            && r.right > 0 && r.left < innerWidth; };
    const blockOf = (el) => { let b = el.parentElement;
        while (b && getComputedStyle(b).display.startsWith('inline')) b = b.parentElement; return b; };
    // running text: words (letters, not only separators such as ", " or " · ") outside every link and control
    const inRunningText = (el) => { if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
        const walker = document.createTreeWalker(blockOf(el), NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.parentElement.closest('a, button, label, .badge') && /\p{L}/u.test(node.textContent)) return true;
        }
        return false; };
    const area = (el) => { const boxes = [el.getBoundingClientRect()];
        if (el.matches('input[type=checkbox], input[type=radio], input[type=file]')) {
            const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
            if (label) boxes.push(label.getBoundingClientRect());
            if (el.nextElementSibling) boxes.push(el.nextElementSibling.getBoundingClientRect());
        }
        return boxes.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b)); };
    const small = [], exempt = [];
    for (const el of document.querySelectorAll(CONTROLS)) {
        if (!shown(el) && !(el.matches('input') && el.nextElementSibling && shown(el.nextElementSibling))) continue;
        const r = area(el);
        if (r.width >= 44 && r.height >= 44) continue;
        const what = `${el.outerHTML.slice(0, 90)} ${Math.round(r.width)}x${Math.round(r.height)}`;
        (inRunningText(el) ? exempt : small).push(what);
    }
    return {small, exempt};
}"""

# The focused element (after a Tab): does it, or what draws it (the span of a segmented choice, the label of a
# camera button), show a ring, and is it the element at the centre of its box, not the sticky header or bar?
FOCUSED = r"""() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const drawn = [el, el.nextElementSibling, el.closest('label')].filter(Boolean);
    const ring = drawn.some((d) => { const s = getComputedStyle(d);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; });
    const r = el.getClientRects()[0] || el.getBoundingClientRect();  // a wrapped link: its first line
    const x = r.left + r.width / 2, y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    const seen = !!top && drawn.some((d) => d === top || d.contains(top));
    return {what: el.outerHTML.slice(0, 90), ring, seen, over: seen || !top ? '' : top.outerHTML.slice(0, 60)};
}"""


def walk_focus(page, key="Tab", limit=800) -> tuple[list[str], int]:
    """Tab through the page (as a keyboard does, so :focus-visible applies; ``Shift+Tab`` from the end, upwards,
    where the sticky header is the danger) and report each element without a ring or hidden under something
    else at its centre; and how many elements were reached."""
    faults = []
    # start from the document itself: Tab goes to the first element, Shift+Tab to the last
    page.evaluate("document.querySelectorAll('[data-walk]').forEach((el) => { delete el.dataset.walk; });"
                  "document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex')")
    seen, last = set(), None
    for _ in range(limit):
        page.keyboard.press(key)
        got = page.evaluate(FOCUSED)
        if got is None:
            break
        mark = page.evaluate("() => { const el = document.activeElement; el.dataset.walk ||= Math.random(); "
                             "return el.dataset.walk; }")
        if mark == last:
            continue  # the parts of one control (a date field's day, month, year)
        if mark in seen:
            break  # round the page once
        seen.add(mark)
        last = mark
        if not got["ring"]:
            faults.append(f"no focus ring: {got['what']}")
        if not got["seen"]:
            faults.append(f"covered when focused ({key}): {got['what']} under {got['over']}")
    return faults, len(seen)


@pytest.fixture
def everything(client, auth, water, body, building, major_card):  # noqa: F811 (the imported fixtures)
    """One of each page's subject: a finding with a card, an inspection, a water body, shared premises."""
    enterprise, card, finding = major_card
    return {"enterprise": enterprise, "card": card, "finding": finding, "body": body,
            "premises": building["premises"], "inspection": building["inspection"],
            "finding_json": client.get(f"/api/v1/findings/{finding}", headers=auth("safety_manager")).json}


def test_touch_targets_focus_rings_and_nothing_hidden_when_focused(app, tablet, browser_login, everything,
                                                                   screenshots):
    """The main pages at 800x1280 for a user who holds every role (so every form shows): no control smaller than
    44x44 px but links in running text, a ring on everything the keyboard reaches, none of it under the sticky
    header or the form's submit bar."""
    page = tablet(viewport=PORTRAIT).new_page()
    user_id = browser_login(page, *ROLES["every role"])
    overdue_alert(app, everything["finding_json"], user_id)
    pages = ["/today", "/findings", f"/findings/{everything['finding']}", "/enterprises",
             f"/enterprises/{everything['enterprise']}", f"/inspections/{everything['inspection']}", "/cards",
             f"/cards/{everything['card']}", "/water-bodies", f"/water-bodies/{everything['body']}", "/premises",
             f"/premises/{everything['premises']}", "/alerts", "/extensions", "/inspect"]
    report = {}
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if path == "/inspect":  # the form with its checklist and a finding open, as in the field
            page.fill("#enterprise-q", "港城")
            page.locator("#enterprise-results .choice").first.click()
            page.wait_for_selector("#checklist li.item")
            page.locator("#checklist li.item .res-failed span").first.tap()
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = !d.closest('header'); })")
        targets = page.evaluate(TARGETS)
        down, reached = walk_focus(page)
        up, _ = walk_focus(page, "Shift+Tab")
        report[path] = {"faults": [f"small: {what}" for what in targets["small"]] + down + up,
                        "exempt (inline in text)": targets["exempt"]}
        print(f"\n{path}: {reached} elements reached by Tab")
        screenshots(page, f"tablet-targets{path.replace('/', '-')}")
    for path, found in report.items():
        print(f"\n{path}")
        for kind, lines in found.items():
            for line in lines:
                print(f"  {kind}: {line}")
    assert not any(found["faults"] for found in report.values())
