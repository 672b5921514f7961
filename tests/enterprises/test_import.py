import csv

import openpyxl
import pytest
import sqlalchemy as sa

from core.db import db
from enterprises.models import Enterprise
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
    assert "Imported 30 enterprise(s)." in result.output
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
