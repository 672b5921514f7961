"""Identity-card numbers (居民身份证号码) are never stored: a person landlord is a name and a phone number.

GB 11643-1999: 18 characters, a 6-digit address code, the birth date as 8 digits (YYYYMMDD), a 3-digit sequence
and a check character (a digit or X); the first-generation cards have 15 digits with a 6-digit date (YYMMDD). A
field holding such a run, also written with spaces or hyphens between the digits and in full-width digits, is
refused. The birth date must be a possible date, which keeps phone numbers (11 digits; 12 for a landline with
its area code; 15 with an extension) from being taken for one.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

_SEPARATORS = re.compile(r"(?<=\d)[\s\-]+(?=[\dXx])")
_EIGHTEEN = re.compile(r"(?<![0-9])\d{6}(\d{8})\d{3}[\dXx](?![0-9A-Za-z])")
_FIFTEEN = re.compile(r"(?<![0-9])\d{6}(\d{6})\d{3}(?![0-9A-Za-z])")


def _possible(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def looks_like_id_number(text: str) -> bool:
    """Whether ``text`` contains what reads as an identity-card number (18 or 15 characters, see above)."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    for match in _EIGHTEEN.finditer(compact):
        birth = match.group(1)
        if 1900 <= int(birth[:4]) <= 2099 and _possible(int(birth[:4]), int(birth[4:6]), int(birth[6:])):
            return True
    for match in _FIFTEEN.finditer(compact):
        birth = match.group(1)
        if _possible(1900 + int(birth[:2]), int(birth[2:4]), int(birth[4:])):
            return True
    return False


MESSAGE = _l("this looks like an identity-card number, and identity-card numbers are not stored: give the "
             "landlord's name and phone number only")


def no_id_number(value: str) -> None:
    """A marshmallow validator: ``ValidationError`` (422 naming the field) when ``value`` holds an identity-card
    number."""
    if isinstance(value, str) and looks_like_id_number(value):
        raise ValidationError(str(MESSAGE))
