"""Read CSV and XLSX files as a table of {header: text} rows, the way data arrives from offices and labs.

Every line of a sheet is read, whatever size the sheet declares (WPS writes ``<dimension ref="A1"/>``, other
tools leave stale ranges). The header is the line, among the first ``HEADER_LINES`` lines with text, with the
most column names the importer knows, so a title above it is skipped. Dates in the built-in formats that
Chinese, Japanese, Korean and Thai Excel write without defining them arrive as dates, not serial numbers.

A file is refused, saying which limit, before anything large is unpacked or held: the file's size; for an
XLSX the zip's directory (parts, unpacked sizes, packing ratio), then a streaming pass over its XML parts
(no DTD or entities, elements, rows, cells in a row, shared strings); then lines, columns and cells with text
as they are read. So a hostile file costs a bounded few tens of MB and seconds at most.
"""

from __future__ import annotations

import csv
import io
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.parsers import expat

import openpyxl
from flask_babel import lazy_gettext as _l

from core import text

MIB = 1024 * 1024
MAX_FILE_BYTES = 10 * MIB      # a real register or lab file is a few hundred KB
MAX_LINES = 10_000             # lines with text
MAX_COLUMNS = 200              # the last column with text
MAX_CELLS = 150_000            # cells with text
HEADER_LINES = 10              # the header is looked for among the first lines with text
# XLSX: a zip of XML parts. zipfile never unpacks more than a part's declared size, so the sizes in the zip's
# directory bound the work; real parts pack 5 to 20 times, zip bombs a thousand.
MAX_PARTS = 1_000
MAX_UNPACKED_BYTES = 100 * MIB  # all parts together
MAX_RATIO = 100                 # unpacked : packed, for a part over 1 MiB
MAX_ELEMENTS = 500_000          # in a sheet or the shared strings, which openpyxl reads as a stream
MAX_WHOLE_ELEMENTS = 100_000    # in any other part (styles, workbook, relationships), which it reads whole
MAX_ROW_ELEMENTS = 100_000      # <row> in a sheet, with text or only formatting
MAX_ROW_CELLS = 2_000           # <c> in one row, empty or not: openpyxl holds a whole row at once
EXCEL_ROWS = 1_048_576          # the last row a sheet can have
XML_PARTS = (".xml", ".rels", ".vml")
STREAMED = ("xl/worksheets/", "xl/sharedStrings.xml")
# Built-in number formats that Excel writes by id alone, without their code, and that openpyxl does not know
# (ECMA-376 Part 1, 18.8.30, the zh-cn, zh-tw, ja-jp, ko-kr and th-th tables): every one is a date or a time,
# e.g. 31 is yyyy"年"m"月"d"日" and 32 h"时"mm"分"; 79 is an elapsed time, [h]:mm:ss in Thai.
LOCALE_DATE_FORMATS = frozenset((*range(27, 37), *range(50, 59), *range(71, 82)))
LOCALE_DURATION_FORMATS = frozenset({79})


class TabularError(ValueError):
    """The file cannot be read as a table; the message names the file and what is wrong (lazily translated)."""


@dataclass
class Table:
    """A file read: its header line (1-based), the headers as written and every data line below the header
    with any text, as (line, {header: text}) without empty cells."""
    header_line: int
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class ImportReport:
    """What an import found: data rows read, the header's line, what will be stored and the refused lines."""
    read: int = 0
    header_line: int = 1
    accepted: list = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self, imported: int) -> str:
        """One sentence for the command and the page: rows read, imported, lines rejected (and where the
        header was, when lines above it were skipped)."""
        counts = str(_l("%(read)d row(s) read, %(imported)d imported, %(rejected)d line(s) rejected",
                        read=self.read, imported=imported, rejected=len({line for line, _ in self.rejected})))
        if self.header_line > 1:
            counts += str(_l("; header on line %(line)d, the lines above it skipped", line=self.header_line))
        return counts


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


def _decode(path: Path, raw: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GB18030 (a superset of GBK); everything else sends UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError(_l("%(file)s: the CSV file is neither UTF-8 nor GB18030 text", file=path.name))


_LINES_OR_CELLS = _l("more than %(lines)d lines or %(cells)d cells with text", lines=MAX_LINES, cells=MAX_CELLS)


def _too_large(path: Path, what) -> TabularError:
    return TabularError(_l("%(file)s is too large to import: %(what)s", file=path.name, what=what))


def _unreadable(path: Path, reason) -> TabularError:
    return TabularError(_l("%(file)s is not a readable XLSX workbook: %(reason)s", file=path.name, reason=reason))


def _bounded_lines(path: Path, source: Iterable[str]) -> Iterator[str]:
    """The physical lines of a CSV, refusing one too long before the csv module splits it into fields."""
    limit = MAX_ROW_CELLS * 64
    for number, line in enumerate(source, start=1):
        if len(line) > limit:
            raise _too_large(path, _l("line %(line)d is longer than %(limit)d characters", line=number,
                                      limit=limit))
        yield line


def _csv_lines(path: Path) -> Iterator[tuple[int, list]]:
    reader = csv.reader(_bounded_lines(path, io.StringIO(_decode(path, path.read_bytes()), newline="")))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:  # a field over the csv module's limit (128 KB), a broken quote
        raise TabularError(_l("%(file)s: line %(line)d cannot be read: %(reason)s", file=path.name,
                              line=reader.line_num, reason=str(exc))) from None


def _archive_entries(path: Path) -> int:
    """The number of parts the zip's end record declares, read before zipfile builds its whole directory
    (a small zip can list hundreds of thousands of empty parts). -1 if there is no end record."""
    with path.open("rb") as f:
        f.seek(0, io.SEEK_END)
        f.seek(max(0, f.tell() - 65_557))  # the end record (22 bytes) and the longest comment
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return -1
    return struct.unpack_from("<H", tail, at + 10)[0]  # 0xFFFF when Zip64 holds more


def _check_archive(path: Path) -> zipfile.ZipFile:
    entries = _archive_entries(path)
    if entries < 0:
        raise _unreadable(path, _l("it is not a zip archive"))
    if entries > MAX_PARTS:
        raise _too_large(path, _l("more than %(limit)d parts in the zip", limit=MAX_PARTS))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(path, str(exc)) from None
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise _too_large(path, _l("more than %(limit)d parts in the zip", limit=MAX_PARTS))
    for part in parts:
        if part.file_size > MIB and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise _too_large(path, _l("%(part)s unpacks %(ratio)d times its packed size (a zip bomb?)",
                                      part=part.filename, ratio=part.file_size // max(part.compress_size, 1)))
    if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise _too_large(path, _l("its parts unpack to more than %(limit)d MB", limit=MAX_UNPACKED_BYTES // MIB))
    return archive


class _PartScan:
    """A streaming pass over one XML part with expat: refuses a DTD (entity bombs, external entities) before
    anything is expanded, and counts what openpyxl would hold in memory, refusing past the limits."""

    def __init__(self, path: Path, name: str):
        self.path, self.name = path, name
        self.streamed = name.startswith(STREAMED)
        self.elements = self.rows = self.row_cells = self.strings = self.values = self.lines = 0
        self.row_has_value = False

    def doctype(self, *_):
        raise _unreadable(self.path, _l("%(part)s declares a DTD or entities, which a workbook never needs",
                                        part=self.name))

    def start(self, tag: str, attrs: dict):
        self.elements += 1
        if self.elements > (MAX_ELEMENTS if self.streamed else MAX_WHOLE_ELEMENTS):
            raise _too_large(self.path, _l("%(part)s has more than %(limit)d XML elements", part=self.name,
                                           limit=MAX_ELEMENTS if self.streamed else MAX_WHOLE_ELEMENTS))
        local = tag.rpartition(":")[2]
        if local == "row":
            self.rows, self.row_cells, self.row_has_value = self.rows + 1, 0, False
            number = attrs.get("r", "")
            if self.rows > MAX_ROW_ELEMENTS or (number.isdigit() and int(number) > EXCEL_ROWS):
                raise _too_large(self.path, _l("%(part)s has more than %(limit)d rows or a row beyond Excel's "
                                               "last", part=self.name, limit=MAX_ROW_ELEMENTS))
        elif local == "c":
            self.row_cells += 1
            if self.row_cells > MAX_ROW_CELLS:
                raise _too_large(self.path, _l("%(part)s has a row of more than %(limit)d cells", part=self.name,
                                               limit=MAX_ROW_CELLS))
        elif local in ("v", "is") and self.streamed:  # a cell's value: count lines and cells before openpyxl does
            self.values += 1
            self.lines += not self.row_has_value
            self.row_has_value = True
            if self.lines > MAX_LINES or self.values > MAX_CELLS:
                raise _too_large(self.path, _LINES_OR_CELLS)
        elif local == "si":
            self.strings += 1
            if self.strings > MAX_CELLS:
                raise _too_large(self.path, _l("%(part)s holds more than %(limit)d texts", part=self.name,
                                               limit=MAX_CELLS))

    def run(self, stream) -> None:
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.doctype
        parser.StartElementHandler = self.start
        try:
            while chunk := stream.read(256 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise _unreadable(self.path, f"{self.name}: {exc}") from None


def _with_locale_dates(book) -> None:
    """Read cells in the built-in CJK and Thai date formats as dates. openpyxl indexes date styles when it
    loads the stylesheet and looks them up as it reads cells; it knows no code for these ids."""
    for index, style in enumerate(book._cell_styles):
        if style.numFmtId in LOCALE_DATE_FORMATS:
            book._date_formats.add(index)
        if style.numFmtId in LOCALE_DURATION_FORMATS:
            book._timedelta_formats.add(index)


def _xlsx_lines(path: Path) -> Iterator[tuple[int, tuple]]:
    with _check_archive(path) as archive:
        for part in archive.infolist():
            if part.filename.lower().endswith(XML_PARTS):
                with archive.open(part) as stream:
                    _PartScan(path, part.filename).run(stream)
    # openpyxl warns about features an import does not need (data validation, unknown extensions), and a
    # date beyond the calendar becomes the text #VALUE!, which the importer then refuses for that line.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file (KeyError, TypeError...)
            raise _unreadable(path, str(exc) or type(exc).__name__) from None
        try:
            if not book.worksheets:
                raise _unreadable(path, _l("it has no worksheet"))
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # read every row there is, not the range the sheet declares
            _with_locale_dates(book)
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except TabularError:
            raise
        except Exception as exc:  # a bad cell reference, shared-string index or number deep in the sheet
            raise _unreadable(path, str(exc) or type(exc).__name__) from None
        finally:
            book.close()


def _lines(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cell texts without trailing empty cells) for every line with text, within the limits."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _too_large(path, _l("the file is larger than %(limit)d MB", limit=MAX_FILE_BYTES // MIB))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        source = _csv_lines(path)
    elif suffix in (".xlsx", ".xlsm"):
        source = _xlsx_lines(path)
    else:
        raise TabularError(_l("%(file)s: only .csv and .xlsx files can be imported", file=path.name))
    lines, cells = [], 0
    for number, values in source:
        if len(values) > MAX_ROW_CELLS:
            raise _too_large(path, _l("line %(line)d has more than %(limit)d cells", line=number,
                                      limit=MAX_ROW_CELLS))
        row = [_cell_text(value) for value in values]
        while row and not row[-1]:
            row.pop()
        if not row:
            continue
        if len(row) > MAX_COLUMNS:
            raise _too_large(path, _l("line %(line)d has text in column %(column)d, beyond column %(limit)d",
                                      line=number, column=len(row), limit=MAX_COLUMNS))
        cells += sum(1 for cell in row if cell)
        if len(lines) == MAX_LINES or cells > MAX_CELLS:
            raise _too_large(path, _LINES_OR_CELLS)
        lines.append((number, row))
    return lines


def _check_text(path: Path, lines: list[tuple[int, list[str]]], headers: list[str], header_line: int) -> None:
    """Refuse the file at the first cell with text that cannot be stored (NUL, control characters), naming it."""
    for number, row in lines:
        for column, cell in enumerate(row, start=1):
            if why := text.problem(cell):
                header = headers[column - 1] if number > header_line and column <= len(headers) else ""
                where = f"line {number}, column {column}" + (f" ({header})" if header else "")
                raise TabularError(f"{path.name}: {where} {why}")


def _header_index(path: Path, lines: list[tuple[int, list[str]]], known: Callable[[str], bool],
                  expected: Iterable[str]) -> int:
    scores = [sum(1 for cell in row if cell and known(cell)) for _, row in lines[:HEADER_LINES]]
    if not any(scores):
        raise TabularError(_l("%(file)s: no known column header in its first %(n)d lines with text; expected "
                              "headers such as %(expected)s", file=path.name, n=HEADER_LINES,
                              expected=", ".join(expected)))
    return scores.index(max(scores))


def upload_name(filename: str) -> str:
    """The uploaded file's own name, without any folder part, so that the messages name the file the user
    chose; one a file system cannot hold is replaced by ``upload`` with the same suffix (the importers read
    by suffix)."""
    name = Path(filename.replace("\\", "/")).name
    if name in ("", ".", "..") or len(name.encode()) > 200 or text.problem(name):
        return "upload" + Path(name).suffix.lower()[:10]
    return name


def read_table(path: Path, known: Callable[[str], bool], expected: Iterable[str]) -> Table:
    """Read ``path`` (.csv in UTF-8 or GB18030, .xlsx: its first sheet) as a ``Table``. ``known`` says whether
    a header text names a column the importer takes; ``expected`` lists some, for the message when no line
    among the first ``HEADER_LINES`` has one. Raises TabularError, naming the file and what is wrong."""
    lines = _lines(path)
    if not lines:
        raise TabularError(_l("%(file)s is empty", file=path.name))
    at = _header_index(path, lines, known, expected)
    header_line, headers = lines[at][0], lines[at][1]
    _check_text(path, lines, headers, header_line)
    rows = [(number, {h: v for h, v in zip(headers, row, strict=False) if h and v})
            for number, row in lines[at + 1:]]
    return Table(header_line, headers, rows)


def checked_on_the_command_line(check, label: str = "Checking lines"):
    """Run an importer's ``check(progress)`` for a ``flask … import`` command: a progress bar on stderr, every
    rejected line printed, and ``click.ClickException`` (nothing imported) when the file cannot be read or any
    line is refused. Returns the report of a file whose every line passed, for the importer's ``store``."""
    import click  # the command line's own dependency: the importers and the API do not need it

    def progress(rows):
        with click.progressbar(rows, label=label, file=sys.stderr) as bar:
            yield from bar

    try:
        report = check(progress)
    except TabularError as exc:
        raise click.ClickException(str(exc)) from None
    for line, why in report.rejected:
        click.echo(f"line {line}: {why}", err=True)
    if not report.ok:
        raise click.ClickException(f"{report.summary(0)}; nothing was imported")
    return report
