"""The 工贸企业重大事故隐患判定标准 (MEM Order No. 10, 2023) checklist against the Order's own structure."""

import re
from collections import Counter
from datetime import date

import pytest

from risk_rules.checklists import FEATURES, SUB_SECTORS, applicable_parts, load_checklists, version_for
from risk_rules.citation import chinese_number, cite

VERSIONS = load_checklists()
IT = version_for(VERSIONS, "industry_trade", date(2023, 5, 15))
# The Order's own items; the file adds general items of the Work Safety Law in a part of their own ("law").
ORDER_ITEMS = [i for i in IT.items if i.standard == "应急管理部令第10号"]

# Part -> (article, code prefix, number of sub-items). The counts are the numbered sub-items （一）（二）... of
# Arts. 3-13 of the Order's text (应急管理部 https://www.mem.gov.cn/gk/zfxxgkpt/fdzdgknr/gz11/202305/
# t20230523_451578.shtml, as copied in the file's `source`). They add up to the MEM release's 3 aspects and
# 64 items: 3 management (Art. 3), 47 in the seven sectors (Arts. 4-10), 14 special (Arts. 11-13).
PARTS = {
    "general": (3, "IT-G", 3),
    "metallurgy": (4, "IT-MET", 8),
    "non_ferrous": (5, "IT-NF", 13),
    "building_materials": (6, "IT-BM", 8),
    "machinery": (7, "IT-MAC", 7),
    "light_industry": (8, "IT-LI", 7),
    "textiles": (9, "IT-TEX", 2),
    "tobacco": (10, "IT-TOB", 2),
    "dust_explosion": (11, "IT-DUST", 10),
    "ammonia_refrigeration": (12, "IT-NH3", 2),
    "confined_space": (13, "IT-CS", 2),
}
SECTOR_PARTS = ("metallurgy", "non_ferrous", "building_materials", "machinery", "light_industry", "textiles",
                "tobacco")
CLAUSE = re.compile(r"^第([一二三四五六七八九十]+)条第（([一二三四五六七八九十]+)）项$")
def clause_numbers(item):
    match = CLAUSE.match(item.clause)
    assert match, f"{item.code}: clause {item.clause!r} is not written 第N条第（N）项"
    return chinese_number(match[1]), chinese_number(match[2])


def test_the_order_is_in_force_from_15_may_2023_and_still_current():
    assert (IT.standard, IT.version, IT.effective_from, IT.effective_to) == (
        "应急管理部令第10号", "2023", date(2023, 5, 15), None)
    with pytest.raises(LookupError):
        version_for(VERSIONS, "industry_trade", date(2023, 5, 14))
    assert IT.title_zh == IT.short_zh == "工贸企业重大事故隐患判定标准"
    assert "mem.gov.cn" in IT.source


def test_parts_follow_the_articles_and_say_whom_they_apply_to():
    assert [p.code for p in IT.parts] == ["general", "law", *list(PARTS)[1:]]
    applies = {p.code: p.applies for p in IT.parts}
    assert applies["general"] == applies["law"] == "always"
    assert [c for c, a in applies.items() if a == "sub_sector"] == list(SECTOR_PARTS)
    assert [c for c, a in applies.items() if a == "feature"] == list(FEATURES)
    # 商贸 is in the Order's scope (Art. 2) but has no article of its own, so no part: the file's note says so.
    assert set(SECTOR_PARTS) == set(SUB_SECTORS) - {"commerce_trade"}
    assert "商贸" in IT.note


def test_item_counts_per_part_are_those_of_the_order():
    assert Counter(i.part for i in ORDER_ITEMS) == {part: count for part, (_, _, count) in PARTS.items()}
    assert len(ORDER_ITEMS) == 64
    assert sum(PARTS[p][2] for p in SECTOR_PARTS) == 47
    assert sum(PARTS[p][2] for p in FEATURES) == 14


def test_every_item_of_the_order_is_major_and_the_others_are_general_items_of_the_law():
    assert all(i.is_major for i in ORDER_ITEMS)
    assert {(i.standard, i.version) for i in ORDER_ITEMS} == {("应急管理部令第10号", "2023")}
    assert {i.category for i in ORDER_ITEMS} == {"thing", "person", "management"}
    law = [i for i in IT.items if i not in ORDER_ITEMS]
    assert law and all(not i.is_major and i.part == "law" and i.standard == "中华人民共和国安全生产法" for i in law)


@pytest.mark.parametrize("part", PARTS)
def test_clauses_cite_the_parts_article_and_every_sub_item_in_order(part):
    article, prefix, count = PARTS[part]
    items = [i for i in ORDER_ITEMS if i.part == part]
    assert [clause_numbers(i) for i in items] == [(article, n) for n in range(1, count + 1)]
    assert [i.code for i in items] == [f"{prefix}-{n:02d}" for n in range(1, count + 1)]


def test_parts_come_in_the_order_of_the_articles():
    assert [clause_numbers(i)[0] for i in ORDER_ITEMS] == sorted(clause_numbers(i)[0] for i in ORDER_ITEMS)


def test_codes_are_unique_here_and_across_every_checklist():
    codes = [i.code for i in IT.items]
    assert len(codes) == len(set(codes)) and all(c.startswith("IT-") for c in codes)
    others = {i.code for v in VERSIONS if v is not IT for i in v.items}
    assert not others & set(codes)


def test_item_text_is_the_sub_items_wording_without_number_or_closing_mark():
    for item in ORDER_ITEMS:
        assert not re.match(r"^（[一二三四五六七八九十]+）", item.text_zh), item.code
        assert not item.text_zh.endswith(("；", "。", ";")), item.code
        # Each sub-item is worded as the violation "...的"; 第五条第（三）项 adds its exceptions after it.
        assert item.text_zh.endswith("的") or item.text_zh.endswith("除外）"), item.code
        assert item.text_en and not item.text_en.endswith("."), item.code


def test_items_are_cited_by_the_orders_short_name_number_and_clause():
    assert cite("应急管理部令第10号", "第五条第（十一）项") == \
        "《工贸企业重大事故隐患判定标准》（应急管理部令第10号）第五条第（十一）项"
    assert cite("应急管理部令第10号", "第十三条第（二）项", "en") == \
        "Industry and Trade Major Hazard Criteria (MEM Order No. 10), Art. 13(2)"


@pytest.mark.parametrize(("sub_sector", "features", "expected"), [
    ("metallurgy", [], {"general", "law", "metallurgy"}),
    ("light_industry", ["dust_explosion", "ammonia_refrigeration"],
     {"general", "law", "light_industry", "dust_explosion", "ammonia_refrigeration"}),
    ("commerce_trade", ["confined_space"], {"general", "law", "confined_space"}),  # no part of its own
])
def test_an_enterprise_sees_the_general_part_its_sector_and_its_features(sub_sector, features, expected):
    assert applicable_parts(IT.parts, sub_sector, features) == expected
