import click
from flask.cli import AppGroup

from audit import chain
from core.db import db

cli = AppGroup("audit", help="The audit log.")


@cli.command("seal")
def seal():
    """Chain the entries written since the last seal (the scheduler does this every few minutes)."""
    count = chain.seal()
    db.session.commit()
    click.echo(f"Sealed {count} entr{'y' if count == 1 else 'ies'}.")


@cli.command("verify")
def verify():
    """Recompute the hash chain; exits 1 when an entry was edited or deleted."""
    verdict = chain.verify()
    for problem in verdict.problems:
        click.echo(problem, err=True)
    click.echo(f"Checked {verdict.checked} sealed entries; {verdict.unsealed} not sealed yet.")
    if verdict.problems:
        raise SystemExit(1)
