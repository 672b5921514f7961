"""Inspections (检查) and the hidden dangers they find (隐患), with the rectification workflow."""


def init_app(app):
    from core.api import api
    from inspections.finding_routes import blp as findings_blp
    from inspections.routes import blp as inspections_blp

    api.register_blueprint(inspections_blp)
    api.register_blueprint(findings_blp)
