"""The rented-premises pages: the list with the campaign's progress per quarter, one shared building with every
party's findings and cards in one place, and the landlord enterprise's page rolling up its tenants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import inspection_payload
from tests.premises.conftest import premises_payload

NOW = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def building(client, auth, make_enterprise, make_premises, make_tenancy):
    """A shared building of an enterprise landlord with three tenants (one without agreement, one expiring), a
    premises inspection with findings against the landlord and a tenant, one of them rectified and verified,
    and a tenant's own inspection elsewhere."""
    landlord = make_enterprise(name="港城实业有限公司", sector="general_industry")
    premises_id = make_premises(landlord=landlord, name="港城工业园3号厂房")
    tenants = {name: make_enterprise(name=name, sector="general_industry")
               for name in ("鑫达五金加工厂", "华彩包装有限公司", "顺发仓储有限公司")}
    today = date.today()
    make_tenancy(premises_id, tenants["鑫达五金加工厂"], unit="1楼")
    make_tenancy(premises_id, tenants["华彩包装有限公司"], unit="2楼", signed=date(2026, 1, 1),
                 expires=date(2027, 6, 30))
    make_tenancy(premises_id, tenants["顺发仓储有限公司"], unit="3楼", signed=date(2026, 1, 1),
                 expires=today + timedelta(days=19))
    lead, other = auth("inspector"), auth("inspector")
    payload = premises_payload(premises_id, inspected_dt=NOW.isoformat(), checklist=[
        {"item_code": "PRM-G-03", "result": "failed"}, {"item_code": "PRM-01", "result": "failed"}], findings=[
        {"item_code": "PRM-G-03", "description": "一层消火栓被货物遮挡", "category": "thing"},
        {"item_code": "PRM-01", "description": "一楼车间内设员工宿舍并存放稀释剂", "category": "thing",
         "party": "tenant", "enterprise_id": tenants["鑫达五金加工厂"]}])
    inspected = client.post("/api/v1/inspections", headers=lead, json=payload)
    assert inspected.status_code == 201, inspected.json
    hydrant = inspected.json["findings"][0]["id"]
    assert client.post(f"/api/v1/findings/{hydrant}/rectification", headers=other,
                       json={"note": "货物已清走"}).status_code == 200
    assert client.post(f"/api/v1/findings/{hydrant}/verification", headers=lead,
                       json={"accepted": True}).status_code == 200
    elsewhere = inspection_payload(tenants["华彩包装有限公司"], inspected_dt=NOW.isoformat())
    elsewhere["findings"][0]["description"] = "华彩包装自有仓库警示标志缺失"
    assert client.post("/api/v1/inspections", headers=lead, json=elsewhere).status_code == 201
    return {"premises": premises_id, "landlord": landlord, "tenants": tenants, "inspection": inspected.json["id"]}


def test_the_list_shows_the_campaign_per_quarter(login, building):
    browser, _ = login("safety_manager")
    html = browser.get(f"/premises?year={NOW.year}").get_data(as_text=True)
    quarter = (NOW.month - 1) // 3 + 1
    row = html.split(f'data-quarter="{quarter}"')[1].split("</tr>")[0]
    assert '"inspected">1<' in row and '"found">3<' in row and '"rectified">1<' in row  # 2 + the agreement
    assert "港城工业园3号厂房" in html and "港城实业有限公司" in html
    assert "3 家承租单位" in html or "3 tenant(s)" in html
    listed = html.split(f'data-premises="{building["premises"]}"')[1].split("</li>")[0]
    assert "1" in listed and ("无有效协议" in listed or "without a valid agreement" in listed)


def test_the_premises_page_shows_every_partys_findings_and_cards(login, building):
    browser, _ = login("inspector")
    html = browser.get(f"/premises/{building['premises']}?lang=en").get_data(as_text=True)
    tenants = html.split('id="tenants"')[1].split("</section>")[0]
    for name, state in (("鑫达五金加工厂", "missing"), ("华彩包装有限公司", "valid"), ("顺发仓储有限公司", "expiring")):
        assert name in tenants
        assert f'data-agreement="{state}"' in tenants
    here = html.split('id="findings-here"')[1].split("</section>")[0]
    for text in ("一层消火栓被货物遮挡", "一楼车间内设员工宿舍并存放稀释剂", "签订专门的安全生产管理协议"):
        assert text in here
    assert "Tenant" in here and "Landlord" in here
    assert "华彩包装自有仓库警示标志缺失" in html.split('id="findings-tenants"')[1].split("</section>")[0]
    cards = html.split('id="cards"')[1].split("</section>")[0]
    assert "鑫达五金加工厂" in cards and "Yellow card" in cards
    assert f"/inspections/{building['inspection']}" in html


def test_the_landlords_page_rolls_up_its_tenants(login, building):
    browser, _ = login("safety_manager")
    html = browser.get(f"/enterprises/{building['landlord']}?lang=en").get_data(as_text=True)
    assert "港城工业园3号厂房" in html.split('id="premises-let"')[1].split("</section>")[0]
    rolled = html.split('id="tenant-findings"')[1].split("</section>")[0]
    for text in ("一楼车间内设员工宿舍并存放稀释剂", "华彩包装自有仓库警示标志缺失", "签订专门的安全生产管理协议"):
        assert text in rolled
    assert "鑫达五金加工厂" in html.split('id="tenant-cards"')[1].split("</section>")[0]


def test_a_tenants_page_says_where_it_rents(login, building):
    browser, _ = login("inspector")
    html = browser.get(f"/enterprises/{building['tenants']['鑫达五金加工厂']}").get_data(as_text=True)
    rented = html.split('id="rented"')[1].split("</section>")[0]
    assert "港城工业园3号厂房" in rented and "1楼" in rented and "无安全生产管理协议" in rented


def test_a_person_landlords_premises(login, client, auth, make_premises, make_tenancy):
    premises_id = make_premises(landlord="person")
    make_tenancy(premises_id)
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=premises_payload(
        premises_id, inspected_dt=NOW.isoformat()))
    assert response.status_code == 201
    browser, _ = login("inspector")
    html = browser.get(f"/premises/{premises_id}").get_data(as_text=True)
    assert "张建国" in html and "13900001111" in html
    inspection = browser.get(f"/inspections/{response.json['id']}").get_data(as_text=True)
    assert "张建国" in inspection
    finding = browser.get(f"/findings/{response.json['findings'][0]['id']}").get_data(as_text=True)
    assert "张建国（" in finding


def test_environmental_staff_do_not_see_the_premises(login):
    browser, _ = login("env_staff")
    assert browser.get("/premises").status_code == 403
    assert "/premises" not in browser.get("/enterprises").get_data(as_text=True).split("<main")[0]


def test_the_premises_page_on_a_tablet(building, tablet, browser_login, screenshots):
    page = tablet(portrait=True).new_page()
    browser_login(page, "safety_manager")
    page.goto(f"/premises/{building['premises']}")
    assert page.locator("h1").inner_text().startswith("港城工业园3号厂房")
    assert page.locator("#tenants li.tenancy").count() == 3
    assert page.locator("#tenants [data-agreement=missing] .badge").inner_text() == "无安全生产管理协议"
    assert page.locator("#findings-here li").count() == 3
    assert page.locator("#cards li").filter(has_text="鑫达五金加工厂").count() == 1
    # nothing wider than the tablet: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshots(page, "premises-zh")
    page.locator(".account > summary").click()  # the language is in the account menu
    page.click("text=English")
    page.wait_for_load_state()
    assert page.locator("#tenants [data-agreement=expiring] .badge").inner_text() == "Agreement expiring"
    screenshots(page, "premises-en")


def test_the_tablet_form_inspects_premises_with_findings_against_the_landlord_and_a_tenant(
        app, tablet, browser_login, make_enterprise, make_premises, make_tenancy, screenshots):
    """Premises mode: the premises chosen (from its page's button), the premises checklist, each finding's party
    picked among the landlord and today's tenants; sent through the outbox as one inspection of the premises."""
    import sqlalchemy as sa

    from core.db import db
    from inspections.models import Inspection
    from tests.web.test_web_browser import go_through_sections

    landlord = make_enterprise(name="港城实业有限公司", sector="general_industry")
    premises_id = make_premises(landlord=landlord, name="港城工业园3号厂房")
    tenant = make_enterprise(name="鑫达五金加工厂", sector="general_industry")
    make_tenancy(premises_id, tenant, unit="1楼", signed=date(2026, 1, 1), expires=date(2027, 12, 31))
    page = tablet().new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "inspector")
    page.goto(f"/premises/{premises_id}")
    page.click("text=检查该厂房")
    page.wait_for_selector("#checklist li.item[data-code='PRM-G-03']")
    assert page.is_checked("input[name=subject][value=premises]")
    assert page.is_checked("input[name=domain][value=premises]")
    assert page.locator("input[name=domain][value=hazardous_chemicals]").is_hidden()
    assert "港城工业园3号厂房" in page.locator("#premises-chosen").inner_text()
    assert "鑫达五金加工厂" in page.locator("#premises-chosen").inner_text()
    go_through_sections(page)
    hydrant = page.locator("li.item[data-code='PRM-G-03']")
    hydrant.locator(".res-failed span").tap()
    hydrant.locator(".f-desc").fill("一层消火栓被货物遮挡")
    wiring = page.locator("li.item[data-code='PRM-G-07']")
    wiring.locator(".res-failed span").tap()
    parties = wiring.locator(".f-party option").all_inner_texts()
    assert parties == ["出租方：港城实业有限公司", "承租单位：鑫达五金加工厂（1楼）"]
    wiring.locator(".f-party").select_option(f"tenant:{tenant}")
    wiring.locator(".f-desc").fill("1楼车间电线私拉乱接")
    screenshots(page, "inspector-form-premises", full_page=False)
    page.click("#submit-inspection")
    page.locator("#outbox li.outbox-item[data-state='sent']").wait_for()
    assert "港城工业园3号厂房" in page.locator("#outbox li.outbox-item").first.inner_text()
    with app.app_context():
        inspection = db.session.scalar(sa.select(Inspection))
        assert (inspection.premises_id, inspection.enterprise_id, inspection.domain) == (premises_id, landlord,
                                                                                         "premises")
        assert sorted((f.item_code, f.party, f.enterprise_id) for f in inspection.findings) == [
            ("PRM-G-03", "landlord", landlord), ("PRM-G-07", "tenant", tenant)]
    assert not errors
    # Back to an enterprise: the premises domain goes, the others come back.
    page.check("input[name=subject][value=enterprise]")
    assert page.locator("input[name=domain][value=premises]").is_hidden()
    assert page.locator("input[name=domain][value=hazardous_chemicals]").is_visible()
