"""Signatures from the tablet's pad: a PNG data URL, checked and stored as a small grey-scale PNG."""

from __future__ import annotations

import base64
import binascii
import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from core.errors import Invalid

PREFIX = "data:image/png;base64,"
MAX_WIDTH, MAX_HEIGHT = 2000, 1000  # a pad is a strip; anything larger is not a signature
MAX_BYTES = 512 * 1024


def decode(data_url: str, where: tuple) -> bytes:
    """The PNG of a signature, from ``data:image/png;base64,...``: composited on white, grey-scale, at most
    ``MAX_WIDTH`` x ``MAX_HEIGHT`` pixels, re-encoded without metadata (the same drawing gives the same bytes).

    Raises ``Invalid`` (422 at ``where``, a path into the request body) for another prefix, bad base64, a file
    that is not a whole PNG, a bigger picture, or one with no ink at all (a blank pad is not a signature).
    """
    if not data_url.startswith(PREFIX):
        raise Invalid(_l("a signature must be a PNG data URL (data:image/png;base64,...)"), field=where)
    try:
        raw = base64.b64decode(data_url[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(_l("the signature is not valid base64"), field=where) from None
    if len(raw) > MAX_BYTES:
        raise Invalid(_l("the signature is larger than %(kb)d KB", kb=MAX_BYTES // 1024), field=where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=("PNG",)) as probe:
                if probe.width > MAX_WIDTH or probe.height > MAX_HEIGHT:
                    raise Invalid(_l("a signature may be at most %(w)dx%(h)d pixels", w=MAX_WIDTH, h=MAX_HEIGHT),
                                  field=where)
                probe.verify()
            with Image.open(io.BytesIO(raw), formats=("PNG",)) as image:
                image = image.convert("RGBA")
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise Invalid(_l("the signature is not a readable PNG image"), field=where) from None
    white = Image.new("RGBA", image.size, "white")
    grey = Image.alpha_composite(white, image).convert("L")
    if grey.getextrema()[0] > 200:  # no stroke darker than light grey
        raise Invalid(_l("the signature pad is empty: sign before sending"), field=where)
    out = io.BytesIO()
    grey.save(out, format="PNG", optimize=True)
    return out.getvalue()
