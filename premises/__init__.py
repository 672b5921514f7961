"""Rented industrial buildings (出租厂房) and multi-tenant factories (群租厂房): premises, their landlords, the
tenancies of their parts and the work safety management agreements (安全生产法 (2021) 第四十九条); import."""


def init_app(app):
    from core.api import api
    from premises.cli import cli
    from premises.routes import blp, tenancies_blp

    api.register_blueprint(blp)
    api.register_blueprint(tenancies_blp)
    app.cli.add_command(cli)
