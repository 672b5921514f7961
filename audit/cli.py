from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from audit import anchor, chain
from core.db import db

cli = AppGroup("audit", help="The audit log.")


@cli.command("seal")
def seal():
    """Chain the entries written since the last seal (the scheduler does this every few minutes)."""
    count = chain.seal()
    db.session.commit()
    click.echo(f"Sealed {count} entr{'y' if count == 1 else 'ies'}.")


@cli.command("anchor")
def anchor_head():
    """Seal, then append the chain's head, signed with AUDIT_ANCHOR_KEY, to AUDIT_ANCHOR_FILE (the scheduler
    does this daily). Exits 1 when the chain no longer holds the last anchored entry."""
    chain.seal()
    db.session.commit()
    try:
        record = anchor.append()
    except anchor.AnchorError as exc:
        raise click.ClickException(str(exc)) from None
    path = current_app.config["AUDIT_ANCHOR_FILE"]
    if record:
        click.echo(f"Anchored the chain up to entry {record['seq']} in {path}.")
    else:
        click.echo(f"Nothing new to anchor: {path} already holds the chain's head, or nothing is sealed.")


@cli.command("verify")
@click.option("--backup", "backups", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Also hold the chain against the audit head in this backup archive's manifest (repeatable).")
def verify(backups):
    """Recompute the hash chain and hold it against the anchors in AUDIT_ANCHOR_FILE (and in backups);
    exits 1 when an entry was edited or deleted, the newest ones or all of them too, or an anchor fails."""
    anchors, problems = anchor.read()
    for path in backups:
        found, problem = _backup_anchor(path)
        anchors += [found] if found else []
        problems += [problem] if problem else []
    try:
        verdict = chain.verify(anchors)
    except sa.exc.DBAPIError as exc:  # a dropped or damaged table is tampering too: say so, not a traceback
        db.session.rollback()
        raise click.ClickException(f"the audit table cannot be read ({str(exc.orig).strip()}): it was dropped or "
                                   "damaged; restore it from a backup, then verify again") from None
    for problem in problems + verdict.problems:
        click.echo(problem, err=True)
    click.echo(f"Checked {verdict.checked} sealed entries; {verdict.unsealed} not sealed yet.")
    if anchors:
        newest = max(anchors, key=lambda a: a.seq)
        click.echo(f"Held against {len(anchors)} anchor(s); the newest records the chain up to entry {newest.seq} "
                   f"({newest.anchored_dt}).")
    else:
        click.echo(f"No anchor yet in {current_app.config['AUDIT_ANCHOR_FILE']}: deleting the newest entries, or "
                   "all of them, is not detected until `flask audit anchor` (daily in the scheduler) writes one.",
                   err=True)
    if problems or verdict.problems:
        raise SystemExit(1)


def _backup_anchor(path: Path):
    """(anchor, problem) from a backup archive's manifest, read through the archive's own checks."""
    from backup.archive import Archive, BackupError  # imported here: the backup package imports audit

    try:
        with Archive(path) as archive:
            return anchor.from_manifest(archive.manifest, f"the backup {path}")
    except BackupError as exc:
        return None, str(exc)
