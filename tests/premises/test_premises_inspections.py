"""Inspecting premises: the landlord is the inspected party, each finding is against the landlord or a tenant of
that day; a person landlord has no enterprise (no card, documents naming them with the premises); a tenancy
without a valid agreement is a finding against the landlord, once per tenancy and never again on a retry."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from cards.models import Card
from core.db import db
from inspections.models import Finding, Inspection
from tests.premises.conftest import premises_payload

ON = date(2026, 11, 20)


def _post(client, headers, payload):
    return client.post("/api/v1/inspections", headers=headers, json=payload)


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _tenant_finding(enterprise_id, **fields):
    return {"item_code": None, "description": "二楼车间电线私拉乱接", "category": "thing", "party": "tenant",
            "enterprise_id": enterprise_id} | fields


def test_findings_against_the_landlord_and_a_tenant(app, client, auth, make_enterprise, make_premises,
                                                    make_tenancy):
    landlord = make_enterprise(name="港城实业有限公司")
    premises_id = make_premises(landlord=landlord)
    tenant = make_enterprise(name="鑫达五金加工厂")
    make_tenancy(premises_id, tenant, unit="2楼", signed=date(2026, 1, 1), expires=date(2027, 12, 31))
    payload = premises_payload(premises_id)
    payload["findings"].append(_tenant_finding(tenant))
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["enterprise_id"], body["premises_id"]) == (landlord, premises_id)
    assert body["party_name"] == "港城实业有限公司"
    assert [(f["party"], f["enterprise_id"], f["party_name"], f["premises_id"]) for f in body["findings"]] == [
        ("landlord", landlord, "港城实业有限公司", premises_id), ("tenant", tenant, "鑫达五金加工厂", premises_id)]
    listed = client.get(f"/api/v1/findings?premises_id={premises_id}", headers=auth("safety_manager")).json
    assert len(listed) == 2


def test_a_person_landlord_has_no_enterprise(app, client, auth, make_premises):
    premises_id = make_premises(landlord="person")
    response = _post(client, auth("inspector"), premises_payload(premises_id))
    assert response.status_code == 201, response.json
    assert response.json["enterprise_id"] is None
    assert response.json["party_name"].startswith("张建国（港城工业园")
    assert response.json["findings"][0]["enterprise_id"] is None
    assert response.json["findings"][0]["party_name"] == response.json["party_name"]


def test_a_major_hazard_of_a_tenant_cards_the_tenant_and_one_of_a_person_landlord_cards_nobody(
        app, client, auth, make_enterprise, make_premises, make_tenancy):
    premises_id = make_premises(landlord="person")
    tenant = make_enterprise()
    make_tenancy(premises_id, tenant, signed=date(2026, 1, 1), expires=date(2027, 12, 31))
    payload = premises_payload(premises_id, checklist=[{"item_code": "PRM-01", "result": "failed"},
                                                       {"item_code": "PRM-02", "result": "failed"}], findings=[
        _tenant_finding(tenant, item_code="PRM-01", description="三楼仓库存放天那水，楼上住人"),
        {"item_code": "PRM-02", "description": "地下室作甲类仓库", "category": "thing"}])
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 201, response.json
    assert [f["severity"] for f in response.json["findings"]] == ["major", "major"]
    with app.app_context():
        assert db.session.execute(sa.select(Card.enterprise_id, Card.colour)).all() == [(tenant, "yellow")]


@pytest.mark.parametrize(("unit_dates", "why"), [
    ({"end": date(2026, 10, 31)}, "not a tenant"),  # the tenancy ended before the inspection
    ({"start": date(2026, 12, 1)}, "not a tenant"),  # ...or starts after it
])
def test_a_finding_against_an_enterprise_that_is_no_tenant_that_day_is_refused(
        app, client, auth, make_enterprise, make_premises, make_tenancy, unit_dates, why):
    premises_id = make_premises()
    tenant = make_enterprise()
    make_tenancy(premises_id, tenant, **unit_dates)
    payload = premises_payload(premises_id)
    payload["findings"].append(_tenant_finding(tenant))
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 422, response.json
    assert why in response.json["errors"]["json"]["findings"]["1"]["enterprise_id"][0]
    assert _count(app, Inspection) == 0


@pytest.mark.parametrize(("finding", "field"), [
    ({"party": "tenant"}, "enterprise_id"),  # a tenant's finding names the tenant
    ({"party": "landlord", "enterprise_id": "OTHER"}, "enterprise_id"),  # the landlord's names no one else
])
def test_a_finding_names_its_party_consistently(client, auth, make_enterprise, make_premises, finding, field):
    payload = premises_payload(make_premises())
    payload["findings"][0] |= {k: (make_enterprise() if v == "OTHER" else v) for k, v in finding.items()}
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 422 and field in response.json["errors"]["json"]["findings"]["0"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"enterprise_id": "ENTERPRISE"}, "enterprise_id"),  # an enterprise and premises: one of the two
    ({"domain": "industry_trade"}, "premises_id"),  # premises are inspected in the premises domain
])
def test_a_premises_inspection_is_of_premises_only(client, auth, make_enterprise, make_premises, fields, field):
    payload = premises_payload(make_premises()) | {k: (make_enterprise() if v == "ENTERPRISE" else v)
                                                   for k, v in fields.items()}
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 422 and field in response.json["errors"]["json"], response.json


def test_an_enterprise_inspection_names_no_party(client, auth, make_enterprise):
    from tests.conftest import inspection_payload

    payload = inspection_payload(make_enterprise())
    payload["findings"][0]["party"] = "tenant"
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 422 and "party" in response.json["errors"]["json"]["findings"]["0"]


# -- the agreements -------------------------------------------------------------------------------------------

@pytest.fixture
def shared_building(make_enterprise, make_premises, make_tenancy):
    """Premises with five tenancies on 2026-11-20: without agreement, agreement expired, agreement valid, ended,
    not started yet."""
    premises_id = make_premises(landlord=make_enterprise(name="港城实业有限公司"))
    names = {}
    for unit, fields in (("1楼A区", {}), ("1楼B区", {"signed": date(2025, 11, 1), "expires": date(2026, 10, 31)}),
                         ("2楼", {"signed": date(2026, 1, 1), "expires": date(2026, 12, 31)}),
                         ("3楼", {"end": date(2026, 6, 30)}), ("4楼", {"start": date(2026, 12, 1)})):
        tenant = make_enterprise(name=f"承租{unit}公司")
        names[unit] = make_tenancy(premises_id, tenant, unit=unit, **fields)
    return premises_id, names


def _agreement_findings(body):
    return [f for f in body["findings"] if f["clause"] == "第四十九条第二款"]


def test_each_tenancy_without_a_valid_agreement_is_a_finding_against_the_landlord(client, auth, shared_building):
    premises_id, _ = shared_building
    response = _post(client, auth("inspector"), premises_payload(premises_id))
    assert response.status_code == 201, response.json
    found = _agreement_findings(response.json)
    assert len(found) == 2
    assert [f["description"] for f in found] == [
        "出租方未与承租单位承租1楼A区公司（1楼A区）签订专门的安全生产管理协议（据租赁登记，检查之日无有效协议）",
        "出租方与承租单位承租1楼B区公司（1楼B区）的安全生产管理协议已于2026-10-31到期，未续签（据租赁登记）"]
    for finding in found:
        assert (finding["party"], finding["party_name"], finding["severity"], finding["category"]) == (
            "landlord", "港城实业有限公司", "general", "management")
        assert (finding["standard"], finding["standard_version"], finding["item_code"]) == (
            "中华人民共和国安全生产法", "2021", None)
        assert finding["deadline"] == "2026-12-05"  # the item's usual 15 days


def test_a_retry_adds_no_second_agreement_finding(app, client, auth, shared_building):
    premises_id, _ = shared_building
    headers, payload = auth("inspector"), premises_payload(premises_id)
    first = _post(client, headers, payload)
    retry = _post(client, headers, payload)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json == first.json
    assert _count(app, Finding) == 3  # the hydrant and the two agreements


def test_an_open_agreement_finding_is_not_found_again_by_the_next_inspection(app, client, auth, shared_building):
    premises_id, units = shared_building
    headers = auth("inspector")
    first = _agreement_findings(_post(client, headers, premises_payload(premises_id)).json)
    assert [f["tenancy_id"] for f in first] == [units["1楼A区"], units["1楼B区"]]
    again = _post(client, headers, premises_payload(premises_id))
    assert again.status_code == 201 and _agreement_findings(again.json) == []  # still open: the same hazard
    with app.app_context():  # the first is closed (verified) while the register still shows no agreement
        db.session.get(Finding, first[0]["id"]).status = "verified"
        db.session.commit()
    third = _post(client, headers, premises_payload(premises_id))
    assert [f["tenancy_id"] for f in _agreement_findings(third.json)] == [units["1楼A区"]]
    assert _count(app, Finding) == 3 + 1 + 1 + 1  # each inspection's hydrant, and three agreement findings


def test_the_inspectors_own_finding_on_the_agreement_item_stands_for_the_building(client, auth, shared_building):
    premises_id, _ = shared_building
    payload = premises_payload(premises_id, checklist=[{"item_code": "PRM-G-09", "result": "failed"}], findings=[
        {"item_code": "PRM-G-09", "description": "两家承租单位无安全生产管理协议", "category": "management"}])
    response = _post(client, auth("inspector"), payload)
    assert response.status_code == 201, response.json
    assert len(response.json["findings"]) == 1


def test_a_person_landlords_missing_agreement_is_against_the_person(client, auth, make_premises, make_tenancy):
    premises_id = make_premises(landlord="person")
    make_tenancy(premises_id)
    response = _post(client, auth("inspector"), premises_payload(premises_id, findings=[], checklist=[]))
    assert response.status_code == 201, response.json
    [finding] = response.json["findings"]
    assert finding["enterprise_id"] is None and finding["party_name"].startswith("张建国（")


# -- re-inspection and documents ------------------------------------------------------------------------------

def test_a_tenants_major_hazard_is_verified_by_a_later_inspection_of_the_premises(
        app, client, auth, make_enterprise, make_premises, make_tenancy):
    premises_id, tenant = make_premises(), make_enterprise()
    make_tenancy(premises_id, tenant, signed=date(2026, 1, 1), expires=date(2027, 12, 31))
    lead, other = auth("inspector"), auth("inspector")
    found = _post(client, lead, premises_payload(premises_id, checklist=[{"item_code": "PRM-01", "result": "failed"}],
                                                 findings=[_tenant_finding(tenant, item_code="PRM-01")]))
    finding = found.json["findings"][0]["id"]
    assert client.post(f"/api/v1/findings/{finding}/rectification", headers=other,
                       json={"note": "住人区域已搬离"}).status_code == 200
    recheck = _post(client, lead, premises_payload(
        premises_id, inspected_dt=datetime.now(UTC).isoformat(), findings=[],
        checklist=[{"item_code": "PRM-01", "result": "passed"}]))
    assert recheck.status_code == 201, recheck.json
    verified = client.post(f"/api/v1/findings/{finding}/verification", headers=lead,
                           json={"accepted": True, "reinspection_id": recheck.json["id"]})
    assert verified.status_code == 200, verified.json
    assert verified.json["status"] == "verified"


def test_the_documents_of_a_person_landlord_name_the_landlord_with_the_premises(app, client, make_premises, crew):
    from documents.models import Document
    from tests.documents.signing import signatures

    premises_id = make_premises(landlord="person", address="海滨路12号")
    lead, _, second_id, _ = crew()
    payload = premises_payload(premises_id, second_inspector_id=second_id, contact_name="张建国",
                               ended_dt=datetime(2026, 11, 20, 3, 50, tzinfo=UTC).isoformat(),
                               signatures=signatures())
    response = _post(client, lead, payload)
    assert response.status_code == 201, response.json
    with app.app_context():
        documents = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
        assert [d.kind for d in documents] == ["inspection_record", "rectification_order"]
        for document in documents:
            assert document.enterprise_id is None
            unit = document.content["enterprise"]
            assert unit["name"].startswith("张建国（港城工业园") and unit["address"] == "海滨路12号"
            assert unit["credit_code"] == ""
            assert document.content["inspection"]["domain_zh"] == "出租厂房"


def test_the_documents_say_whom_each_finding_is_against_when_not_the_landlord(
        app, client, make_enterprise, make_premises, make_tenancy, crew):
    """The record and the order are addressed to the landlord; a tenant's finding names the tenant, frozen in
    the content (a later change of the tenant's name leaves the document as issued)."""
    from documents.models import Document
    from enterprises.models import Enterprise
    from tests.documents.signing import signatures

    landlord = make_enterprise(name="港城实业有限公司")
    premises_id = make_premises(landlord=landlord)
    tenant = make_enterprise(name="鑫达五金加工厂")
    make_tenancy(premises_id, tenant, unit="2楼", signed=date(2026, 1, 1), expires=date(2027, 12, 31))
    lead, _, second_id, _ = crew()
    payload = premises_payload(premises_id, second_inspector_id=second_id, contact_name="王建国",
                               ended_dt=datetime(2026, 11, 20, 3, 50, tzinfo=UTC).isoformat(),
                               signatures=signatures())
    payload["findings"].append(_tenant_finding(tenant))
    assert _post(client, lead, payload).status_code == 201
    with app.app_context():
        db.session.get(Enterprise, tenant).name = "鑫达五金（更名）"
        db.session.commit()
        documents = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
        assert [d.kind for d in documents] == ["inspection_record", "rectification_order"]
        for document in documents:
            assert document.content["enterprise"]["name"] == "港城实业有限公司"
            landlords, tenants = document.content["findings"]
            assert landlords["against"] is None
            assert tenants["against"]["name"] == "鑫达五金加工厂" and tenants["against"]["party"] == "tenant"
