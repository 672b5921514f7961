"""The construction (2022 and 2024 editions) and town-gas checklists against the standards' own structure.

Counts per article come from the published texts quoted in each file's ``source``: 建质规〔2024〕5号 articles 4 to 17
(Dongguan bureau's copy of the attachment), 建城规〔2023〕4号 articles 4 to 10 (the ministry's page).
"""

import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from risk_rules.checklists import find_item, load_checklists, version_for
from risk_rules.citation import chinese_number, cite

VERSIONS = load_checklists()
CON_2022 = next(v for v in VERSIONS if v.standard == "建质规〔2022〕2号")
CON_2024 = next(v for v in VERSIONS if v.standard == "建质规〔2024〕5号")
GAS = next(v for v in VERSIONS if v.standard == "建城规〔2023〕4号")

# 第N条 or 第N条第（N）项, numerals as the standards write them.
CLAUSE = re.compile(r"^第([一二三四五六七八九十]+)条(?:第（([一二三四五六七八九十]+)）项)?$")

# 建质规〔2024〕5号: numbered items per article (第四条 (一)-(五) ... 第十五条 (一)-(三)); 第十六条 and 第十七条 are one
# sentence each. 51 + 2 = 53 determination items.
CON_2024_ITEMS = {4: 5, 5: 4, 6: 4, 7: 3, 8: 9, 9: 5, 10: 2, 11: 4, 12: 2, 13: 7, 14: 3, 15: 3, 16: 1, 17: 1}
CON_2024_PARTS = {
    "safety_management": 4, "excavation": 5, "formwork": 6, "scaffolding": 7, "lifting": 8, "work_at_height": 9,
    "temporary_power": 10, "confined_space": 11, "demolition": 12, "tunnelling": 13, "temporary_loads": 14,
    "reckless_work": 15, "prohibited_technology": 16, "other": 17,
}
# 建城规〔2023〕4号: 第四、五条 (一)-(五), 第六、七条 (一)-(三), 第八条 one sentence, 第九条 (一)-(四),
# 第十条 the catch-all.
GAS_ITEMS = {4: 5, 5: 5, 6: 3, 7: 3, 8: 1, 9: 4, 10: 1}
SWITCH = date(2024, 12, 13)  # 建质规〔2024〕5号 第十八条: in force on publication, the 2022 edition repealed


def article_and_item(clause):
    """``"第八条第（九）项"`` → (8, 9); ``"第十六条"`` → (16, None)."""
    match = CLAUSE.match(clause)
    assert match, f"malformed clause {clause!r}"
    article, item = match.groups()
    return chinese_number(article), (chinese_number(item) if item else None)


def majors(version):
    return [item for item in version.items if item.is_major]


def by_article(version):
    numbers = defaultdict(list)
    for item in majors(version):
        article, number = article_and_item(item.clause)
        numbers[article].append(number)
    return numbers


@pytest.mark.parametrize(("version", "expected"), [(CON_2024, CON_2024_ITEMS), (GAS, GAS_ITEMS)],
                         ids=["construction_2024", "gas_2023"])
def test_every_determination_item_once_per_article_without_gaps(version, expected):
    numbers = by_article(version)
    assert {article: len(items) for article, items in numbers.items()} == expected
    for article, items in numbers.items():
        if expected[article] == 1:
            assert items == [None], f"第{article}条 is one sentence: cite the article alone"
        else:
            assert sorted(items) == list(range(1, expected[article] + 1)), f"第{article}条 items {items}"


def test_construction_2024_has_the_53_items_in_the_standards_order_and_parts():
    items = majors(CON_2024)
    assert len(items) == 53
    assert [article_and_item(i.clause) for i in items] == sorted(article_and_item(i.clause) for i in items)
    assert [(p.code, p.applies) for p in CON_2024.parts] == [(code, "always") for code in CON_2024_PARTS] + [
        ("general", "always")
    ]
    for item in items:
        assert CON_2024_PARTS[item.part] == article_and_item(item.clause)[0], item.code
    assert all(item.code.startswith("CON24-") for item in CON_2024.items)


def test_construction_2022_codes_are_unchanged_and_cite_this_editions_articles():
    assert [i.code for i in CON_2022.items] == [
        *(f"CON-MG-0{n}" for n in range(1, 5)), *(f"CON-FP-0{n}" for n in range(1, 5)),
        *(f"CON-FW-0{n}" for n in range(1, 4)), *(f"CON-SC-0{n}" for n in range(1, 5)),
        *(f"CON-CR-0{n}" for n in range(1, 7)), *(f"CON-HW-0{n}" for n in range(1, 4)),
        "CON-EL-01", "CON-CS-01", "CON-CS-02", "CON-DM-01", *(f"CON-G-0{n}" for n in range(1, 6)),
    ]
    # 2022 edition: 第四条 施工安全管理, 第五条 基坑, 第六条 模板, 第七条 脚手架, 第八条 起重机械, 第九条 高处作业,
    # 第十条 临时用电, 第十一条 有限空间, 第十二条 拆除.
    sections = {"MG": 4, "FP": 5, "FW": 6, "SC": 7, "CR": 8, "HW": 9, "EL": 10, "CS": 11, "DM": 12}
    for item in majors(CON_2022):
        assert article_and_item(item.clause)[0] == sections[item.code.split("-")[1]], item.code
    numbered = Counter(article_and_item(i.clause)[0] for i in majors(CON_2022) if article_and_item(i.clause)[1])
    assert numbered == {4: 4, 5: 4, 8: 6, 9: 3, 11: 2}


def test_the_2024_edition_replaces_the_2022_one_on_its_publication_day():
    assert (CON_2022.effective_to, CON_2024.effective_from, CON_2024.effective_to) == (
        SWITCH - timedelta(days=1), SWITCH, None)
    assert version_for(VERSIONS, "construction", SWITCH - timedelta(days=1)).standard == "建质规〔2022〕2号"
    assert version_for(VERSIONS, "construction", SWITCH).standard == "建质规〔2024〕5号"
    assert version_for(VERSIONS, "construction", date(2022, 4, 19)).standard == "建质规〔2022〕2号"
    with pytest.raises(LookupError):
        version_for(VERSIONS, "construction", date(2022, 4, 18))


def test_general_items_carry_over_to_the_2024_edition_and_old_codes_still_resolve():
    old = [i for i in CON_2022.items if not i.is_major]
    new = [i for i in CON_2024.items if not i.is_major]
    assert [i.code for i in new] == [i.code.replace("CON-G-", "CON24-G-") for i in old]
    fields = ("text_zh", "text_en", "category", "standard", "version", "clause", "default_deadline_days")
    assert [[getattr(i, f) for f in fields] for i in new] == [[getattr(i, f) for f in fields] for i in old]
    assert {i.part for i in new} == {"general"}
    assert find_item(VERSIONS, "CON-G-01").text_zh == find_item(VERSIONS, "CON24-G-01").text_zh


@pytest.mark.parametrize("version", [CON_2022, CON_2024, GAS], ids=["construction_2022", "construction_2024", "gas"])
def test_items_state_the_situation_and_name_their_sources(version):
    for item in version.items:
        assert item.text_zh == item.text_zh.strip() and not item.text_zh.endswith(("；", "。", "，")), item.code
        if item.is_major:
            assert item.standard == version.standard
            article_and_item(item.clause)
    assert version.source and version.short_zh and version.short_en and version.number_en


def test_gas_has_items_for_every_article_4_to_9_and_keeps_the_codes_meaning():
    assert set(by_article(GAS)) >= set(range(4, 10))
    # Codes given before the standard was complete keep the situation they named.
    assert find_item(VERSIONS, "GAS-M-08").clause == "第五条第（三）项"
    assert find_item(VERSIONS, "GAS-M-09").clause == "第六条第（一）项"
    assert find_item(VERSIONS, "GAS-M-10").clause == "第六条第（三）项"
    assert find_item(VERSIONS, "GAS-M-21").clause == "第八条"
    # Article 9 is major only when the operator did not notify the user in writing: every item says so.
    for item in majors(GAS):
        if article_and_item(item.clause)[0] == 9:
            assert "不按规定采取书面告知用户整改等措施" in item.text_zh, item.code
    codes = [i.code for i in majors(GAS)]
    assert sorted(codes) == [f"GAS-M-{n:02d}" for n in range(1, 23)]


def test_citations_read_as_the_2024_edition():
    item = find_item(VERSIONS, "CON24-CR-09")
    assert cite(item.standard, item.clause) == (
        "《房屋市政工程生产安全重大事故隐患判定标准（2024版）》（建质规〔2024〕5号）第八条第（九）项"
    )
    assert cite(item.standard, item.clause, "en") == (
        "Building and Municipal Works Major Accident Hazard Criteria (2024) (MOHURD Jian Zhi Gui [2024] No. 5), "
        "Art. 8(9)"
    )
