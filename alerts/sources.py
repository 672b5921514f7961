"""Where alerts come from: each *source* is a kind of item with a deadline and a responsible party.

Adding a kind of item (water remediation tasks, say) is one more ``Source`` in :data:`SOURCES`::

    Source(subject_type="remediation_task", label="水体整治任务", items=_task_items,
           roles=("env_staff",), escalation_roles=("env_staff", "safety_manager"), describe=_describe_tasks)

where ``_task_items()`` selects the unresolved tasks as (subject_id, deadline, enterprise_id, owner_id) and
``_describe_tasks(ids)`` returns a :class:`Subject` per id for the messages. The subject type must also be
listed in ``alerts.models.SUBJECT_TYPES`` (a check constraint, so a migration).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from core.db import db
from core.text import one_line
from enterprises.models import Enterprise
from inspections.models import Finding, Inspection


@dataclass(frozen=True)
class Subject:
    """What a message says about an item."""

    reference: str  # 隐患 #12
    summary: str
    enterprise_name: str = ""


@dataclass(frozen=True)
class Source:
    """One kind of item with a deadline.

    ``items()`` selects the items whose deadline clock is running, with the columns ``subject_id``,
    ``deadline``, ``enterprise_id`` and ``owner_id`` (the responsible user, or NULL). Those items past their
    deadline are exactly the overdue ones. ``roles`` receive reminders and overdue alerts (with the owner);
    ``escalation_roles`` receive escalations (the level above).
    """

    subject_type: str
    label: str
    items: Callable[[], sa.Select]
    roles: tuple[str, ...]
    escalation_roles: tuple[str, ...]
    describe: Callable[[Iterable[int]], dict[int, Subject]]


def _finding_items() -> sa.Select:
    # Only "open" runs the clock: rectification_submitted pauses overdue-ness and verified closes the
    # finding (risk_rules.dates.is_overdue). So ``status == 'open' AND deadline < today`` is exactly
    # inspections.models.overdue_clause(today); tests/alerts check the two agree.
    return (
        sa.select(Finding.id.label("subject_id"), Finding.deadline.label("deadline"),
                  Finding.enterprise_id.label("enterprise_id"), Inspection.inspector_id.label("owner_id"))
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .where(Finding.status == "open")
    )


def _describe_findings(ids: Iterable[int]) -> dict[int, Subject]:
    rows = db.session.execute(
        sa.select(Finding.id, Finding.description, Enterprise.name)
        .join(Enterprise, Enterprise.id == Finding.enterprise_id)
        .where(Finding.id.in_(list(ids)))
    )
    return {fid: Subject(f"隐患 #{fid}", _shorten(text), name) for fid, text, name in rows}


def _shorten(text: str, limit: int = 80) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


FINDINGS = Source(
    subject_type="finding",
    label="隐患整改",
    items=_finding_items,
    roles=("safety_manager",),  # plus the inspection's inspector, the owner
    escalation_roles=("safety_manager", "admin"),
    describe=_describe_findings,
)

def _task_items() -> sa.Select:
    from remediation.models import RemediationTask, unresolved_clause

    # A typed NULL: PostgreSQL would take a bare NULL as text in the union with the findings.
    no_enterprise = sa.cast(sa.null(), sa.Integer).label("enterprise_id")
    return sa.select(RemediationTask.id.label("subject_id"), RemediationTask.deadline.label("deadline"),
                     no_enterprise, RemediationTask.created_by_id.label("owner_id")).where(unresolved_clause())


def _describe_tasks(ids: Iterable[int]) -> dict[int, Subject]:
    from remediation.models import RemediationTask, WaterBody

    rows = db.session.execute(
        sa.select(RemediationTask.id, RemediationTask.description, WaterBody.name)
        .join(WaterBody, WaterBody.id == RemediationTask.water_body_id)
        .where(RemediationTask.id.in_(list(ids)))
    )
    return {tid: Subject(f"整治任务 #{tid}", _shorten(text), name) for tid, text, name in rows}


REMEDIATION_TASKS = Source(
    subject_type="remediation_task",
    label="水体整治任务",
    items=_task_items,
    roles=("env_staff",),  # plus the task's owner
    escalation_roles=("env_staff", "safety_manager"),
    describe=_describe_tasks,
)

SOURCES: list[Source] = [FINDINGS, REMEDIATION_TASKS]


def by_type(subject_type: str) -> Source:
    """The source of ``subject_type``."""
    return next(source for source in SOURCES if source.subject_type == subject_type)


def describe(pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Subject]:
    """Subjects for (subject_type, subject_id) pairs: one query per source; deleted items get a stand-in."""
    wanted: dict[str, set[int]] = {}
    for subject_type, subject_id in pairs:
        wanted.setdefault(subject_type, set()).add(subject_id)
    found = {}
    for subject_type, ids in wanted.items():
        source = by_type(subject_type)
        described = source.describe(ids)
        for subject_id in ids:
            found[subject_type, subject_id] = described.get(
                subject_id, Subject(f"{source.label} #{subject_id}", "（已删除）"))
    return found
