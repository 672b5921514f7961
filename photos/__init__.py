"""Photo evidence from tablets: verified by decoding, oriented, stripped of metadata, content-addressed."""


def init_app(app):
    from core.api import api, error_response
    from photos.cli import cli
    from photos.processing import PhotoError
    from photos.routes import blp

    api.register_blueprint(blp)
    app.cli.add_command(cli)
    app.register_error_handler(PhotoError, lambda exc: error_response(exc.status, exc.message))
