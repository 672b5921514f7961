"""The card ledger's Excel file, read back with openpyxl: every state in one file, A4 landscape with the header
row on every page, each finding once per card, the state named as the pages name it."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cards.export import STATUS_ZH
from cards.models import Card, CardReason
from core.db import db
from web.labels import label


@pytest.fixture
def manager(auth):
    return auth("safety_manager")


def _card(enterprise: int, status: str, reasons: list[tuple[str, list[int]]], **fields) -> Card:
    card = Card(enterprise_id=enterprise, colour="red", issued_colour="yellow", status=status, origin="rule",
                issued_on=date(2026, 3, 2), lifted_on=date(2026, 6, 1) if status == "lifted" else None,
                reasons=[CardReason(rule_id=rule, colour="red" if rule.startswith("R") else "yellow",
                                    text_zh=f"{rule} 的理由", text_en=rule, finding_ids=ids) for rule, ids in reasons],
                **fields)
    db.session.add(card)
    return card


@pytest.fixture
def ledger(app, make_enterprise):
    """One active card whose finding 68 is named by two reasons (Y1 when it was within its deadline, R1 once
    overdue) and one lifted card. Gives ``read(query) -> sheet`` of the exported file."""
    active, lifted = make_enterprise(name="港城化工有限公司"), make_enterprise(name="东港物流有限公司")
    with app.app_context():
        _card(active, "active", [("Y1", [68]), ("R1", [68, 70])])
        _card(lifted, "lifted", [("Y2", [71, 72, 73])], lift_reason="复查合格")
        db.session.commit()

    def read(client, headers, query=""):
        response = client.get(f"/api/v1/cards/export.xlsx{query}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return openpyxl.load_workbook(io.BytesIO(response.data)).active

    return read


def _column(sheet, header: str) -> list:
    headers = [cell.value for cell in sheet[1]]
    index = headers.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_every_state_in_one_file_or_one_state(client, manager, ledger):
    everything = ledger(client, manager, "?status=all")
    assert sorted(_column(everything, "状态")) == ["已摘牌", "持牌中"]
    assert ledger(client, manager).max_row == 3  # no status: every state, as before
    assert _column(ledger(client, manager, "?status=active"), "企业名称") == ["港城化工有限公司"]
    assert _column(ledger(client, manager, "?status=lifted"), "企业名称") == ["东港物流有限公司"]


def test_a_finding_appears_once_per_card(client, manager, ledger):
    sheet = ledger(client, manager, "?status=active")
    assert _column(sheet, "相关隐患编号") == ["68, 70"]
    assert _column(sheet, "触发规则及原因") == ["[Y1] Y1 的理由\n[R1] R1 的理由"]


def test_it_prints_on_a4_landscape_with_the_header_on_every_page(client, manager, ledger):
    sheet = ledger(client, manager, "?status=all")
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref == "A1:Q3"
    assert sheet["A1"].value == "牌号" and sheet["A1"].font.b
    assert sheet.column_dimensions["B"].width == 34
    assert sheet.cell(row=2, column=6).fill.fgColor.rgb.endswith("F8CBAD")  # a red card's colour cell


def test_a_manual_card_says_so_in_chinese_not_its_rule_id(client, manager, make_enterprise, ledger):
    enterprise = make_enterprise(name="南岸燃气有限公司")
    assert client.post("/api/v1/cards", headers=manager,
                       json={"enterprise_id": enterprise, "colour": "yellow", "reason": "拒绝检查"}).status_code == 201
    sheet = ledger(client, manager, "?status=active")
    row = _column(sheet, "企业名称").index("南岸燃气有限公司")
    assert _column(sheet, "来源")[row] == "人工发牌"
    assert _column(sheet, "触发规则及原因")[row] == "管理人员发牌：拒绝检查"


def test_an_unknown_state_is_refused_naming_the_field(client, manager, ledger):
    response = client.get("/api/v1/cards/export.xlsx?status=everything", headers=manager)
    assert response.status_code == 422 and "status" in response.json["errors"]["query"]


ROOT = Path(__file__).resolve().parents[2]
# Where a card's state is put into words: the pages, their labels and catalogue, the ledger, documents, alerts.
WORDED = ["web/templates/**/*.html", "web/*.py", "web/static/*.js", "web/translations/zh/LC_MESSAGES/messages.po",
          "cards/*.py", "documents/**/*", "alerts/**/*.py"]


def test_the_card_state_has_one_name_everywhere(app, client, manager, ledger):
    """A card in force is 持牌中 (paired with 已摘牌), never 在册 (lifted cards stay in the ledger too); it is
    issued (发牌), never 挂牌."""
    texts = {path: path.read_text(encoding="utf-8", errors="ignore")
             for pattern in WORDED for path in ROOT.glob(pattern) if path.is_file()}
    offenders = [(str(path.relative_to(ROOT)), word) for path, text in texts.items() for word in ("在册", "挂牌")
                 if word in text]
    assert offenders == []
    assert STATUS_ZH == {"active": "持牌中", "lifted": "已摘牌"}
    assert sorted(_column(ledger(client, manager, "?status=all"), "状态")) == ["已摘牌", "持牌中"]
    with app.test_request_context("/?lang=zh"):
        assert [label("card_status", s) for s in STATUS_ZH] == list(STATUS_ZH.values())
