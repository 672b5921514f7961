"""Issuing and lifting cards from the pages, the card page, the board's charts, and who may do what."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from cards.models import Card
from core.db import db
from inspections.models import Finding
from tests.conftest import inspection_payload
from tests.web.conftest import csrf_from, form_token


def passing_inspection(enterprise_id: int) -> dict:
    return inspection_payload(enterprise_id, inspected_dt=datetime.now(UTC).isoformat(),
                              checklist=[{"item_code": "HC-01", "result": "passed"}], findings=[])


@pytest.fixture
def record(client, auth):
    """``record(payload)`` → the inspection the API stored (as JSON)."""
    headers = auth("inspector")

    def do(payload):
        response = client.post("/api/v1/inspections", headers=headers, json=payload)
        assert response.status_code == 201, response.json
        return response.json

    return do


@pytest.fixture
def major_card(app, make_enterprise, record):
    """An enterprise with an open major finding, so the rules gave it a yellow card (Y1).

    Gives (enterprise, card, finding)."""
    enterprise = make_enterprise(name="港城化工有限公司")
    payload = inspection_payload(enterprise, inspected_dt=datetime.now(UTC).isoformat())
    payload["findings"][0] |= {"severity": "major", "description": "储罐区<b>可燃气体报警器</b>失效"}
    finding = record(payload)["findings"][0]["id"]
    with app.app_context():
        card = db.session.scalar(sa.select(Card.id).where(Card.enterprise_id == enterprise))
    assert card is not None
    return enterprise, card, finding


def issue(client, enterprise, colour="yellow", reason="拒绝接受检查", page=None):
    page = page or client.get(f"/enterprises/{enterprise}").get_data(as_text=True)
    return client.post(f"/enterprises/{enterprise}/cards", data={
        "issue-csrf_token": form_token(page, "issue"), "issue-colour": colour, "issue-reason": reason})


def text_of(html: str) -> str:
    """The page's words as a reader sees them: tags dropped, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def card_of(app, enterprise) -> Card:
    with app.app_context():
        return db.session.scalar(sa.select(Card).where(Card.enterprise_id == enterprise).order_by(Card.id.desc()))


def test_a_manager_issues_a_card_with_a_written_reason(app, login, make_enterprise):
    enterprise = make_enterprise(name="东港物流有限公司")
    client, manager = login("safety_manager")
    response = issue(client, enterprise, "yellow", "拒绝接受检查 <script>x</script>")
    assert response.status_code == 302
    card = card_of(app, enterprise)
    assert (card.colour, card.origin, card.issued_by_id) == ("yellow", "manual", manager)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "拒绝接受检查 &lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "管理人员发牌" in page and "MANUAL" not in page  # the origin in the page's language, never a code
    assert "发牌" in page and "黄牌" in page  # history: issued, by whom
    assert "增加理由： 管理人员发牌： 拒绝接受检查" in text_of(page)  # the history says which reason
    english = client.get(f"/cards/{card.id}?lang=en").get_data(as_text=True)
    assert "Issued by a manager" in english and "History" in english and "MANUAL" not in english
    assert "Reason added: Issued by a manager: 拒绝接受检查" in text_of(english)


def test_issuing_needs_the_csrf_token_and_a_reason(app, login, make_enterprise):
    enterprise = make_enterprise()
    client, _ = login("safety_manager")
    assert client.post(f"/enterprises/{enterprise}/cards",
                       data={"issue-colour": "red", "issue-reason": "x"}).status_code == 400
    assert card_of(app, enterprise) is None
    refused = issue(client, enterprise, colour="red", reason="")
    assert refused.status_code == 400 and card_of(app, enterprise) is None
    page = refused.get_data(as_text=True)
    assert '<details class="panel" id="issue-card" open>' in page  # the form shown open again
    assert RED_KEPT.search(page)
    assert re.search(r'class="field\s+has-error">\s*<label for="issue-reason"', page)  # the error beside the field


RED_KEPT = re.compile(r'<input[^>]*checked[^>]*value="red"|<input[^>]*value="red"[^>]*checked')


def test_a_second_card_of_the_same_colour_is_refused_keeping_what_was_typed(app, login, make_enterprise):
    enterprise = make_enterprise()
    client, _ = login("safety_manager")
    issue(client, enterprise)
    first = card_of(app, enterprise).id
    response = issue(client, enterprise, reason="再次拒绝检查")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"该企业已持有同级或更高的有效警示牌（编号 {first}）" in page
    assert '<fieldset class="segmented has-error">' in page  # beside the colour
    assert re.search(r">\s*再次拒绝检查</textarea>", page)


def _code(app, enterprise: int) -> str:
    from enterprises.models import Enterprise

    with app.app_context():
        return db.session.get(Enterprise, enterprise).credit_code


def board_issue(client, board: str, **fields):
    return client.post("/cards/issue", data={"issue-csrf_token": form_token(board, "issue"), "issue-colour": "red",
                                             "issue-reason": "发生生产安全事故"} | fields)


def test_the_board_issues_a_card_by_credit_code_or_by_the_pickers_choice(app, login, make_enterprise):
    enterprise, chosen = make_enterprise(name="南岸燃气有限公司"), make_enterprise(name="北岸燃气有限公司")
    client, _ = login("safety_manager")
    board = client.get("/cards").get_data(as_text=True)
    assert "<datalist" not in board and 'data-picker="/cards/enterprises"' in board
    response = board_issue(client, board, **{"issue-enterprise": _code(app, enterprise).lower()})
    assert response.status_code == 302
    assert card_of(app, enterprise).colour == "red"
    # the picker puts its choice's id beside the name it shows
    response = board_issue(client, board, **{"issue-enterprise": "北岸燃气有限公司", "issue-enterprise_id": chosen})
    assert response.status_code == 302 and card_of(app, chosen).colour == "red"


@pytest.mark.parametrize("typed, says", [
    ("", "请指定企业"),
    ("不存在的公司", "不存在的公司"),
    ("燃气", "北岸燃气有限公司 · 南岸燃气有限公司"),  # several contain it: they are named
])
def test_a_refused_board_issue_keeps_what_was_typed_with_the_error_beside_the_field(
        app, login, make_enterprise, typed, says):
    make_enterprise(name="南岸燃气有限公司"), make_enterprise(name="北岸燃气有限公司")
    client, _ = login("safety_manager")
    board = client.get("/cards").get_data(as_text=True)
    response = board_issue(client, board, **{"issue-enterprise": typed, "issue-reason": "拒绝检查 <b>"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert says in page
    assert re.search(r'class="field\s+has-error">\s*<label for="issue-enterprise"', page)
    assert f'value="{typed}"' in page and re.search(r">\s*拒绝检查 &lt;b&gt;</textarea>", page)
    assert RED_KEPT.search(page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Card)) == 0


def test_a_stale_pickers_choice_is_refused_on_the_field(app, login, make_enterprise):
    client, _ = login("safety_manager")
    board = client.get("/cards").get_data(as_text=True)
    response = board_issue(client, board, **{"issue-enterprise": "南岸", "issue-enterprise_id": "999999"})
    assert response.status_code == 400 and "该企业不存在" in response.get_data(as_text=True)
    words = board_issue(client, board, **{"issue-enterprise": "南岸", "issue-enterprise_id": "first"})
    assert words.status_code == 400 and 'value="南岸"' in words.get_data(as_text=True)


def test_the_picker_offers_enterprises_by_part_of_the_name_or_code(app, login, make_enterprise):
    gas, other = make_enterprise(name="南岸燃气有限公司"), make_enterprise(name="港城化工有限公司")
    make_enterprise(name="100%_纯化工")
    client, _ = login("safety_manager")
    issue(client, other, "red")
    found = client.get("/cards/enterprises?q=燃气").json["matches"]
    assert found == [{"id": gas, "name": "南岸燃气有限公司", "credit_code": _code(app, gas), "card": None}]
    by_code = client.get(f"/cards/enterprises?q={_code(app, other)[-8:].lower()}").json["matches"]
    assert [(m["id"], m["card"]) for m in by_code] == [(other, "red")]
    assert [m["name"] for m in client.get("/cards/enterprises?q=%25_").json["matches"]] == ["100%_纯化工"]
    assert client.get("/cards/enterprises?q=").json["matches"] == []
    assert len(client.get("/cards/enterprises?q=有限公司").json["matches"]) == 2
    inspector, _ = login("inspector")
    assert inspector.get("/cards/enterprises?q=燃气").status_code == 403


def test_lifting_is_refused_while_a_triggering_finding_is_open(app, login, record, major_card):
    enterprise, card, finding = major_card
    reinspection = record(passing_inspection(enterprise))["id"]
    client, _ = login("safety_manager")
    page = client.get(f"/cards/{card}").get_data(as_text=True)
    assert f'href="/findings/{finding}"' in page  # the triggering finding as a link
    assert f'<option value="{reinspection}"' in page
    response = client.post(f"/cards/{card}/lift", data={
        "lift-csrf_token": form_token(page, "lift"), "lift-reinspection": reinspection, "lift-reason": "复查合格"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert f"未摘牌：触发该牌的隐患尚未验收销号：#{finding}" in body
    with app.app_context():
        assert db.session.get(Card, card).status == "active"
    english = client.post(f"/cards/{card}/lift?lang=en", data={
        "lift-csrf_token": form_token(page, "lift"), "lift-reinspection": reinspection, "lift-reason": "ok"})
    assert f"the finding(s) that triggered the card are not verified yet: #{finding}" in english.get_data(as_text=True)


def test_a_manager_lifts_a_card_after_a_passing_reinspection(app, login, record, make_enterprise):
    enterprise = make_enterprise()
    client, manager = login("safety_manager")
    issue(client, enterprise, "yellow", "拒绝接受检查")
    card = card_of(app, enterprise).id
    page = client.get(f"/enterprises/{enterprise}").get_data(as_text=True)
    assert "发牌后尚无检查" in page  # no re-inspection yet: nothing to choose
    reinspection = record(passing_inspection(enterprise))["id"]
    page = client.get(f"/enterprises/{enterprise}").get_data(as_text=True)
    response = client.post(f"/cards/{card}/lift?back=enterprise", data={
        "lift-csrf_token": form_token(page, "lift"), "lift-reinspection": reinspection,
        "lift-reason": "复查合格，同意摘牌"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/enterprises/{enterprise}")
    lifted = card_of(app, enterprise)
    assert (lifted.status, lifted.lifted_by_id, lifted.reinspection_id) == ("lifted", manager, reinspection)
    detail = client.get(f"/cards/{card}").get_data(as_text=True)
    assert "复查合格，同意摘牌" in detail and "已摘牌" in detail


def test_lifting_needs_the_reason_and_a_reinspection_of_this_enterprise(app, login, record, make_enterprise):
    enterprise, other = make_enterprise(), make_enterprise()
    client, _ = login("safety_manager")
    issue(client, enterprise)
    card = card_of(app, enterprise).id
    elsewhere = record(passing_inspection(other))["id"]
    page = client.get(f"/cards/{card}").get_data(as_text=True)
    response = client.post(f"/cards/{card}/lift", data={
        "lift-csrf_token": form_token(page, "lift"), "lift-reinspection": elsewhere, "lift-reason": "x"})
    assert response.status_code == 400  # not one of the choices
    assert card_of(app, enterprise).status == "active"


@pytest.mark.parametrize("roles, url, method", [
    (("inspector",), "/cards", "get"), (("inspector",), "/cards/{card}", "get"),
    (("env_staff",), "/cards/{card}", "get"), (("inspector",), "/cards/{card}/lift", "post"),
    (("admin",), "/cards/{card}/lift", "post"), (("inspector",), "/enterprises/{enterprise}/cards", "post"),
    (("env_staff",), "/cards/issue", "post"),
])
def test_only_safety_managers_issue_and_lift(app, login, make_enterprise, roles, url, method):
    enterprise = make_enterprise()
    manager, _ = login("safety_manager")
    issue(manager, enterprise)
    client, _ = login(*roles)
    token = csrf_from(client.get("/enterprises").get_data(as_text=True))
    response = getattr(client, method)(url.format(card=card_of(app, enterprise).id, enterprise=enterprise),
                                       headers={"X-CSRFToken": token})
    assert response.status_code == 403
    assert card_of(app, enterprise).status == "active"


def chart_data(html: str, name: str) -> dict:
    found = re.search(rf'<script type="application/json" id="chart-data-{name}">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_board_carries_its_charts_as_json_data_not_script(app, login, make_enterprise):
    client, _ = login("safety_manager")
    for n in range(3):
        issue(client, make_enterprise(sector="town_gas"), "red" if n else "yellow")
    response = client.get("/cards?lang=en")
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert re.findall(r"<script(?![^>]*(?:src=|type=\"application/json\"))", html) == []  # nothing inline runs
    by_month = chart_data(html, "by-month")
    assert [s["colour"] for s in by_month["datasets"]] == ["yellow", "red"]
    assert (by_month["datasets"][0]["data"][-1], by_month["datasets"][1]["data"][-1]) == (1, 2)
    assert len(by_month["labels"]) == 12 and sum(by_month["datasets"][1]["data"]) == 2
    by_sector = chart_data(html, "by-sector")
    gas = by_sector["labels"].index("Town gas")
    assert (by_sector["datasets"][0]["data"][gas], by_sector["datasets"][1]["data"][gas]) == (1, 2)
    assert "vendor/chart.umd.min.js" in html


def test_the_overdue_trend_counts_findings_overdue_at_each_month_end(app, ctx, make_enterprise):
    from web import charts

    enterprise = make_enterprise()
    today = date(2026, 11, 25)
    from inspections.models import Inspection

    inspection = Inspection(client_id="c1", payload_sha256="x", enterprise_id=enterprise, domain="gas",
                            inspector_id=_user(), inspected_dt=datetime(2026, 6, 1, tzinfo=UTC))
    rows = [  # (found, deadline, closed)
        (datetime(2026, 6, 1, tzinfo=UTC), date(2026, 6, 20), None),  # overdue from June on
        (datetime(2026, 6, 1, tzinfo=UTC), date(2026, 7, 10), datetime(2026, 9, 5, tzinfo=UTC)),  # Jul, Aug
        (datetime(2026, 10, 1, tzinfo=UTC), date(2026, 12, 1), None),  # not yet overdue
        (datetime(2026, 6, 1, tzinfo=UTC), date(2026, 8, 1), datetime(2026, 7, 20, tzinfo=UTC)),  # closed in time
        # Closed at 00:30 on 1 September in Shanghai (still 31 August in UTC): overdue at the end of August.
        (datetime(2026, 6, 1, tzinfo=UTC), date(2026, 8, 30), datetime(2026, 8, 31, 16, 30, tzinfo=UTC)),
    ]
    for n, (found, deadline, closed) in enumerate(rows):
        inspection.findings.append(Finding(enterprise_id=enterprise, description=f"f{n}", category="thing",
                                           severity="general", deadline=deadline, found_dt=found, closed_dt=closed,
                                           status="verified" if closed else "open"))
    db.session.add(inspection)
    db.session.flush()
    with app.test_request_context("/?lang=en"):
        trend = charts.overdue_trend(today)
    assert trend["datasets"][0]["label"] == "Overdue findings"
    assert trend["labels"][-1] == "2026-11" and trend["labels"][0] == "2025-12"
    assert dict(zip(trend["labels"], trend["datasets"][0]["data"], strict=True)) == {
        "2025-12": 0, "2026-01": 0, "2026-02": 0, "2026-03": 0, "2026-04": 0, "2026-05": 0,
        "2026-06": 1, "2026-07": 2, "2026-08": 3, "2026-09": 1, "2026-10": 1, "2026-11": 1}


def _user() -> int:
    from accounts import service

    return service.create_user("trend.inspector", "correct horse", ["inspector"]).id


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_new_manager_pages_render_in_both_languages(app, login, make_enterprise, lang):
    enterprise = make_enterprise()
    client, _ = login("safety_manager")
    issue(client, enterprise)
    card = card_of(app, enterprise).id
    for url in ("/cards", f"/cards/{card}", f"/enterprises/{enterprise}"):
        html = client.get(f"{url}?lang={lang}").get_data(as_text=True)
        if lang == "zh":
            assert "Issue a card" not in html and "History" not in html and "Reasons" not in html
            assert "发牌" in html
        else:
            assert "Issue a card" in html or "Reasons" in html



def _reasons_section(html: str) -> str:
    return text_of(html.split('id="reasons"', 1)[1].split('id="history"', 1)[0])


def test_a_cards_reasons_name_their_findings_and_explain_one_named_twice(app, login, major_card):
    """Y1 named the major finding while it was within its deadline; once overdue, R1 named it too (and raised
    the card to red). Both stay on the card: the page says when each held and what holds now."""
    from cards import service

    enterprise, card, finding = major_card
    client, _ = login("safety_manager")
    page = client.get(f"/cards/{card}").get_data(as_text=True)
    reasons = _reasons_section(page)
    assert f"#{finding}" not in reasons and "隐患 #" not in reasons  # no bare number
    assert "储罐区&lt;b&gt;可燃气体报警器&lt;/b&gt;失效" in reasons  # its description (escaped)
    assert "HC-G-01" in reasons and "待整改" in reasons and "整改期限" in reasons
    assert f'href="/findings/{finding}"' in page
    assert "same-finding" not in page  # named once so far
    with app.app_context():
        row = db.session.get(Finding, finding)
        row.deadline = date(2026, 1, 10)  # time passes: the deadline is behind us
        service.reevaluate([enterprise])
        db.session.commit()
    page = client.get(f"/cards/{card}").get_data(as_text=True)
    explained = text_of(page.split('class="same-finding"', 1)[1].split("</div>", 1)[0])
    assert "被 2 条理由列为触发隐患" in explained
    assert explained.index("尚在整改期限内") < explained.index("重大事故隐患逾期未整改")  # Y1 first, then R1
    assert "当前：待整改，已逾期（整改期限 2026年1月10日）" in explained
    history = text_of(page.split('id="history"', 1)[1])
    assert "升为红牌" in history and "增加理由： R1 重大事故隐患逾期未整改 · 隐患 储罐区" in history
    english = text_of(client.get(f"/cards/{card}?lang=en").get_data(as_text=True))
    assert "is named by 2 reasons" in english and "Now: Open, overdue: its deadline was" in english
    with app.app_context():
        db.session.get(Finding, finding).status = "verified"
        db.session.commit()
    page = client.get(f"/cards/{card}?lang=zh").get_data(as_text=True)
    assert re.search(r'<li class="trigger-finding closed" data-finding="\d+">\s*<a [^>]*><s>储罐区', page)
    assert "当前：已销号。" in text_of(page)


TABLET_PORTRAIT = {"width": 800, "height": 1280}


def test_the_picker_in_a_browser_by_keyboard_and_by_touch(app, tablet, browser_login, make_enterprise, screenshots):
    """At 10-inch tablet size, portrait: typing part of a name offers the matches; arrow keys and Enter choose
    (Enter does not send the form), the form then issues to the chosen one; a tap chooses as well."""
    south, north = make_enterprise(name="南岸燃气有限公司"), make_enterprise(name="北岸燃气有限公司")
    make_enterprise(name="港城化工有限公司")
    page = tablet(viewport=TABLET_PORTRAIT).new_page()
    browser_login(page, "safety_manager")
    page.goto("/cards")
    page.locator("#issue-card > summary").tap()
    box = page.locator("#issue-enterprise")
    box.focus()
    page.keyboard.type("燃气")
    options = page.locator("#issue-enterprise-list [role=option]")
    options.first.wait_for()
    assert options.count() == 2 and box.get_attribute("aria-expanded") == "true"
    assert "找到 2 家企业" in page.locator(".picker-status").inner_text()
    first = options.first.bounding_box()
    assert first["height"] >= 44 and first["width"] >= 300  # a finger's target, within the screen
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    page.keyboard.press("Enter")
    assert page.url.endswith("/cards")  # choosing did not send the form
    assert box.input_value() == "南岸燃气有限公司"  # sorted by name: 北岸 first, then 南岸
    assert page.locator("#issue-enterprise_id").input_value() == str(south)
    assert page.locator("#issue-enterprise-list").is_hidden()
    screenshots(page, "card-picker-chosen-800x1280", full_page=False)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the colour: yellow, the first radio
    page.locator("#issue-reason").fill("拒绝接受检查")
    page.locator("#issue-card button[type=submit]").tap()
    page.wait_for_url(re.compile(r"/cards/\d+$"))
    assert card_of(app, south).colour == "yellow" and card_of(app, north) is None
    # a tap chooses too, and typing again forgets the choice
    page.goto("/cards")
    page.locator("#issue-card > summary").tap()
    page.locator("#issue-enterprise").fill("北岸")
    page.locator("#issue-enterprise-list [role=option]", has_text="北岸燃气有限公司").tap()
    assert page.locator("#issue-enterprise_id").input_value() == str(north)
    page.locator("#issue-enterprise").press("End")
    page.keyboard.type("x")
    assert page.locator("#issue-enterprise_id").input_value() == ""
    page.keyboard.press("Escape")


def test_the_board_shows_every_state_and_exports_them_in_one_file(app, login, record, major_card):
    enterprise, card, _finding = major_card
    with app.app_context():
        db.session.get(Card, card).status = "lifted"
        db.session.commit()
    client, _ = login("safety_manager")
    assert "港城化工有限公司" not in client.get("/cards").get_data(as_text=True)  # in force only, by default
    board = client.get("/cards?status=all").get_data(as_text=True)
    assert '<option value="all" selected>全部状态</option>' in board and "港城化工有限公司" in board
    export = re.search(r'<a class="btn" href="([^"]+)" download>', board).group(1)
    assert "status=" not in export  # the ledger's default: every state
    assert _ledger_states(client, export) == ["已摘牌"]


def _ledger_states(client, url: str) -> list:
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url.replace("&amp;", "&")).data)).active
    return [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)]
