"""The audit trail: who changed what, when, with the state before and after, sealed into a hash chain."""


def init_app(app):
    from audit.cli import cli

    app.cli.add_command(cli)
