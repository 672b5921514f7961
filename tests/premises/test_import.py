"""Importing premises and tenancies from a CSV or XLSX register: every line checked with the API's rules, each
refusal named by line and column, all stored or nothing."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from core.db import db
from premises.models import Premises, Tenancy
from tests.conftest import credit_code

HEADERS = ["厂房名称", "地址", "园区", "出租方统一社会信用代码", "出租人", "出租人电话", "用途", "层数", "建筑面积",
           "承租企业统一社会信用代码", "承租企业名称", "承租部位", "起租日期", "止租日期", "协议签订日期",
           "协议到期日期"]


@pytest.fixture
def register(make_enterprise):
    """Enterprises of the register (landlord L, tenants T1..T3) and a good file's lines."""
    codes = {name: credit_code(700 + n) for n, name in enumerate(("L", "T1", "T2", "T3"))}
    for name, code in codes.items():
        make_enterprise(name=f"企业{name}", credit_code=code)
    lines = [
        ["港城工业园1号厂房", "港城路88号", "港区一片", codes["L"], "", "", "厂房", "3", "4200", codes["T1"], "企业T1",
         "1楼", "2026-01-01", "", "2026-01-01", "2026-12-31"],
        ["港城工业园1号厂房", "", "", "", "", "", "", "", "", codes["T2"], "企业T2", "２楼", "2026/3/1", "", "", ""],
        ["海滨路12号仓库", "海滨路12号", "港区二片", "", "张建国", "13900001111", "仓库", "1", "800", "", "", "", "",
         "", "", ""],
        ["海滨路12号仓库", "", "", "", "", "", "", "", "", codes["T3"], "企业T3", "整栋", "2026年5月1日", "", "", ""],
    ]
    return codes, lines


def _csv(path, lines):
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows([HEADERS, *lines])
    return path


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (Premises, Tenancy))


def _import(app, path):
    return app.test_cli_runner().invoke(args=["premises", "import", str(path)])


def test_a_register_is_imported_whole(app, tmp_path, register):
    _, lines = register
    result = _import(app, _csv(tmp_path / "register.csv", lines))
    assert result.exit_code == 0, result.output
    assert "Imported 2 premises and 3 tenancies" in result.output
    assert _counts(app) == (2, 3)
    with app.app_context():
        warehouse = db.session.scalar(sa.select(Premises).where(Premises.name == "海滨路12号仓库"))
        assert (warehouse.landlord_name, warehouse.landlord_phone, warehouse.use) == ("张建国", "13900001111",
                                                                                      "warehouse")
        [whole] = warehouse.tenancies
        assert (whole.unit, whole.start_date) == ("整栋", date(2026, 5, 1))
        factory = db.session.scalar(sa.select(Premises).where(Premises.name == "港城工业园1号厂房"))
        assert [(t.unit, t.agreement_expires_on) for t in factory.tenancies] == [("1楼", date(2026, 12, 31)),
                                                                                ("２楼", None)]


def test_an_xlsx_register_with_date_cells(app, tmp_path, register):
    _, lines = register
    book = openpyxl.Workbook()
    book.active.append(["出租厂房登记表（2026年）"])  # a title above the header
    book.active.append(HEADERS)
    for line in lines:
        line = list(line)
        line[12] = datetime(2026, 1, 1) if line[12] == "2026-01-01" else line[12]
        book.active.append(line)
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = _import(app, path)
    assert result.exit_code == 0, result.output
    assert _counts(app) == (2, 3)


@pytest.mark.parametrize(("change", "line", "says"), [
    (lambda c, ls: ls[2].__setitem__(5, "370202198001011234"), 4, "出租人电话 (landlord_phone): this looks like an "
                                                                  "identity-card number"),
    (lambda c, ls: ls[1].__setitem__(9, credit_code(999)), 3, "承租企业统一社会信用代码 (tenant_credit_code): no "
                                                              "enterprise with credit code"),
    (lambda c, ls: ls[1].__setitem__(11, "1 楼"), 3, "承租部位 (unit): 1 楼 is let on some of the same days on line 2"),
    (lambda c, ls: ls[1].__setitem__(1, "港城路99号"), 3, "地址 (address): differs from line 2"),
    (lambda c, ls: ls[0].__setitem__(7, "三"), 2, "层数 (floors): Not a valid integer"),
    (lambda c, ls: ls[0].__setitem__(13, "2025-12-31"), 2, "止租日期 (end_date): the tenancy ends before it starts"),
    (lambda c, ls: ls[0].__setitem__(9, c["L"]), 2, "(tenant_credit_code): the landlord is not its own tenant"),
    (lambda c, ls: ls[2].__setitem__(4, ""), 4, "出租人 (landlord_name): name the landlord"),
    (lambda c, ls: ls[3].__setitem__(0, ""), 5, "厂房名称 (premises): missing"),
])
def test_a_refused_line_is_named_with_its_column_and_nothing_is_imported(app, tmp_path, register, change, line,
                                                                         says):
    codes, lines = register
    change(codes, lines)
    result = _import(app, _csv(tmp_path / "register.csv", lines))
    assert result.exit_code != 0
    assert f"line {line}: " in result.output and says in result.output, result.output
    assert "nothing was imported" in result.output
    assert _counts(app) == (0, 0)


def test_a_tenancy_meeting_a_stored_one_is_refused_naming_it(app, tmp_path, register, make_tenancy):
    codes, lines = register
    assert _import(app, _csv(tmp_path / "first.csv", lines[:2])).exit_code == 0
    with app.app_context():
        stored = db.session.scalar(sa.select(Tenancy).where(Tenancy.unit == "1楼"))
    again = [["港城工业园1号厂房", "", "", "", "", "", "", "", "", codes["T3"], "", "1楼", "2026-06-01", "", "", ""]]
    result = _import(app, _csv(tmp_path / "second.csv", again))
    assert result.exit_code != 0
    assert (f"line 2: 承租部位 (unit): 1楼 of 港城工业园1号厂房 is already let to 企业T1 from 2026-01-01 to no end "
            f"date (tenancy {stored.id})") in result.output
    assert _counts(app) == (1, 2)


def test_the_registered_premises_may_be_repeated_as_recorded(app, tmp_path, register):
    codes, lines = register
    assert _import(app, _csv(tmp_path / "first.csv", lines[:1])).exit_code == 0
    more = [["港城工业园1号厂房", "港城路88号", "港区一片", codes["L"], "", "", "厂房", "3", "4200", codes["T3"], "",
             "3楼", "2026-02-01", "", "", ""]]
    result = _import(app, _csv(tmp_path / "second.csv", more))
    assert result.exit_code == 0, result.output
    assert _counts(app) == (1, 2)


# -- the API --------------------------------------------------------------------------------------------------

def _upload(client, headers, data: bytes, name="register.csv"):
    return client.post("/api/v1/premises/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name, "text/csv")})


def test_the_api_imports_a_register(app, client, auth, tmp_path, register):
    _, lines = register
    response = _upload(client, auth("safety_manager"), _csv(tmp_path / "r.csv", lines).read_bytes())
    assert response.status_code == 201, response.json
    assert (response.json["premises"], response.json["tenancies"], response.json["read"]) == (2, 3, 4)


def test_the_api_lists_every_refused_line_and_imports_nothing(app, client, auth, tmp_path, register):
    codes, lines = register
    lines[1][9] = credit_code(999)
    lines[2][5] = "370202198001011234"
    response = _upload(client, auth("safety_manager"), _csv(tmp_path / "r.csv", lines).read_bytes())
    assert response.status_code == 422, response.json
    refused = response.json["errors"]["files"]["file"]
    assert sorted(refused) == ["3", "4", "5"]
    assert "tenant_credit_code" in refused["3"][0] and "identity-card" in refused["4"][0]
    assert refused["5"] == ["厂房名称 (premises): the line that describes 海滨路12号仓库 (line 4) was refused"]
    assert "nothing was imported" in response.json["message"]
    assert _counts(app) == (0, 0)


def test_a_file_that_is_no_table_is_refused(client, auth):
    response = _upload(client, auth("safety_manager"), b"\x00\x01 not a table", name="register.xlsx")
    assert response.status_code == 422 and "file" in response.json["errors"]["files"]


def test_only_editors_import(client, auth, tmp_path, register):
    _, lines = register
    response = _upload(client, auth("inspector"), _csv(tmp_path / "r.csv", lines).read_bytes())
    assert response.status_code == 403
