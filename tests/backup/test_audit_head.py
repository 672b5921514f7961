"""Every backup carries the audit chain's head, signed: `flask audit verify --backup` holds the live chain
against it, so entries deleted since the backup are found even without the anchor file."""

import json
import tarfile

import sqlalchemy as sa

from audit.models import AuditEntry
from core.db import db
from tests.backup.helpers import backup, cli, craft


def _manifest(path):
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


def test_the_backup_carries_the_signed_head_and_verify_holds_the_chain_against_it(app, populated, tmp_path):
    path = backup(app, tmp_path / "backups")
    with app.app_context():
        head = db.session.execute(sa.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc())).first()
    audit = _manifest(path)["audit"]
    assert (audit["seq"], audit["hash"]) == tuple(head) and len(audit["mac"]) == 64
    result = cli(app, "audit", "verify", "--backup", str(path))
    assert result.exit_code == 0 and f"records the chain up to entry {head.seq}" in result.output, result.output

    with app.app_context():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == head.seq))
        db.session.commit()
    assert cli(app, "audit", "verify").exit_code == 0  # nothing anchored in the file: the chain alone cannot tell
    result = cli(app, "audit", "verify", "--backup", str(path))
    assert result.exit_code == 1
    assert f"entries {head.seq}..{head.seq} of the chain are missing (deleted): the anchor of" in result.output
    assert f"(the backup {path})" in result.output


def test_a_changed_head_in_the_manifest_fails_its_hmac(app, populated, tmp_path):
    path = backup(app, tmp_path / "backups")

    def lower_the_head(contents):
        contents.manifest["audit"]["seq"] -= 1

    crafted = craft(path, tmp_path / "crafted.tar", lower_the_head)
    assert cli(app, "backup", "verify", str(crafted)).exit_code == 0  # the archive's files are intact
    result = cli(app, "audit", "verify", "--backup", str(crafted))
    assert result.exit_code == 1 and "fails its HMAC: the manifest was changed" in result.output


def test_a_crafted_archive_is_refused_by_the_audit_check_too(app, populated, tmp_path):
    path = backup(app, tmp_path / "backups")

    def climb_out(contents):
        contents.member("database.").name = contents.manifest["database"]["file"] = "../x"

    result = cli(app, "audit", "verify", "--backup", str(craft(path, tmp_path / "crafted.tar", climb_out)))
    assert result.exit_code == 1 and "'../x' is not the database file" in result.output
