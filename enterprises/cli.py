import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import db
from core.tabular import TabularError
from enterprises import importer

cli = AppGroup("enterprises", help="Manage enterprises.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path):
    """Import enterprises from a CSV or XLSX FILE (Chinese or English headers); all rows or none."""

    def progress(rows):
        with click.progressbar(rows, label="Checking rows", file=sys.stderr) as bar:
            yield from bar

    try:
        report = importer.check(file, progress)
    except TabularError as exc:
        raise click.ClickException(str(exc)) from None
    for line, why in report.rejected:
        click.echo(f"line {line}: {why}", err=True)
    if not report.ok:
        raise click.ClickException(f"{report.summary(0)}; nothing was imported")
    count = importer.store(report)
    db.session.commit()
    click.echo(f"Imported {count} enterprise(s): {report.summary(count)}.")
