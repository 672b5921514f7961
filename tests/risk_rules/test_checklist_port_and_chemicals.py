"""The port dangerous-goods checklist and the succession of the hazardous-chemicals standards.

Port: the checklist is 《港口危险货物安全管理规定》 (交通运输部令2017年第27号, text as amended in 2023), whose items are
general inspection items derived from the articles whose text was read (Art. 3 para. 2 and Art. 27), none major.
The determination standard 《危险货物港口作业重大事故隐患判定标准》 (交通运输部办公厅, 2024-07-08; 25 situations in 5
aspects) is in force but its item text was not found, so it is a pending successor notice on every date from
2024-07-08.

Chemicals: AQ 3067—2026 is in force from 2026-09-30, but its item text was not found, so it is declared as
the pending successor of 安监总管三〔2017〕121号 rather than loaded.
"""

import re
from datetime import date

import pytest

from risk_rules.checklists import load_checklists, version_for
from risk_rules.citation import chinese_number, cite

VERSIONS = load_checklists()
HC_121 = "安监总管三〔2017〕121号"
AQ_3067 = "AQ 3067—2026"
PDG = "交通运输部令2017年第27号"
PDG_DETERMINATION = "交通运输部办公厅2024年7月8日印发"
PDG_ITEMS = 9  # Art. 3 para. 2 gives PDG-G-01..04, Art. 27 gives PDG-G-05..09
PDG_FROM, DETERMINATION_FROM = date(2023, 8, 3), date(2024, 7, 8)
ARTICLE_CLAUSE = re.compile(r"^第([一二三四五六七八九十百]+)条(?:第([一二三四五六七八九十]+)款)?$")


@pytest.fixture
def port():
    return version_for(VERSIONS, "port_dangerous_goods", date.today())


def test_port_checklist_is_the_2023_text_of_the_port_dangerous_goods_provisions(port):
    assert (port.standard, port.version, port.effective_from, port.effective_to) == (PDG, "2023", PDG_FROM, None)
    assert [i.code for i in port.items] == [f"PDG-G-{n:02d}" for n in range(1, PDG_ITEMS + 1)]


def test_port_items_are_general_with_deadlines_and_cite_the_provisions(port):
    assert not any(i.is_major for i in port.items)
    assert all(i.default_deadline_days and i.default_deadline_days > 0 for i in port.items)
    assert {(i.standard, i.version) for i in port.items} == {(PDG, "2023")}
    assert not port.parts


def test_port_clauses_are_articles_or_paragraphs_that_were_read(port):
    cited = set()
    for item in port.items:
        match = ARTICLE_CLAUSE.match(item.clause)
        assert match, f"{item.code}: clause {item.clause!r} is not 第N条 or 第N条第N款"
        cited.add((chinese_number(match.group(1)), match.group(2) and chinese_number(match.group(2))))
    assert cited == {(3, 2), (27, None)}


def test_port_items_are_cited_with_the_short_name_and_english_number():
    assert cite(PDG, "第三条第二款") == f"《港口危险货物安全管理规定》（{PDG}）第三条第二款"
    assert cite(PDG, "第二十七条", "en") == (
        "Provisions on the Safety Management of Hazardous Goods at Ports (MOT Order No. 27 of 2017, amended 2019 "
        "and 2023), Art. 27")


@pytest.mark.parametrize(
    ("on", "pending"),
    [
        (PDG_FROM, None),
        (date(2024, 7, 7), None),
        (DETERMINATION_FROM, PDG_DETERMINATION),
        (date(2026, 12, 1), PDG_DETERMINATION),
        (date.today(), PDG_DETERMINATION),
    ],
)
def test_port_determination_standard_is_a_pending_notice_from_2024_07_08(on, pending):
    version = version_for(VERSIONS, "port_dangerous_goods", on)
    assert version.standard == PDG
    successor = version.pending_successor(on)
    assert (successor and successor.standard) == pending
    assert version.successor.title_zh == "危险货物港口作业重大事故隐患判定标准"
    assert version.successor.effective_from == DETERMINATION_FROM


def test_no_port_checklist_before_the_2023_text():
    with pytest.raises(LookupError, match="port_dangerous_goods"):
        version_for(VERSIONS, "port_dangerous_goods", date(2023, 8, 2))


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
