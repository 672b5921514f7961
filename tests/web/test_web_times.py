"""Issue 12, item 10: every time a person reads on a page is the zone's (TIMEZONE), whatever the device's zone.

A finding made at 20:15 UTC on 11-30 was made at 04:15 on 12-01 in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import inspection_payload
from tests.web.conftest import overdue_alert

MOMENT = datetime(2026, 11, 30, 20, 15, tzinfo=UTC)


@pytest.fixture
def finding(client, auth, make_enterprise) -> dict:
    body = inspection_payload(make_enterprise(name="港城化工有限公司"), inspected_dt=MOMENT.isoformat())
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=body)
    assert response.status_code == 201, response.json
    return response.json["findings"][0]


@pytest.mark.parametrize(("lang", "shown"), [("en", "Dec 1, 2026, 4:15"), ("zh", "2026年12月1日 04:15")])
def test_pages_show_the_zones_time(login, finding, lang, shown):
    browser, _ = login("safety_manager")
    html = browser.get(f"/findings/{finding['id']}?lang={lang}").get_data(as_text=True)
    assert shown in html and "Nov 30" not in html and "11月30日" not in html
    html = browser.get(f"/enterprises/{finding['enterprise_id']}?lang={lang}").get_data(as_text=True)
    assert shown in html


def test_the_alerts_inbox_shows_the_zones_time_on_a_device_set_to_another_zone(app, tablet, browser_login, finding):
    page = tablet(timezone_id="America/New_York").new_page()
    overdue_alert(app, finding, browser_login(page, "safety_manager"), raised_dt=MOMENT)
    page.goto("/alerts")
    row = page.locator("#alerts li.unread")
    row.wait_for()
    assert "2026年12月1日 04:15" in row.inner_text(), row.inner_text()


def test_the_outbox_shows_when_an_inspection_was_kept_in_the_zones_time(tablet, browser_login):
    """An inspection kept on a tablet set to New York at 20:15 UTC on 11-30 reads 12-01 04:15 in the outbox."""
    context = tablet(timezone_id="America/New_York")
    page = context.new_page()
    page.clock.set_fixed_time(MOMENT)
    browser_login(page, "inspector")
    page.goto("/inspect")
    page.locator("#inspection-form[data-offline-ready='1']").wait_for()
    context.set_offline(True)  # it stays in the outbox
    page.evaluate("""Outbox.save({client_id: "7f0c1e2a-0000-4000-8000-000000000001", payload: {}, photos: [],
                                  summary: {enterprise: "港城化工有限公司", domain: "危险化学品", findings: 1}})""")
    row = page.locator("#outbox li.outbox-item")
    row.wait_for()
    assert "2026/12/1 04:15" in row.inner_text() or "2026年12月1日 04:15" in row.inner_text(), row.inner_text()
