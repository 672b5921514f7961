"""Interactive API docs (Swagger UI) served from the installed swagger-ui-bundle: no internet needed."""

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, render_template, send_from_directory

from core.api import public

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
bp = Blueprint("docs", __name__, url_prefix="/api/v1/docs", template_folder="templates", static_folder="static")


@bp.route("")
@public
def page():
    return render_template("api_docs.html")


@bp.route("/assets/<path:filename>")
@public
def asset(filename):
    return send_from_directory(ASSETS, filename, max_age=86400)
