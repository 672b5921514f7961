from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import db
from core.tabular import checked_on_the_command_line
from remediation import importer

cli = AppGroup("water", help="Water bodies and their remediation.")


@cli.command("import-samples")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--section", help="code (or unique name) of the section every row belongs to; "
                                "without it the file needs a section column")
def import_samples(file: Path, section: str | None):
    """Import water samples from a lab's CSV or XLSX FILE (one row per sample, items as columns with units,
    e.g. 氨氮(mg/L)); all rows or none."""
    report = checked_on_the_command_line(lambda progress: importer.check(file, section, progress), "Checking rows")
    count = importer.store(report)
    db.session.commit()
    click.echo(f"Imported {count} sample(s): {report.summary(count)}.")
