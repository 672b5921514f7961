"""The card ledger as an Excel workbook (openpyxl): Chinese headers, one row per card with its reasons.

Written in openpyxl's write-only mode, row by row as the cards arrive, so memory stays flat however long the
ledger; each row goes through ``core.xlsx.row_cells`` (user text stays text, times are the zone's). It prints on
A4 landscape, one page wide, with the header row repeated on every page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cards.models import MANUAL_RULE, Card
from core.xlsx import row_cells

COLOUR_ZH = {"yellow": "黄牌", "red": "红牌"}
# The card's state as the pages say it (web/translations: "Active" of a card → 持牌中): one name everywhere.
STATUS_ZH = {"active": "持牌中", "lifted": "已摘牌"}
ORIGIN_ZH = {"rule": "规则触发", "manual": "人工发牌"}
SECTOR_ZH = {"hazardous_chemicals": "危险化学品", "town_gas": "城镇燃气", "construction": "建筑施工",
             "port_dangerous_goods": "港口危险货物", "general_industry": "一般工业"}
FILL = {"yellow": PatternFill("solid", fgColor="FFF2CC"), "red": PatternFill("solid", fgColor="F8CBAD")}
DATE, DATE_TIME = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
WRAPPED, BOLD = Alignment(wrap_text=True, vertical="top"), Font(bold=True)


def _reasons(card: Card) -> str:
    """One line per reason: the rule and its text (a manager's reason says so itself)."""
    return "\n".join(r.text_zh if r.rule_id == MANUAL_RULE else f"[{r.rule_id}] {r.text_zh}" for r in card.reasons)


def _finding_ids(card: Card) -> str:
    """Every finding behind the card once, in order, even where several reasons name it."""
    return ", ".join(str(i) for i in sorted({i for r in card.reasons for i in r.finding_ids}))


# (header, width, value of a card, number format)
COLUMNS = [
    ("牌号", 8, lambda c: c.id, None),
    ("企业名称", 34, lambda c: c.enterprise.name, None),
    ("统一社会信用代码", 22, lambda c: c.enterprise.credit_code, None),
    ("行业", 14, lambda c: SECTOR_ZH.get(c.enterprise.sector, c.enterprise.sector), None),
    ("园区/片区", 12, lambda c: c.enterprise.zone, None),
    ("牌色", 8, lambda c: COLOUR_ZH[c.colour], None),
    ("状态", 10, lambda c: STATUS_ZH[c.status], None),
    ("来源", 10, lambda c: ORIGIN_ZH[c.origin], None),
    ("发牌日期", 12, lambda c: c.issued_on, DATE),
    ("持牌天数", 10, lambda c: c.days_held, None),
    ("整改期限", 12, lambda c: c.rectification_due, DATE),
    ("升级为红牌", 20, lambda c: c.escalated_dt, DATE_TIME),
    ("摘牌日期", 12, lambda c: c.lifted_on, DATE),
    ("摘牌原因", 30, lambda c: c.lift_reason, None),
    ("触发规则及原因", 60, _reasons, None),
    ("相关隐患编号", 20, _finding_ids, None),
    ("规则版本", 12, lambda c: c.ruleset_version, None),
]
COLOUR_COLUMN = 5  # 牌色, 0-based


def workbook_bytes(cards: Iterable[Card]) -> bytes:
    """The ledger of ``cards`` (an iterable, consumed once, of cards with their enterprise and reasons) as the
    bytes of an XLSX file."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("红黄牌台账")
    # Everything a write-only sheet writes before its rows is set first: widths, frozen panes, fit to page.
    for index, (_, width, _, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0  # one page wide, as many pages long as needed
    sheet.print_title_rows = "1:1"
    header = row_cells(sheet, [name for name, _, _, _ in COLUMNS])
    for cell in header:
        cell.font = BOLD
    sheet.append(header)
    rows = 1
    for card in cards:
        row = row_cells(sheet, [value(card) for _, _, value, _ in COLUMNS])
        for cell, (_, _, _, number_format) in zip(row, COLUMNS, strict=True):
            cell.alignment = WRAPPED
            if number_format:
                cell.number_format = number_format
        row[COLOUR_COLUMN].fill = FILL[card.colour]
        sheet.append(row)
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
