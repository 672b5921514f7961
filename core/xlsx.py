"""Rows of the workbooks people open in Excel or WPS: the one way every export writes a cell.

- User text is always a text cell, never a formula: openpyxl writes a string starting with ``=`` as a live
  formula (an enterprise named ``=HYPERLINK(...)`` would run in the reader's Excel), so every string is typed as
  a string. A string that does not start with a letter or a digit (``= + - @``, their full-width forms, white
  space...) is also marked "quote prefix", so Excel keeps it text when someone edits the cell.
- Characters XML 1.0 cannot hold (and the others ``core.text`` refuses) become U+FFFD: one of them in a sheet
  makes the whole file unreadable, and rows stored before the input rules may still hold one.
- Times are the zone's wall-clock time (``core.time.local_time``): a cell has no time zone.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from core.text import scrub
from core.time import local_time


def _cell_value(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return local_time(value).replace(tzinfo=None)
    return value


def _as_text(cell: Cell) -> Cell:
    """A string cell stays text: typed as a string, quote-prefixed unless it starts with a letter or digit."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value and not cell.value[0].isalnum():
            cell.quotePrefix = True
    return cell


def row_cells(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable) -> list[Cell]:
    """``values`` (text, numbers, dates, aware datetimes, None) as the cells of one row of ``sheet``, not yet
    placed: the caller may style them, then ``sheet.append`` them (a write-only sheet too)."""
    return [_as_text(WriteOnlyCell(sheet, _cell_value(value))) for value in values]


def append_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable) -> tuple[Cell, ...]:
    """Append ``values`` as the sheet's next row; its cells. It never asks the sheet how many rows it has
    (``max_row`` looks at every cell written so far: a sheet written row by row that way takes quadratic time)."""
    row = row_cells(sheet, values)
    sheet.append(row)
    return tuple(row)


def _streamed(sheet, value):
    """A value for a write-only row: as it is where openpyxl cannot take it for a formula (not text, or text
    starting with a letter or digit), else a text cell (``_as_text``): a cell object per value costs more than
    the value."""
    if isinstance(value, str) and value and not value[0].isalnum():
        return _as_text(WriteOnlyCell(sheet, value))
    return value


def stream(title: str, columns: list[tuple[str, int]], rows: Iterable[Iterable], chunk: int = 64 * 1024
           ) -> Iterator[bytes]:
    """An XLSX file of one sheet (``columns``: header and width; then ``rows`` of values as ``append_row``
    takes them) as pieces of bytes, in flat memory: openpyxl's write-only mode writes each row to a temporary
    file as it comes, and the finished file is read back from another temporary file ``chunk`` bytes at a time.
    Header bold and frozen; dates and times get openpyxl's date formats."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = [_as_text(WriteOnlyCell(sheet, _cell_value(name))) for name, _ in columns]
    for cell in header:
        cell.font = bold
    sheet.append(header)
    for values in rows:
        sheet.append([_streamed(sheet, _cell_value(value)) for value in values])
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
        while piece := out.read(chunk):
            yield piece
