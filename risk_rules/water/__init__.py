"""Surface-water quality rules: GB 3838-2002《地表水环境质量标准》Table 1 limits and the
《地表水环境质量评价办法（试行）》环办〔2011〕22号 evaluation method, plus closure (销号) of
worse-than-V water-body remediation. Pure Python: plain data in, decisions out."""

from .body import BodyEvaluation, evaluate_body, grade_from_shares
from .classify import (
    CLASS_LABELS,
    CLASS_LABELS_ZH,
    GRADE_BY_CLASS,
    GRADE_ZH,
    Evaluation,
    classify_item,
    evaluate,
    exceedance_multiple,
    grade_for_class,
    mean_values,
)
from .closure import ClosureStatus, closure_status, relapsed, relapsed_sections
from .errors import WaterQualityError
from .limits import (
    EXCLUDED_ITEMS,
    ITEMS,
    UNIT_ALIASES,
    WATER_KINDS,
    WORSE_THAN_V,
    WaterItem,
    evaluated_items,
    get_item,
    limits_for,
    normalize_unit,
    rule_set,
    validate_value,
)

__all__ = [
    "CLASS_LABELS",
    "CLASS_LABELS_ZH",
    "EXCLUDED_ITEMS",
    "GRADE_BY_CLASS",
    "GRADE_ZH",
    "ITEMS",
    "UNIT_ALIASES",
    "WATER_KINDS",
    "WORSE_THAN_V",
    "BodyEvaluation",
    "ClosureStatus",
    "Evaluation",
    "WaterItem",
    "WaterQualityError",
    "classify_item",
    "closure_status",
    "evaluate",
    "evaluate_body",
    "evaluated_items",
    "exceedance_multiple",
    "get_item",
    "grade_for_class",
    "grade_from_shares",
    "limits_for",
    "mean_values",
    "normalize_unit",
    "relapsed",
    "relapsed_sections",
    "rule_set",
    "validate_value",
]
