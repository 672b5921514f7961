import sqlalchemy as sa

from cards.models import Card
from core.db import db
from documents import service as documents
from documents.models import Document
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
        # The last month's inspections were signed: their records and orders, the majors' opinions, a correction.
        kinds = dict(db.session.execute(sa.select(Document.kind, sa.func.count()).group_by(Document.kind)).all())
        assert kinds["inspection_record"] > 10 and kinds["rectification_order"] > 5, kinds
        assert kinds["reinspection_opinion"] > 0, kinds
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(
            Document.supersedes_id.is_not(None))) == 1
        majors = db.session.scalars(sa.select(Finding).where(Finding.status == "verified",
                                                             Finding.severity == "major")).all()
        assert majors and all(documents.listing(finding_id=f.id, kind="reinspection_opinion") for f in majors)
        _rented_premises_are_there()
    token = client.post("/api/v1/auth/tokens", json={"username": "li.na", "password": "demo-password"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/findings?overdue=true", headers=headers).json
    assert client.get("/api/v1/cards?status=active", headers=headers).json
    again = runner.invoke(args=["seed-demo"])
    assert "already present" in again.output


def _rented_premises_are_there():
    """Two shared buildings (an enterprise's, a person's), a tenancy without agreement and one expiring within 30
    days, premises inspections with findings against the landlord and against tenants."""
    from core.time import local_date
    from premises.models import Premises, Tenancy

    today = local_date()
    premises = db.session.scalars(sa.select(Premises).order_by(Premises.id)).all()
    assert [p.landlord_enterprise_id is None for p in premises] == [False, True]
    tenancies = db.session.scalars(sa.select(Tenancy)).all()
    assert any(t.agreement_signed_on is None for t in tenancies)
    expiring = [t for t in tenancies if t.agreement_expires_on and 0 <= (t.agreement_expires_on - today).days <= 30]
    assert expiring
    parties = set(db.session.execute(sa.select(Finding.party, Finding.enterprise_id.is_(None))
                                     .where(Finding.premises_id.is_not(None))).all())
    assert {("landlord", False), ("tenant", False), ("landlord", True)} <= parties
