"""GB 3838-2002 Table 1 limits, single-item classification and section evaluation (环办〔2011〕22号)."""

import math

import pytest

from risk_rules.water import (
    ITEMS,
    WaterQualityError,
    classify_item,
    evaluate,
    evaluated_items,
    exceedance_multiple,
    grade_for_class,
    limits_for,
    mean_values,
    normalize_unit,
    rule_set,
    validate_value,
)
from risk_rules.water.limits import MAX, MIN

CODES = [
    "water_temperature",
    "ph",
    "do",
    "codmn",
    "cod",
    "bod5",
    "nh3n",
    "tp",
    "tn",
    "cu",
    "zn",
    "fluoride",
    "se",
    "as",
    "hg",
    "cd",
    "cr6",
    "pb",
    "cyanide",
    "volatile_phenol",
    "petroleum",
    "las",
    "sulfide",
    "faecal_coliform",
]


# --- the table itself -------------------------------------------------------------------------------


def test_table_has_the_24_basic_items_in_order():
    assert list(ITEMS) == CODES


@pytest.mark.parametrize(
    ("code", "kind", "limits"),
    [
        ("do", "river", (7.5, 6, 5, 3, 2)),
        ("cod", "river", (15, 15, 20, 30, 40)),
        ("nh3n", "river", (0.15, 0.5, 1.0, 1.5, 2.0)),
        ("tp", "river", (0.02, 0.1, 0.2, 0.3, 0.4)),
        ("tp", "lake", (0.01, 0.025, 0.05, 0.1, 0.2)),
        ("hg", "lake", (0.00005, 0.00005, 0.0001, 0.001, 0.001)),
        ("faecal_coliform", "river", (200, 2000, 10000, 20000, 40000)),
        ("ph", "river", (6, 9)),
        ("water_temperature", "river", None),
    ],
)
def test_limits_literal(code, kind, limits):
    assert limits_for(code, kind) == limits


def test_units_and_directions():
    assert ITEMS["water_temperature"].unit == "°C"
    assert ITEMS["ph"].unit == ""
    assert ITEMS["faecal_coliform"].unit == "个/L"
    assert {ITEMS[c].unit for c in CODES[2:-1]} == {"mg/L"}
    assert ITEMS["do"].direction == MIN
    assert ITEMS["ph"].direction == "range"
    assert ITEMS["water_temperature"].direction == "none"
    assert all(item.name_zh and item.name_en for item in ITEMS.values())


@pytest.mark.parametrize("code", [c for c in CODES if ITEMS[c].direction in (MAX, MIN)])
@pytest.mark.parametrize("kind", ["river", "lake"])
def test_limits_are_monotonic(code, kind):
    limits = limits_for(code, kind)
    assert len(limits) == 5
    assert list(limits) == sorted(limits, reverse=ITEMS[code].direction == MIN)


@pytest.mark.parametrize(
    ("kind", "rules"),
    [("river", "river"), ("canal", "river"), ("lake", "lake"), ("reservoir", "lake"), ("pond", "lake")],
)
def test_water_kinds(kind, rules):
    assert rule_set(kind) == rules
    assert limits_for("tp", kind)[2] == (0.2 if rules == "river" else 0.05)


def test_unknown_water_kind():
    with pytest.raises(WaterQualityError) as err:
        rule_set("sea")
    assert err.value.field == "water_kind"


# --- units --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "unit", "canonical"),
    [
        ("cod", "mg/L", "mg/L"),
        ("cod", " MG/l ", "mg/L"),
        ("tp", "毫克/升", "mg/L"),
        ("faecal_coliform", "MPN/L", "个/L"),
        ("faecal_coliform", "个/L", "个/L"),
        ("faecal_coliform", "cfu/l", "个/L"),
        ("ph", None, ""),
        ("ph", "无量纲", ""),
        ("water_temperature", "℃", "°C"),
        ("water_temperature", "°C", "°C"),
    ],
)
def test_normalize_unit(code, unit, canonical):
    assert normalize_unit(code, unit) == canonical


@pytest.mark.parametrize(
    ("code", "unit"),
    [
        ("cod", "µg/L"),
        ("hg", "ug/L"),
        ("faecal_coliform", "mg/L"),
        ("ph", "mg/L"),
        ("do", "%"),
        ("cod", None),
    ],
)
def test_unit_mismatch(code, unit):
    with pytest.raises(WaterQualityError, match="must be reported in") as err:
        normalize_unit(code, unit)
    assert err.value.field == f"{code}.unit"


# --- value validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("chlorophyll", 1.0, "Unknown water-quality item"),
        ("cod", -0.1, "cannot be negative"),
        ("cod", math.nan, "finite"),
        ("tp", math.inf, "finite"),
        ("ph", 15, "between 0 and 14"),
        ("ph", -1, "between 0 and 14"),
        ("ph", math.nan, "finite"),
        ("water_temperature", 80, "Water temperature"),
        ("cod", "12", "must be a number"),
        ("cod", True, "must be a number"),
    ],
)
def test_validate_value_rejects(code, value, message):
    with pytest.raises(WaterQualityError, match=message) as err:
        validate_value(code, value)
    assert err.value.field == code
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    ("code", "value"), [("ph", 0), ("ph", 14), ("ph", 5), ("cod", 0), ("cod", 900), ("do", 0)]
)
def test_validate_value_accepts_possible_values(code, value):
    assert validate_value(code, value) == float(value)


# --- classification at every boundary (generated from the table) --------------------------------------


def _boundary_cases():
    for kind in ("river", "lake"):
        for code, item in ITEMS.items():
            if item.direction not in (MAX, MIN) or (code == "tn" and kind == "river"):
                continue
            limits = limits_for(code, kind)
            for limit in sorted(set(limits)):
                at = limits.index(limit) + 1  # lowest class sharing this limit
                if item.direction == MAX:
                    beyond = math.nextafter(limit, math.inf)
                    worse = next((i for i, lim in enumerate(limits, 1) if lim > limit), 6)
                else:
                    beyond = math.nextafter(limit, -math.inf)
                    worse = next((i for i, lim in enumerate(limits, 1) if lim < limit), 6)
                yield pytest.param(code, kind, limit, at, id=f"{kind}-{code}-at-{limit}")
                yield pytest.param(code, kind, beyond, worse, id=f"{kind}-{code}-beyond-{limit}")


@pytest.mark.parametrize(("code", "kind", "value", "expected"), list(_boundary_cases()))
def test_every_boundary(code, kind, value, expected):
    assert classify_item(code, value, kind) == expected


@pytest.mark.parametrize(
    ("code", "value", "kind", "expected"),
    [
        ("do", 7.5, "river", 1),
        ("do", 7.49, "river", 2),
        ("do", 5, "river", 3),
        ("do", 2, "river", 5),
        ("do", 1.99, "river", 6),
        ("codmn", 6.5, "river", 4),
        ("cod", 15, "river", 1),
        ("cod", 15.1, "river", 3),
        ("cod", 40.1, "river", 6),
        ("bod5", 3.5, "river", 3),
        ("nh3n", 0.15, "river", 1),
        ("nh3n", 2.01, "river", 6),
        ("tp", 0.2, "river", 3),
        ("tp", 0.2, "canal", 3),
        ("tp", 0.2, "lake", 5),
        ("tp", 0.05, "reservoir", 3),
        ("tp", 0.21, "pond", 6),
        ("tp", 0.41, "river", 6),
        ("tn", 1.0, "lake", 3),
        ("tn", 2.5, "lake", 6),
        ("cu", 0.02, "river", 2),
        ("zn", 1.5, "river", 4),
        ("fluoride", 1.2, "river", 4),
        ("se", 0.015, "river", 4),
        ("as", 0.08, "river", 4),
        ("hg", 0.0001, "river", 3),
        ("hg", 0.00011, "river", 4),
        ("cd", 0.006, "river", 5),
        ("cr6", 0.06, "river", 5),
        ("pb", 0.02, "river", 3),
        ("cyanide", 0.21, "river", 6),
        ("volatile_phenol", 0.004, "river", 3),
        ("petroleum", 0.3, "river", 4),
        ("las", 0.25, "river", 4),
        ("sulfide", 0.15, "river", 3),
        ("faecal_coliform", 10000, "river", 3),
        ("faecal_coliform", 40001, "river", 6),
        ("water_temperature", 25, "river", None),
    ],
)
def test_classify_literal(code, value, kind, expected):
    assert classify_item(code, value, kind) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(5.9, 6), (6, 1), (7.2, 1), (9, 1), (9.1, 6), (5, 6), (0, 6)]
)
@pytest.mark.parametrize("kind", ["river", "lake"])
def test_ph(value, expected, kind):
    assert classify_item("ph", value, kind) == expected


def test_tn_classifies_in_rivers_but_does_not_count():
    assert classify_item("tn", 5, "river") == 6
    result = evaluate({"cod": 10, "tn": 5}, "river")
    assert result.water_class == 1
    assert result.reference_classes == {"tn": 6}


# --- section evaluation --------------------------------------------------------------------------------


def test_evaluate_worst_item_decides():
    result = evaluate({"ph": 7.5, "do": 6.5, "cod": 18, "nh3n": 0.4, "tp": 0.15}, "river")
    assert result.item_classes == {"ph": 1, "do": 2, "cod": 3, "nh3n": 2, "tp": 3}
    assert result.water_class == 3
    assert result.grade == "good"
    assert result.grade_zh == "良好"
    assert result.limiting_items == ("cod", "tp")
    assert result.main_pollutants == ()
    assert result.exceedance == {}


def test_evaluate_worse_than_v():
    result = evaluate({"cod": 45, "nh3n": 1.8, "tp": 0.35, "do": 2.5, "ph": 7}, "river")
    assert result.water_class == 6
    assert result.grade == "heavy"
    assert result.class_label_zh == "劣Ⅴ类"
    assert result.limiting_items == ("cod",)
    assert result.exceedance == pytest.approx({"cod": 1.25, "nh3n": 0.8, "tp": 0.75})


@pytest.mark.parametrize(
    ("code", "value", "kind", "multiple"),
    [
        ("cod", 30, "river", 0.5),
        ("nh3n", 2.5, "river", 1.5),
        ("tp", 0.3, "river", 0.5),
        ("tp", 0.35, "lake", 6.0),
        ("hg", 0.001, "river", 9.0),
        ("faecal_coliform", 25000, "river", 1.5),
        ("cod", 20, "river", None),  # at the Class III limit: not exceeded
        ("cod", 10, "river", None),
        ("do", 1, "river", None),
        ("ph", 5, "river", None),
        ("water_temperature", 30, "river", None),
    ],
)
def test_exceedance_multiple(code, value, kind, multiple):
    assert exceedance_multiple(code, value, kind) == multiple


def test_exceedance_not_reported_for_ph_and_do():
    result = evaluate({"ph": 5, "do": 1, "cod": 25}, "river")
    assert result.item_classes == {"ph": 6, "do": 6, "cod": 4}
    assert result.exceedance == {"cod": 0.25}


def test_main_pollutants_ranked_by_class_then_multiple():
    values = {"hg": 0.001, "cod": 45, "nh3n": 1.8, "tp": 0.25, "codmn": 7}
    result = evaluate(values, "river")
    # hg: IV x9.0, cod: 劣V x1.25, nh3n: V x0.8, tp: IV x0.25, codmn: IV x0.1667
    assert result.main_pollutants == ("cod", "nh3n", "hg")


def test_main_pollutants_same_class_by_multiple_and_ph_without_multiple_last():
    result = evaluate({"ph": 5, "cod": 45, "bod5": 30, "nh3n": 1.2}, "river")
    # cod x1.25, bod5 x6.5 both 劣V; pH 劣V has no multiple
    assert result.main_pollutants == ("bod5", "cod", "ph")
    assert result.limiting_items == ("ph", "cod", "bod5")


def test_main_pollutants_only_items_worse_than_iii():
    result = evaluate({"cod": 25, "nh3n": 0.9, "tp": 0.15}, "river")
    assert result.water_class == 4
    assert result.main_pollutants == ("cod",)


def test_excluded_items_river():
    values = {"water_temperature": 25, "tn": 10, "faecal_coliform": 1e6, "cod": 15, "nh3n": 0.3}
    result = evaluate(values, "river")
    assert result.water_class == 2
    assert set(result.item_classes) == {"cod", "nh3n"}
    assert result.reference_classes == {"water_temperature": None, "tn": 6, "faecal_coliform": 6}
    assert "tn" not in evaluated_items("canal")


def test_excluded_items_lake_counts_tn():
    result = evaluate({"water_temperature": 25, "tn": 10, "faecal_coliform": 1e6, "cod": 15}, "lake")
    assert result.water_class == 6
    assert result.limiting_items == ("tn",)
    assert result.reference_classes == {"water_temperature": None, "faecal_coliform": 6}
    assert len(evaluated_items("reservoir")) == 22
    assert len(evaluated_items("river")) == 21


def test_nothing_evaluable():
    result = evaluate({"water_temperature": 20, "faecal_coliform": 100, "cod": None}, "river")
    assert result.water_class is None
    assert result.grade is None
    assert result.item_classes == {}


def test_evaluate_validates_every_value():
    with pytest.raises(WaterQualityError) as err:
        evaluate({"cod": 10, "tn": -1}, "river")
    assert err.value.field == "tn"
    with pytest.raises(WaterQualityError):
        evaluate({"turbidity": 3}, "river")


@pytest.mark.parametrize(
    ("cls", "grade"),
    [(1, "excellent"), (2, "excellent"), (3, "good"), (4, "light"), (5, "moderate"), (6, "heavy")],
)
def test_grade_for_class(cls, grade):
    assert grade_for_class(cls) == grade


def test_mean_values_over_samples_that_measured_the_item():
    samples = [{"cod": 10, "tp": 0.1}, {"cod": 20}, {"cod": None, "tp": 0.3, "ph": 7}]
    assert mean_values(samples) == pytest.approx({"cod": 15, "tp": 0.2, "ph": 7})
    assert mean_values([]) == {}
    with pytest.raises(WaterQualityError):
        mean_values([{"cod": -1}])


def test_compat_module_reexports():
    from risk_rules import water_quality

    assert water_quality.evaluate is evaluate
    assert water_quality.WaterQualityError is WaterQualityError
