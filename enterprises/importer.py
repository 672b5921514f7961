"""Import enterprises from CSV or XLSX: every row is checked first, then all are stored or none."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from marshmallow import ValidationError

from audit import service as audit
from core.db import db
from core.tabular import read_rows
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


@dataclass
class ImportReport:
    accepted: list[dict] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why)

    @property
    def ok(self) -> bool:
        return not self.rejected


def _messages(errors: dict) -> str:
    return "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in sorted(errors.items()))


def check(path: Path, progress=lambda rows: rows) -> ImportReport:
    """Validate every row; ``progress`` wraps the row iterator (a progress bar on the command line)."""
    report = ImportReport()
    schema = EnterpriseCreateSchema()
    seen: dict[str, int] = {}
    for line, row in progress(list(read_rows(path, HEADER_ALIASES))):
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
