"""Single-item and single-section classification under GB 3838-2002 Table 1, evaluated per
《地表水环境质量评价办法（试行）》环办〔2011〕22号 (class, grade, main pollutants, exceedance multiples)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .limits import (
    ITEMS,
    MAX,
    MIN,
    NONE,
    RANGE,
    WORSE_THAN_V,
    evaluated_items,
    get_item,
    limits_for,
    rule_set,
    validate_value,
)

CLASS_LABELS = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "worse than V"}
CLASS_LABELS_ZH = {1: "Ⅰ类", 2: "Ⅱ类", 3: "Ⅲ类", 4: "Ⅳ类", 5: "Ⅴ类", 6: "劣Ⅴ类"}

# 环办〔2011〕22号 grades (水质状况) by class: I-II 优, III 良好, IV 轻度污染, V 中度污染, 劣V 重度污染.
GRADE_BY_CLASS = {1: "excellent", 2: "excellent", 3: "good", 4: "light", 5: "moderate", 6: "heavy"}
GRADE_ZH = {
    "excellent": "优",
    "good": "良好",
    "light": "轻度污染",
    "moderate": "中度污染",
    "heavy": "重度污染",
}

MAX_MAIN_POLLUTANTS = 3


def classify_item(code: str, value: float, water_kind: str) -> int | None:
    """Class of one measured value: 1..5 for I..V, 6 for worse than V, None if not classified (temperature).

    A value exactly at a limit belongs to that class (DO: value >= limit); pH 6-9 inclusive is
    Class I (all classes share the range), anything else is worse than V. TN and faecal coliform
    classify against their Table 1 limits whatever the water kind; whether they count towards the
    water class is decided by ``evaluate``.
    """
    value = validate_value(code, value)
    direction = get_item(code).direction
    limits = limits_for(code, water_kind)
    if direction == NONE:
        return None
    if direction == RANGE:
        low, high = limits
        return 1 if low <= value <= high else WORSE_THAN_V
    meets = (lambda limit: value >= limit) if direction == MIN else (lambda limit: value <= limit)
    return next((cls for cls, limit in enumerate(limits, 1) if meets(limit)), WORSE_THAN_V)


def exceedance_multiple(code: str, value: float, water_kind: str) -> float | None:
    """(C - Class III limit) / Class III limit when C exceeds Class III, else None.

    Not computed for water temperature, pH and DO (环办〔2011〕22号). Rounded to 6 decimals to drop
    floating-point noise ((0.3 - 0.2) / 0.2 gives 0.5, not 0.49999999999999994).
    """
    value = validate_value(code, value)
    if get_item(code).direction != MAX:
        return None
    limit_iii = limits_for(code, water_kind)[2]
    return round((value - limit_iii) / limit_iii, 6) if value > limit_iii else None


def grade_for_class(water_class: int | None) -> str | None:
    """Grade code (excellent / good / light / moderate / heavy) for a class, None for None."""
    return None if water_class is None else GRADE_BY_CLASS[water_class]


@dataclass(frozen=True)
class Evaluation:
    """Result of evaluating one section (or one set of mean values).

    ``item_classes`` / ``exceedance`` cover only the items that count for this water kind;
    ``reference_classes`` holds the classes of measured items excluded from the class (TN and
    faecal coliform in rivers, faecal coliform in lakes; None for water temperature).
    """

    water_kind: str
    water_class: int | None
    grade: str | None
    item_classes: dict[str, int] = field(default_factory=dict)
    limiting_items: tuple[str, ...] = ()
    main_pollutants: tuple[str, ...] = ()
    exceedance: dict[str, float] = field(default_factory=dict)
    reference_classes: dict[str, int | None] = field(default_factory=dict)

    @property
    def grade_zh(self) -> str | None:
        return GRADE_ZH.get(self.grade)

    @property
    def class_label_zh(self) -> str | None:
        return CLASS_LABELS_ZH.get(self.water_class)


def evaluate(values: Mapping[str, float | None], water_kind: str) -> Evaluation:
    """Classify a section from its (mean) values: worst class of the evaluated items (环办〔2011〕22号).

    Every value is validated (unknown items raise); None means "not measured". Values of items the
    method excludes for this water kind are accepted and reported in ``reference_classes`` only.
    """
    rule_set(water_kind)
    counted = set(evaluated_items(water_kind))
    measured = {code: validate_value(code, value) for code, value in values.items() if value is not None}
    ordered = [code for code in ITEMS if code in measured]
    item_classes: dict[str, int] = {}
    reference: dict[str, int | None] = {}
    for code in ordered:
        cls = classify_item(code, measured[code], water_kind)
        if code in counted:
            item_classes[code] = cls
        else:
            reference[code] = cls
    exceedance = {}
    for code in item_classes:
        multiple = exceedance_multiple(code, measured[code], water_kind)
        if multiple is not None:
            exceedance[code] = multiple
    water_class = max(item_classes.values(), default=None)
    limiting = tuple(code for code, cls in item_classes.items() if cls == water_class)
    return Evaluation(
        water_kind=water_kind,
        water_class=water_class,
        grade=grade_for_class(water_class),
        item_classes=item_classes,
        limiting_items=limiting,
        main_pollutants=_main_pollutants(item_classes, exceedance),
        exceedance=exceedance,
        reference_classes=reference,
    )


def _main_pollutants(item_classes: dict[str, int], exceedance: dict[str, float]) -> tuple[str, ...]:
    """Up to three items worse than Class III, ranked by class, then exceedance multiple.

    Items without a multiple (pH, DO) rank after items with one in the same class; remaining ties
    keep Table 1 order (item_classes is in table order and sorted() is stable).
    """
    if max(item_classes.values(), default=0) <= 3:
        return ()
    over = [code for code, cls in item_classes.items() if cls > 3]
    over.sort(key=lambda code: (-item_classes[code], code not in exceedance, -exceedance.get(code, 0.0)))
    return tuple(over[:MAX_MAIN_POLLUTANTS])


def mean_values(samples: Iterable[Mapping[str, float | None]]) -> dict[str, float]:
    """Arithmetic mean per item over the samples that measured it (None = not measured).

    The 2011 method evaluates a period (e.g. a month) on the mean of its samples. Values are
    validated; the result is in Table 1 order.
    """
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for sample in samples:
        for code, value in sample.items():
            if value is None:
                continue
            totals[code] = totals.get(code, 0.0) + validate_value(code, value)
            counts[code] = counts.get(code, 0) + 1
    return {code: totals[code] / counts[code] for code in ITEMS if code in totals}
