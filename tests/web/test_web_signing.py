"""Signing on the tablet (issue 13): three pads drawn with a finger, a mouse and a pen (or the person in charge's
refusal) while offline; back online the outbox sends once: one inspection with its signatures, and, with the
documents service, one inspection record and one rectification order carrying them.

Debian's Chromium at tablet size with touch, as test_web_browser.py; offline as test_web_offline.py does."""

from __future__ import annotations

import io
import subprocess

import pytest
import sqlalchemy as sa
from PIL import Image

from core.db import db
from inspections.models import Inspection
from tests.web.conftest import certify, pdftext
from tests.web.test_web_browser import count, fill_inspection
from tests.web.test_web_offline import outbox_item

ZIGZAG = [(0.1, 0.7), (0.25, 0.2), (0.4, 0.8), (0.55, 0.25), (0.7, 0.75), (0.9, 0.3)]


def pad_box(page, role):
    pad = page.locator(f"#pad-{role}")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    return [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in ZIGZAG]


def sign_with_touch(page, cdp, role):
    """A finger: touch events through the DevTools protocol, which Chromium turns into pointer events."""
    points = pad_box(page, role)
    x, y = points[0]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    # The finger rests before it lifts, as a hand does: lifting in full speed would be a fling, and Chromium
    # spends the next tap on stopping it.
    page.wait_for_timeout(150)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def sign_with_mouse(page, role):
    points = pad_box(page, role)
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


def sign_with_pen(page, role):
    """A pen: pointer events of type "pen" with pressure, dispatched on the pad."""
    page.locator(f"#pad-{role}").evaluate("""(pad, points) => {
        const send = (type, [x, y], pressure) => pad.dispatchEvent(new PointerEvent(type, {
            pointerId: 7, pointerType: "pen", isPrimary: true, clientX: x, clientY: y, pressure,
            button: type === "pointermove" ? -1 : 0, buttons: type === "pointerup" ? 0 : 1, bubbles: true,
            cancelable: true}));
        send("pointerdown", points[0], 0.4);
        points.slice(1).forEach((p) => send("pointermove", p, 0.7));
        send("pointerup", points[points.length - 1], 0);
    }""", pad_box(page, role))


def inked(png: bytes) -> int:
    """How many pixels of a stored signature are dark."""
    with Image.open(io.BytesIO(png)) as image:
        return sum(image.convert("L").histogram()[:128])


def _signing_crew(app, tablet, browser_login, make_user, make_enterprise):
    """An enterprise, a second inspector and a logged-in lead on a tablet, both with certificate numbers:
    ``(context, page, page errors, lead id, second id)``."""
    make_enterprise(name="港城化工有限公司")
    second, _ = make_user("inspector")
    certify(app, second, "32000067890", "李四")
    context = tablet()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    lead = browser_login(page, "inspector")
    certify(app, lead, "32000012345", "张三")
    return context, page, errors, lead, second


@pytest.mark.parametrize("refused", [False, True], ids=["signed", "refused"])
def test_signed_offline_the_inspection_and_its_documents_arrive_once(
        app, tablet, browser_login, make_user, make_enterprise, screenshots, refused):
    context, page, errors, lead, second = _signing_crew(app, tablet, browser_login, make_user, make_enterprise)
    page.goto("/inspect")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.locator("#inspection-form[data-offline-ready='1']").wait_for()

    context.set_offline(True)
    fill_inspection(page, "港城化工有限公司", "装卸区警示标志缺失")
    assert page.locator("#pad-lead").evaluate("(pad) => getComputedStyle(pad).touchAction") == "none"
    page.select_option("#second-inspector", str(second))
    assert page.locator('.pad-block[data-role="second"] .pad-signer').inner_text() == "李四"
    page.fill("#contact-name", "王五")
    page.fill("#contact-title", "安全总监")
    page.fill("#contact-phone", "0512-88886666")
    page.locator("#finish").tap()
    assert page.input_value("#ended")  # the end time is set at "finish", in the zone's wall clock

    cdp = context.new_cdp_session(page)
    sign_with_touch(page, cdp, "lead")
    # One pad used: all three are needed before sending, and nothing is kept meanwhile.
    page.click("#submit-inspection")
    assert page.locator("#form-error").inner_text().startswith("一旦有人签字")
    assert page.evaluate("Outbox.all()") == []

    sign_with_mouse(page, "second")
    if refused:
        page.locator("label.seg", has=page.locator("#refused")).tap()
        page.click("#submit-inspection")
        assert "见证人" in page.locator("#form-error").inner_text()  # a refusal needs a reason and a witness
        page.fill("#refusal-reason", "认为检查结论有误")
        page.fill("#witness", "赵六")
    else:
        sign_with_pen(page, "enterprise")
        # The pad follows the device pixel ratio: at 2 it redraws its strokes on a backing store twice as big.
        cdp.send("Emulation.setDeviceMetricsOverride", {"width": 1180, "height": 820, "deviceScaleFactor": 2,
                                                        "mobile": False})
        page.wait_for_function("() => window.devicePixelRatio === 2")
        page.evaluate("window.dispatchEvent(new Event('resize'))")
        sizes = page.locator("#pad-enterprise").evaluate(
            "(pad) => [pad.width, Math.round(pad.getBoundingClientRect().width * 2)]")
        assert sizes[0] == min(sizes[1], 2000)
    assert page.locator(".pad-block.done").count() == (2 if refused else 3)
    screenshots(page, f"signing-{'refused' if refused else 'signed'}", full_page=False)
    page.click("#submit-inspection")
    item = outbox_item(page, lambda i: i["state"] == "queued")
    signatures = {row["role"]: row for row in item["payload"]["signatures"]}
    assert sorted(signatures) == ["enterprise", "lead", "second"]
    assert signatures["lead"]["image"].startswith("data:image/png;base64,")
    assert count(app, Inspection) == 0

    context.set_offline(False)
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for(timeout=30000)
    page.evaluate("Outbox.sync(true)")
    page.wait_for_timeout(300)
    assert count(app, Inspection) == 1
    with app.app_context():
        inspection = db.session.scalars(sa.select(Inspection)).one()
        assert (inspection.second_inspector_id, inspection.contact_name, inspection.contact_title,
                inspection.contact_phone) == (second, "王五", "安全总监", "0512-88886666")
        assert inspection.ended_dt is not None and inspection.ended_dt >= inspection.inspected_dt.replace(second=0,
                                                                                                         microsecond=0)
        stored = {s.role: s for s in inspection.signatures}
        assert inked(stored["lead"].png) > 50 and inked(stored["second"].png) > 50
        assert (stored["lead"].signer_name, stored["second"].signer_name) == ("张三", "李四")
        if refused:
            assert stored["enterprise"].refused
            assert (stored["enterprise"].refusal_reason, stored["enterprise"].witness) == ("认为检查结论有误", "赵六")
        else:
            assert inked(stored["enterprise"].png) > 50
            assert Image.open(io.BytesIO(stored["enterprise"].png)).width == sizes[0]
        inspection_id = inspection.id

    # The sent item links to the inspection's page, which shows the signatures.
    page.locator("#outbox li.outbox-item[data-state='sent'] a.inspection-link").tap()
    page.wait_for_url(f"**/inspections/{inspection_id}")
    shown = page.locator("#signatures").inner_text()
    assert "张三" in shown and "李四" in shown and ("认为检查结论有误" in shown) == refused
    assert errors == []

    from documents import service

    with app.app_context():
        documents = service.listing(inspection_id=inspection_id)
        assert sorted(d.kind for d in documents) == ["inspection_record", "rectification_order"]
        record = next(d for d in documents if d.kind == "inspection_record")
        record_id, number = record.id, record.number
    page.reload()
    assert page.locator(f"#documents a[href='/documents/{record_id}.pdf']").count() == 1
    response = page.request.get(f"/documents/{record_id}.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    text = pdftext(pdf)
    assert number in text
    images = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=False)
    if images.returncode != 0:  # older poppler reads no standard input: go through a file
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            images = subprocess.run(["pdfimages", "-list", file.name], capture_output=True, check=True)
    listed = [line for line in images.stdout.decode().splitlines()[2:] if line.strip()]
    assert len(listed) >= (2 if refused else 3)  # the signatures drawn on the tablet
    if refused:
        assert "认为检查结论有误" in text and "赵六" in text


def sign_all(page, cdp):
    """The three pads, each with its own kind of pointer: a finger, a mouse, a pen."""
    sign_with_touch(page, cdp, "lead")
    sign_with_mouse(page, "second")
    sign_with_pen(page, "enterprise")


RESIGN = "内容已修改，签字已清除，请重新签字。"


@pytest.mark.parametrize("change", ["failed-item", "person-in-charge", "finding", "unannounced"])
def test_a_change_after_signing_clears_the_signatures(
        app, tablet, browser_login, make_user, make_enterprise, screenshots, change):
    """Signatures sign the content they saw: a change to what the documents show clears them all, with a notice,
    and sending waits until they are made again. "unannounced" changes a field without any input event (a script,
    an autofill): the check before sending catches it."""
    context, page, errors, lead, second = _signing_crew(app, tablet, browser_login, make_user, make_enterprise)
    item = fill_inspection(page, "港城化工有限公司", "装卸区警示标志缺失")
    page.select_option("#second-inspector", str(second))
    page.fill("#contact-name", "王五")
    page.fill("#contact-title", "安全总监")
    page.fill("#contact-phone", "0512-88886666")
    cdp = context.new_cdp_session(page)
    sign_all(page, cdp)
    done = page.locator(".pad-block.done")
    notice = page.locator("#resign-notice")
    enterprise_signer = page.locator('.pad-block[data-role="enterprise"] .pad-signer')
    assert done.count() == 3 and enterprise_signer.inner_text() == "王五"
    assert page.input_value("#ended")  # the first signature fixed the end time the documents print
    page.fill("#notes", "随行：港区安监站")  # the documents do not print the notes: the signatures stay
    assert done.count() == 3 and notice.is_hidden()

    expected = {"contact": "王五", "descriptions": ["装卸区警示标志缺失"]}
    if change == "failed-item":
        code = page.locator("li.item[data-result='passed']").first.get_attribute("data-code")
        other = page.locator(f"li.item[data-code='{code}']")
        other.locator(".res-failed span").tap()
        other.locator(".f-desc").fill("消防通道堵塞")
        expected["descriptions"].append("消防通道堵塞")
    elif change == "person-in-charge":
        page.fill("#contact-name", "王小五")
        expected["contact"] = "王小五"
    elif change == "finding":
        item.locator(".f-desc").fill("装卸区警示标志缺失，照明不足")
        expected["descriptions"] = ["装卸区警示标志缺失，照明不足"]
    else:
        page.evaluate("document.getElementById('contact-phone').value = '0512-11112222'")
        assert done.count() == 3  # nothing told the page yet
        page.evaluate("document.getElementById('inspection-form').requestSubmit()")
        assert page.locator("#form-error").inner_text() == RESIGN
        assert page.evaluate("Outbox.all()") == []

    assert done.count() == 0
    assert notice.is_visible() and notice.inner_text() == RESIGN
    assert page.locator("#form-error").inner_text() == RESIGN
    assert enterprise_signer.inner_text() == expected["contact"]
    screenshots(page, f"signing-cleared-{change}", full_page=False)
    # Nothing signed now, but the inspection was meant to be signed: it is not sent without signatures.
    page.click("#submit-inspection")
    assert page.locator("#form-error").inner_text() == RESIGN
    sign_with_touch(page, cdp, "lead")
    page.click("#submit-inspection")
    assert page.locator("#form-error").inner_text().startswith("一旦有人签字")
    assert page.evaluate("Outbox.all()") == []

    sign_with_mouse(page, "second")
    sign_with_pen(page, "enterprise")
    assert done.count() == 3 and notice.is_hidden()
    page.click("#submit-inspection")
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for(timeout=30000)
    page.evaluate("Outbox.sync(true)")
    page.wait_for_timeout(300)
    assert count(app, Inspection) == 1
    with app.app_context():
        inspection = db.session.scalars(sa.select(Inspection)).one()
        assert inspection.contact_name == expected["contact"]
        assert inspection.contact_phone == ("0512-11112222" if change == "unannounced" else "0512-88886666")
        assert sorted(f.description for f in inspection.findings) == sorted(expected["descriptions"])
        stored = {s.role: s for s in inspection.signatures}
        assert sorted(stored) == ["enterprise", "lead", "second"]
        assert all(inked(s.png) > 50 for s in stored.values())
        names = [stored[role].signer_name for role in ("lead", "second", "enterprise")]
        assert names == ["张三", "李四", expected["contact"]]
    assert errors == []
