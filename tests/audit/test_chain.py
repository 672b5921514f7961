"""The audit log is a hash chain: `flask audit verify` finds an edited or a deleted entry."""

import sqlalchemy as sa

from audit.models import AuditEntry
from core.db import db


def _make_entries(client, auth, count):
    headers = auth("admin")
    for n in range(count):
        client.post("/api/v1/users", headers=headers, json={"username": f"user{n}", "password": "long enough",
                                                            "roles": ["inspector"]})


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_sealed_chain_verifies_and_new_entries_extend_it(app, client, auth):
    _make_entries(client, auth, 3)
    assert "Sealed 4 entries." in _cli(app, "seal").output  # the admin's own creation too
    client.post("/api/v1/users", headers=auth("admin"), json={"username": "late", "password": "long enough",
                                                               "roles": ["env_staff"]})
    result = _cli(app, "verify")
    assert result.exit_code == 0 and "Checked 4 sealed entries; 2 not sealed yet." in result.output
    _cli(app, "seal")
    with app.app_context():
        seqs = db.session.scalars(sa.select(AuditEntry.seq).order_by(AuditEntry.id)).all()
    assert seqs == [1, 2, 3, 4, 5, 6]
    assert _cli(app, "verify").exit_code == 0


def test_an_edited_entry_is_found(app, client, auth):
    _make_entries(client, auth, 3)
    _cli(app, "seal")
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.seq == 2))
        entry.after = entry.after | {"roles": ["admin"]}  # someone covers their tracks
        db.session.commit()
    result = _cli(app, "verify")
    assert result.exit_code == 1 and "entry 2" in result.output and "changed after sealing" in result.output


def test_a_deleted_entry_is_found(app, client, auth):
    _make_entries(client, auth, 3)
    _cli(app, "seal")
    with app.app_context():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 3))
        db.session.commit()
    result = _cli(app, "verify")
    assert result.exit_code == 1 and "entries 3..3 of the chain are missing" in result.output
