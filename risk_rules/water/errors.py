"""Error raised for invalid water-quality input (pure, no Flask)."""

from __future__ import annotations


class WaterQualityError(ValueError):
    """Invalid water-quality input; ``field`` names the offending item or argument. The message is given in
    English and, where staff may meet it on a page, in Chinese (``message_zh``; otherwise the English one)."""

    def __init__(self, field: str, message: str, message_zh: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.message_zh = message_zh or message
