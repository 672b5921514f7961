from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from backup import service
from backup.archive import BackupError

cli = AppGroup("backup", help="Back up and restore the database and the photo store.")


def _archive_path():
    return click.Path(dir_okay=False, path_type=Path)


@cli.command("create")
@click.option("--to", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the archive (default: instance/backups). Prefer another disk or host.")
def create(directory):
    """Write a consistent backup (database, then the photo files its rows name) while the service runs.

    Exits 1 when a photo file the database names was missing or damaged: the archive is written and
    lists those files, but the photo store needs looking at."""
    try:
        created = service.create(directory or Path(current_app.instance_path) / "backups")
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # the backup disk is full or gone; nothing with the final name was written
        raise click.ClickException(f"writing the backup failed: {exc}") from None
    click.echo(created.summary())
    for problem in created.problems:
        click.echo(f"WARNING: photo file {problem['key']}: {problem['problem']}", err=True)
    if created.problems:
        click.echo(f"{len(created.problems)} photo file(s) could not be backed up (listed in the manifest).", err=True)
        raise SystemExit(1)


@cli.command("verify")
@click.argument("archive", type=_archive_path())
def verify(archive):
    """Check every file of a backup archive against its manifest, without restoring anything."""
    try:
        manifest = service.verify(archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    database, photos = manifest["database"], manifest["photos"]
    click.echo(f"{archive} is intact: made {manifest['created_dt']}, {database['kind']} database "
               f"(revision {database['alembic_revision'] or 'none'}, {sum(database['row_counts'].values())} rows), "
               f"{len(photos['files'])} photo files; {len(photos['problems'])} file(s) were missing when it was made.")


@cli.command("restore")
@click.argument("archive", type=_archive_path())
@click.option("--force", is_flag=True, help="Delete everything in a non-empty target database first.")
def restore(archive, force):
    """Restore a backup into the configured database (which must be empty) and UPLOAD_DIR.

    Stop the web workers and the scheduler first. Every file is checked against the manifest before
    anything is written."""
    try:
        restored = service.restore(archive, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"restoring failed: {exc}") from None
    manifest = restored.manifest
    click.echo(f"Restored the {manifest['database']['kind']} database of {manifest['created_dt']}: "
               f"{len(restored.row_counts)} tables, {sum(restored.row_counts.values())} rows (as in the manifest).")
    click.echo(f"Restored {restored.written} photo files ({restored.present} were already in place).")
    for problem in manifest["photos"]["problems"]:
        click.echo(f"WARNING: photo file {problem['key']} was not in the backup: {problem['problem']}", err=True)
    if restored.rows_without_files:
        click.echo(f"WARNING: {len(restored.rows_without_files)} photo file(s) named by the database are absent: "
                   + ", ".join(restored.rows_without_files[:10]), err=True)
    click.echo(restored.revision_note, err=not restored.revision_ok)
