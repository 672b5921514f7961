from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import db
from core.tabular import checked_on_the_command_line
from enterprises import importer

cli = AppGroup("enterprises", help="Manage enterprises.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path):
    """Import enterprises from a CSV or XLSX FILE (Chinese or English headers); all rows or none."""
    report = checked_on_the_command_line(lambda progress: importer.check(file, progress), "Checking rows")
    count = importer.store(report)
    db.session.commit()
    click.echo(f"Imported {count} enterprise(s): {report.summary(count)}.")
