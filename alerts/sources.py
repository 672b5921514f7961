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
from sqlalchemy.orm import aliased

from alerts.rules import REMINDER, Rule
from core.db import db
from core.text import one_line
from enterprises.models import Enterprise
from inspections.models import Finding, Inspection
from premises.models import EXPIRY_NOTICE_DAYS, Premises, Tenancy, landlord_label


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
    ``escalation_roles`` receive escalations (the level above). ``rules`` gives the source's own alert kinds
    (default: the configured reminders, overdue and escalations); ``deadline_label`` and ``actions`` (per stage)
    are its words in the messages where they differ from a rectification's.
    """

    subject_type: str
    label: str
    items: Callable[[], sa.Select]
    roles: tuple[str, ...]
    escalation_roles: tuple[str, ...]
    describe: Callable[[Iterable[int]], dict[int, Subject]]
    rules: Callable[[], list[Rule]] | None = None
    deadline_label: str = "整改期限"
    actions: dict[str, str] | None = None


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
    # The party: the enterprise, or a person landlord of premises (``Finding.party_name`` in SQL).
    rows = db.session.execute(
        sa.select(Finding.id, Finding.description, Enterprise.name, Premises.landlord_name, Premises.name)
        .outerjoin(Enterprise, Enterprise.id == Finding.enterprise_id)
        .outerjoin(Premises, Premises.id == Finding.premises_id)
        .where(Finding.id.in_(list(ids)))
    )
    return {fid: Subject(f"隐患 #{fid}", _shorten(text), name or landlord_label(landlord, premises or ""))
            for fid, text, name, landlord, premises in rows}


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


def _agreement_items() -> sa.Select:
    # A tenancy whose agreement lapses while it runs (安全生产法 (2021) 第四十九条第二款): the expiry is the
    # deadline. Ended tenancies, and agreements covering the tenancy to its end, call for nothing.
    return (sa.select(Tenancy.id.label("subject_id"), Tenancy.agreement_expires_on.label("deadline"),
                      Premises.landlord_enterprise_id.label("enterprise_id"),
                      sa.cast(sa.null(), sa.Integer).label("owner_id"))
            .join(Premises, Premises.id == Tenancy.premises_id)
            .where(Tenancy.agreement_expires_on.is_not(None),
                   sa.or_(Tenancy.end_date.is_(None), Tenancy.end_date > Tenancy.agreement_expires_on)))


def _agreement_rules() -> list[Rule]:
    """One alert, when the agreement's expiry comes within ``EXPIRY_NOTICE_DAYS`` (up to its last day)."""
    return [Rule(f"due_in_{EXPIRY_NOTICE_DAYS}d", REMINDER, EXPIRY_NOTICE_DAYS, 0, EXPIRY_NOTICE_DAYS)]


def _describe_agreements(ids: Iterable[int]) -> dict[int, Subject]:
    tenant = aliased(Enterprise)
    rows = db.session.execute(
        sa.select(Tenancy.id, Tenancy.unit, tenant.name, Premises.name, Premises.landlord_name, Enterprise.name)
        .join(Premises, Premises.id == Tenancy.premises_id).join(tenant, tenant.id == Tenancy.enterprise_id)
        .outerjoin(Enterprise, Enterprise.id == Premises.landlord_enterprise_id)
        .where(Tenancy.id.in_(list(ids)))
    )
    return {tid: Subject(f"租赁 #{tid}",
                         _shorten(f"{premises} {unit}：出租方与承租单位{tenant_name}的安全生产管理协议"),
                         landlord or landlord_label(person, premises))
            for tid, unit, tenant_name, premises, person, landlord in rows}


TENANCY_AGREEMENTS = Source(
    subject_type="tenancy_agreement",
    label="安全生产管理协议",
    items=_agreement_items,
    roles=("safety_manager",),
    escalation_roles=(),
    describe=_describe_agreements,
    rules=_agreement_rules,
    deadline_label="协议到期日",
    actions={REMINDER: "请督促出租方与承租单位在到期前续签安全生产管理协议"
                       "（《中华人民共和国安全生产法》第四十九条）。"},
)

SOURCES: list[Source] = [FINDINGS, REMEDIATION_TASKS, TENANCY_AGREEMENTS]


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
