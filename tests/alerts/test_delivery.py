"""Delivery through real servers on loopback: what arrives, and recovery after a channel was down."""

import email.policy
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alerts import delivery, raising
from alerts.channels import Message, webhook
from alerts.models import Delivery
from core.db import db
from tests.alerts.conftest import TODAY, at


@pytest.fixture
def overdue_world(app, make_finding, make_person):
    """Two overdue findings (one escalated) and a manager with an address: 3 alerts, 5 e-mails (the inspector
    and the manager for each overdue alert, the manager for the escalation), 3 webhooks."""
    make_person("safety_manager", email="li.na@port.example.cn")
    make_finding(TODAY - timedelta(days=1), description="液氯储罐区可燃气体报警器失效")
    make_finding(TODAY - timedelta(days=7), description="装卸区安全警示标志缺失")
    with app.app_context():
        raising.scan(at(TODAY))


def _deliver(app, now):
    with app.app_context():
        return delivery.run(now=now)


def _statuses(app):
    with app.app_context():
        return dict(db.session.execute(sa.select(Delivery.status, sa.func.count()).group_by(Delivery.status)).all())


def test_e_mails_and_webhooks_arrive_with_the_chinese_text(app, channels, overdue_world):
    smtp, hook = channels
    smtp.start()
    totals = _deliver(app, at(TODAY, 9, 1))
    assert totals == {"sent": 8}
    mails = smtp.wait_for(5)
    assert len(mails) == 5
    subjects = sorted(str(m["Subject"]) for m in mails)
    assert "【隐患整改已逾期】港区化工有限公司：隐患 #1" in subjects
    assert "【隐患整改逾期升级督办】港区化工有限公司：隐患 #2" in subjects
    overdue = next(m for m in mails if "已逾期】" in str(m["Subject"]) and "#1" in str(m["Subject"]))
    body = overdue.get_content()
    assert "液氯储罐区可燃气体报警器失效" in body and "整改期限：2026-12-31（已逾期 1 天）" in body
    assert str(overdue["From"]) == "alerts@port.example.cn"
    assert sorted(to for _, (to,) in smtp.envelopes) == sorted(
        ["li.na@port.example.cn"] * 3 + ["zhang.wei@port.example.cn"] * 2)  # the inspector gets no escalation
    assert len({m["Message-ID"] for m in mails}) == 5
    assert len(hook.received) == 3
    document = next(d for d in hook.received if d["kind"] == "escalated_7d")
    assert document["subject_type"] == "finding" and document["deadline"] == "2026-12-25"
    assert document["enterprise_name"] == "港区化工有限公司" and "逾期已达 7 天" in document["text"]
    assert set(document) >= {"id", "alert_id", "subject", "text", "stage", "raised_dt"}
    assert _deliver(app, at(TODAY, 10)) == {}  # nothing twice
    assert len(smtp.messages) == 5 and len(hook.received) == 3


def test_robot_webhooks_post_the_group_text_message(app, channels, overdue_world, monkeypatch):
    smtp, hook = channels
    monkeypatch.setitem(app.config, "ALERT_WEBHOOK_FORMAT", "robot")
    smtp.start()
    _deliver(app, at(TODAY, 9, 1))
    assert len(hook.received) == 3
    for document in hook.received:
        assert set(document) == {"msgtype", "text"} and document["msgtype"] == "text"
        assert set(document["text"]) == {"content"}
    assert any(d["text"]["content"].startswith("【隐患整改已逾期】") for d in hook.received)


def test_a_refused_robot_message_is_retried(app, channels, overdue_world, monkeypatch):
    smtp, hook = channels
    monkeypatch.setitem(app.config, "ALERT_WEBHOOK_FORMAT", "robot")
    smtp.start()
    hook.mode = "robot_refuses"
    assert _deliver(app, at(TODAY, 9, 1)) == {"sent": 5, "failed": 3}
    with app.app_context():
        errors = set(db.session.scalars(sa.select(Delivery.last_error).where(Delivery.channel == "webhook")))
    assert errors == {"ChannelError: robot refused: errcode 45009 api freq out of limit"}
    hook.mode = "ok"
    assert _deliver(app, at(TODAY, 9, 3)) == {"sent": 3}


def _fail_then_recover(app, channels, recover, expected_failed):
    smtp, hook = channels
    first = _deliver(app, at(TODAY, 9, 1))
    assert first["failed"] == expected_failed
    with app.app_context():
        pending = db.session.scalars(sa.select(Delivery).where(Delivery.status == "pending")).all()
        assert {d.attempts for d in pending} == {1} and all(d.last_error for d in pending)
        assert all(d.claimed_by is None for d in pending)
    assert _deliver(app, at(TODAY, 9, 1)) == {}  # backing off: not yet
    second = _deliver(app, at(TODAY, 9, 2))  # one minute later, still down: retried and failed again
    assert second == {"failed": expected_failed}
    recover()
    third = _deliver(app, at(TODAY, 9, 10))
    assert third == {"sent": expected_failed}
    assert _deliver(app, at(TODAY, 12)) == {}
    assert _statuses(app) == {"sent": 8}
    assert len(smtp.wait_for(5)) == 5 and len(hook.received) == 3
    assert len(set(hook.keys)) == 3 and len({m["Message-ID"] for m in smtp.messages}) == 5


def test_smtp_refused_then_recovers(app, channels, overdue_world):
    smtp, _ = channels  # not started: the port refuses connections
    _fail_then_recover(app, channels, smtp.start, expected_failed=5)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.max(Delivery.attempts))) == 3


def test_webhook_500_then_recovers(app, channels, overdue_world):
    smtp, hook = channels
    smtp.start()
    hook.mode = "error"
    first = _deliver(app, at(TODAY, 9, 1))
    assert first == {"sent": 5, "failed": 3}
    with app.app_context():
        assert set(db.session.scalars(sa.select(Delivery.last_error).where(Delivery.status == "pending"))) == {
            "ChannelError: HTTP 500 Internal Server Error"}
    assert _deliver(app, at(TODAY, 9, 2)) == {"failed": 3}
    hook.mode = "ok"
    assert _deliver(app, at(TODAY, 9, 10)) == {"sent": 3}
    assert _deliver(app, at(TODAY, 12)) == {}
    assert len(hook.received) == 3 and len(set(hook.keys)) == 3 and hook.attempts == 9
    assert len(smtp.messages) == 5


def test_webhook_timeout_then_recovers(app, channels, overdue_world):
    smtp, hook = channels
    smtp.start()
    hook.mode, hook.delay = "slow", 1.5  # ALERT_SEND_TIMEOUT is 1 s in these tests
    assert _deliver(app, at(TODAY, 9, 1)) == {"sent": 5, "failed": 3}
    with app.app_context():
        errors = set(db.session.scalars(sa.select(Delivery.last_error).where(Delivery.status == "pending")))
    assert len(errors) >= 1 and all("timed out" in e for e in errors), errors
    hook.mode = "ok"
    assert _deliver(app, at(TODAY, 9, 10)) == {"sent": 3}
    assert _deliver(app, at(TODAY, 12)) == {}
    assert len(hook.received) == 3 and len(set(hook.keys)) == 3


def test_backoff_doubles_up_to_an_hour():
    assert [delivery.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 6, 7, 20)] == [1, 2, 4, 32, 60, 60]


def test_deliveries_give_up_after_the_last_attempt_and_can_be_re_queued(app, channels, overdue_world, monkeypatch):
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 2)
    smtp, _ = channels
    _deliver(app, at(TODAY, 9, 1))
    _deliver(app, at(TODAY, 9, 3))
    assert _statuses(app)["failed"] == 5
    smtp.start()
    result = app.test_cli_runner().invoke(args=["alerts", "deliver", "--retry-failed"])
    assert "Re-queued 5" in result.output and "Sent 5" in result.output
    assert len(smtp.wait_for(5)) == 5


def test_a_lease_keeps_two_workers_apart(app, channels, overdue_world):
    now = at(TODAY, 9, 1)
    with app.app_context():
        first = delivery.claim("worker-a", now, limit=5)
        db.session.commit()
        second = delivery.claim("worker-b", now, limit=50)
        db.session.commit()
        assert len(first) == 5 and len(second) == 3 and not set(first) & set(second)
        assert delivery.claim("worker-c", now) == []
        # a crashed worker's lease runs out and the delivery is taken over
        later = now + delivery.lease_length() + timedelta(seconds=1)
        assert sorted(delivery.claim("worker-c", later, limit=50)) == sorted(first + second)
        db.session.commit()


def test_webhook_body_forms():
    message = Message(key="delivery-1", subject="【隐患整改已逾期】", text="企业：甲", data={"kind": "overdue"})
    assert webhook.body(message, "robot") == {"msgtype": "text", "text": {"content": "【隐患整改已逾期】\n企业：甲"}}
    generic = webhook.body(message, "generic")
    assert generic == {"id": "delivery-1", "subject": "【隐患整改已逾期】", "text": "企业：甲", "kind": "overdue"}
    assert json.loads(json.dumps(generic, ensure_ascii=False)) == generic


# Issue 12, item 11: user text with line breaks (or long enough to fold) in the subject and in the lines of a
# message. Each name: (as stored, as the subject and the message lines show it).
HOSTILE_NAMES = {
    "header-injection": ("港区化工\r\nBcc: spy@evil.example\r\n\r\n有限公司",
                         "港区化工 Bcc: spy@evil.example 有限公司"),
    "forged-line": ("港区化工\n整改期限：2099-12-31（还剩 9999 天）", "港区化工 整改期限：2099-12-31（还剩 9999 天）"),
    "unicode-line-separators": ("港区\u2028化工\u2029有限\x85公司\x1c", "港区 化工 有限 公司"),
    "lone-cr": ("港区化工\r", "港区化工"),
    "encoded-word-lookalike": ("=?utf-8?q?=E6=B8=AF?= 化工\n有限公司", "=?utf-8?q?=E6=B8=AF?= 化工 有限公司"),
    "encoded-line-break": ("=?utf-8?q?=0D=0ABcc:_spy@evil.example?= 化工",
                           "=?utf-8?q?=0D=0ABcc:_spy@evil.example?= 化工"),
    "long": ("港区" + "危险化学品储运" * 27 + "有限公司", "港区" + "危险化学品储运" * 27 + "有限公司"),  # 195 of 200
}


@pytest.fixture(params=HOSTILE_NAMES, ids=list(HOSTILE_NAMES))
def hostile_name_world(request, app, make_enterprise, make_finding, make_person):
    """One overdue finding of an enterprise with a hostile name, a manager with an address: 2 e-mails, 1 hook."""
    stored, shown = HOSTILE_NAMES[request.param]
    make_person("safety_manager", email="li.na@port.example.cn")
    make_finding(TODAY - timedelta(days=1), enterprise_id=make_enterprise(name=stored))
    with app.app_context():
        raising.scan(at(TODAY))
    return shown


def test_a_hostile_enterprise_name_does_not_stop_or_bend_its_e_mails(app, channels, hostile_name_world):
    smtp, hook = channels
    smtp.start()
    assert _deliver(app, at(TODAY, 9, 1)) == {"sent": 3}
    mails = smtp.wait_for(2)
    assert sorted(to for _, (to,) in smtp.envelopes) == ["li.na@port.example.cn", "zhang.wei@port.example.cn"]
    for mail in mails:
        # the zero-width space keeps "=?...?=" from being decoded as an RFC 2047 encoded word
        assert str(mail["Subject"]).replace("\u200b", "") == f"【隐患整改已逾期】{hostile_name_world}：隐患 #1"
        assert mail["Bcc"] is None and len(mail.keys()) == len(set(mail.keys()))
        assert mail.get_content().splitlines()[0] == f"企业：{hostile_name_world}"
        assert mail.get_content().splitlines()[2] == "整改期限：2026-12-31（已逾期 1 天）"
    raw = mails[0].as_bytes(policy=email.policy.SMTP)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))  # RFC 5322: folded, never one endless line
    [document] = hook.received
    assert document["subject"] == f"【隐患整改已逾期】{hostile_name_world}：隐患 #1"
    assert document["text"].splitlines()[0] == f"企业：{hostile_name_world}"


def test_a_hostile_enterprise_name_stays_on_its_line_in_robot_messages(app, channels, hostile_name_world,
                                                                       monkeypatch):
    smtp, hook = channels
    monkeypatch.setitem(app.config, "ALERT_WEBHOOK_FORMAT", "robot")
    smtp.start()
    _deliver(app, at(TODAY, 9, 1))
    [document] = hook.received
    assert document["text"]["content"].splitlines() == [
        f"【隐患整改已逾期】{hostile_name_world}：隐患 #1", f"企业：{hostile_name_world}",
        "隐患 #1：储罐区防火堤破损", "整改期限：2026-12-31（已逾期 1 天）",
        "请督促责任单位立即整改，或按规定申请延期。"]


def test_times_in_messages_are_the_zones(app, channels, overdue_world):
    """Issue 12, item 10: the e-mail's Date and the webhook's raised_dt carry the zone's time and offset."""
    smtp, hook = channels
    smtp.start()
    _deliver(app, at(TODAY, 9, 1))
    assert all(m["Date"].datetime.utcoffset() == timedelta(hours=8) for m in smtp.wait_for(5))
    assert {d["raised_dt"] for d in hook.received} == {"2027-01-01T09:00:00+08:00"}
