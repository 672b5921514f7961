"""Alerts (提醒): due-soon, overdue and escalation alerts for items with a deadline, raised exactly once by an
idempotent poller and delivered in-app, by e-mail and by webhook without loss."""


def init_app(app):
    from alerts.cli import cli
    from alerts.routes import blp
    from core.api import api

    api.register_blueprint(blp)
    app.cli.add_command(cli)
    if app.config.get("RUN_SCHEDULER_IN_PROCESS"):
        _start_with_first_request(app)


def _start_with_first_request(app):
    # Started by the first request, not here: `flask db upgrade` and other commands build the app too, and
    # the reloader's watcher process never serves, so only the serving process runs the jobs.
    from alerts import scheduler

    @app.before_request
    def _start_scheduler():
        scheduler.start_in_process(app)
