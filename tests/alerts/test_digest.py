"""The daily digest: once a day per user who chose it, from DIGEST_HOUR local, instead of per-alert e-mails."""

from datetime import timedelta

import sqlalchemy as sa

from alerts import delivery, digest, raising
from alerts.models import AlertPreference, Delivery, Digest
from core.db import db
from tests.alerts.conftest import TODAY, at


def _choose_digest(app, user_id):
    with app.app_context():
        db.session.add(AlertPreference(user_id=user_id, digest_email=True))
        db.session.commit()


def _digest_pass(app, now):
    with app.app_context():
        written = digest.run(now)
        db.session.commit()
        return written


def test_one_digest_a_day_replaces_the_per_alert_e_mails(app, channels, make_finding, make_person):
    smtp, _ = channels
    smtp.start()
    manager = make_person("safety_manager", email="li.na@port.example.cn")
    _choose_digest(app, manager)
    make_finding(TODAY - timedelta(days=2), description="防爆电气设备线路裸露")
    make_finding(TODAY + timedelta(days=2), description="应急池容积不足")
    make_finding(TODAY + timedelta(days=10))
    with app.app_context():
        raising.scan(at(TODAY, 7))
        assert not db.session.scalars(sa.select(Delivery).where(Delivery.recipient == "li.na@port.example.cn")).all()
    assert _digest_pass(app, at(TODAY, 7, 59)) == 0  # before DIGEST_HOUR
    assert _digest_pass(app, at(TODAY, 8)) == 1
    assert _digest_pass(app, at(TODAY, 8, 5)) == 0
    with app.app_context():
        delivery.run(now=at(TODAY, 8, 6))
    mails = smtp.wait_for(3)
    digests = [m for m in mails if m["To"] == "li.na@port.example.cn"]
    assert len(digests) == 1
    assert str(digests[0]["Subject"]) == "【每日汇总】2027-01-01：已逾期 1 项，即将到期 1 项"
    body = digests[0].get_content()
    assert "隐患整改：已逾期 1 项，即将到期 1 项，其他未到期 1 项。" in body
    assert "防爆电气设备线路裸露（期限 2026-12-30，已逾期 2 天）" in body and "应急池容积不足" in body
    assert _digest_pass(app, at(TODAY + timedelta(days=1), 9)) == 1  # the next day, a new one
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Digest)) == 2


def test_an_inspector_digest_covers_only_their_findings_and_empty_digests_are_not_sent(
        app, channels, make_finding, make_person):
    mine, other = make_person("inspector", email="a@x.cn"), make_person("inspector", email="b@x.cn")
    idle = make_person("inspector", email="c@x.cn")
    for user in (mine, other, idle):
        _choose_digest(app, user)
    make_finding(TODAY - timedelta(days=1), inspector_id=mine, description="我的隐患")
    make_finding(TODAY - timedelta(days=1), inspector_id=other, description="别人的隐患")
    assert _digest_pass(app, at(TODAY, 9)) == 2
    with app.app_context():
        bodies = dict(db.session.execute(sa.select(Digest.user_id, Digest.body)).all())
    assert set(bodies) == {mine, other}
    assert "我的隐患" in bodies[mine] and "别人的隐患" not in bodies[mine]


def test_no_digest_without_an_smtp_server(app, make_finding, make_person):
    _choose_digest(app, make_person("safety_manager", email="li.na@port.example.cn"))
    make_finding(TODAY - timedelta(days=1))
    assert _digest_pass(app, at(TODAY, 9)) == 0


def test_user_text_with_line_breaks_stays_on_its_line_in_the_digest(app, channels, make_enterprise, make_finding,
                                                                    make_person):
    """Issue 12, item 11: an enterprise's name or a person's name cannot add lines of its own to the digest."""
    from accounts.models import User

    smtp, _ = channels
    smtp.start()
    manager = make_person("safety_manager", email="li.na@port.example.cn")
    with app.app_context():
        db.session.get(User, manager).full_name = "李娜\r\n【已逾期】"
        db.session.commit()
    _choose_digest(app, manager)
    enterprise = make_enterprise(name="港区化工\n- 隐患 #99 伪造：已整改（期限 2099-01-01，还剩 1 天）\u2028有限公司")
    make_finding(TODAY - timedelta(days=2), enterprise_id=enterprise, description="防爆电气设备\n线路裸露")
    assert _digest_pass(app, at(TODAY, 8)) == 1
    with app.app_context():
        delivery.run(now=at(TODAY, 8, 1))
    [mail] = [m for m in smtp.wait_for(2) if m["To"] == "li.na@port.example.cn"]
    lines = mail.get_content().splitlines()
    assert lines[0] == "李娜 【已逾期】，您好："
    assert [line for line in lines if line.startswith("- ")] == [
        "- 隐患 #1 港区化工 - 隐患 #99 伪造：已整改（期限 2099-01-01，还剩 1 天） 有限公司：防爆电气设备 线路裸露"
        "（期限 2026-12-30，已逾期 2 天）"]
