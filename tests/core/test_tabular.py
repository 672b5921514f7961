"""core.tabular: every line of a sheet whatever it declares, the header below a title, CJK date formats, and
hostile files refused with a clear TabularError within a memory and time bound (issue 12, items 3-5, 18, 19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core.tabular import LOCALE_DATE_FORMATS, LOCALE_DURATION_FORMATS, TabularError, read_table
from tests import workbooks as wb

HEADER = ["企业名称", "统一社会信用代码", "行业"]
KNOWN = set(HEADER)
ROWS = [[f"港区企业{i}", f"code{i}", "危险化学品"] for i in range(5)]


def _read(tmp_path, content: bytes, name="t.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return read_table(path, KNOWN.__contains__, HEADER)


@pytest.mark.parametrize("dimension", ["A1", "A1:C3", "B2:B2", "A1:XFD1048576", None],
                         ids=["wps-A1", "stale", "elsewhere", "absurd", "none"])
def test_every_line_is_read_whatever_the_sheet_declares(tmp_path, dimension):
    table = _read(tmp_path, wb.workbook([HEADER, *ROWS], dimension=dimension))
    assert [line for line, _ in table.rows] == [2, 3, 4, 5, 6]
    assert table.rows[-1][1] == {"企业名称": "港区企业4", "统一社会信用代码": "code4", "行业": "危险化学品"}


def test_lines_keep_their_sheet_numbers_across_gaps(tmp_path):
    table = _read(tmp_path, wb.workbook([HEADER, ROWS[0], None, [], ROWS[1]], dimension="A1"))
    assert [line for line, _ in table.rows] == [2, 5]


@pytest.mark.parametrize("above", [[["港区企业名录（2026年）"]],
                                   [["港区企业名录"], [], ["填报单位：港区管委会", None, "2026-10"]]])
def test_the_header_is_found_below_a_title(tmp_path, above):
    rows = [*above, HEADER, *ROWS]
    table = _read(tmp_path, wb.workbook(rows, merge="A1:C1"))
    assert table.header_line == len(above) + 1 and table.headers == HEADER
    assert len(table.rows) == 5 and table.rows[0][1]["企业名称"] == "港区企业0"


def test_no_known_header_is_said_plainly_with_the_expected_ones(tmp_path):
    with pytest.raises(TabularError) as caught:
        _read(tmp_path, wb.workbook([["名录"], ["名字", "代码"], *ROWS]))
    assert str(caught.value) == ("t.xlsx: no known column header in its first 10 lines with text; expected headers "
                                 "such as 企业名称, 统一社会信用代码, 行业")


SERIAL = 46308.395833333336  # 2026-10-13 09:30 in Excel's 1900 date system


@pytest.mark.parametrize("format_id", sorted(LOCALE_DATE_FORMATS))
def test_built_in_cjk_and_thai_date_formats_are_dates(tmp_path, format_id):
    """Chinese Excel writes numFmtId 31 (yyyy"年"m"月"d"日") and its kin by id alone; openpyxl knows no code."""
    content = wb.package(wb.sheet([HEADER, ["港区企业", (SERIAL, 1), (46308, 1)]]), wb.styles(format_id))
    row = _read(tmp_path, content).rows[0][1]
    moment = datetime(1899, 12, 30) + timedelta(days=SERIAL)
    if format_id in LOCALE_DURATION_FORMATS:
        assert row["统一社会信用代码"] == str(timedelta(days=SERIAL))
    else:
        assert row["统一社会信用代码"] == moment.replace(microsecond=0).isoformat(sep=" ")
        assert row["行业"] == "2026-10-13 00:00:00"


@pytest.mark.parametrize("code", ['yyyy"年"m"月"d"日"', '[DBNum1][$-804]yyyy"年"m"月"d"日"', '上午/下午h"时"mm"分"'])
def test_defined_chinese_date_formats_stay_dates(tmp_path, code):
    content = wb.package(wb.sheet([HEADER, ["港区企业", (46308, 1)]]), wb.styles(176, custom={176: code}))
    assert _read(tmp_path, content).rows[0][1]["统一社会信用代码"].startswith("2026-10-13")


def test_general_numbers_stay_numbers(tmp_path):
    content = wb.package(wb.sheet([HEADER, ["港区企业", (46308, 0), 7.5]]), wb.styles(0))
    assert _read(tmp_path, content).rows[0][1] == {"企业名称": "港区企业", "统一社会信用代码": "46308", "行业": "7.5"}


# What each hostile file must be refused for: the limit or the reason, in the message.
REFUSALS = {
    "huge_sheet": "more than 10000 lines or 150000 cells with text",
    "many_elements_sheet": "sheet1.xml has more than 500000 XML elements",
    "zip_bomb": "unpacks 1",
    "huge_shared_strings": "sharedStrings.xml holds more than 150000 texts",
    "many_columns": "has a row of more than 2000 cells",
    "far_column": "line 2 has text in column 300, beyond column 200",
    "far_row": "a row beyond Excel's last",
    "many_parts": "more than 1000 parts in the zip",
    "laughs_in_strings": "sharedStrings.xml declares a DTD or entities",
    "laughs_in_sheet": "sheet1.xml declares a DTD or entities",
    "external_entity": "sheet1.xml declares a DTD or entities",
    "not_a_zip": "not a readable XLSX workbook: it is not a zip archive",
    "zip_not_a_workbook": "not a readable XLSX workbook",
    "missing_sheet": "not a readable XLSX workbook: it has no worksheet",
    "no_sheets": "not a readable XLSX workbook: it has no worksheet",
    "truncated_sheet": "not a readable XLSX workbook: xl/worksheets/sheet1.xml: unclosed token",
    "bad_shared_string": "not a readable XLSX workbook",
    "csv_long_line": "line 1 is longer than 128000 characters",
    "csv_huge_field": "cannot be read: field larger than field limit",
    "csv_many_rows": "more than 10000 lines or 150000 cells with text",
}


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    files = {}
    for name, make in {**wb.HOSTILE, **wb.HOSTILE_CSV}.items():
        files[name] = folder / (f"{name}.csv" if name in wb.HOSTILE_CSV else f"{name}.xlsx")
        files[name].write_bytes(make())
    files["absurd_dimension"] = folder / "absurd_dimension.xlsx"
    files["absurd_dimension"].write_bytes(wb.absurd_dimension())
    return files


def test_every_hostile_kind_has_a_stated_refusal():
    assert set(REFUSALS) == set(wb.HOSTILE) | set(wb.HOSTILE_CSV)


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_hostile_files_are_refused_saying_why(hostile_files, name):
    with pytest.raises(TabularError) as caught:
        read_table(hostile_files[name], KNOWN.__contains__, HEADER)
    assert REFUSALS[name] in str(caught.value)
    assert str(caught.value).startswith(hostile_files[name].name)


# Imports every file with the enterprise importer in a fresh process under a 3 GB address-space cap (so a
# regression cannot take the machine down), measuring the peak of Python's allocations and the time per file.
PROBE = r"""
import json, resource, sys, time, tracemalloc
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from app import create_app
from core.db import db
folder, files = Path(sys.argv[1]), sys.argv[2:]
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/probe.db",
                  "UPLOAD_DIR": str(folder)})
with app.app_context():
    db.create_all()
    from enterprises import importer
    tracemalloc.start()
    for name in files:
        tracemalloc.reset_peak()
        start = time.monotonic()
        try:
            outcome = f"read {importer.check(Path(name)).read}"
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        print(json.dumps({"file": Path(name).stem, "peak_mb": tracemalloc.get_traced_memory()[1] / 2**20,
                          "seconds": time.monotonic() - start, "outcome": outcome[:300]}), flush=True)
"""


def test_hostile_files_are_refused_within_a_memory_and_time_bound(hostile_files, tmp_path):
    """On the old reader the zip bomb held 300 MB, and the huge sheet, shared strings, far row and element
    flood each ran past a minute. Bounds: 32 MB of Python allocations and 30 s a file (traced, on a busy
    2-core box; a few seconds untraced)."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path), *map(str, hostile_files.values())],
                          capture_output=True, text=True, timeout=400, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr[-3000:]
    results = {r["file"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert set(results) == set(hostile_files)
    for name, result in results.items():
        assert result["peak_mb"] < 32, result
        assert result["seconds"] < 30, result
        if name == "absurd_dimension":
            assert result["outcome"] == "read 5", result  # read like any sheet: its size is not believed
        else:
            assert result["outcome"].startswith("TabularError: ") and REFUSALS[name] in result["outcome"], result
