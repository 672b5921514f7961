import click
from flask.cli import AppGroup

from checklists import service
from core.db import db

cli = AppGroup("checklists", help="Manage inspection checklists.")


@cli.command("load")
def load():
    """Load or update the checklists from the standards' data files (risk_rules/checklists)."""
    versions, items = service.sync_from_files()
    db.session.commit()
    click.echo(f"Checklists: {versions} version(s), {items} item(s) loaded.")
