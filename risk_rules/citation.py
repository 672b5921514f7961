"""How a rule is cited to people: the document's short name and number with the clause, in either language.

《城镇燃气经营安全重大隐患判定标准》（建城规〔2023〕4号）第四条第（一）项 reads in English as "Town Gas Major Hazard
Criteria (Jian Cheng Gui [2023] No. 4), Art. 4(1)". A bare clause ("第三十五条") says nothing on its own: every
page, document and export that shows a basis goes through :func:`cite`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

REGISTRY = Path(__file__).parent / "legal_documents.yaml"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = r"[零〇一二两三四五六七八九十百\d]+"
_ARTICLE = re.compile(rf"第({_NUMERAL})条")
_PARAGRAPH = re.compile(rf"第({_NUMERAL})款")
_ITEM = re.compile(rf"第[（(]?({_NUMERAL})[）)]?项")
_SUB_ITEM = re.compile(rf"第({_NUMERAL})目")


@dataclass(frozen=True)
class Document:
    """A cited document: its number (文号, or a law's name), short names and English number."""

    standard: str
    short_zh: str
    short_en: str
    number_en: str = ""


def chinese_number(text: str) -> int:
    """``"三十五"`` → 35, ``"一百零二"`` → 102, ``"12"`` → 12. ValueError for anything else."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + current


def clause_en(clause: str) -> str:
    """The English form of a Chinese clause reference.

    ``第四条第（一）项`` → ``Art. 4(1)``; ``第十二条第二款`` → ``Art. 12, para. 2``; ``第一项`` → ``item 1``;
    ``第四条第二款第（三）项`` → ``Art. 4, para. 2(3)``. Text around the references is kept as written.
    """
    out = clause
    article = _ARTICLE.search(out)
    paragraph = _PARAGRAPH.search(out)
    item = _ITEM.search(out)
    sub_item = _SUB_ITEM.search(out)
    parts = []
    if article:
        parts.append(f"Art. {chinese_number(article.group(1))}")
    if paragraph:
        parts.append(f"para. {chinese_number(paragraph.group(1))}")
    reference = ", ".join(parts)
    if item:
        number = chinese_number(item.group(1))
        reference = f"{reference}({number})" if reference else f"item {number}"
    if sub_item:
        reference = f"{reference}, sub-item {chinese_number(sub_item.group(1))}"
    if not reference:
        return clause
    for match in (article, paragraph, item, sub_item):
        if match:
            out = out.replace(match.group(0), "", 1)
    rest = out.strip(" ，,、")
    return f"{reference} {rest}" if rest else reference


@lru_cache(maxsize=1)
def _registry() -> dict[str, Document]:
    from risk_rules.checklists import load_checklists  # late: checklists validates its bases against us

    documents = {name: Document(name, entry["short_zh"], entry["short_en"], entry.get("number_en") or "")
                 for name, entry in yaml.safe_load(REGISTRY.read_text(encoding="utf-8")).items()}
    for version in load_checklists():
        documents[version.standard] = Document(version.standard, version.short_zh, version.short_en,
                                               version.number_en)
    return documents


def known_documents() -> set[str]:
    """The names of the documents in the registry file (not those of the checklist files)."""
    return set(yaml.safe_load(REGISTRY.read_text(encoding="utf-8")))


def number(standard: str, lang: str = "zh") -> str:
    """A document's number as written in ``lang``: 安监总管三〔2017〕121号 reads "SAWS An Jian Zong Guan San [2017]
    No. 121" in English. A document the registry does not know keeps its number as stored."""
    document = _registry().get(standard)
    if lang == "en" and document is not None and document.number_en:
        return document.number_en
    return standard


def numbers(lang: str) -> dict[str, str]:
    """Every known document's number written otherwise in ``lang`` (``{stored number: number in lang}``), for
    the scripts, which write notices naming documents."""
    return {standard: written for standard in _registry() if (written := number(standard, lang)) != standard}


def typed_name(standard: str, title: str = "") -> str:
    """The name :func:`cite` shows for a document the registry does not know (a local item's rule, named by
    whoever added the item: it stays in the language it was typed in); empty for a known document."""
    return "" if standard in _registry() else (title or standard)


def cite(standard: str, clause: str, lang: str = "zh", title: str = "") -> str:
    """The basis as people read it: 《short name》（number）clause in Chinese, "Short name (number), Art. N" in English.

    ``standard`` is the document's number (or a law's name) as stored on items and findings; ``title`` is the
    stored full title, used when the document is not known (a local item citing a local rule). Empty when
    there is nothing to cite.
    """
    document = _registry().get(standard)
    zh = lang != "en"
    if document is None:
        name = title or standard
        number = standard if title and title != standard else ""
        name_en, number_en = name, number
    else:
        name = document.short_zh
        number = document.standard if document.standard != document.short_zh else ""
        name_en = document.short_en
        number_en = document.number_en or number
    if not name and not clause:
        return ""
    if zh:
        head = f"《{name}》" if name else ""
        return f"{head}（{number}）{clause}" if number else f"{head}{clause}"
    head = f"{name_en} ({number_en})" if number_en else name_en
    tail = clause_en(clause) if clause else ""
    return ", ".join(part for part in (head, tail) if part)
