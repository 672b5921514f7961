import sqlalchemy as sa

from cards.models import Card
from core.db import db
from inspections.models import Finding


def test_seed_demo_builds_a_living_system_once(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "36 enterprises" in first.output
    with app.app_context():
        statuses = dict(db.session.execute(sa.select(Finding.status, sa.func.count()).group_by(Finding.status)).all())
        assert set(statuses) == {"open", "rectification_submitted", "verified"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Card)) > 0
        # Nobody verified a rectification they submitted themselves (issue 13).
        verified = db.session.scalars(sa.select(Finding).where(Finding.status == "verified")).all()
        for finding in verified:
            actors = {e.action: e.actor_id for e in finding.events}
            assert actors["verified"] != actors["rectification_submitted"], finding.id
    token = client.post("/api/v1/auth/tokens", json={"username": "li.na", "password": "demo-password"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/findings?overdue=true", headers=headers).json
    assert client.get("/api/v1/cards?status=active", headers=headers).json
    again = runner.invoke(args=["seed-demo"])
    assert "already present" in again.output
