"""Closure (销号) of worse-than-V water-body remediation and relapse detection."""

from datetime import date

import pytest

from risk_rules.water import WaterQualityError, closure_status, relapsed, relapsed_sections


def months(start, classes):
    """{(year, month): class} for consecutive months from start; None leaves a month out."""
    year, mon = start
    out = {}
    for cls in classes:
        if cls is not None:
            out[(year, mon)] = cls
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return out


def test_eligible_across_year_boundary():
    monthly = {"S1": months((2024, 11), [4, 4, 3]), "S2": months((2024, 11), [3, 4, 4])}
    status = closure_status(monthly, 4, 3, (2025, 2))
    assert status.eligible is True
    assert status.months_in_a_row == 3
    assert status.latest_month == (2025, 1)
    assert status.missing_months == []
    assert "符合销号条件" in status.reason_zh
    assert "2025年1月" in status.reason_zh
    assert "eligible for closure" in status.reason_en


def test_gap_month_breaks_the_run():
    monthly = {"S1": months((2024, 10), [4, 4, None, 4]), "S2": months((2024, 10), [4, 4, None, 4])}
    status = closure_status(monthly, 4, 3, (2025, 1))
    assert status.eligible is False
    assert status.months_in_a_row == 1
    assert status.missing_months == [(2024, 12)]
    assert "2024年12月" in status.reason_zh and "无监测数据" in status.reason_zh
    assert "no monitoring in 2024-12" in status.reason_en


def test_one_section_missing_one_month_is_a_gap():
    monthly = {"S1": months((2024, 11), [4, 4, 4]), "S2": months((2024, 11), [4, None, 4])}
    status = closure_status(monthly, 4, 3, (2025, 1))
    assert (status.eligible, status.months_in_a_row) == (False, 1)
    assert status.missing_months == [(2024, 12)]
    assert "S2" in status.reason_zh


def test_one_section_failing_one_month():
    monthly = {"S1": months((2024, 11), [4, 4, 4]), "S2": months((2024, 11), [4, 5, 4])}
    status = closure_status(monthly, 4, 3, (2025, 1))
    assert (status.eligible, status.months_in_a_row) == (False, 1)
    assert status.failing == {(2024, 12): {"S2": 5}}
    assert "断面S2为Ⅴ类，未达到Ⅳ类目标" in status.reason_zh
    assert "section S2 was Class V in 2024-12" in status.reason_en


def test_latest_month_failing_gives_zero_run():
    status = closure_status({"S1": months((2024, 1), [4, 4, 4, 6])}, 4, 3, (2024, 12))
    assert (status.eligible, status.months_in_a_row, status.latest_month) == (False, 0, (2024, 4))


def test_class_equal_to_target_meets_it():
    status = closure_status({"S1": months((2024, 1), [5, 5, 5])}, 5, 3, (2024, 3))
    assert status.eligible is True


@pytest.mark.parametrize(("required", "eligible"), [(1, True), (3, True), (6, True), (7, False)])
def test_months_required_is_configurable(required, eligible):
    status = closure_status({"S1": months((2024, 7), [3] * 6)}, 4, required, (2024, 12))
    assert status.eligible is eligible
    assert status.months_in_a_row == 6


def test_not_enough_history():
    status = closure_status({"S1": months((2024, 11), [4, 4])}, 4, 3, (2024, 12))
    assert (status.eligible, status.months_in_a_row) == (False, 2)
    assert status.missing_months == [(2024, 10)]
    assert "监测记录不足" in status.reason_zh


def test_months_after_as_of_are_ignored():
    monthly = {"S1": {**months((2024, 1), [4, 4, 4]), (2024, 5): 6}}
    assert closure_status(monthly, 4, 3, (2024, 4)).eligible is True
    assert closure_status(monthly, 4, 3, date(2024, 5, 31)).eligible is False


def test_no_data():
    status = closure_status({"S1": {}}, 4, 3, (2024, 4))
    assert (status.eligible, status.months_in_a_row, status.latest_month) == (False, 0, None)
    assert status.reason_en.startswith("No monthly evaluations")


def test_section_never_monitored_blocks_closure():
    status = closure_status({"S1": months((2024, 1), [4, 4, 4]), "S2": {}}, 4, 3, (2024, 3))
    assert (status.eligible, status.months_in_a_row) == (False, 0)
    assert status.missing_months == [(2024, 1), (2024, 2), (2024, 3)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target_class": 0}, "target_class"),
        ({"target_class": 6}, "target_class"),
        ({"months_required": 0}, "months_required"),
        ({"as_of": (2024, 13)}, "as_of"),
        ({"monthly": {"S1": {(2024, 1): 7}}}, "class of section S1"),
        ({"monthly": {"S1": {"2024-01": 4}}}, "month"),
    ],
)
def test_invalid_arguments(kwargs, field):
    args = {"monthly": {"S1": {(2024, 1): 4}}, "target_class": 4, "months_required": 3, "as_of": (2024, 3)}
    with pytest.raises(WaterQualityError) as err:
        closure_status(**{**args, **kwargs})
    assert err.value.field == field


def test_relapse_in_latest_month():
    monthly = {"S1": months((2024, 11), [4, 4, 4, 6]), "S2": months((2024, 11), [4, 4, 4, 4])}
    assert relapsed(monthly, 4, (2025, 2)) is True
    assert relapsed_sections(monthly, 4, (2025, 2)) == {"S1": 6}
    assert relapsed(monthly, 4, (2025, 1)) is False  # before the relapse


def test_earlier_bad_month_is_not_a_relapse():
    monthly = {"S1": months((2024, 1), [6, 4])}
    assert relapsed(monthly, 4, (2024, 12)) is False
    assert relapsed({}, 4, (2024, 12)) is False
