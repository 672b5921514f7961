"""XLSX files written XML by XML, for shapes openpyxl never writes: a WPS ``<dimension ref="A1"/>``, Chinese
Excel's undefined built-in number formats, merged title rows, and hostile workbooks (entities, bombs, absurd
sizes). Nothing binary is committed: every test builds its file from here.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

MIB = 1024 * 1024

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL}">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>
<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""


def styles(*number_formats: int, custom: dict[int, str] | None = None) -> str:
    """A stylesheet whose cell style ``i`` (the ``s`` of a cell) has number format ``number_formats[i]``;
    style 0 is General. ``custom`` defines format codes by id, as a file does for ids from 164 on."""
    defined = "".join(f'<numFmt numFmtId="{n}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
                      for n, code in (custom or {}).items())
    xfs = "".join(f'<xf numFmtId="{n}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                  for n in (0, *number_formats))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN}">'
            f'<numFmts count="{len(custom or {})}">{defined}</numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(number_formats) + 1}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def cell(ref: str, value) -> str:
    """One ``<c>``: text inline, a number as is, ``(number, style)`` a styled number (a date cell)."""
    if isinstance(value, tuple):
        number, style = value
        return f'<c r="{ref}" s="{style}"><v>{number}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def sheet(rows, dimension: str | None = None, merge: str | None = None, first_row: int = 1, prolog: str = "",
          shared: bool = False) -> str:
    """Sheet XML for ``rows`` (lists of cell values, ``None`` for an empty cell; a row ``None`` is left out)
    from row ``first_row``.
    ``dimension`` is written as given (``"A1"`` like WPS, a stale range); ``merge`` a merged range;
    ``prolog`` goes before the root (a DOCTYPE); ``shared`` writes text as shared-string indexes."""
    body = []
    for number, row in enumerate(rows, start=first_row):
        if row is None:
            continue
        cells = "".join(f'<c r="{get_column_letter(i)}{number}" t="s"><v>{value}</v></c>' if shared
                        else cell(f"{get_column_letter(i)}{number}", value)
                        for i, value in enumerate(row, start=1) if value is not None)
        body.append(f'<row r="{number}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merged = f'<mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>' if merge else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}<worksheet xmlns="{MAIN}">{dim}'
            f'<sheetData>{"".join(body)}</sheetData>{merged}</worksheet>')


def shared_strings(texts, prolog: str = "") -> str:
    items = "".join(f"<si><t>{escape(t)}</t></si>" for t in texts)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}<sst xmlns="{MAIN}" '
            f'count="{len(texts)}" uniqueCount="{len(texts)}">{items}</sst>')


def package(sheet_xml: str | bytes, style_xml: str | None = None, strings_xml: str | bytes | None = None,
            drop: tuple[str, ...] = (), extra: dict[str, bytes] | None = None) -> bytes:
    """The zip: the fixed parts plus this sheet, styles and shared strings; ``drop`` leaves parts out."""
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK,
             "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/worksheets/sheet1.xml": sheet_xml,
             "xl/styles.xml": style_xml or styles(), "xl/sharedStrings.xml": strings_xml or shared_strings([]),
             **(extra or {})}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if name not in drop:
                archive.writestr(name, content)
    return buffer.getvalue()


def workbook(rows, **sheet_options) -> bytes:
    """A whole XLSX of ``rows`` (see ``sheet``) with the default styles."""
    return package(sheet(rows, **sheet_options))


# ---- hostile workbooks and CSV files: each stays under a few MB on disk ----------------------------------

HEADER = ["企业名称", "统一社会信用代码", "行业"]
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lolololololololololol">'
          + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
          + "]>")
EXTERNAL = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def huge_sheet() -> bytes:
    """12 000 lines with text, past the line limit, in 200 KB."""
    return workbook([HEADER] + [[f"企业{i}", f"9135{i:014d}", "危化品"] for i in range(12_000)])


def many_elements_sheet() -> bytes:
    """600 000 empty cells: no text at all, but that many things for openpyxl to parse."""
    rows = "".join(f'<row r="{n}">' + "".join(f'<c r="{get_column_letter(c)}{n}"/>' for c in range(1, 1_001))
                   + "</row>" for n in range(1, 601))
    return package(f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>')


def zip_bomb(megabytes: int = 150) -> bytes:
    """A sheet that unpacks to ``megabytes`` MB of blanks inside <sheetData>, packed about a thousand times."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS,
                              "xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
                              "xl/styles.xml": styles(), "xl/sharedStrings.xml": shared_strings([])}.items():
            archive.writestr(name, content)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            blank = b" " * MIB
            for _ in range(megabytes):
                part.write(blank)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def huge_shared_strings() -> bytes:
    """300 000 distinct shared strings (past the cell limit) that a two-line sheet points into."""
    texts = [f"名称{i}" for i in range(300_000)]
    return package(sheet([[0, 1], [2, 3]], shared=True), strings_xml=shared_strings(texts))


def absurd_dimension() -> bytes:
    """A sheet that declares all of Excel's 17 billion cells and holds six lines."""
    return workbook([HEADER] + [[f"港区企业{i}", "x", "危险化学品"] for i in range(5)], dimension="A1:XFD1048576")


def many_columns() -> bytes:
    """One row of 5 000 cells."""
    return workbook([[f"c{i}" for i in range(5_000)]])


def far_column() -> bytes:
    """A header and one line with text in column 300."""
    return workbook([HEADER, ["港区企业", "x", "危险化学品", *[None] * 296, "远"]])


def far_row() -> bytes:
    """Text in row 2 000 000, beyond Excel's last row (openpyxl would walk every row in between)."""
    return workbook([HEADER, ["港区企业", "x", "危险化学品"]], first_row=1_999_999)


def many_parts() -> bytes:
    """A zip of 1 500 empty parts besides the workbook (each costs zipfile's directory memory)."""
    return package(sheet([HEADER]), extra={f"xl/media/x{i}.bin": b"" for i in range(1_500)})


def laughs_in_strings() -> bytes:
    return package(sheet([[0]], shared=True), strings_xml=shared_strings(["&lol9;"], prolog=LAUGHS).replace(
        "&amp;lol9;", "&lol9;"))


def laughs_in_sheet() -> bytes:
    return package(sheet([HEADER, ["&lol9;", "x", "y"]], prolog=LAUGHS).replace("&amp;lol9;", "&lol9;"))


def external_entity() -> bytes:
    return package(sheet([HEADER, ["&xxe;", "x", "y"]], prolog=EXTERNAL).replace("&amp;xxe;", "&xxe;"))


def not_a_zip() -> bytes:
    return b"PK\x03\x04 this is not really a workbook"


def zip_not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "a zip, but no workbook inside")
    return buffer.getvalue()


def missing_sheet() -> bytes:
    """The workbook names a sheet whose part is not in the zip."""
    return package(sheet([HEADER]), drop=("xl/worksheets/sheet1.xml",))


def no_sheets() -> bytes:
    return package(sheet([HEADER]), extra={"xl/workbook.xml": WORKBOOK.replace(
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/>', "")})


def truncated_sheet() -> bytes:
    return package(sheet([HEADER, ["港区企业", "x", "危险化学品"]])[:-40])


def bad_shared_string() -> bytes:
    """A cell pointing at shared string 99 of none."""
    return package(sheet([[99]], shared=True))


def csv_long_line() -> bytes:
    return ("企业名称" + "," * 200_000 + "\n").encode()


def csv_huge_field() -> bytes:
    """One quoted field of 140 000 characters over short lines (past the csv module's 128 KB field limit)."""
    return ('企业名称,统一社会信用代码\n"' + "long note\n" * 14_000 + '",x\n').encode()


def csv_many_rows() -> bytes:
    return "\n".join(["企业名称,统一社会信用代码,行业"] + [f"企业{i},x,危化品" for i in range(12_000)]).encode()


HOSTILE = {name: globals()[name] for name in (
    "huge_sheet", "many_elements_sheet", "zip_bomb", "huge_shared_strings", "many_columns", "far_column", "far_row",
    "many_parts", "laughs_in_strings", "laughs_in_sheet", "external_entity", "not_a_zip", "zip_not_a_workbook",
    "missing_sheet", "no_sheets", "truncated_sheet", "bad_shared_string")}
HOSTILE_CSV = {"csv_long_line": csv_long_line, "csv_huge_field": csv_huge_field, "csv_many_rows": csv_many_rows}
