"""The card ledger as an Excel workbook (openpyxl): Chinese headers, one row per card with its reasons.

Rows go through ``core.xlsx.append_row``: user text stays text, times are the zone's.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.xlsx import append_row

COLOUR_ZH = {"yellow": "黄牌", "red": "红牌"}
STATUS_ZH = {"active": "持牌中", "lifted": "已摘牌"}
ORIGIN_ZH = {"rule": "规则触发", "manual": "人工发牌"}
SECTOR_ZH = {"hazardous_chemicals": "危险化学品", "town_gas": "城镇燃气", "construction": "建筑施工",
             "port_dangerous_goods": "港口危险货物", "general_industry": "一般工业"}
FILL = {"yellow": PatternFill("solid", fgColor="FFF2CC"), "red": PatternFill("solid", fgColor="F8CBAD")}

# (header, width, value of a card)
COLUMNS = [
    ("牌号", 8, lambda c: c.id),
    ("企业名称", 34, lambda c: c.enterprise.name),
    ("统一社会信用代码", 22, lambda c: c.enterprise.credit_code),
    ("行业", 14, lambda c: SECTOR_ZH.get(c.enterprise.sector, c.enterprise.sector)),
    ("园区/片区", 12, lambda c: c.enterprise.zone),
    ("牌色", 8, lambda c: COLOUR_ZH[c.colour]),
    ("状态", 10, lambda c: STATUS_ZH[c.status]),
    ("来源", 10, lambda c: ORIGIN_ZH[c.origin]),
    ("发牌日期", 12, lambda c: c.issued_on),
    ("持牌天数", 10, lambda c: c.days_held),
    ("整改期限", 12, lambda c: c.rectification_due),
    ("升级为红牌", 20, lambda c: c.escalated_dt),
    ("摘牌日期", 12, lambda c: c.lifted_on),
    ("摘牌原因", 30, lambda c: c.lift_reason),
    ("触发规则及原因", 60, lambda c: "\n".join(f"[{r.rule_id}] {r.text_zh}" for r in c.reasons)),
    ("相关隐患编号", 20, lambda c: ", ".join(str(i) for r in c.reasons for i in r.finding_ids)),
    ("规则版本", 12, lambda c: c.ruleset_version),
]


def workbook_bytes(cards) -> bytes:
    """The ledger of ``cards`` (with their enterprise and reasons loaded) as the bytes of an XLSX file."""
    book = Workbook()
    sheet = book.active
    sheet.title = "红黄牌台账"
    append_row(sheet, [header for header, _, _ in COLUMNS])
    for index, (_, width, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=1, column=index).font = Font(bold=True)
    for card in cards:
        for cell in append_row(sheet, [value(card) for _, _, value in COLUMNS]):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.column_letter in ("I", "K", "M"):
                cell.number_format = "yyyy-mm-dd"
            elif cell.column_letter == "L":
                cell.number_format = "yyyy-mm-dd hh:mm"
        sheet.cell(row=sheet.max_row, column=6).fill = FILL[card.colour]
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
