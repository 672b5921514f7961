"""Safety managers and administrators correct an enterprise's register entry on its page, with the API's checks."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from audit.models import AuditEntry
from core.db import db
from enterprises.models import Enterprise
from tests.conftest import credit_code
from tests.web.conftest import csrf_from, form_token

FIELDS = ("name", "credit_code", "zone", "address", "contact_name", "contact_phone", "latitude", "longitude")


def edit(client, enterprise_id, **changes):
    """Post the edit form as the page fills it, with ``changes``."""
    page = client.get(f"/enterprises/{enterprise_id}").get_data(as_text=True)
    current = {name: re.search(rf'id="ent-{name}"[^>]*value="([^"]*)"', page).group(1) for name in FIELDS}
    for select in ("sector", "sub_sector"):  # a browser sends the selected option of every select
        options = re.search(rf'<select id="ent-{select}".*?</select>', page, re.S).group(0)
        current[select] = re.search(r'<option selected value="([^"]*)"', options).group(1)
    return client.post(f"/enterprises/{enterprise_id}/details", data={"ent-csrf_token": form_token(page, "ent")} | {
        f"ent-{k}": v for k, v in (current | changes).items()})


def stored(app, enterprise_id):
    with app.app_context():
        e = db.session.get(Enterprise, enterprise_id)
        return {"name": e.name, "credit_code": e.credit_code, "sector": e.sector, "contact_name": e.contact_name,
                "contact_phone": e.contact_phone, "latitude": e.latitude}


@pytest.mark.parametrize("role", ["safety_manager", "admin"])
def test_a_manager_corrects_the_contact_and_the_old_values_are_kept(app, login, make_enterprise, role):
    enterprise = make_enterprise(name="港区化工", contact_name="王工", latitude=36.08)
    client, _ = login(role)
    saved = edit(client, enterprise, contact_name=" 李工 ", contact_phone="0532-88886666", sector="town_gas")
    assert saved.status_code == 302
    assert stored(app, enterprise) | {"credit_code": None} == {
        "name": "港区化工", "credit_code": None, "sector": "town_gas", "contact_name": "李工",
        "contact_phone": "0532-88886666", "latitude": 36.08}
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "enterprise.updated")).one()
        assert entry.before == {"contact_name": "王工", "contact_phone": "", "sector": "hazardous_chemicals"}
    page = client.get(f"/enterprises/{enterprise}?lang=zh").get_data(as_text=True)
    assert "李工 0532-88886666" in page and "编辑企业信息" in page and "城镇燃气" in page


def test_a_wrong_check_character_or_a_taken_code_is_shown_on_the_field(app, login, make_enterprise):
    make_enterprise(credit_code=credit_code(501))
    enterprise = make_enterprise(contact_name="王工")
    before = stored(app, enterprise)
    client, _ = login("safety_manager")
    wrong = edit(client, enterprise, credit_code=credit_code(502)[:-1] + "0", contact_name="李工")
    assert wrong.status_code == 400
    assert re.search(r'has-error">\s*<label for="ent-credit_code">.*?校验码应为', wrong.get_data(as_text=True),
                     re.S)
    taken = edit(client, enterprise, credit_code=credit_code(501).lower(), contact_name="李工")
    assert taken.status_code == 409
    assert re.search(r'has-error">\s*<label for="ent-credit_code">.*?的企业已存在', taken.get_data(as_text=True),
                     re.S)
    far = edit(client, enterprise, latitude="95")
    assert far.status_code == 400 and re.search(r'has-error">\s*<label for="ent-latitude"', far.get_data(as_text=True))
    assert stored(app, enterprise) == before


@pytest.mark.parametrize("role", ["inspector", "env_staff"])
def test_only_managers_and_administrators_edit(app, login, make_enterprise, role):
    enterprise = make_enterprise()
    client, _ = login(role)
    page = client.get(f"/enterprises/{enterprise}").get_data(as_text=True)
    assert 'id="edit-enterprise"' not in page
    refused = client.post(f"/enterprises/{enterprise}/details", headers={"X-CSRFToken": csrf_from(page)},
                          data={"ent-contact_name": "x"})
    assert refused.status_code == 403


def test_the_edit_needs_the_csrf_token(app, login, make_enterprise):
    enterprise = make_enterprise(contact_name="王工")
    client, _ = login("safety_manager")
    assert client.post(f"/enterprises/{enterprise}/details", data={"ent-contact_name": "李工"}).status_code == 400
    assert stored(app, enterprise)["contact_name"] == "王工"


def test_the_sub_sector_and_features_decide_the_checklist_parts(app, client, login, make_enterprise):
    enterprise = make_enterprise(sector="general_industry")
    manager, _ = login("safety_manager")
    page = manager.get(f"/enterprises/{enterprise}").get_data(as_text=True)
    assert 'name="ent-features" type="checkbox" value="dust_explosion"' in page
    saved = manager.post(f"/enterprises/{enterprise}/details", data={
        "ent-csrf_token": form_token(page, "ent"), "ent-name": "港区机械厂", "ent-credit_code": credit_code(9301),
        "ent-sector": "general_industry", "ent-sub_sector": "machinery",
        "ent-features": ["confined_space", "dust_explosion"]})
    assert saved.status_code == 302
    with app.app_context():
        e = db.session.get(Enterprise, enterprise)
        assert (e.sub_sector, e.features) == ("machinery", ["dust_explosion", "confined_space"])
    shown = manager.get(f"/enterprises/{enterprise}?lang=zh").get_data(as_text=True)
    assert "机械 · 存在粉尘爆炸危险 · 有限空间作业" in shown
    inspector, _ = login("inspector")
    parts = inspector.get(f"/api/v1/checklists/industry_trade?enterprise_id={enterprise}").json["applicable_parts"]
    assert parts == ["confined_space", "dust_explosion", "general", "law", "machinery"]
