"""Inspection checklists per domain, versioned by the determination standard they come from.

One YAML file per standard version in ``risk_rules/checklists/``. Items of a major-hazard determination
standard (重大事故隐患判定标准) are major: a failed item makes the finding a major hazard automatically
(domain README section 2). Each file also carries general (non-major) items an inspector checks, each
citing its own basis. A successor standard (e.g. AQ 3067—2026 after 安监总管三〔2017〕121号) is a new
file with its own dates; :func:`version_for` picks the one in force on a date.

These files are seed data: administrators must still be able to add and edit items in the database.

Item codes are unique across *all* files, including successor versions: a finding stores only the code,
and the repeat-violation card rule matches findings by code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from risk_rules import citation, datafile

DOMAINS = ("hazardous_chemicals", "gas", "construction", "port_dangerous_goods", "industry_trade", "premises")
CATEGORIES = ("thing", "person", "management")  # 物, 人, 管理
DEFAULT_DIRECTORY = Path(__file__).parent / "checklists"
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")

_FILE_KEYS = {
    "domain",
    "standard",
    "title_zh",
    "title_en",
    "short_zh",
    "short_en",
    "number_en",
    "version",
    "effective_from",
    "effective_to",
    "source",
    "note",
    "successor",
    "parts",
    "items",
}
_OPTIONAL_FILE_KEYS = {"effective_to", "note", "successor", "parts", "number_en"}
_ITEM_KEYS = {"code", "part", "text_zh", "text_en", "category", "is_major", "basis", "default_deadline_days"}
_SUCCESSOR_KEYS = {"standard", "title_zh", "title_en", "effective_from"}
_PART_KEYS = {"code", "title_zh", "title_en", "applies"}
# Which enterprises a part applies to: all of the domain's, those of one industry sub-sector (the part's code),
# or those with a cross-cutting feature (dust explosion hazards, ammonia refrigeration, confined spaces).
APPLIES = ("always", "sub_sector", "feature")
SUB_SECTORS = ("metallurgy", "non_ferrous", "building_materials", "machinery", "light_industry", "textiles",
               "tobacco", "commerce_trade")
FEATURES = ("dust_explosion", "ammonia_refrigeration", "confined_space")


class ChecklistError(ValueError):
    """A checklist file that cannot be used; the message names the file and item."""


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    text_zh: str
    text_en: str
    category: str  # "thing" | "person" | "management"
    is_major: bool  # True for items of the determination standard
    standard: str  # basis: the document the item comes from
    version: str
    clause: str
    default_deadline_days: int | None = None
    part: str = ""  # the code of the standard's part (section) the item belongs to, when it has parts


@dataclass(frozen=True)
class Part:
    """A section of a standard (通用, 冶金行业, 存在粉尘爆炸危险的...) and which enterprises it applies to."""

    code: str
    title_zh: str
    title_en: str
    applies: str  # one of APPLIES


@dataclass(frozen=True)
class Successor:
    """A newer edition in force from ``effective_from`` whose items are not loaded (yet)."""

    standard: str
    title_zh: str
    title_en: str
    effective_from: date


@dataclass(frozen=True)
class StandardVersion:
    domain: str
    standard: str  # e.g. "安监总管三〔2017〕121号"
    title_zh: str
    title_en: str
    version: str
    effective_from: date
    effective_to: date | None  # last day in force (inclusive); None while current
    items: tuple[ChecklistItem, ...]
    short_zh: str = ""  # the name cited as 《short_zh》
    short_en: str = ""
    number_en: str = ""  # the number as written in English (MEM Order No. 10); default the number itself
    source: str = ""  # where the item text was taken from
    note: str = ""  # provenance caveats (unverified dates, superseding editions not yet loaded...)
    parts: tuple[Part, ...] = ()
    successor: Successor | None = None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def pending_successor(self, on: date) -> Successor | None:
        """The newer edition in force on ``on`` whose items are not loaded, if any: the checklist must say so."""
        if self.successor is not None and self.successor.effective_from <= on:
            return self.successor
        return None


def load_checklists(directory: Path | None = None) -> list[StandardVersion]:
    """Load and validate every ``*.yaml`` in ``directory`` (default: the packaged checklists).

    Checks required fields, domains, categories, code format, codes unique across all files, and that
    versions of one domain do not overlap in time. Raises :class:`ChecklistError` naming file and item.
    Sorted by domain then ``effective_from``.
    """
    directory = DEFAULT_DIRECTORY if directory is None else Path(directory)
    versions: list[StandardVersion] = []
    code_files: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        version = _load_file(path)
        for item in version.items:
            if item.code in code_files:
                raise ChecklistError(
                    f"{path.name}: item {item.code}: code already used in {code_files[item.code]}"
                )
            code_files[item.code] = path.name
        versions.append(version)
    versions.sort(key=lambda v: (v.domain, v.effective_from))
    for a, b in zip(versions, versions[1:], strict=False):
        if a.domain == b.domain and (a.effective_to is None or a.effective_to >= b.effective_from):
            raise ChecklistError(
                f"{a.domain}: {a.standard} ({a.version}) and {b.standard} ({b.version}) overlap in time; "
                f"set effective_to of the older one before {b.effective_from}"
            )
    return versions


def applicable_parts(parts, sub_sector: str | None, features) -> set[str] | None:
    """The codes of the parts that apply to an enterprise, or None when every part is shown.

    ``parts``: objects with ``code`` and ``applies``. A part that applies ``always`` always applies, a
    ``sub_sector`` part when it is the enterprise's sub-sector, a ``feature`` part when the enterprise has the
    feature (工贸企业重大事故隐患判定标准 第四条 to 第十三条 each open "冶金企业有下列情形之一的…", "存在粉尘爆炸
    危险的工贸企业…": a sector's article applies to enterprises of that sector, a cross-cutting one to those with
    dust explosion hazards, ammonia refrigeration or confined-space work).
    An enterprise whose sub-sector is not recorded sees every part, so nothing is hidden by a missing fact.
    """
    if not parts:
        return None
    if not sub_sector:
        return None
    features = set(features or ())
    return {part.code for part in parts if part.applies == "always"
            or (part.applies == "sub_sector" and part.code == sub_sector)
            or (part.applies == "feature" and part.code in features)}


def version_for(versions: list[StandardVersion], domain: str, on: date) -> StandardVersion:
    """The version of ``domain``'s checklist in force on local date ``on``; LookupError if none."""
    for version in versions:
        if version.domain == domain and version.in_force(on):
            return version
    raise LookupError(f"no {domain!r} checklist in force on {on.isoformat()}")


def find_item(versions: list[StandardVersion], code: str) -> ChecklistItem:
    """The item with ``code`` in any loaded version; LookupError if unknown."""
    for version in versions:
        for item in version.items:
            if item.code == code:
                return item
    raise LookupError(f"unknown checklist item {code!r}")


def _load_file(path: Path) -> StandardVersion:
    where = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ChecklistError(f"{where}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ChecklistError(f"{where}: must be a mapping")
    _check_keys(data, _FILE_KEYS, _FILE_KEYS - _OPTIONAL_FILE_KEYS, where)
    if data["domain"] not in DOMAINS:
        raise ChecklistError(f"{where}: domain must be one of {DOMAINS}, got {data['domain']!r}")
    standard, version = _text(data, "standard", where), _text(data, "version", where)
    effective_from = _date(data["effective_from"], f"{where}: effective_from")
    effective_to = (
        None if data.get("effective_to") is None else _date(data["effective_to"], f"{where}: effective_to")
    )
    if effective_to is not None and effective_to < effective_from:
        raise ChecklistError(
            f"{where}: effective_to {effective_to} is before effective_from {effective_from}"
        )
    if not isinstance(data["items"], list) or not data["items"]:
        raise ChecklistError(f"{where}: 'items' must be a non-empty list")
    parts = _load_parts(data.get("parts"), where)
    items = tuple(
        _load_item(raw, f"{where}: item #{i + 1}", standard, version, {part.code for part in parts})
        for i, raw in enumerate(data["items"])
    )
    successor = _load_successor(data.get("successor"), f"{where}: successor", effective_from)
    return StandardVersion(
        domain=data["domain"],
        standard=standard,
        title_zh=_text(data, "title_zh", where),
        title_en=_text(data, "title_en", where),
        version=version,
        effective_from=effective_from,
        effective_to=effective_to,
        items=items,
        short_zh=_text(data, "short_zh", where),
        short_en=_text(data, "short_en", where),
        number_en=str(data.get("number_en") or "").strip(),
        source=_text(data, "source", where),
        note=str(data.get("note") or "").strip(),
        parts=parts,
        successor=successor,
    )


def _load_parts(raw: Any, where: str) -> tuple[Part, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise ChecklistError(f"{where}: 'parts' must be a non-empty list")
    parts = []
    for i, part in enumerate(raw):
        at = f"{where}: part #{i + 1}"
        if not isinstance(part, dict):
            raise ChecklistError(f"{at}: must be a mapping")
        _check_keys(part, _PART_KEYS, _PART_KEYS, at)
        code = _text(part, "code", at)
        if part["applies"] not in APPLIES:
            raise ChecklistError(f"{at}: applies must be one of {APPLIES}, got {part['applies']!r}")
        known = {"sub_sector": SUB_SECTORS, "feature": FEATURES}.get(part["applies"])
        if known and code not in known:
            raise ChecklistError(f"{at}: a {part['applies']} part's code must be one of {known}, got {code!r}")
        if any(p.code == code for p in parts):
            raise ChecklistError(f"{at}: part {code!r} appears twice")
        parts.append(Part(code, _text(part, "title_zh", at), _text(part, "title_en", at), part["applies"]))
    return tuple(parts)


def _load_successor(raw: Any, where: str, effective_from: date) -> Successor | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ChecklistError(f"{where}: must be a mapping")
    _check_keys(raw, _SUCCESSOR_KEYS, _SUCCESSOR_KEYS, where)
    start = _date(raw["effective_from"], f"{where}: effective_from")
    if start <= effective_from:
        raise ChecklistError(f"{where}: effective_from {start} must be after this version's {effective_from}")
    return Successor(_text(raw, "standard", where), _text(raw, "title_zh", where), _text(raw, "title_en", where),
                     start)


def _load_item(raw: Any, where: str, standard: str, version: str, parts: set[str]) -> ChecklistItem:
    if not isinstance(raw, dict):
        raise ChecklistError(f"{where}: must be a mapping")
    if isinstance(raw.get("code"), str):
        where = f"{where} ({raw['code']})"
    _check_keys(raw, _ITEM_KEYS, _ITEM_KEYS - {"default_deadline_days", "part"}, where)
    code = _text(raw, "code", where)
    part = str(raw.get("part") or "")
    if parts and part not in parts:
        raise ChecklistError(f"{where}: part must be one of the file's parts {sorted(parts)}, got {part!r}")
    if part and not parts:
        raise ChecklistError(f"{where}: names part {part!r} but the file declares no parts")
    if not CODE_PATTERN.match(code):
        raise ChecklistError(f"{where}: code must look like HC-01 or GAS-M-01, got {code!r}")
    if raw["category"] not in CATEGORIES:
        raise ChecklistError(f"{where}: category must be one of {CATEGORIES}, got {raw['category']!r}")
    if not isinstance(raw["is_major"], bool):
        raise ChecklistError(f"{where}: is_major must be true or false")
    basis = raw["basis"]
    if not isinstance(basis, dict) or set(basis) - {"standard", "version", "clause"} or "clause" not in basis:
        raise ChecklistError(f"{where}: basis must be a mapping with clause (and optional standard, version)")
    basis = {"standard": standard, "version": version, **basis}
    if basis["standard"] != standard and basis["standard"] not in citation.known_documents():
        raise ChecklistError(f"{where}: basis {basis['standard']!r} is neither this file's standard nor in "
                             f"{citation.REGISTRY.name}; add its short names there")
    if raw["is_major"] and basis["standard"] != standard:
        raise ChecklistError(f"{where}: a major item must cite this file's determination standard {standard}")
    days = raw.get("default_deadline_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise ChecklistError(f"{where}: default_deadline_days must be a positive integer, got {days!r}")
    return ChecklistItem(
        code=code,
        text_zh=_text(raw, "text_zh", where),
        text_en=_text(raw, "text_en", where),
        category=raw["category"],
        is_major=raw["is_major"],
        standard=_text(basis, "standard", f"{where}: basis"),
        version=_text(basis, "version", f"{where}: basis"),
        clause=_text(basis, "clause", f"{where}: basis"),
        default_deadline_days=days,
        part=part,
    )


def _check_keys(data: dict, allowed: set[str], required: set[str], where: str) -> None:
    if unknown := set(data) - allowed:
        raise ChecklistError(f"{where}: unknown field(s) {sorted(unknown)}")
    if missing := required - set(data):
        raise ChecklistError(f"{where}: missing field(s) {sorted(missing)}")


def _text(data: dict, key: str, where: str) -> str:
    return datafile.text(data, key, where, ChecklistError)


def _date(value: Any, where: str) -> date:
    return datafile.iso_date(value, where, ChecklistError)
