"""Safety managers and administrators register premises, import a register, add and end tenancies on the pages,
and they or inspectors record a tenancy's agreement: the API's checks, a refusal shown on its field with what was
typed kept, and the roles of the API."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db
from premises.models import Premises, Tenancy
from tests.conftest import credit_code
from tests.premises.conftest import pdf_bytes
from tests.web.conftest import csrf_from, form_token

REGISTER = {"name": "港城工业园9号厂房", "address": "港城路9号", "zone": "港区一片", "landlord_enterprise_id": "",
            "landlord_name": "张建国", "landlord_phone": "13900001111", "use": "factory", "floors": "3",
            "area_m2": "4200", "latitude": "", "longitude": ""}
ID_NUMBER = "11010519491231002X"  # the example number of GB 11643-1999


def marked(page: str, field: str) -> str:
    """The error text shown on ``field`` (its id), or '' when it is not marked."""
    found = re.search(rf'has-error">\s*<label for="{re.escape(field)}">.*?<p class="field-error">(.*?)</p>',
                      page, re.S)
    return found.group(1) if found else ""


def value_of(page: str, field: str) -> str:
    return re.search(rf'id="{re.escape(field)}"[^>]*value="([^"]*)"', page).group(1)


def register(client, lang="zh", **changes):
    page = client.get(f"/premises?lang={lang}").get_data(as_text=True)
    return client.post("/premises", data={"reg-csrf_token": form_token(page, "reg")} | {
        f"reg-{k}": v for k, v in (REGISTER | changes).items()})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- registering premises -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["safety_manager", "admin"])
def test_a_manager_registers_premises_of_a_person_landlord(app, login, role):
    client, _ = login(role)
    page = client.get("/premises?lang=zh").get_data(as_text=True)
    assert 'id="register-premises"' in page and "登记厂房" in page
    saved = register(client, latitude="36.08", longitude="120.38")
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        premises = db.session.scalars(sa.select(Premises)).one()
        assert (premises.name, premises.landlord_name, premises.landlord_phone, premises.landlord_enterprise_id,
                premises.floors, premises.area_m2, premises.latitude) == (
            "港城工业园9号厂房", "张建国", "13900001111", None, 3, 4200.0, 36.08)
    assert saved.headers["Location"] == f"/premises/{premises.id}"
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "张建国" in shown and "已登记厂房" in shown


def test_the_landlord_enterprise_is_picked_by_part_of_its_name_or_its_credit_code(app, login, make_enterprise):
    landlord = make_enterprise(name="港城实业有限公司", credit_code=credit_code(611))
    make_enterprise(name="港城物流有限公司")
    client, _ = login("safety_manager")
    page = client.get("/premises").get_data(as_text=True)
    assert f'<option value="{credit_code(611)}">港城实业有限公司</option>' in page
    assert register(client, landlord_name="", landlord_phone="", landlord_enterprise_id="实业").status_code == 302
    assert register(client, name="二号厂房", landlord_name="", landlord_phone="",
                    landlord_enterprise_id=credit_code(611).lower()).status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Premises.landlord_enterprise_id)).all() == [landlord, landlord]


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"landlord_enterprise_id": "港城"}, "reg-landlord_enterprise_id", "港城实业有限公司"),  # several match
    ({"landlord_enterprise_id": "无此企业"}, "reg-landlord_enterprise_id", "无此企业"),  # none matches
    ({"landlord_enterprise_id": "%"}, "reg-landlord_enterprise_id", "没有"),  # taken literally, no wildcard
    ({"landlord_enterprise_id": "实业"}, "reg-landlord_name", "两者"),  # an enterprise and a person
    ({"landlord_phone": ""}, "reg-landlord_phone", "出租方"),  # neither, completely
    ({"landlord_name": f"张建国 {ID_NUMBER}"}, "reg-landlord_name", "身份证"),
    ({"landlord_phone": ID_NUMBER}, "reg-landlord_phone", "身份证"),
    ({"address": f"身份证{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}"}, "reg-address", "身份证"),
    ({"latitude": "95"}, "reg-latitude", ""),
    ({"floors": "0"}, "reg-floors", ""),
])
def test_a_refused_registration_marks_the_field_and_keeps_what_was_typed(app, login, make_enterprise, changes,
                                                                          field, says):
    make_enterprise(name="港城实业有限公司")
    make_enterprise(name="港城物流有限公司")
    client, _ = login("safety_manager")
    refused = register(client, **changes)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="register-premises" open' in page
    assert says in marked(page, field) if says else re.search(rf'has-error">\s*<label for="{field}"', page)
    assert value_of(page, "reg-name") == "港城工业园9号厂房"
    for key, typed in changes.items():
        if key not in ("floors", "latitude"):
            assert value_of(page, f"reg-{key}") == typed
    assert count(app, Premises) == 0


def test_a_taken_name_is_a_conflict_on_the_name(app, login, make_premises):
    make_premises(name="港城工业园9号厂房")
    client, _ = login("safety_manager")
    refused = register(client, lang="en")
    assert refused.status_code == 409
    assert "already registered" in marked(refused.get_data(as_text=True), "reg-name")
    assert count(app, Premises) == 1


# -- tenancies ------------------------------------------------------------------------------------------------

def add_tenancy(client, premises_id, lang="zh", **fields):
    page = client.get(f"/premises/{premises_id}?lang={lang}").get_data(as_text=True)
    data = {"enterprise_id": "", "unit": "2楼", "start_date": "2026-03-01", "end_date": ""} | fields
    return client.post(f"/premises/{premises_id}/tenancies", data={"ten-csrf_token": form_token(page, "ten")} | {
        f"ten-{k}": v for k, v in data.items()})


def test_a_manager_adds_a_tenancy_by_the_tenants_name(app, login, make_enterprise, make_premises):
    premises_id = make_premises(landlord="person")
    tenant = make_enterprise(name="鑫达五金加工厂")
    client, _ = login("safety_manager")
    page = client.get(f"/premises/{premises_id}?lang=zh").get_data(as_text=True)
    assert 'id="add-tenancy"' in page and "新增租赁" in page
    saved = add_tenancy(client, premises_id, enterprise_id="鑫达", unit="2楼A区", end_date="2027-02-28")
    assert saved.status_code == 302 and saved.headers["Location"] == f"/premises/{premises_id}#tenants"
    with app.app_context():
        tenancy = db.session.scalars(sa.select(Tenancy)).one()
        assert (tenancy.enterprise_id, tenancy.unit, tenancy.start_date, tenancy.end_date) == (
            tenant, "2楼A区", date(2026, 3, 1), date(2027, 2, 28))


def test_an_overlap_is_refused_on_the_unit_naming_the_tenancy_there(app, login, make_enterprise, make_premises,
                                                                    make_tenancy):
    premises_id = make_premises(landlord="person")
    there = make_tenancy(premises_id, make_enterprise(name="华彩包装有限公司"), unit="2楼")
    make_enterprise(name="鑫达五金加工厂")
    client, _ = login("admin")
    refused = add_tenancy(client, premises_id, lang="en", enterprise_id="鑫达", unit=" 2 楼 ", end_date="2026-12-31")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    message = marked(page, "ten-unit")
    assert "华彩包装有限公司" in message and f"tenancy {there}" in message and "2026-01-01" in message
    assert 'id="add-tenancy" open' in page
    assert (value_of(page, "ten-enterprise_id"), value_of(page, "ten-unit"), value_of(page, "ten-end_date")) == (
        "鑫达", " 2 楼 ", "2026-12-31")
    assert count(app, Tenancy) == 1


@pytest.mark.parametrize(("fields", "field", "says"), [
    ({"unit": f"房东{ID_NUMBER}"}, "ten-unit", "身份证"),
    ({"end_date": "2026-02-01"}, "ten-end_date", "早于"),  # ends before it starts
    ({"enterprise_id": "港城实业"}, "ten-enterprise_id", "承租"),  # the landlord as its own tenant
    ({"enterprise_id": "查无此厂"}, "ten-enterprise_id", "查无此厂"),
    ({"start_date": "2026-02-30"}, "ten-start_date", ""),
])
def test_a_refused_tenancy_marks_the_field_and_keeps_what_was_typed(app, login, make_enterprise, make_premises,
                                                                    fields, field, says):
    premises_id = make_premises(landlord=make_enterprise(name="港城实业有限公司"))
    make_enterprise(name="鑫达五金加工厂")
    client, _ = login("safety_manager")
    refused = add_tenancy(client, premises_id, **({"enterprise_id": "鑫达"} | fields))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert says in marked(page, field) if says else re.search(rf'has-error">\s*<label for="{field}"', page)
    for key, typed in fields.items():
        assert value_of(page, f"ten-{key}") == typed
    assert count(app, Tenancy) == 0


def end(client, premises_id, tenancy_id, end_date):
    page = client.get(f"/premises/{premises_id}").get_data(as_text=True)
    return client.post(f"/tenancies/{tenancy_id}/end", data={
        f"end{tenancy_id}-csrf_token": form_token(page, f"end{tenancy_id}"), f"end{tenancy_id}-end_date": end_date})


def test_a_manager_ends_a_tenancy_and_an_end_before_its_start_is_refused(app, login, make_premises, make_tenancy):
    premises_id = make_premises(landlord="person")
    tenancy = make_tenancy(premises_id, unit="1楼")
    client, _ = login("safety_manager")
    refused = end(client, premises_id, tenancy, "2025-12-31")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "早于" in marked(page, f"end{tenancy}-end_date") and value_of(page, f"end{tenancy}-end_date") == "2025-12-31"
    assert end(client, premises_id, tenancy, "2026-06-30").status_code == 302
    with app.app_context():
        assert db.session.get(Tenancy, tenancy).end_date == date(2026, 6, 30)


# -- the agreement --------------------------------------------------------------------------------------------

def upload(client, premises_id, tenancy_id, data: bytes, name="agreement.pdf", signed="2026-01-05",
           expires="2027-01-04"):
    page = client.get(f"/premises/{premises_id}").get_data(as_text=True)
    prefix = f"agr{tenancy_id}"
    import io

    return client.post(f"/tenancies/{tenancy_id}/agreement", content_type="multipart/form-data", data={
        f"{prefix}-csrf_token": form_token(page, prefix), f"{prefix}-file": (io.BytesIO(data), name),
        f"{prefix}-signed_on": signed, f"{prefix}-expires_on": expires})


@pytest.mark.parametrize("role", ["inspector", "safety_manager"])
def test_the_agreement_is_recorded_with_its_file_and_dates(app, login, make_premises, make_tenancy, role):
    premises_id = make_premises(landlord="person")
    tenancy = make_tenancy(premises_id)
    client, _ = login(role)
    saved = upload(client, premises_id, tenancy, pdf_bytes())
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(Tenancy, tenancy)
        assert (stored.agreement_signed_on, stored.agreement_expires_on) == (date(2026, 1, 5), date(2027, 1, 4))
        assert stored.agreement_file.media_type == "application/pdf"
    page = client.get(f"/premises/{premises_id}?lang=zh").get_data(as_text=True)
    assert f"/api/v1/tenancies/{tenancy}/agreement" in page


@pytest.mark.parametrize(("data", "dates", "field", "says"), [
    (b"just some text", {}, "file", "PDF"),
    (b"%PDF-1.7\n/JavaScript (app.alert(1))\n%%EOF", {}, "file", "JavaScript"),
    (None, {"expires": "2025-12-31"}, "expires_on", "签订"),  # expires before it was signed
])
def test_a_refused_agreement_marks_the_field_and_keeps_the_dates(app, login, make_premises, make_tenancy, data, dates,
                                                                 field, says):
    premises_id = make_premises(landlord="person")
    tenancy = make_tenancy(premises_id)
    client, _ = login("safety_manager")
    refused = upload(client, premises_id, tenancy, data or pdf_bytes(), **dates)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert says in marked(page, f"agr{tenancy}-{field}")
    assert value_of(page, f"agr{tenancy}-signed_on") == "2026-01-05"
    assert value_of(page, f"agr{tenancy}-expires_on") == dates.get("expires", "2027-01-04")
    with app.app_context():
        assert db.session.get(Tenancy, tenancy).agreement_file_id is None


# -- importing ------------------------------------------------------------------------------------------------

HEADERS = ["厂房名称", "地址", "出租方信用代码", "出租方姓名", "出租方电话", "用途", "层数", "面积", "承租企业信用代码",
           "承租部位", "起租日期", "止租日期"]


def csv_bytes(rows) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def import_file(client, data: bytes, name="register.csv"):
    import io

    page = client.get("/premises").get_data(as_text=True)
    return client.post("/premises/import", content_type="multipart/form-data", data={
        "imp-csrf_token": form_token(page, "imp"), "imp-file": (io.BytesIO(data), name)})


def test_a_register_is_imported_whole_or_not_at_all(app, login, make_enterprise):
    make_enterprise(name="鑫达五金加工厂", credit_code=credit_code(701))
    client, _ = login("safety_manager")
    good = ["港城工业园9号厂房", "港城路9号", "", "张建国", "13900001111", "厂房", "3", "4200", credit_code(701), "2楼",
            "2026-01-01", ""]
    bad = ["海滨路12号厂房", "海滨路12号", "", "李四", ID_NUMBER, "仓库", "1", "800", "", "", "", ""]
    refused = import_file(client, csv_bytes([HEADERS, good, bad]))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'class="import-report"' in page and re.search(r"<strong>[^<]*3[^<]*</strong>", page)
    assert count(app, Premises) == 0
    done = import_file(client, csv_bytes([HEADERS, good]))
    assert done.status_code == 302
    assert count(app, Premises) == 1 and count(app, Tenancy) == 1


# -- who may ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["inspector", "env_staff"])
def test_only_managers_and_administrators_register_import_and_let(app, login, make_premises, make_tenancy, role):
    premises_id = make_premises(landlord="person")
    tenancy = make_tenancy(premises_id)
    client, _ = login(role)
    token = csrf_from(client.get("/enterprises").get_data(as_text=True))
    for path in ("/premises", "/premises/import", f"/premises/{premises_id}/tenancies", f"/tenancies/{tenancy}/end"):
        assert client.post(path, headers={"X-CSRFToken": token}, data={}).status_code == 403, path
    if role == "inspector":  # sees the agreement upload (as the API lets an inspector), not the managers' forms
        page = client.get(f"/premises/{premises_id}").get_data(as_text=True)
        assert 'id="register-premises"' not in client.get("/premises").get_data(as_text=True)
        assert 'id="add-tenancy"' not in page and "end-tenancy" not in page and "upload-agreement" in page
    else:
        assert client.post(f"/tenancies/{tenancy}/agreement", headers={"X-CSRFToken": token}).status_code == 403


def test_the_forms_need_the_csrf_token(app, login):
    client, _ = login("safety_manager")
    assert client.post("/premises", data={f"reg-{k}": v for k, v in REGISTER.items()}).status_code == 400
    assert count(app, Premises) == 0


# -- on a tablet ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("portrait", [False, True], ids=["landscape", "portrait"])
def test_a_manager_registers_premises_and_lets_a_unit_on_a_tablet(app, tablet, browser_login, make_enterprise,
                                                                  screenshots, portrait):
    """Register premises of a person landlord, then let a unit to an enterprise picked by part of its name (the
    datalist offers the register's enterprises; the text typed is resolved on the server); nothing scrolls
    sideways and the form's controls are big enough to tap."""
    tenant = make_enterprise(name="鑫达五金加工厂")
    page = tablet(portrait=portrait).new_page()
    browser_login(page, "safety_manager")
    page.goto("/premises?lang=zh")
    page.click("#register-premises > summary")
    page.fill("#reg-name", "港城工业园9号厂房")
    page.fill("#reg-address", "港城路9号")
    page.fill("#reg-landlord_name", "张建国")
    page.fill("#reg-landlord_phone", "13900001111")
    page.select_option("#reg-use", "factory_warehouse")
    page.fill("#reg-floors", "3")
    page.fill("#reg-area_m2", "4200")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"
    small = page.evaluate("""() => Array.from(document.querySelectorAll(
            '#register-premises input, #register-premises select, #register-premises button'))
        .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
        .map((el) => el.getBoundingClientRect()).filter((box) => box.height < 44).length""")
    assert small == 0, "controls lower than 44 px"
    screenshots(page, f"premises-register-{'portrait' if portrait else 'landscape'}", full_page=False)
    page.click("#register-premises button[type=submit]")
    page.wait_for_url("**/premises/*")
    assert "张建国" in page.locator("#landlord").inner_text()
    page.click("#add-tenancy > summary")
    page.fill("#ten-enterprise_id", "鑫达")
    page.fill("#ten-unit", "2楼A区")
    page.fill("#ten-start_date", "2026-03-01")
    page.click("#add-tenancy button[type=submit]")
    page.wait_for_url("**#tenants")
    row = page.locator(f"li.tenancy:has(a[href='/enterprises/{tenant}'])")
    assert "2楼A区" in row.inner_text() and row.get_attribute("data-agreement") == "missing"
    with app.app_context():
        premises = db.session.scalars(sa.select(Premises)).one()
        assert (premises.landlord_name, premises.use, [t.enterprise_id for t in premises.tenancies]) == (
            "张建国", "factory_warehouse", [tenant])
