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

from collections.abc import Iterable
from datetime import datetime

from openpyxl.cell import Cell, WriteOnlyCell
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


def row_cells(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable) -> list[Cell]:
    """``values`` (text, numbers, dates, aware datetimes, None) as the cells of one row of ``sheet``, not yet
    placed: the caller may style them, then ``sheet.append`` them (a write-only sheet too)."""
    row = []
    for value in values:
        cell = WriteOnlyCell(sheet, _cell_value(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value and not cell.value[0].isalnum():
                cell.quotePrefix = True
        row.append(cell)
    return row


def append_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable) -> tuple[Cell, ...]:
    """Append ``values`` as the sheet's next row; its cells. It never asks the sheet how many rows it has
    (``max_row`` looks at every cell written so far: a sheet written row by row that way takes quadratic time)."""
    row = row_cells(sheet, values)
    sheet.append(row)
    return tuple(row)
