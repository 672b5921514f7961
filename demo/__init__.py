"""Demo data so a newcomer sees a living system at once."""


def init_app(app):
    from demo.cli import seed_demo

    app.cli.add_command(seed_demo)
