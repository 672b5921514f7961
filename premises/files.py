"""The agreement's file, checked by what it holds, never by its name or the type the client claims.

A PDF must begin with its header (``%PDF-1.7``) and end with its end-of-file marker, and carry no active content
(JavaScript, launch actions, embedded files or rich media: an agreement is a scanned or printed page). A picture
(a photograph of the signed pages) goes through the photo pipeline (``photos.processing``: decoded whole, bombs and
damaged files refused) and is kept as its metadata-free JPEG rendition, large enough to read a page.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.errors import Invalid
from photos.processing import PhotoError, UnsupportedImage, process

MAX_BYTES = 10 * 1024 * 1024  # a scanned agreement of a few pages; the request itself is bounded by MAX_UPLOAD_MB
PAGE_SIZE = 2400  # long side, in pixels, of a picture kept: an A4 page stays readable
PDF, JPEG = "application/pdf", "image/jpeg"
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia)(?![A-Za-z0-9])")


def _refused(message, field: str) -> Invalid:
    """A refusal of the uploaded file: the field is a multipart part (``errors.files``), not JSON."""
    return Invalid(message, errors={"files": {field: [str(message)]}})


def check(data: bytes, field: str = "file") -> tuple[str, bytes]:
    """``(media type, bytes to store)`` for an uploaded agreement. ``Invalid`` (422 at ``files.<field>``) for an
    empty or too large file, a damaged or active PDF, a damaged picture or anything else."""
    if not data:
        raise _refused(_l("the file is empty"), field)
    if len(data) > MAX_BYTES:
        raise _refused(_l("the file is larger than %(mb)d MB", mb=MAX_BYTES // (1024 * 1024)), field)
    if data.startswith(b"%PDF"):
        return PDF, _checked_pdf(data, field)
    try:
        photo = process(data, max_pixels=current_app.config["MAX_PHOTO_PIXELS"], display_size=PAGE_SIZE)
    except UnsupportedImage:
        raise _refused(_l("the file is neither a PDF nor a picture (JPEG, PNG, WebP or HEIC)"), field) from None
    except PhotoError as exc:
        raise _refused(exc.message, field) from None
    return JPEG, photo.renditions[0].data


def _checked_pdf(data: bytes, field: str) -> bytes:
    if not _PDF_HEADER.match(data) or b"%%EOF" not in data[-1024:]:
        raise _refused(_l("the PDF is damaged or incomplete (no PDF header or end-of-file marker)"), field)
    if _ACTIVE.search(data):
        raise _refused(_l("the PDF carries active content (JavaScript, actions or embedded files); upload a "
                          "plain scan or print of the agreement"), field)
    return data
