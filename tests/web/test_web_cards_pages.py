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
    assert "MANUAL" in page and "管理人员发牌" in page  # the reason: rule id and its text in the page language
    assert "发牌" in page and "黄牌" in page  # history: issued, by whom
    english = client.get(f"/cards/{card.id}?lang=en").get_data(as_text=True)
    assert "Issued by a manager" in english and "History" in english


def test_issuing_needs_the_csrf_token_and_a_reason(app, login, make_enterprise):
    enterprise = make_enterprise()
    client, _ = login("safety_manager")
    assert client.post(f"/enterprises/{enterprise}/cards",
                       data={"issue-colour": "red", "issue-reason": "x"}).status_code == 400
    assert card_of(app, enterprise) is None
    assert issue(client, enterprise, reason="").status_code == 302
    assert card_of(app, enterprise) is None


def test_a_second_card_of_the_same_colour_is_refused_with_a_message(app, login, make_enterprise):
    enterprise = make_enterprise()
    client, _ = login("safety_manager")
    issue(client, enterprise)
    response = issue(client, enterprise)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "未发牌" in page


def test_the_board_issues_a_card_by_credit_code(app, login, make_enterprise):
    enterprise = make_enterprise(name="南岸燃气有限公司")
    client, _ = login("safety_manager")
    board = client.get("/cards").get_data(as_text=True)
    with app.app_context():
        from enterprises.models import Enterprise
        code = db.session.get(Enterprise, enterprise).credit_code
    assert f'<option value="{code}">南岸燃气有限公司</option>' in board
    response = client.post("/cards/issue", data={"issue-csrf_token": form_token(board, "issue"),
                                                 "issue-enterprise": code, "issue-colour": "red",
                                                 "issue-reason": "发生生产安全事故"})
    assert response.status_code == 302
    assert card_of(app, enterprise).colour == "red"


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

