import csv

import openpyxl
import pytest
import sqlalchemy as sa

from core.db import db
from enterprises.models import Enterprise
from tests import workbooks
from tests.conftest import credit_code

HEADERS = ["企业名称", "统一社会信用代码", "行业类别", "园区", "地址", "联系人", "联系电话", "纬度", "经度"]


def _rows(n, start=100):
    return [[f"港区企业{i}", credit_code(i), "危险化学品", "东港区", "港城路1号", "张三", "0532-1234567", "36.1",
             "120.3"] for i in range(start, start + n)]


def _write(path, rows, encoding="utf-8-sig"):
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        for row in [HEADERS, *rows]:
            book.active.append(row)
        book.save(path)
    else:
        with path.open("w", newline="", encoding=encoding) as f:
            csv.writer(f).writerows([HEADERS, *rows])
    return path


def _count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise))


@pytest.mark.parametrize(("name", "encoding"), [("e.csv", "utf-8-sig"), ("e.csv", "gb18030"), ("e.xlsx", None)])
def test_import_csv_and_xlsx(app, tmp_path, name, encoding):
    path = _write(tmp_path / name, _rows(30), encoding)
    result = app.test_cli_runner().invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 30 enterprise(s): 30 row(s) read, 30 imported, 0 line(s) rejected." in result.output
    assert _count(app) == 30
    with app.app_context():
        assert db.session.scalar(sa.select(Enterprise.sector).limit(1)) == "hazardous_chemicals"


def test_rejected_rows_are_reported_and_nothing_is_imported(app, tmp_path, make_enterprise):
    make_enterprise(credit_code=credit_code(105))
    rows = _rows(10)
    rows[2][1] = "91350100M000100Y44"
    rows[4][2] = "采矿"
    rows[6][1] = rows[0][1]
    result = app.test_cli_runner().invoke(args=["enterprises", "import", str(_write(tmp_path / "e.csv", rows))])
    assert result.exit_code == 1
    assert "line 4: credit_code: check character should be 3, not 4" in result.output
    assert "line 6: sector: Must be one of" in result.output
    assert "line 7: credit_code: " in result.output and "already registered" in result.output
    assert "line 8: credit_code: repeats line 2" in result.output
    assert "nothing was imported" in result.output
    assert _count(app) == 1


def test_unsupported_file_is_a_clear_error(app, tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("hello")
    result = app.test_cli_runner().invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 1 and "only .csv and .xlsx" in result.output


def test_imported_enterprises_are_in_the_audit_trail(app, tmp_path):
    from audit.models import AuditEntry

    app.test_cli_runner().invoke(args=["enterprises", "import", str(_write(tmp_path / "e.csv", _rows(3)))])
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions == ["enterprise.imported"] * 3


def _run(app, path):
    return app.test_cli_runner().invoke(args=["enterprises", "import", str(path)])


@pytest.mark.parametrize("dimension", ["A1", "A1:I3"], ids=["wps", "stale"])
def test_every_row_of_a_sheet_is_imported_whatever_range_it_declares(app, tmp_path, dimension):
    """WPS writes <dimension ref="A1"/>: 0 of 5 were imported with exit 0; a stale range imported 2 of 5."""
    path = tmp_path / "e.xlsx"
    path.write_bytes(workbooks.workbook([HEADERS, *_rows(5)], dimension=dimension))
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert "Imported 5 enterprise(s): 5 row(s) read, 5 imported, 0 line(s) rejected." in result.output
    assert _count(app) == 5


def test_the_report_counts_rows_read_and_rejected(app, tmp_path):
    rows = _rows(5)
    rows[3][1] = "not a code"
    result = _run(app, _write(tmp_path / "e.xlsx", rows))
    assert result.exit_code == 1
    assert "Error: 5 row(s) read, 0 imported, 1 line(s) rejected; nothing was imported" in result.output
    assert _count(app) == 0


def test_a_merged_title_above_the_header_is_skipped(app, tmp_path):
    path = tmp_path / "e.xlsx"
    path.write_bytes(workbooks.workbook([["东港区企业名录（2026年）"], HEADERS, *_rows(3)], merge="A1:I1"))
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert ("3 row(s) read, 3 imported, 0 line(s) rejected; header on line 2, the lines above it skipped"
            in result.output)
    assert _count(app) == 3


def test_a_file_without_a_known_header_says_which_headers_are_expected(app, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("公司,代码\n港区企业,91350100M000100Y43\n", encoding="utf-8")
    result = _run(app, path)
    assert result.exit_code == 1
    assert "no known column header in its first 10 lines with text; expected headers such as 企业名称, " \
           "统一社会信用代码" in result.output
    assert "missing" not in result.output  # not "missing required field" for every line


@pytest.mark.parametrize("name", sorted(workbooks.HOSTILE))
def test_unreadable_and_hostile_workbooks_are_clear_errors(app, tmp_path, name):
    path = tmp_path / "e.xlsx"
    path.write_bytes(workbooks.HOSTILE[name]())
    result = _run(app, path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Error: e.xlsx is not a readable XLSX workbook" in result.output or \
           "Error: e.xlsx is too large to import" in result.output, result.output
    assert _count(app) == 0
