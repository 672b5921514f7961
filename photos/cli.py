import click
from flask.cli import AppGroup

from core.db import db
from photos import service

cli = AppGroup("photos", help="Manage the photo store.")


@cli.command("sweep")
def sweep():
    """Remove unattached uploads older than a day and files that no photo row points to."""
    rows = service.sweep_rows()
    db.session.commit()
    files = service.sweep_files()
    click.echo(f"Removed {rows} unattached photo(s) and {files} orphan file(s).")
