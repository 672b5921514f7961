"""Water-body (河流/湖库) evaluation from its sections, per 环办〔2011〕22号:
fewer than 5 sections -> classify the mean of each item over the sections;
5 or more -> the share of sections in Class I-III and worse than V decides the grade."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from .classify import GRADE_ZH, Evaluation, evaluate, mean_values
from .limits import WORSE_THAN_V, rule_set

MIN_SECTIONS_FOR_SHARES = 5


@dataclass(frozen=True)
class BodyEvaluation:
    """Evaluation of a water body.

    ``method`` is ``"mean"`` (< 5 sections: class and grade of ``mean_evaluation``) or
    ``"section_share"`` (>= 5 sections: grade from the shares; ``water_class`` is then the worst
    section class, which the method does not define but the UI needs). ``section_count`` counts
    sections with at least one evaluable item; only those enter the shares. Shares are fractions
    0..1 and are reported for both methods.
    """

    water_kind: str
    method: str
    section_count: int
    water_class: int | None
    grade: str | None
    section_classes: dict[Hashable, int | None] = field(default_factory=dict)
    share_class_i_iii: float | None = None
    share_worse_than_v: float | None = None
    mean_evaluation: Evaluation | None = None

    @property
    def grade_zh(self) -> str | None:
        return GRADE_ZH.get(self.grade)


def grade_from_shares(good_sections: int, worse_than_v_sections: int, total: int) -> str:
    """Grade of a body with >= 5 sections from its section counts (integer arithmetic, so exactly
    90 % / 75 % / 20 % / 40 % fall on the documented side).

    >= 90 % I-III excellent; 75-90 % good; otherwise by worse-than-V share: < 20 % light,
    20-40 % moderate, >= 40 % heavy.
    """
    if total <= 0:
        raise ValueError("total must be positive")
    if good_sections * 100 >= 90 * total:
        return "excellent"
    if good_sections * 100 >= 75 * total:
        return "good"
    if worse_than_v_sections * 100 >= 40 * total:
        return "heavy"
    if worse_than_v_sections * 100 >= 20 * total:
        return "moderate"
    return "light"


def evaluate_body(
    section_means: Mapping[Hashable, Mapping[str, float | None]], water_kind: str
) -> BodyEvaluation:
    """Evaluate a water body from each section's (period-mean) values."""
    rule_set(water_kind)
    section_classes = {sid: evaluate(values, water_kind).water_class for sid, values in section_means.items()}
    classes = [cls for cls in section_classes.values() if cls is not None]
    total = len(classes)
    share_good = sum(cls <= 3 for cls in classes) / total if total else None
    share_bad = sum(cls == WORSE_THAN_V for cls in classes) / total if total else None
    common = dict(
        water_kind=water_kind,
        section_count=total,
        section_classes=section_classes,
        share_class_i_iii=share_good,
        share_worse_than_v=share_bad,
    )
    if total < MIN_SECTIONS_FOR_SHARES:
        mean = evaluate(mean_values(section_means.values()), water_kind)
        return BodyEvaluation(
            method="mean", water_class=mean.water_class, grade=mean.grade, mean_evaluation=mean, **common
        )
    grade = grade_from_shares(sum(cls <= 3 for cls in classes), classes.count(WORSE_THAN_V), total)
    return BodyEvaluation(method="section_share", water_class=max(classes), grade=grade, **common)
