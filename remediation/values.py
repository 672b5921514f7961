"""Check measured values as they arrive (API body or a lab's file) against GB 3838-2002 Table 1.

Returns the clean values and the problems by field name (``values.nh3n``, ``values.nh3n.unit``), so the API
answers 422 naming each field and the importer reports the line and why. A problem is a lazy text: shown on a
page it is in the page's language, in the API and the commands English (see web.i18n).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from risk_rules.water import ITEMS, WaterQualityError, normalize_unit, validate_value

ORDER = {code: n for n, code in enumerate(ITEMS)}


def _told(exc: WaterQualityError) -> LazyString:
    def text() -> str:
        locale = get_locale()
        return exc.message_zh if locale is not None and locale.language == "zh" else exc.message

    return LazyString(text)


def check_values(raw: Mapping[str, object], prefix: str = "values") -> tuple[list[dict], dict[str, list[str]]]:
    """``raw`` maps item code -> number or {"value": number, "unit": text}; a missing unit means the item's
    own unit. Returns ([{"item", "value", "unit"}] in Table 1 order, {field: [message]})."""
    clean, errors = [], {}
    if not raw:
        return [], {prefix: [_l("give at least one measured item")]}
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
            errors[f"{prefix}.{exc.field}"] = [_told(exc)]
            continue
        clean.append({"item": code, "value": number, "unit": canonical})
    clean.sort(key=lambda v: ORDER[v["item"]])
    return clean, errors


def future_problem(sampled_dt: datetime, now: datetime) -> str | None:
    """Why a sample time cannot be right, or None."""
    if sampled_dt > now:
        return _l("the sample time %(time)s is in the future", time=sampled_dt.isoformat())
    return None
