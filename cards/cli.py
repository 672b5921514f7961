import click
from flask.cli import AppGroup

from cards import service
from core.db import db

cli = AppGroup("cards", help="Red and yellow cards.")


@cli.command("reevaluate")
def reevaluate():
    """Re-evaluate every enterprise's card now (deadlines pass without any request; the scheduler runs this)."""
    count = service.reevaluate_all()
    db.session.commit()
    click.echo(f"Re-evaluated {count} enterprise(s).")
