"""Overdue water remediation tasks raise alerts like overdue findings (issue 5), to environmental staff."""

from datetime import timedelta

import sqlalchemy as sa

from alerts import raising
from alerts.models import Alert, AlertRecipient
from core.db import db
from tests.alerts.conftest import TODAY, at


def test_overdue_and_due_soon_tasks_alert_env_staff_and_completed_ones_do_not(app, make_person):
    from remediation.models import RemediationTask, WaterBody

    env_staff, manager = make_person("env_staff"), make_person("safety_manager")
    with app.app_context():
        body = WaterBody(name="光华河", kind="river", township="港城镇", river_chief="王河长",
                         responsible_unit="港城镇政府", listed_status="under_remediation")
        db.session.add(body)
        db.session.flush()
        tasks = [RemediationTask(water_body_id=body.id, measure="dredging", description=f"清淤 {n}",
                                 deadline=TODAY + timedelta(days=left), status=status, created_by_id=env_staff)
                 for n, (left, status) in enumerate([(-2, "in_progress"), (1, "planned"), (-5, "completed")])]
        db.session.add_all(tasks)
        db.session.commit()
        overdue, soon, done = (t.id for t in tasks)
        raising.scan(at(TODAY))
        alerts = {(a.subject_id, a.kind) for a in db.session.scalars(
            sa.select(Alert).where(Alert.subject_type == "remediation_task"))}
        assert alerts == {(overdue, "overdue"), (soon, "due_in_1d")}
        recipients = set(db.session.scalars(sa.select(AlertRecipient.user_id)))
        assert env_staff in recipients and manager not in recipients
