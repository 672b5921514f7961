"""The rented-premises checklist (premises_2021.yaml): GB 35181-2017's direct determination elements that concern a
shared factory building as its major items, a combined element and articles of the Work Safety Law (2021) and the
Fire Protection Law as its general items, and GB 35181-2025 named as the successor whose items are not loaded."""

from datetime import date

import pytest

from risk_rules.checklists import load_checklists, version_for
from risk_rules.citation import cite

VERSIONS = load_checklists()
GB_2017, GB_2025 = "GB 35181-2017", "GB 35181-2025"
LAWS = {"中华人民共和国安全生产法", "中华人民共和国消防法"}


@pytest.fixture
def premises():
    return version_for(VERSIONS, "premises", date(2026, 12, 1))


def test_the_file_is_gb_35181_2017_in_force_with_its_successor_pending(premises):
    assert (premises.standard, premises.version, premises.effective_from, premises.effective_to) == (
        GB_2017, "2017", date(2018, 7, 1), None)
    assert premises.pending_successor(date(2025, 10, 31)) is None
    pending = premises.pending_successor(date(2025, 11, 1))
    assert (pending.standard, pending.title_zh) == (GB_2025, "重大火灾隐患判定规则")
    assert premises.source and "could not be read" in premises.note


def test_the_majors_are_the_direct_elements_whose_text_and_number_were_read(premises):
    majors = [(i.code, i.clause, i.standard) for i in premises.items if i.is_major]
    assert majors == [("PRM-01", "6.2", GB_2017), ("PRM-02", "6.4", GB_2017)]
    assert [i.text_zh for i in premises.items if i.is_major] == [
        "生产、储存、经营易燃易爆危险品的场所与人员密集场所、居住场所设置在同一建筑物内，或与人员密集场所、居住场所的防火间距"
        "小于国家工程建设消防技术标准规定值的75%",
        "甲、乙类生产场所和仓库设置在建筑的地下室或半地下室"]


def test_the_general_items_cover_the_common_parts_of_a_shared_building(premises):
    general = {i.code: i for i in premises.items if not i.is_major}
    assert list(general) == [f"PRM-G-{n:02d}" for n in range(1, 11)]
    assert all(i.default_deadline_days for i in general.values())
    assert {i.standard for i in general.values()} == LAWS | {GB_2017}
    safety, fire = "中华人民共和国安全生产法", "中华人民共和国消防法"
    assert {(i.standard, i.clause) for i in general.values()} == {
        (safety, "第四十二条第二款"), (safety, "第四十九条第一款"), (safety, "第四十九条第二款"),
        (fire, "第十八条第一款"), (fire, "第十九条"), (fire, "第二十六条第一款"), (fire, "第二十七条第二款"),
        (fire, "第二十八条"), (GB_2017, "7.2.1")}
    topics = " ".join(i.text_zh for i in general.values())
    for topic in ("出口、疏散通道", "消防设施", "三合一", "彩钢夹芯板", "线路", "安全生产管理协议"):
        assert topic in topics


def test_each_item_is_cited_by_its_documents_short_name(premises):
    assert cite(GB_2017, "6.2") == "《重大火灾隐患判定方法》（GB 35181-2017）6.2"
    assert cite("中华人民共和国消防法", "第二十七条第二款", "en") == (
        "Fire Protection Law of the People's Republic of China, Art. 27, para. 2")
    for item in premises.items:
        assert cite(item.standard, item.clause).startswith("《")


def test_the_agreement_item_is_the_one_the_service_finds_missing_agreements_on(premises):
    from inspections.premises import AGREEMENT_BASIS, AGREEMENT_ITEM

    item = next(i for i in premises.items if i.code == AGREEMENT_ITEM)
    assert (item.standard, item.version, item.clause) == (AGREEMENT_BASIS["standard"], AGREEMENT_BASIS[
        "standard_version"], AGREEMENT_BASIS["clause"])
