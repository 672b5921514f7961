"""Retries racing each other after a dropped connection must still store one inspection."""

import sqlalchemy as sa

from core.db import db
from inspections.models import Finding, Inspection
from tests.conftest import at_once, inspection_payload, requires_postgres


@requires_postgres
def test_concurrent_retries_store_one_inspection(app, auth, make_enterprise):
    headers, payload = auth("inspector"), inspection_payload(make_enterprise())
    statuses = at_once(8, lambda: app.test_client().post("/api/v1/inspections", headers=headers,
                                                          json=payload).status_code)
    assert sorted(statuses) == [200] * 7 + [201]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 1
