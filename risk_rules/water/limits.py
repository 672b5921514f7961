"""GB 3838-2002《地表水环境质量标准》Table 1 (表1 地表水环境质量标准基本项目标准限值) as data.

Also the units each item is reported in, the water kinds, the items excluded from the class by
《地表水环境质量评价办法（试行）》环办〔2011〕22号, and validation of a single measured value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import WaterQualityError

MAX, MIN, RANGE, NONE = "max", "min", "range", "none"
WORSE_THAN_V = 6

MG_L, CELSIUS, DIMENSIONLESS, PER_L = "mg/L", "°C", "", "个/L"


@dataclass(frozen=True)
class WaterItem:
    """One basic item of GB 3838-2002 Table 1.

    ``limits`` holds the Class I..V limits (a maximum, or a minimum for DO); for pH it is the
    (low, high) range shared by every class; water temperature has none. ``lake_limits`` is set
    only where lakes/reservoirs differ (total phosphorus).
    """

    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    limits: tuple[float, ...] | None = None
    lake_limits: tuple[float, ...] | None = None


_TABLE_1 = (
    WaterItem("water_temperature", "水温", "Water temperature", CELSIUS, NONE),
    WaterItem("ph", "pH值", "pH", DIMENSIONLESS, RANGE, (6, 9)),
    WaterItem("do", "溶解氧", "Dissolved oxygen", MG_L, MIN, (7.5, 6, 5, 3, 2)),
    WaterItem("codmn", "高锰酸盐指数", "Permanganate index", MG_L, MAX, (2, 4, 6, 10, 15)),
    WaterItem("cod", "化学需氧量", "Chemical oxygen demand", MG_L, MAX, (15, 15, 20, 30, 40)),
    WaterItem("bod5", "五日生化需氧量", "Five-day biochemical oxygen demand", MG_L, MAX, (3, 3, 4, 6, 10)),
    WaterItem("nh3n", "氨氮", "Ammonia nitrogen", MG_L, MAX, (0.15, 0.5, 1.0, 1.5, 2.0)),
    WaterItem(
        "tp", "总磷", "Total phosphorus", MG_L, MAX, (0.02, 0.1, 0.2, 0.3, 0.4), (0.01, 0.025, 0.05, 0.1, 0.2)
    ),
    WaterItem("tn", "总氮", "Total nitrogen", MG_L, MAX, (0.2, 0.5, 1.0, 1.5, 2.0)),
    WaterItem("cu", "铜", "Copper", MG_L, MAX, (0.01, 1.0, 1.0, 1.0, 1.0)),
    WaterItem("zn", "锌", "Zinc", MG_L, MAX, (0.05, 1.0, 1.0, 2.0, 2.0)),
    WaterItem("fluoride", "氟化物", "Fluoride", MG_L, MAX, (1.0, 1.0, 1.0, 1.5, 1.5)),
    WaterItem("se", "硒", "Selenium", MG_L, MAX, (0.01, 0.01, 0.01, 0.02, 0.02)),
    WaterItem("as", "砷", "Arsenic", MG_L, MAX, (0.05, 0.05, 0.05, 0.1, 0.1)),
    WaterItem("hg", "汞", "Mercury", MG_L, MAX, (0.00005, 0.00005, 0.0001, 0.001, 0.001)),
    WaterItem("cd", "镉", "Cadmium", MG_L, MAX, (0.001, 0.005, 0.005, 0.005, 0.01)),
    WaterItem("cr6", "铬（六价）", "Chromium (hexavalent)", MG_L, MAX, (0.01, 0.05, 0.05, 0.05, 0.1)),
    WaterItem("pb", "铅", "Lead", MG_L, MAX, (0.01, 0.01, 0.05, 0.05, 0.1)),
    WaterItem("cyanide", "氰化物", "Cyanide", MG_L, MAX, (0.005, 0.05, 0.2, 0.2, 0.2)),
    WaterItem("volatile_phenol", "挥发酚", "Volatile phenol", MG_L, MAX, (0.002, 0.002, 0.005, 0.01, 0.1)),
    WaterItem("petroleum", "石油类", "Petroleum", MG_L, MAX, (0.05, 0.05, 0.05, 0.5, 1.0)),
    WaterItem("las", "阴离子表面活性剂", "Anionic surfactant (LAS)", MG_L, MAX, (0.2, 0.2, 0.2, 0.3, 0.3)),
    WaterItem("sulfide", "硫化物", "Sulfide", MG_L, MAX, (0.05, 0.1, 0.2, 0.5, 1.0)),
    WaterItem(
        "faecal_coliform", "粪大肠菌群", "Faecal coliform", PER_L, MAX, (200, 2000, 10000, 20000, 40000)
    ),
)

#: The 24 basic items of GB 3838-2002 Table 1, keyed by code, in table order.
ITEMS: dict[str, WaterItem] = {item.code: item for item in _TABLE_1}

# Accepted spellings, compared after strip() and lower(); the first entry is the canonical unit.
UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    CELSIUS: ("°C", "℃", "c", "degc", "deg c", "celsius", "摄氏度"),
    DIMENSIONLESS: ("", "dimensionless", "无量纲", "ph", "ph unit", "ph units", "-"),
    MG_L: ("mg/L", "mg/l", "mg l-1", "mg·l-1", "mg/dm3", "毫克/升"),
    PER_L: ("个/L", "个/l", "mpn/l", "cfu/l", "/l", "个每升"),
}

#: Water kinds and the rule set they use (rivers vs lakes/reservoirs).
WATER_KINDS: dict[str, str] = {
    "river": "river",
    "canal": "river",
    "lake": "lake",
    "reservoir": "lake",
    "pond": "lake",
}

# 环办〔2011〕22号: rivers are classified on Table 1 without water temperature, TN and faecal coliform;
# lakes/reservoirs here also include TN (project decision), still without temperature and coliform.
EXCLUDED_ITEMS: dict[str, frozenset[str]] = {
    "river": frozenset({"water_temperature", "tn", "faecal_coliform"}),
    "lake": frozenset({"water_temperature", "faecal_coliform"}),
}

# Temperatures outside this range cannot be a liquid surface-water reading.
TEMPERATURE_RANGE = (-5.0, 50.0)


def get_item(code: str) -> WaterItem:
    """The Table 1 item for ``code``; raises WaterQualityError for an unknown code."""
    try:
        return ITEMS[code]
    except (KeyError, TypeError):
        raise WaterQualityError(str(code), f"Unknown water-quality item {code!r}",
                                f"GB 3838-2002 表1 中没有 {code!r} 这一项") from None


def rule_set(water_kind: str) -> str:
    """``'river'`` or ``'lake'`` for a water kind (river, canal, lake, reservoir, pond)."""
    try:
        return WATER_KINDS[water_kind]
    except (KeyError, TypeError):
        kinds = ", ".join(WATER_KINDS)
        raise WaterQualityError(
            "water_kind", f"Unknown water kind {water_kind!r}; expected one of {kinds}"
        ) from None


def limits_for(code: str, water_kind: str) -> tuple[float, ...] | None:
    """The Class I..V limits of an item for a water kind (pH: its (6, 9) range; temperature: None)."""
    item = get_item(code)
    if rule_set(water_kind) == "lake" and item.lake_limits is not None:
        return item.lake_limits
    return item.limits


def evaluated_items(water_kind: str) -> tuple[str, ...]:
    """Codes that count towards the water class for this water kind (环办〔2011〕22号), in table order."""
    excluded = EXCLUDED_ITEMS[rule_set(water_kind)]
    return tuple(code for code in ITEMS if code not in excluded)


def normalize_unit(code: str, unit: str | None) -> str:
    """The canonical unit for ``code`` if ``unit`` is an accepted spelling of it, else WaterQualityError."""
    item = get_item(code)
    given = "" if unit is None else str(unit).strip().lower()
    if given in {alias.lower() for alias in UNIT_ALIASES[item.unit]}:
        return item.unit
    expected = item.unit or "dimensionless"
    raise WaterQualityError(
        f"{code}.unit", f"{item.name_en} ({item.name_zh}) must be reported in {expected}, not {unit!r}",
        f"{item.name_zh}的单位应为 {item.unit or '无量纲'}，而不是 {unit!r}",
    )


# The most a measurement can be: a litre holds about 10^6 mg of anything, and no water carries 10^15 bacteria a
# litre. Larger numbers are typing errors, and the monthly mean of a few of them overflows to infinity.
MAX_MEASURED = {MG_L: 1e6, PER_L: 1e15}


def validate_value(code: str, value: float) -> float:
    """Check a measured value is possible for the item and return it as a float.

    Raises WaterQualityError (``field`` = code) for an unknown item, a non-number, NaN or infinity,
    a negative concentration, a value above ``MAX_MEASURED``, pH outside 0-14 or an impossible water
    temperature. Values that are merely bad (pH 5, huge COD) are valid: they classify as worse than V.
    """
    item = get_item(code)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WaterQualityError(code, f"{item.name_en} ({item.name_zh}) must be a number, got {value!r}",
                                f"{item.name_zh}应为数字，收到的是 {value!r}")
    try:
        value = float(value)
    except OverflowError:  # an integer beyond any float
        value = math.inf
    if not math.isfinite(value):
        raise WaterQualityError(code, f"{item.name_en} ({item.name_zh}) must be a finite number, got {value}",
                                f"{item.name_zh}应为有限的数，收到的是 {value}")
    ceiling = MAX_MEASURED.get(item.unit)
    if ceiling is not None and value > ceiling:
        raise WaterQualityError(
            code, f"{item.name_en} ({item.name_zh}) above {ceiling:g} {item.unit} is not a measurement, got {value:g}",
            f"{item.name_zh}超过 {ceiling:g} {item.unit} 不可能是实测值，收到的是 {value:g}",
        )
    if code == "ph":
        if not 0 <= value <= 14:
            raise WaterQualityError(code, f"pH must be between 0 and 14, got {value}",
                                    f"pH 应在 0 到 14 之间，收到的是 {value}")
    elif code == "water_temperature":
        low, high = TEMPERATURE_RANGE
        if not low <= value <= high:
            raise WaterQualityError(
                code, f"Water temperature must be between {low} and {high} °C, got {value}",
                f"水温应在 {low} 到 {high} °C 之间，收到的是 {value}",
            )
    elif value < 0:
        raise WaterQualityError(code, f"{item.name_en} ({item.name_zh}) cannot be negative, got {value}",
                                f"{item.name_zh}不能为负数，收到的是 {value}")
    return value
