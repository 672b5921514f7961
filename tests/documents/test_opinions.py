"""The on-site re-inspection of hazards and its 整改复查意见书."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from core.db import db
from documents.models import Document
from tests.conftest import inspection_payload
from tests.documents.signing import signed_payload


def _ordered_major(client, crew, make_enterprise):
    """A signed inspection with a major hazard on HC-03, rectification submitted: (lead headers, ids...)."""
    lead, _, second_id, second = crew()
    enterprise = make_enterprise()
    payload = signed_payload(enterprise, second_id, checklist=[{"item_code": "HC-03", "result": "failed"}],
                             findings=[{"item_code": "HC-03", "description": "甲类罐区与厂外道路间距不足",
                                        "category": "thing"}])
    finding = client.post("/api/v1/inspections", json=payload, headers=lead).json["findings"][0]
    assert finding["severity"] == "major" and finding["standard"] == "安监总管三〔2017〕121号"
    assert client.post(f"/api/v1/findings/{finding['id']}/rectification", headers=lead,
                       json={"note": "已拆除违建，恢复间距"}).status_code == 200
    return lead, second, enterprise, finding


def _reinspection(client, headers, enterprise, result="passed", when=None):
    when = when or datetime.now(UTC)
    return client.post("/api/v1/inspections", headers=headers, json=inspection_payload(
        enterprise, inspected_dt=when.isoformat(), checklist=[{"item_code": "HC-03", "result": result}],
        findings=[] if result != "failed" else [{"item_code": "HC-03", "description": "仍不足", "category": "thing"}],
    )).json["id"]


def test_a_passing_re_inspection_verifies_and_issues_the_opinion(app, client, auth, crew, make_enterprise):
    lead, second, enterprise, finding = _ordered_major(client, crew, make_enterprise)
    reinspection = _reinspection(client, second, enterprise)
    response = client.post("/api/v1/documents/opinions", headers=second, json={
        "reinspection_id": reinspection, "opinion": "经现场复查，隐患已整改完毕，同意销号。",
        "results": [{"finding_id": finding["id"], "accepted": True, "note": "间距已满足"}]})
    assert response.status_code == 201, response.json
    opinion = response.json
    assert opinion["kind"] == "reinspection_opinion" and opinion["number"] == "（港）安监复查〔2026〕1号"
    with app.app_context():
        order = db.session.scalar(sa.select(Document).where(Document.kind == "rectification_order"))
        assert opinion["answers"] == order.id
        stored = db.session.get(Document, opinion["id"])
        assert stored.content["answers"]["number"] == order.number
        assert stored.content["results"][0]["accepted"] is True
    assert client.get(f"/api/v1/findings/{finding['id']}", headers=lead).json["status"] == "verified"


def test_a_failed_re_inspection_sends_the_hazard_back(app, client, crew, make_enterprise):
    lead, second, enterprise, finding = _ordered_major(client, crew, make_enterprise)
    reinspection = _reinspection(client, second, enterprise)
    response = client.post("/api/v1/documents/opinions", headers=second, json={
        "reinspection_id": reinspection, "opinion": "未整改到位，继续整改。",
        "results": [{"finding_id": finding["id"], "accepted": False, "note": "间距仍不足"}]})
    assert response.status_code == 201
    assert client.get(f"/api/v1/findings/{finding['id']}", headers=lead).json["status"] == "open"


def test_the_re_inspection_must_fit_the_hazard(app, client, auth, crew, make_enterprise):
    lead, second, enterprise, finding = _ordered_major(client, crew, make_enterprise)
    cases = {
        "before": _reinspection(client, second, enterprise, when=datetime.now(UTC) - timedelta(hours=1)),
        "not passed": _reinspection(client, second, enterprise, result="not_applicable"),
        "other enterprise": _reinspection(client, second, make_enterprise()),
    }
    for case, reinspection in cases.items():
        response = client.post("/api/v1/documents/opinions", headers=second, json={
            "reinspection_id": reinspection, "opinion": "同意销号",
            "results": [{"finding_id": finding["id"], "accepted": True}]})
        assert response.status_code == 422, case
        assert response.json["errors"]["json"]["results"]["0"]["finding_id"], case
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(
            Document.kind == "reinspection_opinion")) == 0
    assert client.get(f"/api/v1/findings/{finding['id']}", headers=lead).json["status"] == "rectification_submitted"


def test_an_opinion_names_each_finding_once(client, auth):
    response = client.post("/api/v1/documents/opinions", headers=auth("safety_manager"), json={
        "reinspection_id": 1, "opinion": "x", "results": [{"finding_id": 1, "accepted": True}] * 2})
    assert response.status_code == 422 and "results" in response.json["errors"]["json"]


def test_the_verification_endpoint_names_its_own_field_and_writes_the_note_once(app, client, crew,
                                                                                make_enterprise):
    lead, second, enterprise, finding = _ordered_major(client, crew, make_enterprise)
    before = _reinspection(client, second, enterprise, when=datetime.now(UTC) - timedelta(hours=1))
    refused = client.post(f"/api/v1/findings/{finding['id']}/verification", headers=second,
                          json={"accepted": True, "reinspection_id": before})
    assert refused.status_code == 422 and list(refused.json["errors"]["json"]) == ["reinspection_id"]
    without = client.post(f"/api/v1/findings/{finding['id']}/verification", headers=second, json={"accepted": True})
    assert without.status_code == 422
    assert "on-site re-inspection" in without.json["errors"]["json"]["reinspection_id"][0]
    reinspection = _reinspection(client, second, enterprise)
    done = client.post(f"/api/v1/findings/{finding['id']}/verification", headers=second,
                       json={"accepted": True, "note": "间距已满足", "reinspection_id": reinspection})
    assert done.status_code == 200 and done.json["status"] == "verified"
    with app.app_context():
        opinion = db.session.scalar(sa.select(Document).where(Document.kind == "reinspection_opinion"))
        assert opinion.content["opinion"] == "经现场复查，该隐患已按要求整改完毕，同意销号。"
        assert opinion.content["results"][0]["note"] == "间距已满足"
        assert [row["blank"] for row in opinion.content["signatures"]] == [True, True, True]
