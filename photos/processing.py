"""PLACEHOLDER so the app imports while the photos helper writes the real module (same API)."""


class PhotoError(Exception):
    status = 400
    code = "photo_error"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def process(data, *, max_pixels=50_000_000, display_size=1600, thumb_size=320):
    raise PhotoError("photo processing is not available yet")
