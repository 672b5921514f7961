"""Raising: catch-up, exactly once, moved deadlines, resolved items, the zone's calendar, recipients."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from alerts import raising
from alerts.models import Alert, AlertRecipient, Delivery
from alerts.rules import build_rules, kinds_due
from core.db import db, utcnow
from inspections.models import Finding, overdue_clause
from tests.alerts.conftest import SHANGHAI, TODAY, at

RULES = build_rules((3, 1), (7, 30))


def _pass(app, now):
    with app.app_context():
        return raising.scan(now)


def _alerts(app):
    with app.app_context():
        return sorted(db.session.execute(sa.select(Alert.subject_id, Alert.kind, Alert.deadline)).all())


@pytest.mark.parametrize(("left", "kinds"), [
    (4, []), (3, ["due_in_3d"]), (2, ["due_in_3d"]), (1, ["due_in_1d"]), (0, ["due_in_1d"]),
    (-1, ["overdue"]), (-6, ["overdue"]), (-7, ["overdue", "escalated_7d"]), (-29, ["overdue", "escalated_7d"]),
    (-30, ["overdue", "escalated_30d"]), (-400, ["overdue", "escalated_30d"]),
])
def test_kinds_due_by_days_left(left, kinds):
    assert kinds_due(TODAY + timedelta(days=left), TODAY, RULES) == kinds


def test_rules_follow_the_configured_days():
    assert [r.kind for r in build_rules((5, 2, 1), (3,))] == [
        "due_in_1d", "due_in_2d", "due_in_5d", "overdue", "escalated_3d"]


def test_a_catch_up_pass_raises_every_passed_threshold_but_only_the_latest_of_each_family(app, make_finding):
    ids = {left: make_finding(TODAY + timedelta(days=left)) for left in (5, 3, 1, 0, -1, -7, -40)}
    result = _pass(app, at(TODAY))
    assert _alerts(app) == sorted([
        (ids[3], "due_in_3d", TODAY + timedelta(days=3)),
        (ids[1], "due_in_1d", TODAY + timedelta(days=1)),
        (ids[0], "due_in_1d", TODAY),
        (ids[-1], "overdue", TODAY - timedelta(days=1)),
        (ids[-7], "overdue", TODAY - timedelta(days=7)),
        (ids[-7], "escalated_7d", TODAY - timedelta(days=7)),
        (ids[-40], "overdue", TODAY - timedelta(days=40)),
        (ids[-40], "escalated_30d", TODAY - timedelta(days=40)),
    ])
    assert result.total == 8
    assert result.raised == {"due_in_3d": 1, "due_in_1d": 2, "overdue": 3, "escalated_7d": 1, "escalated_30d": 1}


def test_a_second_pass_raises_nothing(app, make_finding):
    for left in (3, 0, -1, -30):
        make_finding(TODAY + timedelta(days=left))
    assert _pass(app, at(TODAY)).total == 5
    before = _alerts(app)
    again = _pass(app, at(TODAY, 9, 5))
    assert again.total == 0 and again.enterprises == set()
    assert _alerts(app) == before


def test_daily_passes_raise_each_kind_once_on_its_day(app, make_finding):
    deadline = date(2027, 3, 10)
    finding = make_finding(deadline)
    raised_on = {}
    day = deadline - timedelta(days=6)
    while day <= deadline + timedelta(days=35):
        for hour in (0, 9, 23):  # several passes a day, as the scheduler does
            for kind in _pass(app, at(day, hour)).raised:
                raised_on.setdefault(kind, []).append(day)
        day += timedelta(days=1)
    assert raised_on == {
        "due_in_3d": [date(2027, 3, 7)], "due_in_1d": [date(2027, 3, 9)], "overdue": [date(2027, 3, 11)],
        "escalated_7d": [date(2027, 3, 17)], "escalated_30d": [date(2027, 4, 9)],
    }
    assert {subject for subject, _, _ in _alerts(app)} == {finding}


def test_the_unique_key_not_python_keeps_an_alert_single(app, make_finding):
    make_finding(TODAY - timedelta(days=1))
    _pass(app, at(TODAY))
    with app.app_context():
        alert = db.session.scalar(sa.select(Alert))
        db.session.add(Alert(subject_type="finding", subject_id=alert.subject_id, kind="overdue",
                             deadline=alert.deadline, raised_dt=alert.raised_dt))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_an_approved_extension_re_arms_the_reminders(app, make_finding, make_person, monkeypatch):
    from inspections import findings

    requester, manager = make_person("inspector"), make_person("safety_manager")  # nobody decides their own
    monkeypatch.setattr(findings, "local_date", lambda: TODAY)  # extensions are judged on this test's today
    finding_id = make_finding(TODAY - timedelta(days=2))
    assert _pass(app, at(TODAY)).raised == {"overdue": 1}
    new_deadline = TODAY + timedelta(days=20)
    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        findings.request_extension(finding, new_deadline, "设备到货延迟", requester)
        findings.decide_extension(finding, True, "同意", manager)
        db.session.commit()
    assert _pass(app, at(TODAY)).total == 0  # no longer overdue, not yet due
    assert _pass(app, at(new_deadline - timedelta(days=3))).raised == {"due_in_3d": 1}
    assert _pass(app, at(new_deadline + timedelta(days=1))).raised == {"overdue": 1}
    overdue = [deadline for _, kind, deadline in _alerts(app) if kind == "overdue"]
    assert overdue == [TODAY - timedelta(days=2), new_deadline]


@pytest.mark.parametrize("status", ["rectification_submitted", "verified"])
def test_a_resolved_or_paused_item_raises_nothing(app, make_finding, status):
    make_finding(TODAY - timedelta(days=40), status=status)
    make_finding(TODAY + timedelta(days=1), status=status)
    assert _pass(app, at(TODAY)).total == 0
    assert _alerts(app) == []


def test_an_item_resolved_between_passes_raises_nothing_more(app, make_finding):
    finding_id = make_finding(TODAY + timedelta(days=1))
    assert _pass(app, at(TODAY)).raised == {"due_in_1d": 1}
    with app.app_context():
        db.session.get(Finding, finding_id).status = "verified"
        db.session.commit()
    assert _pass(app, at(TODAY + timedelta(days=5))).total == 0


def test_overdue_alerts_are_exactly_the_overdue_clause(app, make_finding):
    for left, status in [(-3, "open"), (-3, "rectification_submitted"), (-3, "verified"), (0, "open"),
                         (-1, "open"), (2, "open")]:
        make_finding(TODAY + timedelta(days=left), status=status)
    _pass(app, at(TODAY))
    with app.app_context():
        overdue = set(db.session.scalars(sa.select(Finding.id).where(overdue_clause(TODAY))))
    assert {subject for subject, kind, _ in _alerts(app) if kind == "overdue"} == overdue
    assert len(overdue) == 2


def test_the_zone_calendar_decides_not_utc(app, make_finding):
    """00:30 on 1 January in Shanghai is 16:30 UTC on 31 December: a deadline of 31 December has passed."""
    yesterday = make_finding(date(2026, 12, 31))
    today = make_finding(date(2027, 1, 1))
    _pass(app, datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert _alerts(app) == [(yesterday, "overdue", date(2026, 12, 31)), (today, "due_in_1d", date(2027, 1, 1))]


def test_one_minute_before_local_midnight_nothing_is_overdue_yet(app, make_finding):
    make_finding(date(2026, 12, 31))
    _pass(app, datetime(2026, 12, 31, 15, 59, tzinfo=UTC))  # 23:59 local on the deadline
    assert [kind for _, kind, _ in _alerts(app)] == ["due_in_1d"]


def _inboxes(app):
    with app.app_context():
        rows = db.session.execute(sa.select(Alert.kind, AlertRecipient.user_id).join(AlertRecipient.alert))
        found = {}
        for kind, user_id in rows:
            found.setdefault(kind, set()).add(user_id)
        return found


def test_recipients_inspector_and_managers_then_one_level_up(app, make_finding, make_person):
    inspector = make_person("inspector")
    managers = {make_person("safety_manager"), make_person("safety_manager", "inspector")}
    admin = make_person("admin")
    make_person("env_staff")
    make_person("safety_manager", active=False)
    make_finding(TODAY - timedelta(days=8), inspector_id=inspector)
    make_finding(TODAY + timedelta(days=1), inspector_id=inspector)
    _pass(app, at(TODAY))
    assert _inboxes(app) == {
        "due_in_1d": {inspector} | managers,
        "overdue": {inspector} | managers,
        "escalated_7d": managers | {admin},
    }


def test_e_mail_and_webhook_deliveries_are_queued_once_per_recipient(app, make_finding, make_person, channels):
    manager = make_person("safety_manager", email="li.na@port.example.cn")
    make_person("safety_manager")  # no address: in-app only
    make_finding(TODAY - timedelta(days=1))
    _pass(app, at(TODAY))
    _pass(app, at(TODAY, 10))
    with app.app_context():
        rows = db.session.execute(sa.select(Delivery.channel, Delivery.recipient, Delivery.user_id)).all()
    _, webhook = channels
    assert sorted(rows, key=str) == sorted([
        ("email", "li.na@port.example.cn", manager),
        ("email", "zhang.wei@port.example.cn", make_finding.state["inspector"]),
        ("webhook", webhook.url, None),
    ], key=str)


def test_cards_are_re_evaluated_once_per_pass_for_the_enterprises_with_new_overdue_alerts(
        app, make_finding, make_enterprise, card_calls):
    first, second, third = make_enterprise(), make_enterprise(), make_enterprise()
    make_finding(TODAY - timedelta(days=1), enterprise_id=first)
    make_finding(TODAY - timedelta(days=9), enterprise_id=first)
    make_finding(TODAY - timedelta(days=3), enterprise_id=second)
    make_finding(TODAY + timedelta(days=1), enterprise_id=third)  # a reminder changes no card
    result = _pass(app, at(TODAY))
    assert card_calls == [sorted([first, second])] and result.enterprises == {first, second}
    _pass(app, at(TODAY, 12))
    assert len(card_calls) == 1  # nothing new, no re-evaluation


def test_flask_alerts_scan_with_now(app, make_finding):
    make_finding(date(2026, 12, 31))
    runner = app.test_cli_runner()
    # 2027 may still be to come on the machine's clock: then writing needs asking for (see below).
    result = runner.invoke(args=["alerts", "scan", "--now", "2027-01-01T00:30", "--commit-future"])
    assert result.exit_code == 0, result.output
    assert "Raised 1 alert(s): overdue 1" in result.output
    again = runner.invoke(args=["alerts", "scan", "--now", "2027-01-01T00:31", "--commit-future"])
    assert "Raised 0 alert(s): nothing new" in again.output
    bad = runner.invoke(args=["alerts", "scan", "--now", "tomorrow"])
    assert bad.exit_code != 0 and "ISO date" in bad.output


def _row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def _today():
    return utcnow().astimezone(SHANGHAI).date()


def _local(moment: datetime) -> str:
    """``--now`` as an operator types it: the zone's local time, no offset."""
    return moment.astimezone(SHANGHAI).replace(tzinfo=None).isoformat(timespec="seconds")


@pytest.mark.parametrize("ahead", [timedelta(days=2), timedelta(minutes=5)])
def test_a_future_now_only_reports_what_the_pass_would_do(app, make_finding, make_enterprise, channels, ahead):
    today = _today()
    enterprise = make_enterprise()
    for days in (3, 5, 9):  # three general findings overdue: the pass would also issue a yellow card
        make_finding(today - timedelta(days=days), enterprise_id=enterprise)
    before = _row_counts(app)
    runner = app.test_cli_runner()
    moment = utcnow() + ahead
    dry = runner.invoke(args=["alerts", "scan", "--now", _local(moment)])
    assert dry.exit_code == 0, dry.output
    assert "Would raise" in dry.output and "overdue" in dry.output and "would be re-evaluated for 1" in dry.output
    assert "Dry run" in dry.output and "--commit-future" in dry.output
    assert _row_counts(app) == before  # no alert, card, card event, inbox row, delivery or audit entry

    written = runner.invoke(args=["alerts", "scan", "--now", _local(moment), "--commit-future"])
    assert written.exit_code == 0 and written.output.startswith("Raised"), written.output
    after = _row_counts(app)
    assert after["alerts"] > before["alerts"] and after["cards"] == before["cards"] + 1


def test_a_past_now_writes_as_before(app, make_finding):
    today = _today()
    make_finding(today - timedelta(days=2))
    result = app.test_cli_runner().invoke(args=["alerts", "scan", "--now", _local(utcnow() - timedelta(hours=1))])
    assert result.exit_code == 0 and "Raised 1 alert(s): overdue 1" in result.output, result.output
    assert "Dry run" not in result.output and len(_alerts(app)) == 1


def test_a_future_digest_only_reports(app, channels, make_finding, make_person):
    from alerts.models import AlertPreference

    manager = make_person("safety_manager", email="li.na@port.example.cn")
    with app.app_context():
        db.session.add(AlertPreference(user_id=manager, digest_email=True))
        db.session.commit()
    make_finding(_today() - timedelta(days=1))
    moment = _local(at(_today() + timedelta(days=3), 9))
    before = _row_counts(app)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["alerts", "digest", "--now", moment])
    assert dry.exit_code == 0 and "Would write 1 digest(s)." in dry.output and "Dry run" in dry.output, dry.output
    assert _row_counts(app) == before
    written = runner.invoke(args=["alerts", "digest", "--now", moment, "--commit-future"])
    assert "Wrote 1 digest(s)." in written.output
    assert _row_counts(app)["digests"] == before["digests"] + 1


def test_a_fan_out_cut_short_is_finished_by_the_next_pass(app, make_finding, make_person):
    manager = make_person("safety_manager")
    make_finding(TODAY - timedelta(days=1))
    with app.app_context():
        raising.run_pass(at(TODAY))  # raised and committed; the process dies before the fan-out
        db.session.commit()
    assert _inboxes(app) == {}
    assert _pass(app, at(TODAY, 9, 5)).total == 0
    assert _inboxes(app)["overdue"] == {manager, make_finding.state["inspector"]}


def test_fan_out_goes_batch_by_batch(app, make_finding, make_person):
    make_person("safety_manager")
    for left in range(-12, 0):
        make_finding(TODAY + timedelta(days=left))
    with app.app_context():
        raising.run_pass(at(TODAY))
        sizes = []
        while size := raising.dispatch_batch(at(TODAY), size=5):
            sizes.append(size)
            db.session.commit()
        assert sizes == [5, 5, 5, 3]  # 12 overdue + 6 escalated
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AlertRecipient)) == 12 * 2 + 6
