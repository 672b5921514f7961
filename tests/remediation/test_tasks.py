"""Remediation tasks: status moves with progress, history and audit; unresolved and overdue for alerts."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from audit.models import AuditEntry
from core.db import db
from core.time import local_date
from remediation.models import RemediationTask, overdue_clause, unresolved_clause


@pytest.fixture
def body_id(water):
    return water.body()


@pytest.fixture
def task(app, client, water, body_id):
    """``task(days=-3)`` → a new task of the body due that many days from the zone's today."""
    with app.app_context():
        today = local_date()

    def make(days=30, **fields):
        data = {"measure": "sewage_interception", "description": "沿河截污管网建设", "responsible_unit": "港城街道",
                "deadline": (today + timedelta(days=days)).isoformat()} | fields
        response = client.post(f"/api/v1/water-bodies/{body_id}/remediation-tasks", json=data, headers=water.headers)
        assert response.status_code == 201, response.json
        return response.json

    return make


def _patch(client, headers, task_id, **data):
    return client.patch(f"/api/v1/remediation-tasks/{task_id}", json=data, headers=headers)


def test_a_first_task_puts_the_body_under_remediation(client, water, body_id, task):
    created = task()
    assert (created["status"], created["progress"], created["is_overdue"]) == ("planned", 0, False)
    assert [e["action"] for e in created["events"]] == ["created"]
    body = client.get(f"/api/v1/water-bodies/{body_id}", headers=water.headers).json
    assert body["listed_status"] == "under_remediation"


def test_progress_starts_the_work_and_completion_sets_100_with_history(app, client, water, body_id, task):
    created = task()
    started = _patch(client, water.headers, created["id"], progress=40, note="管网已铺设 1 km")
    assert started.status_code == 200, started.json
    assert (started.json["status"], started.json["progress"]) == ("in_progress", 40)
    done = _patch(client, water.headers, created["id"], status="completed", note="已验收")
    assert (done.json["status"], done.json["progress"]) == ("completed", 100)
    assert done.json["completed_dt"] is not None
    events = [(e["action"], e["from_status"], e["to_status"], e["from_progress"], e["to_progress"], e["note"])
              for e in done.json["events"]]
    assert events == [("created", None, "planned", None, 0, ""),
                      ("in_progress", "planned", "in_progress", 0, 40, "管网已铺设 1 km"),
                      ("completed", "in_progress", "completed", 40, 100, "已验收")]
    assert done.json["events"][1]["actor"]["username"]
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("remediation_task")] == [
        "remediation_task.created", "remediation_task.in_progress", "remediation_task.completed"]
    assert "water_body.under_remediation" in actions
    final = _patch(client, water.headers, created["id"], progress=50)
    assert final.status_code == 409


@pytest.mark.parametrize(("data", "status", "field"), [
    ({"status": "cancelled"}, 422, "json"),
    ({"deadline": "2031-01-01"}, 422, "json"),
    ({"status": "completed", "progress": 80}, 422, "progress"),
    ({"progress": 101}, 422, "progress"),
    ({"progress": "half"}, 422, "progress"),
    ({"status": "done"}, 422, "status"),
    ({}, 422, "_schema"),
    ({"status": "planned"}, 422, None),
])
def test_bad_updates(client, water, body_id, data, status, field, task):
    created = task()
    response = _patch(client, water.headers, created["id"], **data)
    assert response.status_code == status, response.json
    if field == "json":
        assert "note" in response.json["errors"]["json"]
    elif field:
        assert field in response.json["errors"]["json"]


def test_deadline_moves_with_a_reason(client, water, body_id, task):
    created = task()
    moved = _patch(client, water.headers, created["id"], deadline="2031-06-30", note="汛期顺延")
    assert moved.status_code == 200
    event = moved.json["events"][-1]
    assert (event["action"], event["to_deadline"], event["note"]) == ("deadline_changed", "2031-06-30", "汛期顺延")


def test_cancelled_with_a_reason(client, water, body_id, task):
    created = task()
    response = _patch(client, water.headers, created["id"], status="cancelled", note="并入区级工程")
    assert response.json["status"] == "cancelled"


def test_overdue_and_unresolved_filters_match_the_clause(app, client, water, body_id, task):
    overdue = task(days=-3)
    due_today = task(days=0)
    done = task(days=-10)
    _patch(client, water.headers, done["id"], status="completed")
    listed = client.get("/api/v1/remediation-tasks?overdue=true", headers=water.headers).json
    assert [t["id"] for t in listed] == [overdue["id"]] and listed[0]["is_overdue"] is True
    unresolved = client.get(f"/api/v1/water-bodies/{body_id}/remediation-tasks?unresolved=true",
                            headers=water.headers).json
    assert {t["id"] for t in unresolved} == {overdue["id"], due_today["id"]}
    with app.test_request_context():
        ids = set(db.session.scalars(sa.select(RemediationTask.id).where(unresolved_clause())))
        late = set(db.session.scalars(sa.select(RemediationTask.id).where(overdue_clause(local_date()))))
    assert ids == {overdue["id"], due_today["id"]} and late == {overdue["id"]}
    status = water.status(body_id)
    assert (status["unresolved_tasks"], status["overdue_tasks"]) == (2, 1)


def test_old_deadlines_and_unknown_measures_are_refused(app, client, water, body_id):
    response = client.post(f"/api/v1/water-bodies/{body_id}/remediation-tasks", headers=water.headers,
                           json={"measure": "dredging", "description": "x", "deadline": "2020-01-01"})
    assert response.status_code == 422 and "deadline" in response.json["errors"]["json"]
    unknown = client.post(f"/api/v1/water-bodies/{body_id}/remediation-tasks", headers=water.headers,
                          json={"measure": "magic", "description": "x", "deadline": "2030-01-01"})
    assert unknown.status_code == 422 and "measure" in unknown.json["errors"]["json"]
