"""The chain's head is anchored outside the database: deleting the newest entries, or all of them, or cutting
the chain and sealing it again, is found by `flask audit verify`; so is a changed anchor file or a wrong key."""

import json

import pytest
import sqlalchemy as sa

from audit.models import AuditEntry
from core.config import ConfigError, load
from core.db import db
from tests.audit.test_chain import _cli, _make_entries


def _delete(app, where) -> None:
    with app.app_context():
        db.session.execute(sa.delete(AuditEntry).where(where))
        db.session.commit()


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _two_more(client, auth, name: str) -> None:
    """Two more entries: a new admin and the user they create."""
    response = client.post("/api/v1/users", headers=auth("admin"), json={"username": name, "password": "long enough",
                                                                          "roles": ["inspector"]})
    assert response.status_code == 201, response.json


def _anchored(app, client, auth, count=3) -> None:
    """``count`` users created by an admin (count + 1 entries), sealed and anchored."""
    _make_entries(client, auth, count)
    result = _cli(app, "anchor")
    assert result.exit_code == 0 and f"Anchored the chain up to entry {count + 1}" in result.output, result.output


def test_an_anchored_chain_verifies_and_anchors_extend_it(app, client, auth, anchor_file):
    _anchored(app, client, auth)
    assert "Nothing new to anchor" in _cli(app, "anchor").output  # no new entries: no new line
    assert len(_lines(anchor_file)) == 1
    _two_more(client, auth, "late")
    assert "Anchored the chain up to entry 6" in _cli(app, "anchor").output
    first, second = _lines(anchor_file)
    assert (first["seq"], second["seq"]) == (4, 6) and first["mac"] != second["mac"]
    result = _cli(app, "verify")
    assert result.exit_code == 0, result.output
    assert "Held against 2 anchor(s); the newest records the chain up to entry 6" in result.output


@pytest.mark.parametrize("deleted", ["the newest entry", "the two newest entries"])
def test_deleting_the_newest_entries_after_an_anchor_is_found(app, client, auth, deleted):
    _anchored(app, client, auth)
    _delete(app, AuditEntry.seq >= (4 if deleted == "the newest entry" else 3))
    result = _cli(app, "verify")
    assert result.exit_code == 1
    first = 4 if deleted == "the newest entry" else 3
    assert f"entries {first}..4 of the chain are missing (deleted)" in result.output
    assert "recorded the chain up to entry 4, it now ends at entry" in result.output


def test_deleting_the_whole_table_is_found(app, client, auth):
    _anchored(app, client, auth)
    _delete(app, sa.true())
    result = _cli(app, "verify")
    assert result.exit_code == 1
    assert "the audit table has no sealed entries" in result.output and "the whole table was emptied" in result.output


def test_a_chain_cut_and_sealed_again_is_found(app, client, auth):
    """Deleting the newest entries and letting new ones take their places leaves a valid chain of the same
    length: only the anchor shows it."""
    _anchored(app, client, auth)
    _delete(app, AuditEntry.seq >= 3)
    _two_more(client, auth, "late")
    _cli(app, "seal")
    result = _cli(app, "verify")
    assert result.exit_code == 1
    assert "entry 4 is missing or differs from the anchor of" in result.output
    assert "cut and sealed again, or rewritten" in result.output


def test_anchoring_refuses_a_chain_that_lost_the_anchored_entry(app, client, auth, anchor_file):
    _anchored(app, client, auth)
    _delete(app, AuditEntry.seq == 4)
    _two_more(client, auth, "late")
    result = _cli(app, "anchor")
    assert result.exit_code == 1 and "entry 4 of the audit chain, anchored on" in result.output
    assert len(_lines(anchor_file)) == 1  # the loss is not covered by a new anchor


def _edit_line(path, number, change):
    lines = path.read_text().splitlines()
    lines[number] = change(lines[number])
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("change", "message"), [
    (lambda path: _edit_line(path, 0, lambda line: line.replace('"seq": 2', '"seq": 1')), "line 1, fails its HMAC"),
    (lambda path: _edit_line(path, 1, lambda line: line[:-10] + "0" * 8 + line[-2:]), "line 2, fails its HMAC"),
    (lambda path: path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n"), "line 1, fails its HMAC"),
    (lambda path: _edit_line(path, 1, lambda line: line[:40]), "line 2, is not an anchor"),
    (lambda path: path.write_text(path.read_text() + '{"seq": true}\n'), "line 3, is not an anchor"),
    (lambda path: _edit_line(path, 1, lambda line: line.replace('"mac": "', '"mac": "港')), "line 2, is not an anchor"),
], ids=["an anchored seq lowered", "a mac replaced", "the first line removed", "a line cut short",
        "a line added", "a mac not in hex"])
def test_a_changed_anchor_file_is_found(app, client, auth, anchor_file, change, message):
    _anchored(app, client, auth, 1)
    _two_more(client, auth, "late")
    _cli(app, "anchor")
    assert _cli(app, "verify").exit_code == 0
    change(anchor_file)
    result = _cli(app, "verify")
    assert result.exit_code == 1 and message in result.output, result.output


def test_anchors_written_with_another_key_fail(app, client, auth, monkeypatch):
    _anchored(app, client, auth)
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_KEY", "k" * 64)
    result = _cli(app, "verify")
    assert result.exit_code == 1 and "or AUDIT_ANCHOR_KEY is not the key it was written with" in result.output


def test_without_an_anchor_verify_says_what_it_cannot_see(app, client, auth, anchor_file):
    _two_more(client, auth, "late")
    _cli(app, "seal")
    result = _cli(app, "verify")
    assert result.exit_code == 0 and "No anchor yet in" in result.output and not anchor_file.exists()


def test_the_scheduler_seals_and_anchors_daily(app, client, auth, anchor_file):
    from alerts import scheduler

    _make_entries(client, auth, 2)
    scheduler.anchor_audit(app)
    (line,) = _lines(anchor_file)
    assert line["seq"] == 3
    _delete(app, AuditEntry.seq == 3)
    assert _cli(app, "verify").exit_code == 1


def test_the_key_and_the_file_are_settings(tmp_path):
    instance = tmp_path / "instance"
    config = load(str(instance), str(tmp_path), env={})
    key_file = instance / "audit_anchor_key"
    assert config["AUDIT_ANCHOR_KEY"] == key_file.read_text() != config["SECRET_KEY"]
    assert config["AUDIT_ANCHOR_FILE"] == str(instance / "audit_anchors.jsonl")
    assert load(str(instance), str(tmp_path), env={})["AUDIT_ANCHOR_KEY"] == config["AUDIT_ANCHOR_KEY"]
    elsewhere = load(str(instance), str(tmp_path), env={"AUDIT_ANCHOR_KEY": "x" * 32,
                                                        "AUDIT_ANCHOR_FILE": str(tmp_path / "worm" / "a.jsonl")})
    assert elsewhere["AUDIT_ANCHOR_KEY"] == "x" * 32 and (tmp_path / "worm").is_dir()
    with pytest.raises(ConfigError, match="AUDIT_ANCHOR_KEY is too short"):
        load(str(instance), str(tmp_path), env={"AUDIT_ANCHOR_KEY": "short"})
    with pytest.raises(ConfigError, match="AUDIT_ANCHOR_FILE=.* is a directory"):
        load(str(instance), str(tmp_path), env={"AUDIT_ANCHOR_FILE": str(tmp_path)})


def test_a_dropped_table_is_reported_not_a_traceback(app, client, auth):
    _anchored(app, client, auth)
    with app.app_context():
        db.session.execute(sa.text("ALTER TABLE audit_entries RENAME TO audit_entries_gone"))
        db.session.commit()
    try:
        result = _cli(app, "verify")
    finally:
        with app.app_context():
            db.session.execute(sa.text("ALTER TABLE audit_entries_gone RENAME TO audit_entries"))
            db.session.commit()
    assert result.exit_code == 1
    assert "the audit table cannot be read" in result.output and "Traceback" not in result.output
