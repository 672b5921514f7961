"""The checklist on the inspection form reads right and is quick to finish (issue 14), in real headless Chromium
at tablet and phone size: answers that fit violation-worded items, the standard's parts, progress and the items
still to answer, "mark the rest of this section" only after going through it, accessible names, a visible focus
ring, nothing under the submit bar, and the notice of a newer edition whose items are not loaded."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from inspections.models import Inspection
from risk_rules.citation import cite
from tests.web.conftest import LANDSCAPE, PHONE, PORTRAIT, local_day, successor_notice
from tests.web.test_web_browser import go_through_sections, open_checklist

WORKS = "港城机械制造有限公司"

UNCOVERED = """(item) => Array.from(item.querySelectorAll('.res span')).every((span) => {
    const box = span.getBoundingClientRect();
    const x = box.left + box.width / 2;
    // the middle and both edges: a button half under the bar is covered too
    return [box.top + 3, box.top + box.height / 2, box.bottom - 3].every((y) => {
        const hit = document.elementFromPoint(x, y);
        return hit !== null && span.parentElement.contains(hit);
    });
})"""

# What the focused control shows its focus on: a hidden radio or checkbox on its visible face, a hidden file input
# on its camera button. Null while the focus is on a part the browser draws inside a control (a date field's
# calendar button), which has its own ring.
FOCUS_RING = """() => {
    const el = document.activeElement;
    if (el !== document.body && !el.matches(':focus')) return null;
    const face = el.matches('.res input, .seg input') ? el.nextElementSibling
        : (el.matches('.btn-camera input') ? el.closest('label') : el);
    const style = getComputedStyle(face);
    return {control: `${el.tagName.toLowerCase()}[${el.type || ''}]#${el.id}.${el.className}`,
            outline: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: style.outlineColor,
            halo: style.boxShadow};
}"""


def uncovered(item) -> bool:
    """Every answer button of ``item`` (an ``li.item`` locator) is what the page shows at its own place."""
    return item.evaluate(UNCOVERED)


def codes(locator) -> list[str]:
    return locator.evaluate_all("(items) => items.map((item) => item.dataset.code)")


def focused_item(page) -> str | None:
    return page.evaluate("() => { const li = document.activeElement.closest('li.item');"
                         " return li ? li.dataset.code : null; }")


def test_the_checklist_by_part_with_answers_that_read_right(app, tablet, browser_login, make_enterprise,
                                                           parted_checklist, screenshots):
    parts = parted_checklist(successor_from=local_day(-1))
    make_enterprise(name=WORKS, sector="general_industry", sub_sector="machinery")
    page = tablet().new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "inspector")
    open_checklist(page, WORKS)
    assert page.is_checked("input[name=domain][value=industry_trade]")

    # A newer edition in force whose items are not loaded: said plainly, above the items.
    notice = page.locator("#checklist-notice")
    assert notice.inner_text() == successor_notice(local_day(-1))  # the inspection page's words (its own test)
    assert notice.bounding_box()["y"] < page.locator("#checklist li.item").first.bounding_box()["y"]

    # The standard's parts under headings, in its order; the two that do not apply to a machinery works are
    # collapsed behind a control, not deleted.
    headings = page.locator("#checklist > section.part > .part-title")
    assert headings.all_inner_texts() == ["通用", "机械行业", "其他检查项"]
    assert codes(page.locator("#checklist > section.part li.item")) == parts["general"] + parts["machinery"] + parts[""]
    toggle = page.locator("#toggle-other-parts")
    assert toggle.inner_text() == "显示其他部分（2）" and toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("li.item[data-code='T-Y-01']").count() == 1
    assert page.locator("li.item[data-code='T-Y-01']").is_hidden()

    # Answers that read right with an item worded as the violation; stored as passed / failed / not_applicable.
    first = page.locator("li.item[data-code='T-G-01']")
    assert first.locator(".res span").all_inner_texts() == ["未发现", "存在", "不适用"]
    assert first.locator(".res input").evaluate_all("(inputs) => inputs.map((i) => i.value)") == [
        "passed", "failed", "not_applicable"]
    group = page.get_by_role("radiogroup", name="测试条目 T-G-01（占位）")  # named by the item's own text
    assert group.count() == 1 and group.get_by_role("radio", name="存在").count() == 1
    assert group.get_attribute("aria-required") == "true"
    assert first.locator(".item-clause").inner_text() == f"依据：{cite('TEST-STD', '第1条', 'zh')}"

    # "Mark the rest of this section as not found" waits until the section has been gone through.
    general = page.locator("#checklist section.part[data-part='general']")
    rest = general.locator(".mark-rest")
    assert rest.is_disabled() and general.locator(".mark-rest-hint").is_visible()
    assert rest.inner_text() == "将本部分未回答的 3 项标为“未发现”"

    # Progress, live and polite; a failed item opens its finding.
    progress = page.locator("#checklist-progress")
    assert progress.get_attribute("aria-live") == "polite"
    assert progress.inner_text() == "已回答 0 / 6 项"
    first.locator(".res-failed span").click()
    assert first.locator(".finding-panel").is_visible()
    first.locator(".f-desc").fill("测试用隐患描述")
    assert progress.inner_text() == "已回答 1 / 6 项"

    # The other parts are there on demand and are never counted as missing.
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and toggle.inner_text() == "收起其他部分"
    assert page.locator("#other-parts .part-title").all_inner_texts() == ["冶金行业", "存在粉尘爆炸危险的"]
    page.locator("li.item[data-code='T-Y-01'] .res-na span").click()
    assert progress.inner_text() == "已回答 1 / 6 项"
    toggle.click()

    # Sending with items missing names how many and takes the inspector to the first one, clear of the bar.
    page.evaluate("window.scrollTo(0, 0)")
    page.click("#submit-inspection")
    assert page.locator("#form-error").inner_text() == "还有 5 项未回答：每一项都须回答（未发现、存在或不适用）。"
    assert focused_item(page) == "T-G-02"
    assert uncovered(page.locator("li.item[data-code='T-G-02']"))
    next_missing = page.locator("#next-missing")
    assert next_missing.inner_text() == "5 项未回答：转到第一项"
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    next_missing.click()
    assert focused_item(page) == "T-G-02" and uncovered(page.locator("li.item[data-code='T-G-02']"))
    screenshots(page, "checklist-parts-missing-zh", full_page=False)

    # Scrolled to the section's last item: the rest of the section (and only that) can be marked not found.
    page.locator("li.item[data-code='T-G-03'] .result-choice").evaluate("(el) => el.scrollIntoView({block: 'center'})")
    rest.click()
    results = page.locator("#checklist li.item").evaluate_all(
        "(items) => Object.fromEntries(items.map((item) => [item.dataset.code, item.dataset.result || null]))")
    assert [results[code] for code in parts["general"]] == ["failed", "passed", "passed"]
    assert [results[code] for code in parts["machinery"] + parts[""]] == [None, None, None]
    assert rest.is_hidden() and progress.inner_text() == "已回答 3 / 6 项"

    go_through_sections(page)
    assert progress.inner_text() == "已回答 6 / 6 项"
    page.click("#submit-inspection")
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for(timeout=30000)
    with app.app_context():
        inspection = db.session.scalars(sa.select(Inspection)).one()
        stored = {row.item_code: row.result for row in inspection.results}
    # The parts that do not apply are recorded only where answered.
    assert stored == {"T-G-01": "failed", "T-G-02": "passed", "T-G-03": "passed", "T-M-01": "passed",
                      "T-M-02": "passed", "T-L-01": "passed", "T-Y-01": "not_applicable"}
    assert errors == []


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT, PHONE], ids=["tablet-landscape", "tablet-portrait", "phone"])
def test_nothing_hides_under_the_submit_bar(tablet, browser_login, make_enterprise, screenshots, viewport):
    make_enterprise(name="港城化工有限公司")
    page = tablet(viewport=viewport).new_page()
    browser_login(page, "inspector")
    open_checklist(page, "港城化工有限公司")
    items = page.locator("#checklist li.item")
    last, before_last = items.last, items.nth(items.count() - 2)

    # The checklist scrolled to its end: the last item's answers are above the bar, not under it.
    last.locator(".result-choice").evaluate("(el) => el.scrollIntoView({block: 'end'})")
    assert uncovered(last)
    # Reached with the keyboard from the item before: the browser brings it clear of the bar too.
    page.evaluate("window.scrollTo(0, 0)")
    before_last.locator(".res input").first.focus()
    page.keyboard.press("Tab")
    assert focused_item(page) == last.get_attribute("data-code") and uncovered(last)
    # With the bar taller (a message in it), the same.
    page.click("#submit-inspection")
    assert page.locator("#form-error").is_visible()
    assert focused_item(page) == items.first.get_attribute("data-code") and uncovered(items.first)
    last.locator(".result-choice").evaluate("(el) => el.scrollIntoView({block: 'end'})")
    assert uncovered(last)

    # The phone too: no sideways scrolling, touch targets of at least 44 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    small = page.evaluate("""() => Array.from(document.querySelectorAll(
            '#inspection-form button, #inspection-form .res span, #inspection-form .seg span'))
        .filter((el) => el.offsetParent !== null)
        .map((el) => el.getBoundingClientRect())
        .filter((box) => box.height < 44 || box.width < 44).length""")
    assert small == 0
    screenshots(page, f"checklist-end-{viewport['width']}x{viewport['height']}", full_page=False)


def test_in_english_with_a_focus_ring_on_every_control(tablet, browser_login, make_enterprise, parted_checklist,
                                                      screenshots):
    parted_checklist(successor_from=local_day(30))  # the newer edition is not in force yet: nothing to say
    make_enterprise(name=WORKS, sector="general_industry", sub_sector="machinery")
    page = tablet(portrait=True).new_page()
    browser_login(page, "inspector")
    page.goto("/inspect?lang=en")
    open_checklist(page, WORKS)
    assert page.locator("#checklist-notice").is_hidden()
    item = page.locator("li.item[data-code='T-G-01']")
    assert item.locator(".res span").all_inner_texts() == ["Not found", "Found", "Not applicable"]
    assert page.locator("#checklist > section.part > .part-title").all_inner_texts() == [
        "General", "Machinery", "Other items"]
    assert page.locator("#toggle-other-parts").inner_text() == "Show the other parts (2)"
    assert page.locator("#checklist-progress").inner_text() == "0 of 6 items answered"
    assert item.locator(".item-clause").inner_text() == f"Basis: {cite('TEST-STD', '第1条', 'en')}"
    item.locator(".res-failed span").click()  # its finding's fields join the walk
    page.locator("#toggle-other-parts").click()

    # Walk the whole form with the keyboard: every control shows the ring (black, with a yellow halo).
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("a.skip").focus()  # from the top of the page
    seen = {}
    for _ in range(150):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is None:
            continue
        if ring["control"].startswith("body"):
            break
        seen[ring["control"]] = ring
    assert not [ring for ring in seen.values() if ring["outline"] != "solid" or ring["width"] < 3
                or ring["colour"] != "rgb(0, 0, 0)" or ring["halo"] == "none"], seen
    reached = " ".join(seen)
    for control in ("#enterprise-q", "#toggle-other-parts", "#next-missing", "#submit-inspection", "#f-desc-0",
                    "#f-photos-0", "#refused", "input[radio]#.", "#second-inspector"):
        assert control in reached, control
    page.locator("#toggle-other-parts").focus()
    screenshots(page, "checklist-focus-en", full_page=False)


def test_without_signal_the_kept_copy_shows_every_part(tablet, browser_login, make_enterprise, parted_checklist):
    """No signal and this enterprise's checklist never fetched: the copy kept for every enterprise is used, and as
    it cannot say which parts apply, every part is shown and required (nothing is hidden by a missing fact)."""
    parted_checklist()
    make_enterprise(name=WORKS, sector="general_industry", sub_sector="machinery")
    context = tablet()
    page = context.new_page()
    browser_login(page, "inspector")
    page.goto("/inspect")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.locator("#inspection-form[data-offline-ready='1']").wait_for()
    context.set_offline(True)
    open_checklist(page, WORKS)
    assert page.locator("#checklist > section.part > .part-title").all_inner_texts() == [
        "通用", "机械行业", "冶金行业", "存在粉尘爆炸危险的", "其他检查项"]
    assert page.locator("#toggle-other-parts").count() == 0
    assert page.locator("#checklist-progress").inner_text() == "已回答 0 / 10 项"
