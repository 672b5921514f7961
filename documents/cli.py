import sys

import click
from flask.cli import AppGroup

from documents import service

cli = AppGroup("documents", help="Enforcement documents.")


@cli.command("verify")
@click.argument("path", type=click.File("rb"))
def verify(path):
    """Say whether the PDF at PATH is a document this system issued, unchanged, and which one.
    Exit status 0 when it is, 1 when it is not."""
    result = service.verify(path.read())
    document = result["document"]
    click.echo(result["message"])
    if document is not None:
        # The unit as the document names it (a person landlord of premises has no enterprise id).
        click.echo(f"document {document.id}: {document.kind} {document.number}, inspected unit "
                   f"{document.content['enterprise']['name']} (enterprise id {document.enterprise_id}), inspection "
                   f"{document.inspection_id}, issued {document.issued_dt.isoformat()}")
    sys.exit(0 if result["issued"] else 1)
