"""Reading the rule data files (YAML): small field checks shared by rule sets and checklists."""

from __future__ import annotations

from datetime import date
from typing import Any


def text(data: dict, key: str, where: str, error: type[ValueError]) -> str:
    """A non-empty string field; an unquoted number (a YAML ``version: 2017``) is taken as text."""
    value = data[key]
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise error(f"{where}: {key!r} must be a non-empty string")
    return value.strip()


def iso_date(value: Any, where: str, error: type[ValueError]) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise error(f"{where} must be an ISO date (YYYY-MM-DD), got {value!r}") from exc
