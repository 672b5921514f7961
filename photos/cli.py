import click
from flask.cli import AppGroup

from core.db import db
from photos import service

cli = AppGroup("photos", help="Manage the photo store.")


@cli.command("sweep")
def sweep():
    """Remove uploads attached nowhere after PHOTO_UNATTACHED_DAYS, and files that no photo row points to."""
    rows = service.sweep_rows()
    db.session.commit()
    files = service.sweep_files()
    click.echo(f"Removed {rows} unattached photo(s) and {files} orphan file(s).")
