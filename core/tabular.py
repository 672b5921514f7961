"""Read CSV and XLSX files as rows of {header: text}, the way data arrives from offices and labs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import openpyxl

from core import text


class TabularError(ValueError):
    pass


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(raw: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GB18030 (a superset of GBK); everything else sends UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError("the CSV file is neither UTF-8 nor GB18030 text")


def _table(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(_decode(path.read_bytes())))]
    if suffix in (".xlsx", ".xlsm"):
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise TabularError(f"{path.name} is not a readable XLSX workbook: {exc}") from None
        try:
            return [[_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    raise TabularError(f"{path.name}: only .csv and .xlsx files can be imported")


def _check_text(path: Path, rows: list[list[str]]) -> None:
    """Refuse the file at the first cell with text that cannot be stored (NUL, control characters), naming it."""
    for number, row in enumerate(rows, start=1):
        for column, cell in enumerate(row, start=1):
            if why := text.problem(cell):
                header = rows[0][column - 1] if number > 1 and column <= len(rows[0]) else ""
                where = f"line {number}, column {column}" + (f" ({header})" if header else "")
                raise TabularError(f"{path.name}: {where} {why}")


def read_rows(path: Path, aliases: dict[str, str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) with headers mapped through ``aliases`` (Chinese or English names)."""
    rows = _table(path)
    _check_text(path, rows)
    table = [row for row in rows if any(row)]
    if not table:
        raise TabularError(f"{path.name} is empty")
    headers = [aliases.get(h.strip().lower(), aliases.get(h.strip(), h.strip())) for h in table[0]]
    for number, row in enumerate(table[1:], start=2):
        yield number, {h: v for h, v in zip(headers, row, strict=False) if h and v != ""}
