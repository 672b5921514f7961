"""Error raised for invalid water-quality input (pure, no Flask)."""

from __future__ import annotations


class WaterQualityError(ValueError):
    """Invalid water-quality input; ``field`` names the offending item or argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
