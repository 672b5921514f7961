"""The words of an alert, in Chinese, for e-mail subjects, e-mail bodies and webhooks.

User text (an enterprise's or a water body's name) is put on one line (``core.text.one_line``): a line break in
it would break the e-mail subject, or add a line of its own to the message ("整改期限：..." that nobody set).
Times are the zone's (``core.time``).
"""

from __future__ import annotations

from datetime import date

from alerts import rules
from alerts.channels import Message
from alerts.models import Alert
from alerts.sources import Subject, by_type
from core.text import one_line
from core.time import local_date, local_time

STAGE_TITLES = {rules.REMINDER: "即将到期", rules.OVERDUE: "已逾期", rules.ESCALATION: "逾期升级督办"}
ACTIONS = {
    rules.REMINDER: "请督促责任单位按期完成整改。",
    rules.OVERDUE: "请督促责任单位立即整改，或按规定申请延期。",
    rules.ESCALATION: "逾期已达 {days} 天，请安全管理负责人督办。",
}


def standing(deadline: date, today: date) -> str:
    """How a deadline stands on ``today``: 还剩 2 天 / 今天到期 / 已逾期 3 天."""
    left = (deadline - today).days
    if left > 0:
        return f"还剩 {left} 天"
    return "今天到期" if left == 0 else f"已逾期 {-left} 天"


def title(alert: Alert) -> str:
    """【隐患整改已逾期】"""
    return f"【{by_type(alert.subject_type).label}{STAGE_TITLES[rules.stage_of(alert.kind)]}】"


def text(alert: Alert, subject: Subject) -> str:
    """The body: enterprise, item, deadline and how it stands on the day the alert was raised, what to do."""
    stage, source = rules.stage_of(alert.kind), by_type(alert.subject_type)
    lines = [f"企业：{one_line(subject.enterprise_name)}"] if subject.enterprise_name else []
    lines += [
        f"{subject.reference}：{one_line(subject.summary)}",
        f"{source.deadline_label}：{alert.deadline.isoformat()}"
        f"（{standing(alert.deadline, local_date(alert.raised_dt))}）",
        (source.actions or ACTIONS).get(stage, ACTIONS[stage]).format(days=rules.days_of(alert.kind)),
    ]
    return "\n".join(lines)


def for_alert(alert: Alert, subject: Subject, key: str) -> Message:
    """The message of ``alert`` about ``subject``; ``key`` identifies the delivery across retries."""
    name = one_line(subject.enterprise_name)
    return Message(
        key=key,
        subject=f"{title(alert)}{name + '：' if name else ''}{subject.reference}",
        text=text(alert, subject),
        data={"alert_id": alert.id, "kind": alert.kind, "stage": rules.stage_of(alert.kind),
              "subject_type": alert.subject_type, "subject_id": alert.subject_id,
              "deadline": alert.deadline.isoformat(), "enterprise_id": alert.enterprise_id,
              "enterprise_name": subject.enterprise_name, "summary": subject.summary,
              "raised_dt": local_time(alert.raised_dt).isoformat()},
    )
