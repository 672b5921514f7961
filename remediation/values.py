"""Check measured values as they arrive (API body or a lab's file) against GB 3838-2002 Table 1.

Pure: returns the clean values and the problems by field name (``values.nh3n``, ``values.nh3n.unit``),
so the API answers 422 naming each field and the importer reports the line and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from risk_rules.water import ITEMS, WaterQualityError, normalize_unit, validate_value

ORDER = {code: n for n, code in enumerate(ITEMS)}


def check_values(raw: Mapping[str, object], prefix: str = "values") -> tuple[list[dict], dict[str, list[str]]]:
    """``raw`` maps item code -> number or {"value": number, "unit": text}; a missing unit means the item's
    own unit. Returns ([{"item", "value", "unit"}] in Table 1 order, {field: [message]})."""
    clean, errors = [], {}
    if not raw:
        return [], {prefix: ["give at least one measured item"]}
    for code, given in raw.items():
        if isinstance(given, Mapping):
            unknown = set(given) - {"value", "unit"}
            if unknown:
                errors[f"{prefix}.{code}"] = [f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                                              "give value and unit"]
                continue
            value, unit = given.get("value"), given.get("unit")
        else:
            value, unit = given, None
        try:
            number = validate_value(code, value)
            canonical = ITEMS[code].unit if unit is None else normalize_unit(code, unit)
        except WaterQualityError as exc:
            errors[f"{prefix}.{exc.field}"] = [exc.message]
            continue
        clean.append({"item": code, "value": number, "unit": canonical})
    clean.sort(key=lambda v: ORDER[v["item"]])
    return clean, errors


def future_problem(sampled_dt: datetime, now: datetime) -> str | None:
    """Why a sample time cannot be right, or None."""
    if sampled_dt > now:
        return f"the sample time {sampled_dt.isoformat()} is in the future"
    return None
