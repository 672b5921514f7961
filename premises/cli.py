from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import db
from core.tabular import checked_on_the_command_line
from premises import importer

cli = AppGroup("premises", help="Manage rented industrial buildings and their tenancies.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path):
    """Import premises and tenancies from a CSV or XLSX FILE (Chinese or English headers; one line per tenancy
    with its premises' columns); all lines or none."""
    report = checked_on_the_command_line(lambda progress: importer.check(file, progress))
    premises, tenancies = importer.store(report)
    db.session.commit()
    click.echo(f"Imported {premises} premises and {tenancies} tenancies: {report.summary(report.read)}.")
