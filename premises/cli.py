import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import db
from core.tabular import TabularError
from premises import importer

cli = AppGroup("premises", help="Manage rented industrial buildings and their tenancies.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path):
    """Import premises and tenancies from a CSV or XLSX FILE (Chinese or English headers; one line per tenancy
    with its premises' columns); all lines or none."""

    def progress(rows):
        with click.progressbar(rows, label="Checking lines", file=sys.stderr) as bar:
            yield from bar

    try:
        report = importer.check(file, progress)
    except TabularError as exc:
        raise click.ClickException(str(exc)) from None
    for line, why in report.rejected:
        click.echo(f"line {line}: {why}", err=True)
    if not report.ok:
        raise click.ClickException(f"{report.summary(0)}; nothing was imported")
    premises, tenancies = importer.store(report)
    db.session.commit()
    click.echo(f"Imported {premises} premises and {tenancies} tenancies: {report.summary(report.read)}.")
