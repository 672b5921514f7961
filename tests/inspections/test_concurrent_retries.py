"""Retries racing each other after a dropped connection must still store one inspection."""

import threading

import sqlalchemy as sa

from core.db import db
from inspections.models import Finding, Inspection
from tests.conftest import inspection_payload, requires_postgres


@requires_postgres
def test_concurrent_retries_store_one_inspection(app, auth, make_enterprise):
    headers, payload = auth("inspector"), inspection_payload(make_enterprise())
    barrier = threading.Barrier(8)
    statuses = []

    def submit():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/inspections", headers=headers, json=payload).status_code)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 7 + [201]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 1
