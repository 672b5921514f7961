from flask import send_file
from flask_login import current_user

from accounts.auth import roles_required
from core.api import Blueprint
from core.db import db
from core.errors import Forbidden, NotFound
from photos import service
from photos.models import VARIANTS
from photos.schemas import PhotoSchema, PhotoUploadSchema

blp = Blueprint("photos", __name__, url_prefix="/api/v1/photos", description="Photo evidence")

# Originals keep the camera's metadata (GPS, serial numbers): only these roles may fetch them.
ORIGINAL_ROLES = ("safety_manager", "admin")
YEAR = 365 * 24 * 3600


@blp.route("", methods=["POST"])
@roles_required("inspector", "safety_manager")
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, PhotoSchema)
@blp.alt_response(200, schema=PhotoSchema, description="The same bytes were uploaded before")
@blp.alt_response(413, description="Larger than the upload limit")
@blp.alt_response(415, description="Not a JPEG, PNG, WebP or HEIC/HEIF image")
def upload(files):
    """Upload one photo (multipart field ``file``); returns its id, hash, size, capture time and GPS."""
    data = files["file"].read()
    photo, created = service.store(data, current_user.id)
    db.session.commit()
    return photo, 201 if created else 200


@blp.route("/<int:photo_id>/<variant>")
@blp.response(200, description="JPEG rendition, or the original bytes",
              content_type="image/jpeg")
def serve(photo_id, variant):
    """A photo's display (1600 px) or thumbnail (320 px) rendition, or the original (authorised roles)."""
    if variant not in VARIANTS:
        raise NotFound(f"unknown variant {variant!r}; use one of {', '.join(VARIANTS)}")
    photo = service.get(photo_id, current_user.id)
    if variant == "original":
        if not current_user.has_any_role(ORIGINAL_ROLES):
            raise Forbidden(f"originals are only for: {', '.join(ORIGINAL_ROLES)}")
        if not photo.has_original:
            raise NotFound("the original of this photo was not kept")
    path = service.storage().path(photo.key(variant))
    mimetype = "image/jpeg" if variant != "original" else f"image/{photo.format.lower()}"
    response = send_file(path, mimetype=mimetype, etag=f"{photo.sha256}-{variant}", conditional=True,
                         max_age=YEAR)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.immutable = True
    return response
