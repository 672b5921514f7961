"""Import enterprises from CSV or XLSX: every row is checked first, then all are stored or none."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from marshmallow import ValidationError

from audit import service as audit
from core.db import db
from core.tabular import ImportReport, read_table
from enterprises.models import Enterprise
from enterprises.schemas import EnterpriseCreateSchema

HEADER_ALIASES = {
    "企业名称": "name", "名称": "name",
    "统一社会信用代码": "credit_code", "信用代码": "credit_code",
    "行业": "sector", "行业类别": "sector",
    "园区": "zone", "片区": "zone", "区域": "zone",
    "地址": "address",
    "联系人": "contact_name",
    "联系电话": "contact_phone", "电话": "contact_phone",
    "纬度": "latitude", "经度": "longitude",
}
SECTOR_ALIASES = {
    "危险化学品": "hazardous_chemicals", "危化品": "hazardous_chemicals",
    "城镇燃气": "town_gas", "燃气": "town_gas",
    "建筑施工": "construction", "建设工程": "construction",
    "港口危险货物": "port_dangerous_goods", "港口危货": "port_dangerous_goods",
    "一般工业": "general_industry", "工贸": "general_industry",
}
FIELDS = set(EnterpriseCreateSchema().load_fields)
EXPECTED = ("企业名称", "统一社会信用代码", "行业", "园区", "地址", "联系人", "联系电话", "纬度", "经度", "name",
            "credit_code", "sector")


def _field(header: str) -> str:
    """The schema field a column header names (Chinese or English), or the header itself."""
    header = header.strip()
    return HEADER_ALIASES.get(header.lower(), HEADER_ALIASES.get(header, header.lower()))


def _messages(errors: dict) -> str:
    return "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in sorted(errors.items()))


def check(path: Path, progress=lambda rows: rows) -> ImportReport:
    """Validate every row; ``progress`` wraps the row iterator (a progress bar on the command line).
    ``accepted`` holds the loaded schema data; raises TabularError if the file cannot be read as a table."""
    table = read_table(path, lambda header: _field(header) in FIELDS, EXPECTED)
    report = ImportReport(read=len(table.rows), header_line=table.header_line)
    schema = EnterpriseCreateSchema()
    seen: dict[str, int] = {}
    for line, cells in progress(table.rows):
        row = {_field(header): value for header, value in cells.items()}
        if "sector" in row:
            row["sector"] = SECTOR_ALIASES.get(row["sector"], row["sector"])
        try:
            data = schema.load(row, unknown="exclude")
        except ValidationError as exc:
            report.rejected.append((line, _messages(exc.messages)))
            continue
        if data["credit_code"] in seen:
            report.rejected.append((line, f"credit_code: repeats line {seen[data['credit_code']]}"))
            continue
        seen[data["credit_code"]] = line
        report.accepted.append(data)
    existing = set(db.session.scalars(sa.select(Enterprise.credit_code).where(Enterprise.credit_code.in_(seen))))
    report.rejected += [(seen[code], f"credit_code: {code} is already registered") for code in sorted(existing)]
    report.rejected.sort()
    return report


def store(report: ImportReport) -> int:
    enterprises = [Enterprise(**data) for data in report.accepted]
    db.session.add_all(enterprises)
    db.session.flush()
    for enterprise, data in zip(enterprises, report.accepted, strict=True):
        audit.record("enterprise.imported", enterprise, None, data)
    return len(enterprises)
