"""Triage through the API: the inbox's filters with their total, acknowledging several alerts at once (by ids or
by filter), each user's alerts kept apart, and the bounded unread count the navigation shows."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from accounts.models import User
from alerts import service
from alerts.models import Alert, AlertRecipient
from core.db import db
from tests.alerts.conftest import TODAY, at


@pytest.fixture
def inbox(app, make_person, make_finding, make_enterprise):
    """Two managers sharing six alerts of different kinds, items, enterprises and days; a third person's own."""
    manager, colleague, stranger = (make_person("safety_manager"), make_person("safety_manager"),
                                    make_person("env_staff"))
    harbour = make_enterprise(name="港区化工有限公司")
    dock = make_enterprise(name="码头物流有限公司")
    made = {}

    def alert(name, kind, subject_type, subject_id, enterprise_id, raised, people=(manager, colleague)):
        with app.app_context():
            row = Alert(subject_type=subject_type, subject_id=subject_id, kind=kind, deadline=TODAY,
                        enterprise_id=enterprise_id, raised_dt=raised, is_dispatched=True)
            db.session.add(row)
            db.session.add_all(AlertRecipient(alert=row, user_id=person) for person in people)
            db.session.commit()
            made[name] = row.id

    finding = make_finding(TODAY, enterprise_id=harbour)
    other = make_finding(TODAY, enterprise_id=dock)
    alert("soon", "due_in_3d", "finding", finding, harbour, at(TODAY - timedelta(days=3)))
    alert("overdue", "overdue", "finding", finding, harbour, at(TODAY + timedelta(days=1)))
    alert("escalated", "escalated_7d", "finding", finding, harbour, at(TODAY + timedelta(days=7)))
    alert("dock", "overdue", "finding", other, dock, at(TODAY + timedelta(days=1), 23, 30))  # late on the 2nd
    alert("task", "overdue", "remediation_task", 77, None, at(TODAY + timedelta(days=2), 0, 10))  # early on the 3rd
    alert("agreement", "due_in_30d", "tenancy_agreement", 5, dock, at(TODAY - timedelta(days=30)))
    alert("strangers", "overdue", "remediation_task", 78, None, at(TODAY + timedelta(days=1)), people=(stranger,))
    return {"manager": manager, "colleague": colleague, "stranger": stranger, "harbour": harbour, "dock": dock,
            "alerts": made}


def _headers(app, user_id):
    from accounts import service as accounts

    with app.app_context():
        token, _ = accounts.issue_token(db.session.get(User, user_id), 1)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _listed(client, headers, query=""):
    response = client.get(f"/api/v1/alerts?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json, json.loads(response.headers["X-Pagination"])["total"]


def _ids(inbox, *names):
    return {inbox["alerts"][name] for name in names}


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["soon", "overdue", "escalated", "dock", "task", "agreement"]),
    ("kind=overdue", ["overdue", "dock", "task"]),
    ("stage=reminder", ["soon", "agreement"]),
    ("stage=escalation", ["escalated"]),
    ("subject_type=remediation_task", ["task"]),
    ("subject_type=tenancy_agreement", ["agreement"]),
    ("enterprise_id={dock}", ["dock", "agreement"]),
    # Local days: late on 2 January and early on the 3rd (Shanghai) are 2 and 3 January, whatever UTC says.
    ("raised_from=2027-01-02&raised_to=2027-01-02", ["overdue", "dock"]),
    ("raised_from=2027-01-03", ["task", "escalated"]),
    ("raised_to=2026-12-31", ["soon", "agreement"]),
    ("stage=overdue&subject_type=finding&enterprise_id={harbour}", ["overdue"]),
])
def test_the_inbox_filters_and_counts_what_it_matches(app, client, inbox, query, expected):
    headers = _headers(app, inbox["manager"])
    rows, total = _listed(client, headers, query.format(**inbox) + "&page_size=2")
    assert total == len(expected) and len(rows) == min(2, len(expected))
    everything, _ = _listed(client, headers, query.format(**inbox))
    assert {row["id"] for row in everything} == _ids(inbox, *expected)
    assert all(row["stage"] in ("reminder", "overdue", "escalation") for row in everything)


def test_an_alert_says_what_it_is_about(app, client, inbox):
    rows, _ = _listed(client, _headers(app, inbox["manager"]), "subject_type=finding&stage=escalation")
    assert rows[0]["summary"] == "储罐区防火堤破损" and rows[0]["enterprise_name"] == "港区化工有限公司"
    assert rows[0]["stage"] == "escalation" and rows[0]["kind"] == "escalated_7d"


@pytest.mark.parametrize(("query", "field"), [
    ("stage=soon", "stage"),
    ("kind=due_in_xd", "kind"),
    ("kind=card", "kind"),
    ("subject_type=card", "subject_type"),
    ("enterprise_id=0", "enterprise_id"),
    ("enterprise_id=2147483648", "enterprise_id"),
    ("enterprise_id=港区", "enterprise_id"),
    ("raised_from=2027-02-30", "raised_from"),
    ("raised_from=1899-12-31", "raised_from"),
    ("raised_from=2027-01-05&raised_to=2027-01-04", "raised_to"),
])
def test_a_bad_filter_is_refused_naming_it(app, client, inbox, query, field):
    response = client.get(f"/api/v1/alerts?{query}", headers=_headers(app, inbox["manager"]))
    assert response.status_code == 422 and field in response.json["errors"]["query"], response.json


def test_acknowledging_by_ids_marks_those_and_says_what_is_left(app, client, inbox):
    headers = _headers(app, inbox["manager"])
    chosen = sorted(_ids(inbox, "soon", "task"))
    response = client.post("/api/v1/alerts/ack", headers=headers, json={"ids": chosen})
    assert response.status_code == 200 and response.json == {"acknowledged": 2, "unread": 4}
    unread, _ = _listed(client, headers, "unread=true")
    assert {row["id"] for row in unread} == _ids(inbox, "overdue", "escalated", "dock", "agreement")
    read, _ = _listed(client, headers, "unread=false")
    first = {row["id"]: row["acked_dt"] for row in read}
    again = client.post("/api/v1/alerts/ack", headers=headers, json={"ids": chosen})
    assert again.json == {"acknowledged": 0, "unread": 4}
    assert {row["id"]: row["acked_dt"] for row in _listed(client, headers, "unread=false")[0]} == first
    # The colleague's copies of the same alerts are theirs to read.
    assert _listed(client, _headers(app, inbox["colleague"]), "unread=true")[1] == 6


def test_acknowledging_by_filter_marks_every_unread_match_of_the_caller_only(app, client, inbox):
    headers = _headers(app, inbox["manager"])
    response = client.post("/api/v1/alerts/ack", headers=headers, json={"filter": {"kind": "overdue"}})
    assert response.json == {"acknowledged": 3, "unread": 3}
    assert {row["id"] for row in _listed(client, headers, "unread=true")[0]} == _ids(
        inbox, "soon", "escalated", "agreement")
    assert _listed(client, _headers(app, inbox["stranger"]), "unread=true")[1] == 1
    assert _listed(client, _headers(app, inbox["colleague"]), "unread=true")[1] == 6
    everything = client.post("/api/v1/alerts/ack", headers=headers, json={"filter": {}})
    assert everything.json == {"acknowledged": 3, "unread": 0}


def test_another_users_alert_among_the_ids_refuses_all_of_them(app, client, inbox):
    headers = _headers(app, inbox["manager"])
    strangers = inbox["alerts"]["strangers"]
    response = client.post("/api/v1/alerts/ack", headers=headers,
                           json={"ids": [inbox["alerts"]["soon"], strangers, 999999]})
    assert response.status_code == 422
    assert response.json["errors"]["json"]["ids"] == [f"not among your alerts: {strangers}, 999999"]
    assert _listed(client, headers, "unread=true")[1] == 6
    assert _listed(client, _headers(app, inbox["stranger"]), "unread=true")[1] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({}, "ids"),
    ({"ids": []}, "ids"),
    ({"ids": list(range(1, 502))}, "ids"),
    ({"ids": ["1"]}, "ids"),
    ({"ids": [0]}, "ids"),
    ({"ids": [2**31]}, "ids"),
    ({"ids": 5}, "ids"),
    ({"ids": [1], "filter": {}}, "filter"),
    ({"filter": {"stage": "soon"}}, "filter"),
    ({"filter": {"raised_from": "2027-01-05", "raised_to": "2027-01-01"}}, "filter"),
    ({"filter": []}, "filter"),
    ({"filter": {"unread": True}}, "filter"),
])
def test_a_bad_acknowledgement_is_refused_naming_the_field(app, client, inbox, body, field):
    headers = _headers(app, inbox["manager"])
    response = client.post("/api/v1/alerts/ack", headers=headers, json=body)
    assert response.status_code == 422 and field in response.json["errors"]["json"], response.json
    assert _listed(client, headers, "unread=true")[1] == 6


def test_acknowledging_needs_a_login(client):
    assert client.post("/api/v1/alerts/ack", json={"filter": {}}).status_code == 401


def test_the_unread_count_stops_at_its_cap(app, make_person):
    person = make_person("inspector")
    with app.app_context():
        for n in range(service.UNREAD_CAP + 5):
            row = Alert(subject_type="remediation_task", subject_id=n + 1, kind="overdue", deadline=date(2027, 1, 1))
            db.session.add(AlertRecipient(alert=row, user_id=person))
        db.session.commit()
        assert service.unread_count(person) == service.UNREAD_CAP
        assert service.unread_count(person, cap=None) == service.UNREAD_CAP + 5
        assert service.unread_count(person, cap=3) == 3
