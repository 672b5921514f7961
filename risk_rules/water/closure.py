"""Closure (销号) of a worse-than-V water-body remediation (劣V类水体整治), and relapse detection.

Default project rule (see domain README §4): the body is closed off when EVERY section meets the
target class in each of the last N calendar-consecutive monthly evaluations; a month in which any
section was not monitored breaks the run.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from .classify import CLASS_LABELS, CLASS_LABELS_ZH
from .errors import WaterQualityError

Month = tuple[int, int]


@dataclass(frozen=True)
class ClosureStatus:
    """Closure eligibility.

    ``months_in_a_row``: compliant calendar-consecutive months counted back from ``latest_month``
    (the latest month <= as_of with any evaluation). ``missing_months`` / ``failing`` cover the
    window of the last ``months_required`` months ending at ``latest_month``: months where some
    section was not monitored, and {month: {section: class}} for sections worse than the target.
    """

    eligible: bool
    months_in_a_row: int
    reason_zh: str
    reason_en: str
    missing_months: list[Month] = field(default_factory=list)
    latest_month: Month | None = None
    failing: dict[Month, dict[Hashable, int]] = field(default_factory=dict)


def _month_index(month: object, name: str) -> int:
    """Months as (year, month) tuples, or anything with .year and .month (date)."""
    if hasattr(month, "year") and hasattr(month, "month"):
        month = (month.year, month.month)
    try:
        year, mon = month
    except (TypeError, ValueError):
        raise WaterQualityError(name, f"{name} must be a (year, month) pair, got {month!r}") from None
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (year, mon)) or not 1 <= mon <= 12:
        raise WaterQualityError(name, f"{name} must be a (year, month) pair with month 1-12, got {month!r}")
    return year * 12 + mon - 1


def _month(index: int) -> Month:
    return index // 12, index % 12 + 1


def _zh(index: int) -> str:
    year, mon = _month(index)
    return f"{year}年{mon}月"


def _en(index: int) -> str:
    year, mon = _month(index)
    return f"{year}-{mon:02d}"


def _check_class(value: object, name: str, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
        raise WaterQualityError(name, f"{name} must be a water class 1-{highest}, got {value!r}")
    return value


def _normalise(monthly: Mapping[Hashable, Mapping[Month, int]]) -> dict[Hashable, dict[int, int]]:
    return {
        sid: {
            _month_index(m, "month"): _check_class(cls, f"class of section {sid}", 6)
            for m, cls in months.items()
        }
        for sid, months in monthly.items()
    }


def _latest(sections: dict[Hashable, dict[int, int]], as_of: int) -> int | None:
    return max((m for months in sections.values() for m in months if m <= as_of), default=None)


def closure_status(
    monthly: Mapping[Hashable, Mapping[Month, int]], target_class: int, months_required: int, as_of: Month
) -> ClosureStatus:
    """Whether a body may be closed off: every section at class <= ``target_class`` in each of the
    last ``months_required`` calendar-consecutive months ending at the latest evaluated month <= as_of.

    ``monthly`` maps section id -> {(year, month): monthly class 1..6}. A section listed without any
    data never meets the rule. Dec -> Jan across years counts as consecutive.
    """
    target = _check_class(target_class, "target_class", 5)
    if isinstance(months_required, bool) or not isinstance(months_required, int) or months_required < 1:
        raise WaterQualityError(
            "months_required", f"months_required must be a positive integer, got {months_required!r}"
        )
    sections = _normalise(monthly)
    latest = _latest(sections, _month_index(as_of, "as_of"))
    if latest is None:
        return ClosureStatus(
            False,
            0,
            "截至评价月份无逐月水质评价结果，不能销号",
            f"No monthly evaluations up to {_en(_month_index(as_of, 'as_of'))}; cannot close off",
        )

    def missing(m: int) -> list[Hashable]:
        return [sid for sid, months in sections.items() if m not in months]

    def failing(m: int) -> dict[Hashable, int]:
        return {sid: months[m] for sid, months in sections.items() if months.get(m, 0) > target}

    earliest = min(m for months in sections.values() for m in months)
    run = 0
    while latest - run >= earliest and not missing(latest - run) and not failing(latest - run):
        run += 1
    window = range(latest - months_required + 1, latest + 1)
    status = dict(
        months_in_a_row=run,
        missing_months=[_month(m) for m in window if missing(m)],
        latest_month=_month(latest),
        failing={_month(m): failing(m) for m in window if failing(m)},
    )
    t_zh, t_en = CLASS_LABELS_ZH[target], f"Class {CLASS_LABELS[target]}"
    progress_zh, progress_en = (
        f"已连续{run}个月达标，需连续{months_required}个月",
        f"{run} of {months_required} months",
    )
    if run >= months_required:
        return ClosureStatus(
            True,
            reason_zh=f"截至{_zh(latest)}，全部{len(sections)}个断面连续{run}个月达到{t_zh}目标，符合销号条件",
            reason_en=f"All {len(sections)} sections met the {t_en} target for {run} consecutive months "
            f"up to {_en(latest)}; eligible for closure",
            **status,
        )
    brk = latest - run
    if brk < earliest:
        zh = f"监测记录不足，{progress_zh}"
        en = f"not enough monitoring history: {progress_en} compliant up to {_en(latest)}"
    else:
        parts_zh, parts_en = [], []
        if missing(brk):
            names = "、".join(map(str, missing(brk)))
            parts_zh.append(f"{_zh(brk)}断面{names}无监测数据")
            parts_en.append(f"no monitoring in {_en(brk)} for section(s) {', '.join(map(str, missing(brk)))}")
        for sid, cls in failing(brk).items():
            parts_zh.append(f"{_zh(brk)}断面{sid}为{CLASS_LABELS_ZH[cls]}，未达到{t_zh}目标")
            parts_en.append(
                f"section {sid} was Class {CLASS_LABELS[cls]} in {_en(brk)}, worse than the {t_en} target"
            )
        zh = "；".join(parts_zh) + f"（{progress_zh}）"
        en = "; ".join(parts_en) + f" ({progress_en} compliant)"
    return ClosureStatus(
        False, reason_zh=f"不能销号：{zh}", reason_en=f"Not eligible for closure: {en}", **status
    )


def relapsed_sections(
    monthly: Mapping[Hashable, Mapping[Month, int]], target_class: int, as_of: Month
) -> dict[Hashable, int]:
    """Sections worse than the target in the latest evaluated month <= as_of, with their class
    (for flagging closed-off bodies that relapse, 返黑返臭/反弹). Empty if none or no data."""
    target = _check_class(target_class, "target_class", 5)
    sections = _normalise(monthly)
    latest = _latest(sections, _month_index(as_of, "as_of"))
    if latest is None:
        return {}
    return {sid: months[latest] for sid, months in sections.items() if months.get(latest, 0) > target}


def relapsed(monthly: Mapping[Hashable, Mapping[Month, int]], target_class: int, as_of: Month) -> bool:
    """True when any section's latest monthly class (<= as_of) is worse than the target."""
    return bool(relapsed_sections(monthly, target_class, as_of))
