"""The port dangerous-goods checklist and the succession of the hazardous-chemicals standards.

Port: 《危险货物港口作业重大事故隐患判定标准》 (交通运输部办公厅, 2024-07-08) sets 25 major-hazard situations in
5 aspects (超范围超能力超期限作业; 设备设施; 安全设施配备; 安全距离（间距）; 安全管理重大缺陷), per the explainer
at https://sisi.shmtu.edu.cn/2025/0615/c8959a244663/page.htm. The per-aspect counts and the item text were not
found, so no port file is packaged yet and the port tests skip until one is added; they then hold it to those
figures and to well-formed, gap-free clauses.

Chemicals: AQ 3067—2026 is in force from 2026-09-30, but its item text was not found, so it is declared as
the pending successor of 安监总管三〔2017〕121号 rather than loaded.
"""

import re
from collections import defaultdict
from datetime import date

import pytest

from risk_rules.checklists import load_checklists, version_for
from risk_rules.citation import chinese_number, cite

VERSIONS = load_checklists()
HC_121 = "安监总管三〔2017〕121号"
AQ_3067 = "AQ 3067—2026"
PORT_ITEMS, PORT_ASPECTS = 25, 5  # 判定标准 第三条 (5 个方面) and the explainer's "25项重大事故隐患情形"
PORT_CLAUSE = re.compile(r"^第([一二三四五六七八九十]+)条第（([一二三四五六七八九十]+)）项$")


@pytest.fixture
def port_standard():
    versions = [v for v in VERSIONS if v.domain == "port_dangerous_goods"]
    if not versions:
        pytest.skip("no port dangerous-goods checklist packaged: the 2024 standard's item text was not found")
    return versions[-1]


def test_port_standard_has_25_items_in_5_aspects_every_one_applying_always(port_standard):
    assert len(port_standard.parts) == PORT_ASPECTS
    assert {part.applies for part in port_standard.parts} == {"always"}
    assert len(port_standard.items) == PORT_ITEMS
    per_part = {part.code: sum(i.part == part.code for i in port_standard.items) for part in port_standard.parts}
    assert all(per_part.values()), per_part


def test_port_items_are_all_major_and_cite_the_standard(port_standard):
    assert all(i.is_major and i.standard == port_standard.standard for i in port_standard.items)
    assert all(i.code.startswith("PDG-") for i in port_standard.items)


def test_port_clauses_are_well_formed_and_gap_free_per_article(port_standard):
    by_article = defaultdict(list)
    parts_of_article = defaultdict(set)
    for item in port_standard.items:
        match = PORT_CLAUSE.match(item.clause)
        assert match, f"{item.code}: clause {item.clause!r} is not 第N条第（N）项"
        article = chinese_number(match.group(1))
        by_article[article].append(chinese_number(match.group(2)))
        parts_of_article[article].add(item.part)
    for article, numbers in by_article.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"第{article}条: items {numbers}"
    articles = sorted(by_article)
    assert articles == list(range(articles[0], articles[0] + PORT_ASPECTS))  # one article per aspect
    assert all(len(parts) == 1 for parts in parts_of_article.values())


def test_the_121_items_are_numbered_without_gaps():
    hc = version_for(VERSIONS, "hazardous_chemicals", date(2026, 9, 29))
    numbers = [chinese_number(re.fullmatch(r"第(.+)项", i.clause).group(1)) for i in hc.items if i.is_major]
    assert numbers == list(range(1, 21))


@pytest.mark.parametrize(
    ("on", "pending"),
    [
        (date(2026, 9, 29), None),
        (date(2026, 9, 30), AQ_3067),  # in force, but its items are not loaded: 121号 stays, and says so
    ],
)
def test_hazardous_chemicals_on_either_side_of_aq_3067(on, pending):
    version = version_for(VERSIONS, "hazardous_chemicals", on)
    assert (version.standard, version.effective_to) == (HC_121, None)
    successor = version.pending_successor(on)
    assert (successor and successor.standard) == pending
    assert version.successor.effective_from == date(2026, 9, 30)
    assert [i.code for i in version.items if i.is_major] == [f"HC-{n:02d}" for n in range(1, 21)]


def test_the_121_standard_is_cited_with_its_short_name_and_english_number():
    assert cite(HC_121, "第一项") == (
        f"《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》（{HC_121}）第一项"
    )
    assert cite(HC_121, "第一项", "en") == (
        "Chemical and Hazardous-Chemical Major Accident Hazard Criteria (trial) "
        "(SAWS An Jian Zong Guan San [2017] No. 121), item 1"
    )
