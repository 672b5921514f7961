"""Import premises and their tenancies from a CSV or XLSX register: every line is checked first (with the API's
schemas and rules), then all are stored or none.

One line per tenancy, with its premises' columns (厂房名称 names the premises; a premises with no tenant has a line
of its own). The premises' columns of a premises already registered, or named on an earlier line, may be left
empty; where given they must say what is recorded. Enterprises are named by their unified social credit codes and
must be registered already (import them first). A line is refused with the column and why: a rule broken, an
unknown enterprise, a tenancy whose days meet another tenancy of the same unit (stored, or on another line).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from marshmallow import ValidationError

from core.db import db
from core.errors import DomainError
from core.tabular import ImportReport, read_table, upload_name
from enterprises import credit_code
from enterprises.models import Enterprise
from premises import service
from premises.models import Premises, normalise_unit
from premises.schemas import PremisesCreateSchema, TenancyCreateSchema

__all__ = ["check", "check_upload", "store", "upload_name"]

HEADER_ALIASES = {
    "厂房名称": "premises", "出租厂房": "premises", "房屋名称": "premises", "名称": "premises",
    "地址": "address", "园区": "zone", "片区": "zone", "区域": "zone", "纬度": "latitude", "经度": "longitude",
    "出租方统一社会信用代码": "landlord_credit_code", "出租方信用代码": "landlord_credit_code",
    "出租方名称": "landlord", "出租人": "landlord_name", "出租人姓名": "landlord_name", "出租方姓名": "landlord_name",
    "出租人电话": "landlord_phone", "出租方电话": "landlord_phone", "出租人联系电话": "landlord_phone",
    "用途": "use", "层数": "floors", "建筑面积": "area_m2", "面积": "area_m2", "建筑面积（㎡）": "area_m2",
    "建筑面积(㎡)": "area_m2", "建筑面积（平方米）": "area_m2", "建筑面积(平方米)": "area_m2",
    "承租企业名称": "tenant", "承租方名称": "tenant",
    "承租企业统一社会信用代码": "tenant_credit_code", "承租方统一社会信用代码": "tenant_credit_code",
    "承租企业信用代码": "tenant_credit_code",
    "承租部位": "unit", "部位": "unit", "起租日期": "start_date", "租赁起始日期": "start_date",
    "止租日期": "end_date", "租赁截止日期": "end_date",
    "协议签订日期": "agreement_signed_on", "安全生产管理协议签订日期": "agreement_signed_on",
    "协议到期日期": "agreement_expires_on", "安全生产管理协议到期日期": "agreement_expires_on",
}
USE_ALIASES = {"厂房": "factory", "仓库": "warehouse", "厂房兼仓库": "factory_warehouse",
               "厂房、仓库": "factory_warehouse", "其他": "other"}
PREMISES_COLUMNS = ("address", "zone", "latitude", "longitude", "landlord_credit_code", "landlord_name",
                    "landlord_phone", "use", "floors", "area_m2")
TENANCY_COLUMNS = ("tenant_credit_code", "unit", "start_date", "end_date", "agreement_signed_on",
                   "agreement_expires_on")
INFORMATIONAL = ("landlord", "tenant")  # names shown beside the codes: the codes decide
KNOWN = {"premises", *PREMISES_COLUMNS, *TENANCY_COLUMNS, *INFORMATIONAL}
EXPECTED = ("厂房名称", "地址", "出租方统一社会信用代码", "出租人", "出租人电话", "用途", "层数", "建筑面积",
            "承租企业统一社会信用代码", "承租部位", "起租日期", "premises", "tenant_credit_code", "unit")
_DATE_FORMATS = ("%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
_INTEGER = re.compile(r"[+-]?\d+")


def _field(header: str) -> str:
    """The field a column header names (Chinese or English), or the header itself in lower case."""
    header = header.strip()
    return HEADER_ALIASES.get(header, header.lower())


@dataclass
class _Plan:
    """What the lines checked so far will store."""

    premises: dict[str, tuple[int, dict]] = field(default_factory=dict)  # new premises: name -> (line, data)
    registered: dict[str, Premises] = field(default_factory=dict)
    tenancies: list[tuple[int, str, dict]] = field(default_factory=list)  # (line, premises name, data)
    refused: dict[str, int] = field(default_factory=dict)  # new premises whose first line was refused: name -> line
    enterprises: dict[str, int] = field(default_factory=dict)  # credit code -> id


class _Refused(Exception):
    def __init__(self, column: str, message):
        super().__init__(column, str(message))


def _date_text(text: str) -> str:
    """A date cell as ISO text (2026-03-05, 2026-03-05 00:00:00, 2026/3/5, 2026年3月5日); else as written, for
    the schema to refuse."""
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime("".join(text.split()), fmt).date().isoformat()
        except ValueError:
            continue
    return text


def _enterprise_id(code: str, plan: _Plan, column: str) -> int:
    normalised = credit_code.normalise(code)
    if normalised not in plan.enterprises:
        raise _Refused(column, f"no enterprise with credit code {normalised} is registered (import the "
                               "enterprises first)")
    return plan.enterprises[normalised]


def _premises_data(row: dict, plan: _Plan) -> dict:
    data = {key: row[key] for key in PREMISES_COLUMNS if key in row and key not in ("landlord_credit_code",)}
    if "landlord_credit_code" in row:
        data["landlord_enterprise_id"] = _enterprise_id(row["landlord_credit_code"], plan, "landlord_credit_code")
    if "use" in data:
        data["use"] = USE_ALIASES.get(data["use"], data["use"])
    if "floors" in data and _INTEGER.fullmatch(data["floors"]):
        data["floors"] = int(data["floors"])
    return data


def _messages(exc: ValidationError) -> tuple[str, str]:
    name, messages = sorted(exc.messages.items())[0] if isinstance(exc.messages, dict) else ("", exc.messages)
    return name, " ".join(map(str, messages))


def _load(schema, data: dict) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise _Refused(*_messages(exc)) from None


def _domain(call, *args) -> None:
    try:
        call(*args)
    except DomainError as exc:
        raise _Refused(exc.field or "", exc.message) from None


def _check_premises(name: str, row: dict, plan: _Plan, line: int) -> int | None:
    """The landlord enterprise of the premises ``name`` (new, or as recorded), checking the line's premises
    columns against what a registered or earlier premises says."""
    if name in plan.refused:
        raise _Refused("premises", f"the line that describes {name} (line {plan.refused[name]}) was refused")
    given = _premises_data(row, plan)
    known = plan.registered.get(name)
    earlier = plan.premises.get(name)
    if known is None and earlier is None:
        plan.refused[name] = line  # until it passes
        data = _load(PremisesCreateSchema(), {"name": name, **given})
        _domain(service.check_landlord, data)
        del plan.refused[name]
        plan.premises[name] = (line, data)
        return data["landlord_enterprise_id"]
    recorded = earlier[1] if earlier else {key: getattr(known, key) for key in (*PREMISES_COLUMNS,
                                                                                 "landlord_enterprise_id")
                                           if key != "landlord_credit_code"}
    loaded = _load(PremisesCreateSchema(partial=True), given) if given else {}
    for key, value in loaded.items():
        if key in given and recorded.get(key) != value:
            where = f"line {earlier[0]}" if earlier else "the registered premises"
            raise _Refused(key if key != "landlord_enterprise_id" else "landlord_credit_code",
                           f"differs from {where} of the same name")
    return recorded.get("landlord_enterprise_id")


def _check_tenancy(name: str, row: dict, plan: _Plan, landlord_id: int | None) -> dict:
    given = {key: row[key] for key in TENANCY_COLUMNS if key in row and key != "tenant_credit_code"}
    for key in ("start_date", "end_date", "agreement_signed_on", "agreement_expires_on"):
        if key in given:
            given[key] = _date_text(given[key])
    if "tenant_credit_code" not in row:
        raise _Refused("tenant_credit_code", "missing: a tenancy names its tenant by credit code")
    given["enterprise_id"] = _enterprise_id(row["tenant_credit_code"], plan, "tenant_credit_code")
    data = _load(TenancyCreateSchema(), given)
    _domain(service.check_dates, data)
    _domain(service.check_tenant, landlord_id, data["enterprise_id"])
    unit = normalise_unit(data["unit"])
    if name in plan.registered:
        existing = service.overlapping(plan.registered[name].id, unit, data["start_date"], data["end_date"])
        if existing is not None:
            raise _Refused("unit", service.overlap_message(existing))
    for line, other_name, other in plan.tenancies:
        if other_name == name and normalise_unit(other["unit"]) == unit and _meet(data, other):
            raise _Refused("unit", f"{data['unit']} is let on some of the same days on line {line}")
    return data


def _meet(a: dict, b: dict) -> bool:
    return ((a["end_date"] is None or a["end_date"] >= b["start_date"])
            and (b["end_date"] is None or b["end_date"] >= a["start_date"]))


_COLUMN_OF = {"name": "premises", "landlord_enterprise_id": "landlord_credit_code",
              "enterprise_id": "tenant_credit_code"}


def _where(column: str, headers: dict[str, str]) -> str:
    """The column as the file heads it, with its field: "承租部位 (unit)"."""
    column = _COLUMN_OF.get(column, column)
    header = headers.get(column)
    return f"{header} ({column})" if header and header != column else column or "line"


def _lookups(rows: list[tuple[int, dict]], plan: _Plan) -> None:
    names = {row["premises"] for _, row in rows if "premises" in row}
    plan.registered = {p.name: p for p in db.session.scalars(sa.select(Premises).where(Premises.name.in_(names)))}
    codes = {credit_code.normalise(row[key]) for _, row in rows for key in ("landlord_credit_code",
                                                                           "tenant_credit_code") if key in row}
    plan.enterprises = dict(db.session.execute(
        sa.select(Enterprise.credit_code, Enterprise.id).where(Enterprise.credit_code.in_(codes))).all())


def check(path: Path, progress=lambda rows: rows) -> ImportReport:
    """Validate every line; ``accepted`` holds ``("premises", name, data)`` and ``("tenancy", name, data)`` in
    file order. ``progress`` wraps the row iterator. Raises TabularError if the file cannot be read as a table."""
    table = read_table(path, lambda header: _field(header) in KNOWN, EXPECTED)
    report = ImportReport(read=len(table.rows), header_line=table.header_line)
    headers = {_field(header): header for header in table.headers if header}
    rows = [(line, {_field(header): value.strip() for header, value in cells.items() if value.strip()})
            for line, cells in table.rows]
    plan = _Plan()
    _lookups(rows, plan)
    for line, row in progress(rows):
        try:
            name = row.get("premises")
            if not name:
                raise _Refused("premises", "missing: every line names its premises")
            landlord_id = _check_premises(name, row, plan, line)
            if any(key in row for key in TENANCY_COLUMNS):
                plan.tenancies.append((line, name, _check_tenancy(name, row, plan, landlord_id)))
        except _Refused as refused:
            column, why = refused.args
            report.rejected.append((line, f"{_where(column, headers)}: {why}"))
    report.accepted = ([("premises", name, data) for name, (_, data) in plan.premises.items()]
                       + [("tenancy", name, data) for _, name, data in plan.tenancies])
    return report


def check_upload(upload) -> ImportReport:
    """``check`` of an uploaded file (``upload``: anything with ``filename`` and ``save(path)``, as a request's
    file), kept under its own kind of name in a temporary folder removed afterwards. Raises TabularError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / upload_name(upload.filename or "")
        upload.save(path)
        return check(path)


def store(report: ImportReport) -> tuple[int, int]:
    """Store what ``check`` accepted through the services (the same checks, the premises locked while their
    tenancies are added); returns (premises created, tenancies created). Flush only."""
    created = {name: service.create(data) for kind, name, data in report.accepted if kind == "premises"}
    count = 0
    for kind, name, data in report.accepted:
        if kind == "tenancy":
            premises = created.get(name) or db.session.scalar(sa.select(Premises).where(Premises.name == name))
            service.add_tenancy(premises, data)
            count += 1
    return len(created), count
