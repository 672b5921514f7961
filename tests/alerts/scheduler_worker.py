"""One scheduler process for the concurrency test: in each round it waits for its twin at a barrier, then
runs the scheduler's two jobs (a raising pass as of the round's moment, then delivery) and reports."""

from __future__ import annotations

import os
from datetime import datetime


def main(env: dict, moments: list[str], barrier, results) -> None:
    os.environ.update(env)
    from alerts import delivery, scheduler
    from app import create_app
    from core.db import db

    app = create_app()
    report = {"raised": 0, "sent": 0, "failed": 0}
    for moment in moments:
        now = datetime.fromisoformat(moment)
        barrier.wait(timeout=60)
        report["raised"] += scheduler.scan(app, now).total
        with app.app_context():
            totals = delivery.run(now=now)
            db.session.remove()
        report["sent"] += totals["sent"]
        report["failed"] += totals["failed"]
    with app.app_context():
        db.engine.dispose()
    results.put(report)
