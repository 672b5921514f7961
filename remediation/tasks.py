"""Remediation tasks (整治任务) of a water body: planned → in progress → completed (or cancelled), with
progress, deadline changes, a history row for every change and an audit record."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from audit import service as audit
from core.db import db, utcnow
from core.errors import Conflict, Invalid, NotFound
from core.time import local_date
from remediation import service
from remediation.models import RemediationTask, RemediationTaskEvent, WaterBody, overdue_clause, unresolved_clause

# (current status, new status) allowed; completed and cancelled are final.
TRANSITIONS = {
    ("planned", "in_progress"), ("planned", "completed"), ("planned", "cancelled"),
    ("in_progress", "completed"), ("in_progress", "cancelled"),
}
_AUDITED = ("status", "progress", "deadline", "completed_dt")
# How long ago a deadline may be when a task is created (recording work already under way).
PAST_DEADLINE_DAYS = 366


def get(task_id: int) -> RemediationTask:
    task = db.session.get(RemediationTask, task_id)
    if task is None:
        raise NotFound(f"remediation task {task_id} does not exist")
    return task


def search(water_body_id=None, status=None, unresolved=None, overdue=None) -> sa.Select:
    query = sa.select(RemediationTask).order_by(RemediationTask.deadline, RemediationTask.id)
    if water_body_id is not None:
        query = query.where(RemediationTask.water_body_id == water_body_id)
    if status is not None:
        query = query.where(RemediationTask.status == status)
    for flag, clause in ((unresolved, unresolved_clause()), (overdue, overdue_clause(local_date()))):
        if flag is not None:
            query = query.where(clause if flag else sa.not_(clause))
    return query


def _log(task, action, actor_id, note="", before: tuple | None = None):
    """History row; ``before`` is the (status, progress, deadline) the change started from."""
    from_status, from_progress, from_deadline = before or (None, None, None)
    task.events.append(RemediationTaskEvent(
        action=action, from_status=from_status, to_status=task.status, from_progress=from_progress,
        to_progress=task.progress, from_deadline=from_deadline, to_deadline=task.deadline, actor_id=actor_id,
        note=note))


def create(body: WaterBody, data: dict, actor_id: int | None) -> RemediationTask:
    if body.listed_status == "closed_off":
        raise Conflict(_l("%(body)s is closed off; it takes no new remediation tasks", body=body.name))
    if data["deadline"] < local_date() - timedelta(days=PAST_DEADLINE_DAYS):
        raise Invalid(_l("the deadline is more than a year ago"), field="deadline")
    task = RemediationTask(water_body=body, created_by_id=actor_id, status="planned", progress=0, **data)
    db.session.add(task)
    _log(task, "created", actor_id)
    db.session.flush()
    audit.record("remediation_task.created", task, None, audit.snapshot(task, _AUDITED) | {
        "water_body_id": body.id, "measure": task.measure}, actor_id)
    service.start_remediation(body, actor_id)
    return task


def update(task: RemediationTask, data: dict, actor_id: int | None) -> RemediationTask:
    """Report progress, move the status, or change the deadline (with a note); one history row per call."""
    if not task.is_unresolved:
        raise Conflict(_l("a %(status)s task cannot be changed", status=task.status))
    status = data.get("status", task.status)
    progress = data.get("progress", task.progress)
    deadline = data.get("deadline", task.deadline)
    note = data.get("note", "").strip()
    if status == "completed":
        if data.get("progress", 100) != 100:
            raise Invalid(_l("a completed task has progress 100"), field="progress")
        progress = 100
    elif status == "planned" and progress > 0:
        if "status" in data:
            raise Invalid(_l("a planned task has no progress yet; set status in_progress"), field="status")
        status = "in_progress"  # the first progress report starts the work
    if status != task.status and (task.status, status) not in TRANSITIONS:
        raise Conflict(_l("a %(status)s task cannot become %(target)s", status=task.status, target=status),
                       field="status")
    if status == "cancelled" and not note:
        raise Invalid(_l("cancelling a task needs a reason"), field="note")
    if deadline != task.deadline and not note:
        raise Invalid(_l("changing the deadline needs a reason"), field="note")
    if (status, progress, deadline) == (task.status, task.progress, task.deadline):
        raise Invalid(_l("nothing changes: the task already has this status, progress and deadline"))
    before_state = (task.status, task.progress, task.deadline)
    before = audit.snapshot(task, _AUDITED)
    action = status if status != task.status else "deadline_changed" if deadline != task.deadline else "progress"
    task.status, task.progress, task.deadline = status, progress, deadline
    task.completed_dt = utcnow() if status == "completed" else None
    _log(task, action, actor_id, note, before_state)
    db.session.flush()
    audit.record(f"remediation_task.{action}", task, before, audit.snapshot(task, _AUDITED), actor_id)
    return task
