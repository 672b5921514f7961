"""Text that cannot be stored, exported or shown: control characters, lone surrogates, Unicode noncharacters.

PostgreSQL refuses NUL in text, no UTF-8 encoder takes a lone surrogate (JSON may carry one as ``"\\ud800"``),
and XML 1.0, which every XLSX sheet is, has no place for C0 controls, U+FFFE or U+FFFF: one such character makes
the whole exported workbook unreadable. So input carrying them, or the other control characters (DEL, C1) and
noncharacters (U+FDD0-U+FDEF, the last two code points of every plane) that no person types, is refused where
it arrives, naming the field, instead of failing later as a server error or a broken file. Tab, line feed and
carriage return are ordinary text.

Where it is checked: every JSON body, query string and form the API and the pages read (``core.api``,
``web.views``), every :class:`Text` field of the schemas, every imported cell (``core.tabular``); files we
write pass what they hold through :func:`scrub` as well, for rows stored before these rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from marshmallow import ValidationError, fields

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}"
                                           for plane in range(17))
_BAD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")


def _kind(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return "a lone UTF-16 surrogate"
    return "a control character" if char <= "\x9f" else "a Unicode noncharacter"


def bad_character(text: str) -> tuple[str, int] | None:
    """The first character of ``text`` that cannot be stored, as (``"U+FFFF"``, position), or None."""
    match = _BAD.search(text)
    return None if match is None else (f"U+{ord(match.group()):04X}", match.start())


def problem(text: str) -> str | None:
    """What is wrong with ``text`` (the first bad character, its code point and position), or None."""
    match = _BAD.search(text)
    if match is None:
        return None
    char = match.group()
    return f"contains {_kind(char)} (U+{ord(char):04X}) at position {match.start()}; remove it"


def scrub(text: str) -> str:
    """``text`` with every character :func:`problem` refuses replaced by U+FFFD (for files we write)."""
    return _BAD.sub("\ufffd", text)


def one_line(text: str) -> str:
    """``text`` on one line: every run of white space, line breaks of any kind included, becomes one space.

    For user text placed where a line break has a meaning: e-mail headers, the lines of a message."""
    return " ".join(text.split())


class Text(fields.String):
    """A marshmallow string field that refuses what :func:`problem` finds, naming the field (a 422)."""

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        if why := problem(loaded):
            raise ValidationError(why)
        return loaded


class Email(Text, fields.Email):
    """An e-mail address field with the same check (marshmallow's own lets any character into the domain)."""


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
