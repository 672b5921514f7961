"""``flask water import-samples``: CSV (UTF-8 or GB18030) or XLSX from a lab; all rows or none."""

import csv
from datetime import datetime

import openpyxl
import pytest
import sqlalchemy as sa

from core.db import db
from remediation.models import Sample, SampleValue
from tests import workbooks

HEADERS = ["断面编码", "采样时间", "pH", "溶解氧(mg/L)", "氨氮（mg/L）", "总磷(mg/L)", "COD(mg/L)", "水温(℃)", "备注"]


def _rows(n=6):
    """Two sections (和平桥 is HP-01), one sample each per month from January 2025; Class IV or V."""
    return [["HP-00" if i % 2 else "和平桥", f"2025-{i // 2 + 1:02d}-{5 + i % 2 * 10:02d} 09:30", "7.4", "5.2",
             f"{1.1 + i / 10:.2f}", "0.21", "24", "12.5", "" if i else "复测"] for i in range(n)]


def _write(path, rows, headers=HEADERS, encoding="utf-8-sig"):
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        for row in [headers, *rows]:
            book.active.append(row)
        book.save(path)
    else:
        with path.open("w", newline="", encoding=encoding) as f:
            csv.writer(f).writerows([headers, *rows])
    return path


@pytest.fixture
def section(water):
    body_id = water.body()
    water.section(body_id, "和平上游", "HP-00")
    return water.section(body_id, "和平桥", "HP-01")


def _counts(app):
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(Sample)),
                db.session.scalar(sa.select(sa.func.count()).select_from(SampleValue)))


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["water", "import-samples", *map(str, args)])


@pytest.mark.parametrize(("name", "encoding"), [("s.csv", "utf-8-sig"), ("s.csv", "gb18030"), ("s.xlsx", None)])
def test_import_csv_gb18030_and_xlsx(app, client, water, section, tmp_path, name, encoding):
    result = _run(app, _write(tmp_path / name, _rows(), encoding=encoding))
    assert result.exit_code == 0, result.output
    assert "Imported 6 sample(s): 6 row(s) read, 6 imported, 0 line(s) rejected." in result.output
    assert _counts(app) == (6, 36)
    samples = client.get(f"/api/v1/sections/{section}/samples", headers=water.headers).json
    oldest = samples[-1]
    assert oldest["sampled_dt"] == "2025-01-05T01:30:00+00:00"  # local time in Asia/Shanghai
    assert oldest["note"] == "复测"
    assert {v["item"]: (v["value"], v["unit"]) for v in oldest["values"]}["water_temperature"] == (12.5, "°C")
    assert oldest["evaluation"]["water_class"] == 4


def test_xlsx_with_real_date_cells(app, section, tmp_path):
    rows = [["HP-01", datetime(2025, 3, 5, 9, 30), 7.1, 5.0, 1.2, 0.2, 22, 10, None]]
    result = _run(app, _write(tmp_path / "s.xlsx", rows))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Sample.sampled_dt)).isoformat() == "2025-03-05T01:30:00+00:00"


def test_section_option_for_a_file_without_a_section_column(app, section, tmp_path):
    rows = [row[1:] for row in _rows(3)]
    path = _write(tmp_path / "s.csv", rows, headers=HEADERS[1:])
    assert "no section column" in _run(app, path).output
    result = _run(app, path, "--section", "HP-01")
    assert result.exit_code == 0, result.output
    assert _counts(app)[0] == 3


def test_rejected_rows_are_reported_with_line_and_why_and_nothing_is_stored(app, water, section, tmp_path):
    water.sample(section, "2025-01-05T09:30:00+08:00", 4)
    rows = _rows(10)
    rows[1][4] = "-0.3"                       # line 3: negative
    rows[2][3] = "未检出"                      # line 4: not a number
    rows[3][2] = "15.2"                       # line 5: impossible pH
    rows[4][1] = "2099-01-01 09:00"           # line 6: future
    rows[5][0] = "XX-99"                      # line 7: unknown section
    rows[6][1] = "3月5日"                      # line 8: unreadable time
    rows[8] = list(rows[7])                   # line 10: repeats line 9
    result = _run(app, _write(tmp_path / "s.csv", rows))
    assert result.exit_code == 1
    out = result.output
    # in the zone's time (TIMEZONE), as everything a person reads
    assert "line 2: sampled_dt: this section already has a sample taken at 2025-01-05 09:30:00+08:00" in out
    assert "line 3: values.nh3n: Ammonia nitrogen (氨氮) cannot be negative, got -0.3" in out
    assert "line 4: values.do: '未检出' is not a number" in out
    assert "line 5: values.ph: pH must be between 0 and 14, got 15.2" in out
    assert "line 6: sampled_dt: the sample time 2099-01-01T09:00:00+08:00 is in the future" in out
    assert "line 7: section: no monitoring section has the code or name 'XX-99'" in out
    assert "line 8: sampled_dt: '3月5日' is not a date and time" in out
    assert "line 10: sampled_dt: repeats line 9" in out
    assert "10 row(s) read, 0 imported, 8 line(s) rejected; nothing was imported" in out
    assert _counts(app) == (1, 4)


@pytest.mark.parametrize(("header", "words"), [
    ("氨氮(µg/L)", "column '氨氮(µg/L)': Ammonia nitrogen (氨氮) must be reported in mg/L, not 'µg/L'"),
    ("叶绿素a(mg/L)", "column '叶绿素a(mg/L)' is neither a GB 3838-2002 item"),
])
def test_bad_headers_reject_the_file(app, section, tmp_path, header, words):
    headers = list(HEADERS)
    headers[4] = header
    result = _run(app, _write(tmp_path / "s.csv", _rows(2), headers=headers))
    assert result.exit_code == 1
    assert f"line 1: {words}" in result.output
    assert _counts(app) == (0, 0)


def test_ambiguous_section_names_need_a_code(app, water, section, tmp_path):
    other = water.body(name="光华河")
    water.section(other, "和平桥", "GH-09")
    result = _run(app, _write(tmp_path / "s.csv", [_rows(1)[0]]))
    assert "names sections on several water bodies" in result.output


def test_unsupported_files_are_a_clear_error(app, tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("x")
    result = _run(app, path)
    assert result.exit_code == 1 and "only .csv and .xlsx" in result.output


def test_imported_samples_are_in_the_audit_trail(app, section, tmp_path):
    from audit.models import AuditEntry

    _run(app, _write(tmp_path / "s.csv", _rows(2)))
    with app.app_context():
        assert db.session.scalars(sa.select(AuditEntry.action)).all()[-2:] == ["sample.imported"] * 2


def test_a_wps_sheet_declaring_a1_loses_no_sample(app, section, tmp_path):
    path = tmp_path / "s.xlsx"
    path.write_bytes(workbooks.workbook([HEADERS, *_rows()], dimension="A1"))
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert "Imported 6 sample(s): 6 row(s) read, 6 imported, 0 line(s) rejected." in result.output
    assert _counts(app) == (6, 36)


@pytest.mark.parametrize("format_id", [31, 22, 57, 58])
def test_dates_in_chinese_excel_built_in_formats(app, section, tmp_path, format_id):
    """Chinese Excel writes numFmtId 31 (yyyy"年"m"月"d"日") without its code: the cell came as 46308."""
    path = tmp_path / "s.xlsx"
    rows = [["断面编码", "采样时间", "氨氮(mg/L)"], ["HP-01", (46308.3958333333, 1), 1.2]]
    path.write_bytes(workbooks.package(workbooks.sheet(rows), workbooks.styles(format_id)))
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = db.session.scalar(sa.select(Sample.sampled_dt))
    assert stored.isoformat() == "2026-10-13T01:30:00+00:00"  # 09:30 in Asia/Shanghai


@pytest.mark.parametrize("text", ["2025年3月5日 9:30", "2025年3月5日9时30分", "2025年03月05日 09:30:00"])
def test_chinese_date_text_as_excel_saves_it_to_csv(app, section, tmp_path, text):
    rows = [["HP-01", text, "7.1", "5.0", "1.2", "0.2", "22", "10", ""]]
    result = _run(app, _write(tmp_path / "s.csv", rows, encoding="gb18030"))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Sample.sampled_dt)).isoformat() == "2025-03-05T01:30:00+00:00"


def test_a_lab_title_above_the_header(app, section, tmp_path):
    path = tmp_path / "s.xlsx"
    path.write_bytes(workbooks.workbook([["和平河水质监测报告"], ["检测单位：港区监测站"], HEADERS, *_rows(2)],
                                        merge="A1:I1"))
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert "header on line 3, the lines above it skipped" in result.output
    assert _counts(app)[0] == 2


def test_a_bad_column_is_reported_on_the_header_line(app, section, tmp_path):
    headers = list(HEADERS)
    headers[4] = "叶绿素a(mg/L)"
    path = tmp_path / "s.xlsx"
    path.write_bytes(workbooks.workbook([["监测数据"], headers, *_rows(2)]))
    result = _run(app, path)
    assert "line 2: column '叶绿素a(mg/L)' is neither a GB 3838-2002 item" in result.output


@pytest.mark.parametrize("name", sorted(workbooks.HOSTILE))
def test_unreadable_and_hostile_lab_workbooks_are_clear_errors(app, section, tmp_path, name):
    path = tmp_path / "s.xlsx"
    path.write_bytes(workbooks.HOSTILE[name]())
    result = _run(app, path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Error: s.xlsx is not a readable XLSX workbook" in result.output or \
           "Error: s.xlsx is too large to import" in result.output, result.output
    assert _counts(app) == (0, 0)


def test_times_in_the_report_are_in_the_zone_whatever_offset_the_file_gives(app, section, tmp_path):
    rows = _rows(1)
    rows[0][1] = "2099-01-01T01:00:00Z"
    result = _run(app, _write(tmp_path / "s.csv", rows))
    assert "the sample time 2099-01-01T09:00:00+08:00 is in the future" in result.output
