"""The daily digest: one e-mail a day per user who chose it, instead of one e-mail per alert.

From ``DIGEST_HOUR`` (local) on, each pass writes the day's digest of every such user who has none yet,
with its text, and queues its delivery; the unique (user, local date) makes that happen once a day even
with two schedulers. A scheduler that was down at 08:00 sends the digest when it comes back that day.
A user with nothing open gets no mail.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from accounts.models import User
from alerts.messages import standing
from alerts.models import AlertPreference, Delivery, Digest
from alerts.raising import dialect_insert
from alerts.sources import SOURCES, Source
from core.db import UTCDateTime, db
from core.text import one_line
from core.time import local_date, zone

LISTED = 20  # items listed per section; the rest are counted


def _sections(source: Source, user: User, today: date) -> dict | None:
    """Counts and the most urgent items of ``source`` that concern ``user`` (None: nothing concerns them)."""
    items = source.items().subquery()
    query = sa.select(items)
    if not user.has_any_role(source.roles + source.escalation_roles):
        query = query.where(items.c.owner_id == user.id)  # an inspector sees the findings they found
    mine = query.subquery()
    soon = today + timedelta(days=max(current_app.config["ALERT_REMINDER_DAYS"]))
    overdue, due_soon = mine.c.deadline < today, mine.c.deadline.between(today, soon)
    counts = db.session.execute(sa.select(
        sa.func.count(), sa.func.count().filter(overdue), sa.func.count().filter(due_soon))).one()
    if not counts[0]:
        return None

    def listed(condition):
        return db.session.execute(sa.select(mine.c.subject_id, mine.c.deadline).where(condition)
                                  .order_by(mine.c.deadline, mine.c.subject_id).limit(LISTED)).all()

    return {"total": counts[0], "overdue": counts[1], "due_soon": counts[2],
            "overdue_items": listed(overdue), "due_soon_items": listed(due_soon)}


def _lines(source: Source, heading: str, rows, count: int, today: date) -> list[str]:
    if not rows:
        return []
    described = source.describe([subject_id for subject_id, _ in rows])
    lines = [f"【{heading}】"]
    for subject_id, deadline in rows:
        subject = described.get(subject_id)
        if subject is not None:
            lines.append(f"- {subject.reference} {one_line(subject.enterprise_name)}：{one_line(subject.summary)}"
                         f"（期限 {deadline.isoformat()}，{standing(deadline, today)}）")
    if count > len(rows):
        lines.append(f"……及其他 {count - len(rows)} 项")
    return lines


def compose(user: User, today: date) -> tuple[str, str] | None:
    """(subject, body) of ``user``'s digest for ``today``, or None when nothing is open for them."""
    totals, body = {"overdue": 0, "due_soon": 0}, []
    for source in SOURCES:
        found = _sections(source, user, today)
        if found is None:
            continue
        totals["overdue"] += found["overdue"]
        totals["due_soon"] += found["due_soon"]
        others = found["total"] - found["overdue"] - found["due_soon"]
        body += [f"{source.label}：已逾期 {found['overdue']} 项，即将到期 {found['due_soon']} 项，"
                 f"其他未到期 {others} 项。", ""]
        body += _lines(source, "已逾期", found["overdue_items"], found["overdue"], today)
        body += _lines(source, "即将到期", found["due_soon_items"], found["due_soon"], today)
        body.append("")
    if not body:
        return None
    subject = f"【每日汇总】{today.isoformat()}：已逾期 {totals['overdue']} 项，即将到期 {totals['due_soon']} 项"
    greeting = [f"{one_line(user.full_name)}，您好：", "", f"截至 {today.isoformat()}，与您相关的未完成事项如下：", ""]
    footer = ["您选择了每日汇总，因此不再逐条收到提醒邮件；站内提醒照常。"]
    return subject, "\n".join(greeting + body + footer)


def _candidates(today: date):
    has_digest = sa.select(Digest.id).where(Digest.user_id == User.id, Digest.local_date == today).exists()
    return db.session.scalars(
        sa.select(User).join(AlertPreference, AlertPreference.user_id == User.id)
        .where(AlertPreference.digest_email == sa.true(), User.is_active, User.email.is_not(None),
               User.email != "", ~has_digest).order_by(User.id))


def run(now: datetime) -> int:
    """Write today's digests once ``DIGEST_HOUR`` has passed and queue their e-mails; flush only.

    Returns how many digests this call wrote (another process may have written some first).
    """
    config = current_app.config
    if not config["SMTP_HOST"] or now.astimezone(zone()).hour < config["DIGEST_HOUR"]:
        return 0
    today, written = local_date(now), 0
    for user in _candidates(today).all():
        composed = compose(user, today)
        if composed is None:
            continue
        values = {"user_id": user.id, "local_date": today, "subject": composed[0], "body": composed[1],
                  "created_dt": now}
        written += db.session.execute(
            dialect_insert(Digest).values(values).on_conflict_do_nothing(index_elements=["user_id", "local_date"])
            .execution_options(preserve_rowcount=True)
        ).rowcount
    _queue(today, now)
    return written


def _queue(today: date, now: datetime) -> None:
    moment = sa.literal(now, UTCDateTime)
    select = (sa.select(Digest.id, sa.literal("email"), User.email, User.id, sa.literal("pending"), sa.literal(0),
                        moment, sa.literal(""), moment)
              .join(User, User.id == Digest.user_id).where(Digest.local_date == today, User.email.is_not(None)))
    columns = ["digest_id", "channel", "recipient", "user_id", "status", "attempts", "next_attempt_dt",
               "last_error", "created_dt"]
    db.session.execute(dialect_insert(Delivery).from_select(columns, select)
                       .on_conflict_do_nothing(index_elements=["digest_id", "channel", "recipient"]))
