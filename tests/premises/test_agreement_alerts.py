"""An agreement expiring within 30 days raises one alert, to the safety managers, through the alerts' poller:
exactly once however many scheduler passes run."""

from datetime import timedelta

import sqlalchemy as sa

from alerts import scheduler, service
from alerts.models import Alert, AlertRecipient
from core.db import db
from tests.alerts.conftest import TODAY, at


def _alerts(app):
    with app.app_context():
        return db.session.execute(sa.select(Alert.subject_type, Alert.subject_id, Alert.kind, Alert.deadline)
                                  .order_by(Alert.id)).all()


def test_one_alert_however_many_scheduler_passes(app, make_premises, make_tenancy, make_person):
    manager = make_person("safety_manager")
    make_person("inspector")  # receives none: the landlords' agreements are the safety managers' to follow
    expires = TODAY + timedelta(days=30)
    tenancy = make_tenancy(make_premises(), signed=TODAY - timedelta(days=335), expires=expires)
    assert scheduler.scan(app, at(TODAY - timedelta(days=1))).total == 0  # 31 days left: not yet
    assert scheduler.scan(app, at(TODAY)).raised == {"due_in_30d": 1}
    assert scheduler.scan(app, at(TODAY, 9, 5)).total == 0  # the next pass, five minutes on
    assert scheduler.scan(app, at(TODAY + timedelta(days=20))).total == 0  # and days later
    assert scheduler.scan(app, at(expires)).total == 0  # and on its last day
    assert _alerts(app) == [("tenancy_agreement", tenancy, "due_in_30d", expires)]
    with app.app_context():
        assert db.session.scalars(sa.select(AlertRecipient.user_id)).all() == [manager]
        [shown] = service.present(db.session.scalars(service.inbox(manager)).all())
        assert shown["title"] == "【安全生产管理协议即将到期】"
        assert "协议到期日：" in shown["text"] and "还剩 30 天" in shown["text"]
        assert "续签安全生产管理协议" in shown["text"]


def test_a_scheduler_that_was_down_catches_up_until_the_last_day(app, make_premises, make_tenancy):
    make_tenancy(make_premises(), signed=TODAY - timedelta(days=300), expires=TODAY + timedelta(days=3))
    assert scheduler.scan(app, at(TODAY)).raised == {"due_in_30d": 1}


def test_no_alert_for_an_agreement_that_covers_the_tenancy_to_its_end(app, make_premises, make_tenancy):
    premises_id = make_premises()
    make_tenancy(premises_id, unit="1楼", end=TODAY + timedelta(days=10), signed=TODAY - timedelta(days=100),
                 expires=TODAY + timedelta(days=10))
    make_tenancy(premises_id, unit="2楼")  # no agreement at all: a finding at the next inspection, no alert
    make_tenancy(premises_id, unit="3楼", signed=TODAY - timedelta(days=400), expires=TODAY - timedelta(days=1))
    assert scheduler.scan(app, at(TODAY)).total == 0


def test_a_renewed_agreement_is_a_new_deadline_with_its_own_alert(app, make_premises, make_tenancy):
    from premises.models import Tenancy

    tenancy = make_tenancy(make_premises(), signed=TODAY - timedelta(days=300), expires=TODAY + timedelta(days=5))
    scheduler.scan(app, at(TODAY))
    with app.app_context():
        db.session.get(Tenancy, tenancy).agreement_expires_on = TODAY + timedelta(days=400)
        db.session.commit()
    assert scheduler.scan(app, at(TODAY + timedelta(days=1))).total == 0
    assert scheduler.scan(app, at(TODAY + timedelta(days=371))).raised == {"due_in_30d": 1}
    assert [row[3] for row in _alerts(app)] == [TODAY + timedelta(days=5), TODAY + timedelta(days=400)]
