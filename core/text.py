"""Text that cannot be stored or shown: NUL and other control characters, lone UTF-16 surrogates.

PostgreSQL refuses NUL in text, no UTF-8 encoder takes a lone surrogate (JSON may carry one as ``"\\ud800"``),
and the XLSX exports refuse control characters; so input carrying them is refused where it arrives, naming the
field, instead of failing later as a server error. Tab, line feed and carriage return are ordinary text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def problem(text: str) -> str | None:
    """What is wrong with ``text``, or None."""
    match = _BAD.search(text)
    if match is None:
        return None
    char = match.group()
    kind = "a lone UTF-16 surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"contains {kind} (U+{ord(char):04X}) at position {match.start()}; remove it"


def problems(data) -> dict | list:
    """Messages for every bad string in ``data`` (nested dicts and lists), keyed like marshmallow's errors:
    ``{"findings": {0: {"description": ["contains ..."]}}}``. A bad key is reported under its ``repr``."""
    found: dict = {}
    if isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(key, str) and problem(key):
                found[repr(key)] = [f"this key {problem(key)}"]
            elif (inner := problems(value)):
                found[key] = inner
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if (inner := problems(value)):
                found[index] = inner
    elif isinstance(data, str) and problem(data):
        return [problem(data)]
    return found


def pair_problems(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The same for name/value pairs (a query string or a submitted form)."""
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        if problem(name):
            found[repr(name)] = [f"this parameter name {problem(name)}"]
        elif problem(value):
            found.setdefault(name, []).append(problem(value))
    return found
