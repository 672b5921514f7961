"""Premises and tenancies through the API: exactly one kind of landlord, no identity-card numbers, tenancies of a
unit that never share a day (also when two requests let the same unit at once, on PostgreSQL)."""

from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db
from premises.identity import looks_like_id_number
from premises.models import Premises, Tenancy, normalise_unit
from tests.conftest import at_once

PERSON = {"name": "海滨路12号厂房", "address": "海滨路12号", "use": "factory", "floors": 2, "area_m2": 1800,
          "landlord_name": "张建国", "landlord_phone": "0532-88886666"}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_premises_of_a_person_landlord(client, auth):
    response = client.post("/api/v1/premises", headers=auth("safety_manager"), json=PERSON)
    assert response.status_code == 201, response.json
    assert response.json["landlord"] == "张建国" and response.json["landlord_enterprise_id"] is None


def test_premises_of_an_enterprise_landlord(client, auth, make_enterprise):
    landlord = make_enterprise(name="港城实业有限公司")
    body = PERSON | {"landlord_name": "", "landlord_phone": "", "landlord_enterprise_id": landlord}
    response = client.post("/api/v1/premises", headers=auth("safety_manager"), json=body)
    assert response.status_code == 201, response.json
    assert response.json["landlord"] == "港城实业有限公司"


@pytest.mark.parametrize(("change", "field"), [
    ({"landlord_name": ""}, "landlord_name"),  # a person needs a name...
    ({"landlord_phone": ""}, "landlord_phone"),  # ...and a phone number
    ({"landlord_enterprise_id": "ENTERPRISE"}, "landlord_name"),  # an enterprise and a person: both
])
def test_exactly_one_kind_of_landlord(client, auth, make_enterprise, change, field):
    body = PERSON | {k: (make_enterprise() if v == "ENTERPRISE" else v) for k, v in change.items()}
    response = client.post("/api/v1/premises", headers=auth("safety_manager"), json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]


def test_an_unknown_landlord_enterprise_is_a_404(client, auth):
    body = PERSON | {"landlord_name": "", "landlord_phone": "", "landlord_enterprise_id": 99999}
    response = client.post("/api/v1/premises", headers=auth("safety_manager"), json=body)
    assert response.status_code == 404 and "landlord_enterprise_id" in response.json["errors"]["json"]


@pytest.mark.parametrize(("field", "value"), [
    ("landlord_phone", "370202198001011234"),
    ("landlord_phone", "37020219800101123X"),
    ("landlord_name", "张建国 370202 19800101 123x"),
    ("landlord_name", "张建国（身份证３７０２０２１９８００１０１１２３４）"),  # full-width digits
    ("landlord_phone", "370202800101123"),  # a first-generation 15-digit number
    ("address", "房东身份证370202-1980-0101-1234"),
])
def test_identity_card_numbers_are_refused_naming_the_field(client, auth, field, value):
    response = client.post("/api/v1/premises", headers=auth("safety_manager"), json=PERSON | {field: value})
    assert response.status_code == 422, response.json
    assert "identity-card number" in response.json["errors"]["json"][field][0]
    assert _count(client.application, Premises) == 0


@pytest.mark.parametrize("text", ["13900001111", "0532-88886666", "+86 139 0000 1111", "0532-88886666-123",
                                  "053288886666123", "13900001111 / 13800002222", "港城路88号3栋201室"])
def test_phone_numbers_and_addresses_are_not_taken_for_identity_numbers(text):
    assert not looks_like_id_number(text)


def test_the_pages_say_it_in_chinese(client, auth):
    response = client.post("/api/v1/premises", headers=auth("safety_manager") | {"Accept-Language": "zh"},
                           json=PERSON | {"landlord_phone": "370202198001011234"})
    assert "身份证号码" in response.json["errors"]["json"]["landlord_phone"][0]


def test_changing_the_landlord_from_a_person_to_an_enterprise(client, auth, make_enterprise):
    headers = auth("safety_manager")
    premises_id = client.post("/api/v1/premises", headers=headers, json=PERSON).json["id"]
    landlord = make_enterprise(name="港城实业有限公司")
    half = client.patch(f"/api/v1/premises/{premises_id}", headers=headers, json={"landlord_enterprise_id": landlord})
    assert half.status_code == 422 and "landlord_name" in half.json["errors"]["json"]
    whole = client.patch(f"/api/v1/premises/{premises_id}", headers=headers, json={
        "landlord_enterprise_id": landlord, "landlord_name": "", "landlord_phone": ""})
    assert whole.status_code == 200 and whole.json["landlord"] == "港城实业有限公司"


def test_premises_names_are_unique(client, auth):
    headers = auth("safety_manager")
    assert client.post("/api/v1/premises", headers=headers, json=PERSON).status_code == 201
    again = client.post("/api/v1/premises", headers=headers, json=PERSON)
    assert again.status_code == 409 and "name" in again.json["errors"]["json"]


# -- tenancies ------------------------------------------------------------------------------------------------

def _let(client, headers, premises_id, enterprise_id, unit="3楼A区", start="2026-01-01", end=None, **fields):
    return client.post(f"/api/v1/premises/{premises_id}/tenancies", headers=headers, json={
        "enterprise_id": enterprise_id, "unit": unit, "start_date": start, "end_date": end} | fields)


def test_the_unit_is_compared_without_spaces_case_or_full_width_forms():
    assert normalise_unit("３Ｆ Ａ区") == normalise_unit("3f a区") == normalise_unit(" 3F\tA区 ")
    assert normalise_unit("3F-A") != normalise_unit("3F-B")


def test_an_overlapping_tenancy_of_the_same_unit_is_refused_naming_the_existing_one(client, auth, make_premises,
                                                                                    make_enterprise):
    headers, premises_id = auth("safety_manager"), make_premises()
    first = _let(client, headers, premises_id, make_enterprise(name="甲公司"), end="2026-12-31")
    assert first.status_code == 201, first.json
    clash = _let(client, headers, premises_id, make_enterprise(name="乙公司"), unit="３楼 ａ区", start="2026-12-31")
    assert clash.status_code == 409, clash.json
    message = clash.json["errors"]["json"]["unit"][0]
    assert "甲公司" in message and f"tenancy {first.json['id']}" in message and "2026-12-31" in message
    assert _count(client.application, Tenancy) == 1


@pytest.mark.parametrize(("unit", "start", "end"), [
    ("3楼A区", "2027-01-01", None),  # the day after the first ends
    ("3楼B区", "2026-06-01", None),  # another unit
])
def test_tenancies_that_share_no_day_of_one_unit_are_accepted(client, auth, make_premises, make_enterprise,
                                                               unit, start, end):
    headers, premises_id = auth("safety_manager"), make_premises()
    assert _let(client, headers, premises_id, make_enterprise(), end="2026-12-31").status_code == 201
    assert _let(client, headers, premises_id, make_enterprise(), unit=unit, start=start, end=end).status_code == 201


def test_an_open_tenancy_blocks_every_later_start(client, auth, make_premises, make_enterprise):
    headers, premises_id = auth("safety_manager"), make_premises()
    assert _let(client, headers, premises_id, make_enterprise()).status_code == 201
    assert _let(client, headers, premises_id, make_enterprise(), start="2031-05-01").status_code == 409


def test_changing_a_tenancy_is_checked_against_the_others(client, auth, make_premises, make_enterprise):
    headers, premises_id = auth("safety_manager"), make_premises()
    first = _let(client, headers, premises_id, make_enterprise(), end="2026-06-30").json["id"]
    second = _let(client, headers, premises_id, make_enterprise(), start="2026-07-01").json["id"]
    longer = client.patch(f"/api/v1/tenancies/{first}", headers=headers, json={"end_date": "2026-07-01"})
    assert longer.status_code == 409 and f"tenancy {second}" in longer.json["message"]
    moved = client.patch(f"/api/v1/tenancies/{first}", headers=headers, json={"unit": "2楼"})
    assert moved.status_code == 200 and moved.json["unit"] == "2楼"
    # A tenancy does not clash with itself.
    later = client.patch(f"/api/v1/tenancies/{second}", headers=headers, json={"end_date": "2027-12-31"})
    assert later.status_code == 200


@pytest.mark.parametrize(("fields", "field"), [
    ({"end_date": "2025-12-31"}, "end_date"),
    ({"agreement_signed_on": "2026-01-01"}, "agreement_expires_on"),
    ({"agreement_signed_on": "2026-01-01", "agreement_expires_on": "2025-12-31"}, "agreement_expires_on"),
])
def test_dates_out_of_order_are_refused(client, auth, make_premises, make_enterprise, fields, field):
    body = {"enterprise_id": make_enterprise(), "unit": "1楼", "start_date": "2026-01-01"} | fields
    response = client.post(f"/api/v1/premises/{make_premises()}/tenancies", headers=auth("safety_manager"), json=body)
    assert response.status_code == 422 and field in response.json["errors"]["json"], response.json


def test_the_landlord_is_not_its_own_tenant(client, auth, make_premises, make_enterprise):
    landlord = make_enterprise()
    response = _let(client, auth("safety_manager"), make_premises(landlord=landlord), landlord)
    assert response.status_code == 422 and "enterprise_id" in response.json["errors"]["json"]


def test_the_tenancies_of_premises_on_a_day(client, auth, make_premises, make_tenancy):
    premises_id = make_premises()
    make_tenancy(premises_id, unit="1楼", end=date(2026, 3, 31))
    current = make_tenancy(premises_id, unit="2楼", signed=date(2026, 1, 1), expires=date(2026, 12, 31))
    listed = client.get(f"/api/v1/premises/{premises_id}/tenancies?on=2026-06-01", headers=auth("inspector"))
    assert [t["id"] for t in listed.json] == [current]
    assert listed.json[0]["agreement_file"] is False


def test_two_requests_letting_the_same_unit_at_once_store_one_tenancy(app, auth, make_premises, make_enterprise,
                                                                      monkeypatch):
    """The premises row is locked while the overlap is checked (on SQLite too, where ``make run`` serves): the
    second request waits, then sees the first's tenancy and is refused naming it. The check is made slow, so
    that without the lock both would pass it before either stored its tenancy."""
    import time

    from premises import service

    checked = service.overlapping

    def slow(*args, **kwargs):
        found = checked(*args, **kwargs)
        time.sleep(0.5)
        return found

    monkeypatch.setattr(service, "overlapping", slow)
    headers, premises_id = auth("safety_manager"), make_premises()
    tenants = iter([make_enterprise(), make_enterprise()])
    bodies = [{"enterprise_id": next(tenants), "unit": "3楼A区", "start_date": "2026-01-01"} for _ in range(2)]
    answers = at_once(2, lambda: _send(app, headers, premises_id, bodies))
    assert sorted(status for status, _ in answers) == [201, 409], answers
    stored = next(body for status, body in answers if status == 201)
    refused = next(body for status, body in answers if status == 409)
    assert f"tenancy {stored['id']}" in refused["errors"]["json"]["unit"][0]
    assert _count(app, Tenancy) == 1


def _send(app, headers, premises_id, bodies):
    response = app.test_client().post(f"/api/v1/premises/{premises_id}/tenancies", headers=headers,
                                      json=bodies.pop())
    return response.status_code, response.json
