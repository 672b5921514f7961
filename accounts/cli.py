import click
from flask.cli import AppGroup

from accounts import service
from accounts.models import ROLES
from core.db import db
from core.errors import DomainError

cli = AppGroup("users", help="Manage user accounts.")


@cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="Repeat for several roles.")
@click.option("--full-name", default="")
@click.option("--email", default=None)
@click.option("--certificate-no", default="", help="Law-enforcement certificate number (执法证号) of an inspector.")
@click.password_option()
def create(username, roles, full_name, email, certificate_no, password):
    """Create a user with one or more roles."""
    try:
        service.create_user(username, password, roles, full_name=full_name, email=email,
                            certificate_no=certificate_no)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Created {username} ({', '.join(roles)}).")
