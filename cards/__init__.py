"""Red and yellow cards (红黄牌分类警示): kept current from findings by the rules in ``risk_rules.cards``."""


def init_app(app):
    from cards.cli import cli
    from cards.routes import blp
    from core.api import api

    api.register_blueprint(blp)
    app.cli.add_command(cli)
