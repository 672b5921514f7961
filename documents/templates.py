"""The wording of the three enforcement documents: packaged defaults, the placeholders each paragraph may use,
and the validation of an administrator's edited template.

A template is a flat ``dict[str, str]``: the number ``prefix``, the issuing authority's name and the title in
both languages, and the kind's paragraphs as ``<name>_zh`` / ``<name>_en`` pairs written with
``string.Template`` placeholders (``$enterprise``). The packaged wording lives in ``templates/<kind>.yaml``,
whose header names the source form; an optional ``source_note`` says where a sentence is not the official
wording and is never filled.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path

import yaml

from documents.models import KINDS, OPINION, ORDER, RECORD

TEMPLATE_DIR = Path(__file__).parent / "templates"
MAX_CHARS = 2000  # per value: a paragraph, not a document
MAX_PREFIX = 40
NOTE = "source_note"  # free prose about the wording's source: optional, never filled

# Keys every kind has, with no placeholder allowed.
_COMMON = ("prefix", "authority_zh", "authority_en", "title_zh", "title_en")

# Per kind: paragraph name -> the placeholders it may use (each name exists as <name>_zh and <name>_en).
_PARAGRAPHS: dict[str, dict[str, frozenset[str]]] = {
    RECORD: {
        "intro": frozenset({"authority", "inspectors", "certificates"}),
        "checked_heading": frozenset(),
        "found_heading": frozenset(),
        "none_found": frozenset(),
        "closing": frozenset(),
    },
    ORDER: {
        "intro": frozenset({"enterprise"}),
        "major": frozenset({"numbers"}),
        "deadline": frozenset({"deadline"}),
        "deadlines": frozenset(),
        "item_deadline": frozenset({"deadline"}),
        "during": frozenset(),
        "consequence": frozenset(),
        "rights": frozenset(),
        "copies": frozenset(),
    },
    OPINION: {
        "salutation": frozenset({"enterprise"}),
        "answers": frozenset({"order_number", "order_date"}),
        "unanswered": frozenset(),
        "time": frozenset({"started", "ended"}),
        "results_heading": frozenset(),
        "accepted": frozenset(),
        "rejected": frozenset(),
        "opinion_heading": frozenset(),
        "copies": frozenset(),
    },
}


def _known(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {', '.join(KINDS)}")


def placeholders(kind: str) -> dict[str, set[str]]:
    """The keys of a ``kind``'s template, each with the set of placeholder names its value may use
    (``{"intro_zh": {"enterprise"}, "prefix": set(), ...}``). ``source_note`` is not a template key.

    Raises ValueError for an unknown kind.
    """
    _known(kind)
    keys = {key: set() for key in _COMMON}
    for name, allowed in _PARAGRAPHS[kind].items():
        keys[f"{name}_zh"] = set(allowed)
        keys[f"{name}_en"] = set(allowed)
    return keys


@functools.cache
def _packaged(kind: str) -> dict[str, str]:
    with open(TEMPLATE_DIR / f"{kind}.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def defaults(kind: str) -> dict[str, str]:
    """The packaged template of ``kind`` (a fresh copy of ``templates/<kind>.yaml``: every key of
    ``placeholders(kind)`` plus ``source_note``).

    Raises ValueError for an unknown kind.
    """
    _known(kind)
    return dict(_packaged(kind))


def _placeholder_problems(key: str, text: str, allowed: set[str]) -> list[str]:
    template = string.Template(text)
    found = []
    if not template.is_valid():
        found.append(f"{key} has a '$' that starts no placeholder; write '$$' for a literal dollar sign")
    unknown = sorted(set(template.get_identifiers()) - allowed)
    if unknown:
        may = ", ".join(f"${name}" for name in sorted(allowed)) or "no placeholder"
        found.append(f"{key} uses {', '.join(f'${name}' for name in unknown)}; it may use {may}")
    return found


def problems(kind: str, body: dict) -> dict[str, list[str]]:
    """What is wrong with an administrator's template ``body`` for ``kind``, as ``{key: [message, ...]}`` with
    English messages naming the key; ``{}`` when it can be stored.

    Checked: the body is an object; no unknown key; no missing key; every value a string of at most
    ``MAX_CHARS`` characters; placeholders well formed and allowed for their key; ``prefix`` not blank and at
    most ``MAX_PREFIX`` characters. ``source_note`` may be present or not and is never filled.
    Raises ValueError for an unknown kind.
    """
    allowed = placeholders(kind)
    if not isinstance(body, dict):
        return {"_schema": [f"a {kind} template is an object of strings, not {type(body).__name__}"]}
    found: dict[str, list[str]] = {}
    for key in body:
        if key not in allowed and key != NOTE:
            found.setdefault(str(key), []).append(f"{key} is not a key of the {kind} template")
    for key in allowed:
        if key not in body:
            found.setdefault(key, []).append(f"{key} is missing")
    for key, value in body.items():
        if key not in allowed and key != NOTE:
            continue
        if not isinstance(value, str):
            found.setdefault(key, []).append(f"{key} must be a string, not {type(value).__name__}")
            continue
        if len(value) > MAX_CHARS:
            found.setdefault(key, []).append(f"{key} has {len(value)} characters; at most {MAX_CHARS}")
        if key != NOTE:
            found.setdefault(key, []).extend(_placeholder_problems(key, value, allowed[key]))
    prefix = body.get("prefix")
    if isinstance(prefix, str) and not prefix.strip():
        found.setdefault("prefix", []).append("prefix must not be empty")
    elif isinstance(prefix, str) and len(prefix) > MAX_PREFIX:
        found.setdefault("prefix", []).append(f"prefix has {len(prefix)} characters; at most {MAX_PREFIX}")
    return {key: messages for key, messages in found.items() if messages}


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its ``$placeholders`` replaced by ``values`` (strings, used as they are: a ``$`` inside a
    value is not substituted again).

    Raises KeyError naming a placeholder that ``values`` lacks, ValueError for a malformed ``$``; a template
    that passed ``problems`` and a caller passing every name of ``placeholders`` never raise.
    """
    return string.Template(text).substitute(values)
