"""The web blueprint: pages at the root, this package's templates and static files."""

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/ui/static")
