"""Backups: a consistent copy of the database and the photo store taken while the service runs, and restore."""


def init_app(app):
    from backup.cli import cli

    app.cli.add_command(cli)
