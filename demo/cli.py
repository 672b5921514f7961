import click
from flask.cli import with_appcontext

from core.db import db
from demo import seed


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load a realistic demo data set (idempotent: does nothing when demo users exist)."""
    summary = seed.run()
    db.session.commit()
    click.echo(summary)
