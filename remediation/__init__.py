"""Worse-than-V water bodies (劣V类水体): sections, samples classified by GB 3838-2002, remediation tasks,
status and closing off (销号). The rules themselves live in ``risk_rules.water``."""


def init_app(app):
    from core.api import api
    from remediation.cli import cli
    from remediation.routes import blp, sections_blp, tasks_blp

    for blueprint in (blp, sections_blp, tasks_blp):
        api.register_blueprint(blueprint)
    app.cli.add_command(cli)
