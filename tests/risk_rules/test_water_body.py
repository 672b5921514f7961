"""Water-body evaluation from its sections (环办〔2011〕22号): < 5 sections mean, >= 5 section shares."""

import pytest

from risk_rules.water import WaterQualityError, evaluate_body, grade_from_shares

COD_FOR_CLASS = {1: 10, 3: 18, 4: 25, 5: 35, 6: 50}  # river COD values landing in each class


def sections(*classes):
    return {f"S{i}": {"cod": COD_FOR_CLASS[cls], "ph": 7.5} for i, cls in enumerate(classes, 1)}


def test_fewer_than_five_sections_average_then_classify():
    body = evaluate_body({"A": {"cod": 10, "tp": 0.1}, "B": {"cod": 30, "tp": 0.3}}, "river")
    assert body.method == "mean"
    assert body.section_count == 2
    assert body.section_classes == {"A": 2, "B": 4}
    assert body.mean_evaluation.item_classes == {"cod": 3, "tp": 3}  # means: cod 20, tp 0.2
    assert (body.water_class, body.grade, body.grade_zh) == (3, "good", "良好")
    assert body.share_class_i_iii == 0.5


def test_four_sections_worse_than_v_by_mean():
    body = evaluate_body(sections(1, 1, 6, 6), "river")  # mean COD 30 -> IV
    assert body.method == "mean"
    assert (body.water_class, body.grade) == (4, "light")


def test_lake_sections_use_lake_rules():
    body = evaluate_body({"L1": {"tp": 0.04, "tn": 0.9}, "L2": {"tp": 0.08, "tn": 1.3}}, "reservoir")
    assert body.mean_evaluation.item_classes == {"tp": 4, "tn": 4}  # tp 0.06, tn 1.1
    assert body.water_class == 4


@pytest.mark.parametrize(
    ("classes", "grade", "good_share", "bad_share"),
    [
        ((3,) * 9 + (6,), "excellent", 0.9, 0.1),  # exactly 90 % I-III
        ((1,) * 8 + (4, 6), "good", 0.8, 0.1),
        ((3,) * 6 + (4, 6), "good", 0.75, 0.125),  # exactly 75 %
        ((3,) * 14 + (4, 4, 4) + (6,) * 3, "light", 0.7, 0.15),
        ((3,) * 3 + (4,) + (6,), "moderate", 0.6, 0.2),  # exactly 20 % worse than V
        ((3,) * 2 + (4, 4) + (6,), "moderate", 0.4, 0.2),
        ((3,) * 3 + (6, 6), "heavy", 0.6, 0.4),  # exactly 40 %
        ((4,) * 5, "light", 0.0, 0.0),
        ((6,) * 5, "heavy", 0.0, 1.0),
    ],
)
def test_five_or_more_sections_grade_by_shares(classes, grade, good_share, bad_share):
    body = evaluate_body(sections(*classes), "river")
    assert body.method == "section_share"
    assert body.section_count == len(classes)
    assert body.grade == grade
    assert body.share_class_i_iii == pytest.approx(good_share)
    assert body.share_worse_than_v == pytest.approx(bad_share)
    assert body.water_class == max(classes)  # documented: worst section class
    assert body.mean_evaluation is None
    assert list(body.section_classes.values()) == list(classes)


@pytest.mark.parametrize(
    ("good", "bad", "total", "grade"),
    [
        (9, 0, 10, "excellent"),
        (89, 0, 100, "good"),
        (75, 0, 100, "good"),
        (74, 19, 100, "light"),
        (74, 20, 100, "moderate"),
        (60, 39, 100, "moderate"),
        (60, 40, 100, "heavy"),
        (0, 100, 100, "heavy"),
    ],
)
def test_grade_from_shares_thresholds(good, bad, total, grade):
    assert grade_from_shares(good, bad, total) == grade


def test_sections_without_evaluable_items_are_not_counted():
    data = sections(3, 3, 3, 3)
    data["S5"] = {"water_temperature": 18, "faecal_coliform": 500}
    body = evaluate_body(data, "river")
    assert body.section_count == 4
    assert body.method == "mean"
    assert body.section_classes["S5"] is None


def test_empty_body():
    body = evaluate_body({}, "river")
    assert (body.water_class, body.grade, body.section_count) == (None, None, 0)
    assert body.share_class_i_iii is None


def test_unknown_kind():
    with pytest.raises(WaterQualityError):
        evaluate_body(sections(1), "ocean")
