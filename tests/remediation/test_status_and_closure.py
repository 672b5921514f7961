"""Monthly evaluation, closure eligibility across month boundaries and gaps, closing off and relapse,
all through the API (the pure rules are tested in tests/risk_rules)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from audit.models import AuditEntry
from core.db import db
from core.db import utcnow as now


def _months_back(count):
    """The ``count`` local months before the current one, oldest first, as (year, month)."""
    local = now().astimezone(ZoneInfo("Asia/Shanghai"))
    index = local.year * 12 + local.month - 1
    return [((index - n) // 12, (index - n) % 12 + 1) for n in range(count, 0, -1)]


def test_eligible_across_the_year_boundary(water):
    body_id = water.body()
    for name in ("上游", "下游"):
        water.monthly(water.section(body_id, name), {(2024, 11): 4, (2024, 12): 3, (2025, 1): 4})
    status = water.status(body_id, "2025-02")
    assert status["closure"]["eligible"] is True and status["can_close_off"] is True
    assert status["months_meeting_target"] == 3
    assert status["closure"]["latest_month"] == "2025-01"
    assert status["current"]["month"] == "2025-01" and status["current"]["class_label"] == "IV"
    assert "符合销号条件" in status["closure"]["reason_zh"]
    assert [m["month"] for m in status["trend"]][-3:] == ["2024-11", "2024-12", "2025-01"]
    assert len(status["trend"]) == 12 and status["trend"][0]["month"] == "2024-02"
    assert status["trend"][0]["water_class"] is None and status["trend"][0]["meets_target"] is False


def test_a_month_without_monitoring_breaks_the_run(water):
    body_id = water.body()
    water.monthly(water.section(body_id, "上游"), {(2024, 11): 4, (2024, 12): 4, (2025, 1): 4})
    water.monthly(water.section(body_id, "下游"), {(2024, 11): 4, (2025, 1): 4})
    status = water.status(body_id, "2025-01")
    assert status["closure"]["eligible"] is False
    assert status["months_meeting_target"] == 1
    assert status["closure"]["missing_months"] == ["2024-12"]
    assert "2024年12月断面下游无监测数据" in status["closure"]["reason_zh"]
    december = next(m for m in status["trend"] if m["month"] == "2024-12")
    assert december["meets_target"] is False
    assert [(s["name"], s["water_class"]) for s in december["sections"]] == [("上游", 4), ("下游", None)]


def test_a_section_without_any_sample_blocks_closure(water):
    body_id = water.body()
    water.monthly(water.section(body_id, "上游"), {(2024, 11): 4, (2024, 12): 4, (2025, 1): 4})
    water.section(body_id, "新设断面")
    assert water.status(body_id, "2025-01")["closure"]["eligible"] is False


def test_a_failing_section_names_the_month_and_class(water):
    body_id = water.body()
    water.monthly(water.section(body_id, "上游"), {(2024, 11): 4, (2024, 12): 4, (2025, 1): 4})
    water.monthly(water.section(body_id, "新塘闸"), {(2024, 11): 4, (2024, 12): 5, (2025, 1): 4})
    status = water.status(body_id, "2025-01")
    assert status["closure"]["eligible"] is False and status["months_meeting_target"] == 1
    assert [(f["month"], f["name"], f["water_class"]) for f in status["closure"]["failing"]] == [
        ("2024-12", "新塘闸", 5)]
    assert "断面新塘闸为Ⅴ类，未达到Ⅳ类目标" in status["closure"]["reason_zh"]


def test_the_month_is_the_zones_local_month(water):
    """01:30 on 1 February in Shanghai is still 31 January in UTC: it counts for February."""
    body_id = water.body()
    section_id = water.section(body_id, "和平桥")
    water.monthly(section_id, {(2024, 11): 4, (2024, 12): 4, (2025, 1): 4})
    water.sample(section_id, datetime(2025, 1, 31, 17, 30, tzinfo=UTC), 6)
    assert water.status(body_id, "2025-01")["closure"]["eligible"] is True
    february = water.status(body_id, "2025-02")
    assert february["current"]["month"] == "2025-02" and february["current"]["water_class"] == 6
    assert february["closure"]["eligible"] is False and february["months_meeting_target"] == 0


def test_the_monthly_class_is_the_class_of_the_month_mean(water):
    body_id = water.body()
    section_id = water.section(body_id, "和平桥")
    water.sample(section_id, "2025-01-03T09:00:00+08:00", values={"nh3n": 1.8, "cod": 45})  # 劣V alone
    water.sample(section_id, "2025-01-31T23:30:00+08:00", values={"nh3n": 1.0, "cod": 15})  # III alone
    current = water.status(body_id, "2025-01")["current"]
    assert current["water_class"] == 4  # means: NH3-N 1.4 and COD 30 (at the Class IV limit) are Class IV
    assert current["limiting_items"] == ["cod", "nh3n"]
    assert current["main_pollutants"] == ["cod", "nh3n"] and current["exceedance"] == {"cod": 0.5, "nh3n": 0.4}


def test_a_body_with_five_sections_is_graded_by_shares(water):
    body_id = water.body()
    for n, cls in enumerate([3, 3, 3, 3, 6]):
        water.monthly(water.section(body_id, f"断面{n}"), {(2025, 1): cls})
    current = water.status(body_id, "2025-01")["current"]
    assert current["method"] == "section_share"
    assert current["grade"] == "good"  # 80 % of the sections in I-III: 75-90 % is good
    assert current["water_class"] == 6  # the worst section, for display


@pytest.fixture
def eligible_body(water):
    """A body whose three sections met Class IV in each of the last three local months."""
    body_id = water.body()
    months = _months_back(3)
    for name in ("上游", "和平桥", "入江口"):
        water.monthly(water.section(body_id, name), {month: 4 for month in months})
    return body_id


def test_close_off_when_eligible_records_who_and_why(app, client, auth, water, eligible_body):
    assert water.status(eligible_body)["can_close_off"] is True
    manager = auth("safety_manager", username="li.na")
    response = client.post(f"/api/v1/water-bodies/{eligible_body}/close-off", headers=manager,
                           json={"reason": "经区河长办验收同意销号"})
    assert response.status_code == 200, response.json
    assert response.json["listed_status"] == "closed_off"
    assert response.json["closed_off_by"]["username"] == "li.na"
    assert response.json["closed_off_reason"] == "经区河长办验收同意销号"
    status = water.status(eligible_body)
    assert status["listed_status"] == "closed_off" and status["can_close_off"] is False
    assert status["relapsed"] is False and status["closed_off_by"]["username"] == "li.na"
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "water_body.closed_off")).one()
        assert entry.after["listed_status"] == "closed_off" and entry.before["listed_status"] == "worse_than_v_listed"
        assert entry.after["closed_off_reason"] == "经区河长办验收同意销号"
    again = client.post(f"/api/v1/water-bodies/{eligible_body}/close-off", headers=manager, json={"reason": "x"})
    assert again.status_code == 409 and "already closed off" in again.json["message"]


@pytest.mark.parametrize("role", ["inspector", "env_staff", "admin"])
def test_only_a_safety_manager_closes_off(client, auth, eligible_body, role):
    response = client.post(f"/api/v1/water-bodies/{eligible_body}/close-off", headers=auth(role),
                           json={"reason": "验收"})
    assert response.status_code == 403


def test_close_off_needs_a_reason(client, auth, eligible_body):
    response = client.post(f"/api/v1/water-bodies/{eligible_body}/close-off", headers=auth("safety_manager"),
                           json={"reason": ""})
    assert response.status_code == 422 and "reason" in response.json["errors"]["json"]


def test_close_off_is_refused_when_not_eligible(client, auth, water):
    body_id = water.body()
    months = _months_back(3)
    water.monthly(water.section(body_id, "和平桥"), {months[0]: 4, months[1]: 6, months[2]: 4})
    headers = auth("safety_manager")
    response = client.post(f"/api/v1/water-bodies/{body_id}/close-off", headers=headers, json={"reason": "验收"})
    assert response.status_code == 409
    # In the caller's language, one language per answer (issue 15): English by default, Chinese when asked.
    message = response.json["message"]
    assert message.startswith("Not eligible for closure") and "不能销号" not in message
    response = client.post(f"/api/v1/water-bodies/{body_id}/close-off", headers=headers | {"Accept-Language": "zh"},
                           json={"reason": "验收"})
    assert response.status_code == 409 and response.json["message"].startswith("不能销号")
    assert water.status(body_id)["listed_status"] == "worse_than_v_listed"


def test_a_closed_off_body_that_relapses_is_flagged(client, auth, water):
    body_id = water.body()
    months = _months_back(4)
    section_id = water.section(body_id, "和平桥")
    water.monthly(section_id, {month: 4 for month in months[:3]})
    closed = client.post(f"/api/v1/water-bodies/{body_id}/close-off", headers=auth("safety_manager"),
                         json={"reason": "验收通过"})
    assert closed.status_code == 200, closed.json
    assert water.status(body_id)["relapsed"] is False
    water.monthly(section_id, {months[3]: 6})
    status = water.status(body_id)
    assert status["relapsed"] is True
    assert [(s["name"], s["water_class"]) for s in status["relapsed_sections"]] == [("和平桥", 6)]
    listed = client.get("/api/v1/water-bodies?listed_status=closed_off", headers=water.headers).json
    assert listed[0]["current"]["relapsed"] is True


def test_a_raised_target_shows_a_closed_off_body_as_relapsed(client, auth, water, eligible_body):
    closed = client.post(f"/api/v1/water-bodies/{eligible_body}/close-off", headers=auth("safety_manager"),
                         json={"reason": "验收通过"})
    assert closed.status_code == 200, closed.json
    raised = client.patch(f"/api/v1/water-bodies/{eligible_body}", headers=water.headers, json={"target_class": 3})
    assert raised.status_code == 200 and raised.json["current"]["relapsed"] is True
    status = water.status(eligible_body)
    assert status["relapsed"] is True and status["listed_status"] == "closed_off"

@pytest.mark.parametrize("as_of", ["2025-13", "0000-01", "0001-01", "9999-12"])
def test_as_of_must_be_a_month(client, water, as_of):
    # Years at the calendar's ends once made the 12-month window before them a 500.
    body_id = water.body()
    response = client.get(f"/api/v1/water-bodies/{body_id}/status?as_of={as_of}", headers=water.headers)
    assert response.status_code == 422 and "as_of" in response.json["errors"]["query"]
