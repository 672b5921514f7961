"""The alerts inbox on the pages: filters kept in the URL (a link or the back button gives the same view), mark
selected or every matching alert read, and the unread count in the navigation, in a real browser at desk and
tablet size."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from alerts import service
from alerts.models import Alert, AlertRecipient
from core.db import db
from tests.alerts.conftest import TODAY, at, make_finding, make_person  # noqa: F401 (fixtures)

DESK = {"width": 1440, "height": 900}
TABLET = {"width": 800, "height": 1280}


@pytest.fixture
def give_alerts(app, make_finding, make_enterprise):  # noqa: F811 (the imported fixture)
    """``give_alerts(user_id)`` → alert ids by name: three overdue findings (two of 港区化工, one of 码头物流),
    a finding due soon, an overdue water body task, all unread."""
    harbour, dock = make_enterprise(name="港区化工有限公司"), make_enterprise(name="码头物流有限公司")
    findings = {"tank": make_finding(TODAY, enterprise_id=harbour, description="储罐区防火堤破损"),
                "valve": make_finding(TODAY, enterprise_id=harbour, description="装卸臂紧急切断阀失效"),
                "dock": make_finding(TODAY, enterprise_id=dock, description="堆场消防通道堵塞")}

    def give(user_id, *, extra_unread=0):
        made = {}
        with app.app_context():
            def add(name, kind, subject_type, subject_id, enterprise_id, days):
                alert = Alert(subject_type=subject_type, subject_id=subject_id, kind=kind, deadline=TODAY,
                              enterprise_id=enterprise_id, raised_dt=at(TODAY + timedelta(days=days)),
                              is_dispatched=True)
                db.session.add(AlertRecipient(alert=alert, user_id=user_id))
                db.session.flush()
                made[name] = alert.id

            add("tank", "overdue", "finding", findings["tank"], harbour, 1)
            add("valve", "overdue", "finding", findings["valve"], harbour, 1)
            add("dock", "overdue", "finding", findings["dock"], dock, 1)
            add("soon", "due_in_3d", "finding", findings["tank"], harbour, -3)
            add("task", "overdue", "remediation_task", 501, None, 2)
            for n in range(extra_unread):
                db.session.add(AlertRecipient(user_id=user_id, alert=Alert(
                    subject_type="remediation_task", subject_id=1000 + n, kind="overdue", deadline=TODAY,
                    raised_dt=at(TODAY - timedelta(days=60)), is_dispatched=True)))
            db.session.commit()
        return made, {"harbour": harbour, "dock": dock}

    return give


def badge(page) -> str:
    """The unread count beside the navigation's alerts entry ('' when hidden)."""
    count = page.locator('[data-nav-count="web.alerts"]')
    return count.inner_text().strip() if count.is_visible() else ""


def badge_reads(page, text: str) -> None:
    """Wait until the badge reads ``text`` (the page's script changes it)."""
    page.locator('[data-nav-count="web.alerts"]', has_text=re.compile(rf"^\s*{re.escape(text)}\s*$")).wait_for()


def rows(page):
    page.locator("#alerts li.alert").first.wait_for()
    return page.locator("#alerts li.alert")


@pytest.mark.parametrize("viewport", [DESK, TABLET], ids=["desk", "tablet"])
def test_a_manager_filters_and_marks_alerts_read(app, tablet, browser_login, give_alerts, screenshots, viewport):
    page = tablet(viewport=viewport).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    user_id = browser_login(page, "safety_manager")
    alerts, enterprises = give_alerts(user_id)
    page.goto("/alerts?lang=en")
    assert badge(page) == "5"
    assert rows(page).count() == 5 and "5 alert(s)" in page.locator("#alerts-total").inner_text()

    # Filter by kind: the form's GET puts the filters in the URL.
    page.select_option("#f-stage", "overdue")
    page.click("#alert-filters button[type=submit]")
    page.wait_for_url("**stage=overdue**")
    page.locator("#alerts-total", has_text="4 alert(s)").wait_for()
    # Then by item type and enterprise.
    page.select_option("#f-subject", "finding")
    page.select_option("#f-enterprise", str(enterprises["harbour"]))
    page.click("#alert-filters button[type=submit]")
    page.wait_for_url(f"**enterprise_id={enterprises['harbour']}**")
    page.locator("#alerts-total", has_text="2 alert(s)").wait_for()
    assert {row.get_attribute("data-alert") for row in rows(page).all()} == {
        str(alerts["tank"]), str(alerts["valve"])}
    assert "Overdue · Finding" in rows(page).first.inner_text()
    screenshots(page, f"alerts-filtered-{viewport['width']}")
    # Back: the overdue view again, its select showing it.
    page.go_back()
    page.locator("#alerts-total", has_text="4 alert(s)").wait_for()
    assert page.locator("#f-stage").input_value() == "overdue" and page.locator("#f-enterprise").input_value() == ""

    # Mark two selected read: they turn read and the badge drops.
    assert page.locator("#ack-selected").is_disabled()
    page.check(f'#alerts li[data-alert="{alerts["tank"]}"] input.pick')
    page.check(f'#alerts li[data-alert="{alerts["dock"]}"] input.pick')
    page.click("#ack-selected")
    page.locator(f'#alerts li.read[data-alert="{alerts["dock"]}"]').wait_for()
    assert page.locator("#alerts li.unread").count() == 2
    badge_reads(page, "3")

    # Mark every unread alert the filter (overdue) matches: the due-soon reminder stays unread.
    page.click("#ack-all")
    badge_reads(page, "1")
    page.locator("#alerts li.unread").first.wait_for(state="detached")
    page.goto("/alerts?unread=true&lang=en")
    assert badge(page) == "1"
    assert [row.get_attribute("data-alert") for row in rows(page).all()] == [str(alerts["soon"])]
    assert errors == []
    with app.app_context():
        assert service.unread_count(user_id) == 1


def test_a_bad_filter_in_the_url_is_explained_not_a_crash(tablet, browser_login, give_alerts):
    page = tablet(viewport=DESK).new_page()
    give_alerts(browser_login(page, "inspector"))
    page.goto("/alerts?lang=en&raised_from=2027-02-01&raised_to=2027-01-01")
    page.locator("#alerts-error").wait_for()
    assert "raised_to" in page.locator("#alerts-error").inner_text()


def test_pages_of_alerts_link_to_each_other_and_keep_the_filter(tablet, browser_login, give_alerts):
    page = tablet(viewport=TABLET).new_page()
    give_alerts(browser_login(page, "env_staff"), extra_unread=60)
    page.goto("/alerts?lang=en&subject_type=remediation_task")
    assert badge(page) == "65"
    page.locator("#alerts-total", has_text="61 alert(s)").wait_for()
    assert rows(page).count() == 50 and page.locator("#page-of").inner_text() == "Page 1 of 2"
    page.click("#page-next")
    page.wait_for_url("**page=2**")
    page.locator("#page-of", has_text="Page 2 of 2").wait_for()
    assert "subject_type=remediation_task" in page.url and rows(page).count() == 11


def test_the_badge_counts_up_to_its_cap(app, login, give_alerts):
    client, user_id = login("inspector")
    assert 'data-nav-count="web.alerts" title="未读" hidden' in client.get("/alerts?lang=zh").get_data(as_text=True)
    give_alerts(user_id, extra_unread=service.UNREAD_CAP)
    page = client.get("/enterprises").get_data(as_text=True)
    assert f'data-nav-count="web.alerts" title="未读">{service.UNREAD_CAP - 1}+</span>' in page


def test_the_filter_form_shows_the_urls_filter_and_the_enterprises_alerted(login, give_alerts):
    client, user_id = login("safety_manager")
    _, enterprises = give_alerts(user_id)
    page = client.get(f"/alerts?lang=en&stage=reminder&enterprise_id={enterprises['dock']}&unread=false"
                      "&raised_from=2027-01-01").get_data(as_text=True)
    assert '<option value="reminder" selected>' in page and '<option value="false" selected>' in page
    assert f'<option value="{enterprises["dock"]}" selected data-user-text>码头物流有限公司</option>' in page
    assert f'<option value="{enterprises["harbour"]}"  data-user-text>港区化工有限公司</option>' in page
    assert 'name="raised_from" value="2027-01-01"' in page
