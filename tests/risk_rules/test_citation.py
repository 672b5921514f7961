"""A rule is cited by its document's short name and number with the clause, never a bare clause."""

import re

import pytest

from risk_rules.checklists import load_checklists
from risk_rules.citation import chinese_number, cite, clause_en, number, numbers, typed_name


@pytest.mark.parametrize(("text", "number"), [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("三十五", 35),
                                              ("九十九", 99), ("一百", 100), ("一百零二", 102), ("一百一十", 110),
                                              ("12", 12)])
def test_chinese_numerals(text, number):
    assert chinese_number(text) == number


def test_a_chinese_numeral_with_other_characters_is_refused():
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        chinese_number("三条")


@pytest.mark.parametrize(("clause", "english"), [
    ("第三十五条", "Art. 35"),
    ("第四条第（一）项", "Art. 4(1)"),
    ("第十二条第二款", "Art. 12, para. 2"),
    ("第四条第二款第（三）项", "Art. 4, para. 2(3)"),
    ("第一项", "item 1"),
    ("第七条第（三）项第1目", "Art. 7(3), sub-item 1"),
    ("附件", "附件"),  # nothing it can read is left as written
])
def test_clauses_in_english(clause, english):
    assert clause_en(clause) == english


def test_a_law_is_cited_by_its_name_and_article():
    assert cite("中华人民共和国安全生产法", "第三十五条") == "《中华人民共和国安全生产法》第三十五条"
    assert cite("中华人民共和国安全生产法", "第三十五条", "en") == \
        "Work Safety Law of the People's Republic of China, Art. 35"


def test_a_standard_is_cited_by_its_short_name_number_and_clause():
    assert cite("建城规〔2023〕4号", "第四条第（一）项") == \
        "《城镇燃气经营安全重大隐患判定标准》（建城规〔2023〕4号）第四条第（一）项"
    english = cite("建城规〔2023〕4号", "第四条第（一）项", "en")
    assert english.endswith("(MOHURD Jian Cheng Gui [2023] No. 4), Art. 4(1)")


def test_an_unknown_document_is_cited_by_its_stored_title():
    assert cite("港区管委会〔2026〕1号", "第三条", title="港区安全生产检查规定") == \
        "《港区安全生产检查规定》（港区管委会〔2026〕1号）第三条"
    assert cite("", "") == ""


def test_every_packaged_item_cites_a_named_document_in_both_languages():
    for version in load_checklists():
        for item in version.items:
            zh, en = cite(item.standard, item.clause), cite(item.standard, item.clause, "en")
            assert zh.startswith("《") and item.clause in zh, item.code
            assert "《" not in en and en.split(", ")[0], item.code


def test_a_documents_number_in_english_and_a_typed_name():
    """Notices name documents by number in the page's language; a document no registry knows is named as typed."""
    assert number("安监总管三〔2017〕121号", "en") == "SAWS An Jian Zong Guan San [2017] No. 121"
    assert number("安监总管三〔2017〕121号", "zh") == "安监总管三〔2017〕121号"
    assert number("港区管委会〔2026〕1号", "en") == "港区管委会〔2026〕1号"  # unknown: as stored
    assert numbers("en")["建城规〔2023〕4号"] == "MOHURD Jian Cheng Gui [2023] No. 4" and numbers("zh") == {}
    assert not any(re.search(r"[\u3000-\u9fff\uff00-\uffef]", written) for written in numbers("en").values())
    assert typed_name("港区管委会〔2026〕1号", "港区安全生产检查规定") == "港区安全生产检查规定"
    assert typed_name("安监总管三〔2017〕121号", "化工和危险化学品重大隐患判定标准") == ""  # a known document
