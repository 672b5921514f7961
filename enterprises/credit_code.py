"""Unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from 0-9 and A-Z without I, O, Z, S, V; the last one is a check character:
C18 = 31 - (sum of value_i * weight_i for i = 0..16) mod 31, where weight_i = 3^i mod 31 and 31 is written 0.
The messages are lazy texts: in the request's language on a page, English in the API and without a request.
"""

from flask_babel import lazy_gettext as _l

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why ``code`` is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return _l("a unified social credit code has 18 characters, this one has %(n)d", n=len(code))
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        return _l("character(s) %(chars)s are not allowed in a unified social credit code", chars="".join(bad))
    expected = check_character(code[:17])
    if code[17] != expected:
        return _l("check character should be %(expected)s, not %(given)s", expected=expected, given=code[17])
    return None


def normalise(code: str) -> str:
    return code.strip().upper()
