"""Import samples from a monitoring lab's CSV or XLSX: one row per sample, one column per item.

Columns: the section (code or name; or ``--section`` for the whole file), the sampling time (local time
unless it carries an offset), then items by code, Chinese or English name or usual abbreviation, with the
unit in brackets: ``氨氮(mg/L)``, ``NH3-N（mg/L）``, ``pH``, ``粪大肠菌群(个/L)``. Every row is checked
first; if any row (or the header) is rejected, nothing is stored.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from core.db import db, utcnow
from core.tabular import ImportReport, read_table
from core.time import zone
from remediation import service
from remediation.models import MonitoringSection, Sample
from remediation.schemas import SampleCreateSchema
from remediation.values import check_values, future_problem
from risk_rules.water import ITEMS, WaterQualityError, normalize_unit

META = {
    "section": ("断面", "断面名称", "断面编码", "断面代码", "监测断面", "点位", "点位名称", "section", "section_code",
                "section_name"),
    "sampled_dt": ("采样时间", "采样日期", "监测时间", "监测日期", "sampled_dt", "sampled_at", "sample_time", "time",
                   "date"),
    "note": ("备注", "note", "notes"),
}
ITEM_ALIASES = {
    "water_temperature": ("wt", "temperature", "temp"), "ph": ("ph值",), "do": ("溶解氧", "do"),
    "codmn": ("cod_mn", "高锰酸盐指数"), "cod": ("codcr", "cod_cr", "化学需氧量"), "bod5": ("bod₅", "bod"),
    "nh3n": ("nh3-n", "nh₃-n", "氨氮", "ammonia"), "tp": ("总磷",), "tn": ("总氮",),
    "fluoride": ("f", "f-", "氟化物"), "cr6": ("cr6+", "cr(vi)", "cr（vi）", "六价铬"),
    "cyanide": ("cn", "cn-", "氰化物"), "volatile_phenol": ("挥发酚", "phenol"), "petroleum": ("石油类", "oil"),
    "las": ("阴离子表面活性剂",), "sulfide": ("s2-", "硫化物"), "faecal_coliform": ("粪大肠菌群", "fecal_coliform"),
}
TIME_FORMATS = tuple(f"{day} {clock}".strip() for day in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")
                     for clock in ("%H:%M:%S", "%H:%M", ""))
# What Chinese Excel shows and saves to CSV: yyyy"年"m"月"d"日" (built-in format 31), h"时"mm"分" (32, 33);
# read with the spaces taken out, as people type them with or without.
CHINESE_TIME_FORMATS = tuple(f"%Y年%m月%d日{clock}" for clock in ("%H:%M:%S", "%H:%M", "%H时%M分%S秒", "%H时%M分", ""))
_NOTE = SampleCreateSchema().fields["note"]
_UNIT = re.compile(r"^(?P<name>.+?)\s*[（(\[](?P<unit>[^（()）\[\]]*)[)）\]]$")


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


_META_KEYS = {_key(alias): name for name, aliases in META.items() for alias in aliases}
_ITEM_KEYS = {_key(alias): code for code, aliases in ITEM_ALIASES.items() for alias in aliases} | {
    _key(text): code for code, item in ITEMS.items() for text in (code, item.name_zh, item.name_en)}
EXPECTED = ("断面编码", "采样时间", "备注", "pH", "溶解氧(mg/L)", "氨氮(mg/L)", "总磷(mg/L)")


def parse_header(header: str) -> tuple[str, str | None] | None:
    """(meta name or item code, canonical unit or None) for a column header; None if unknown.
    Raises WaterQualityError for a known item in a unit it is not reported in."""
    if _key(header) in _META_KEYS:
        return _META_KEYS[_key(header)], None
    if _key(header) in _ITEM_KEYS:
        return _ITEM_KEYS[_key(header)], None
    match = _UNIT.match(header.strip())
    if match and _key(match["name"]) in _ITEM_KEYS:
        code = _ITEM_KEYS[_key(match["name"])]
        return code, normalize_unit(code, match["unit"])
    return None


def parse_time(text: str) -> datetime:
    """A sampling time in the zone's time (as read: the zone's local time unless it carries an offset).
    ValueError if unreadable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        chinese = "年" in text
        for fmt in CHINESE_TIME_FORMATS if chinese else TIME_FORMATS:
            try:
                moment = datetime.strptime("".join(text.split()) if chinese else text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(_l("%(text)s is not a date and time such as 2026-03-05 09:30", text=repr(text))) from None
    return moment.astimezone(zone()) if moment.tzinfo else moment.replace(tzinfo=zone())


MISSING = _l("missing")


class _Sections:
    """Sections by code, or by name where the name is unique in the zone."""

    def __init__(self):
        sections = db.session.scalars(sa.select(MonitoringSection)).all()
        self.by_code = {s.code: s for s in sections}
        self.by_name: dict[str, list[MonitoringSection]] = {}
        for s in sections:
            self.by_name.setdefault(s.name, []).append(s)

    def find(self, text: str) -> MonitoringSection:
        if text in self.by_code:
            return self.by_code[text]
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0]
        if named:
            raise ValueError(_l("%(text)s names sections on several water bodies; give the section code",
                                text=repr(text)))
        raise ValueError(_l("no monitoring section has the code or name %(text)s", text=repr(text)))


def _known(header: str) -> bool:
    try:
        return parse_header(header) is not None
    except WaterQualityError:
        return True  # a known item in a unit it is not reported in: the header, refused by ``_columns``


def _columns(headers: list[str], report: ImportReport) -> dict[str, tuple[str, str | None]]:
    columns, line = {}, report.header_line
    for header in headers:
        try:
            parsed = parse_header(header)
        except WaterQualityError as exc:
            report.rejected.append((line, f"column {header!r}: {exc.message}"))
            continue
        if parsed is None:
            why = _l("column %(header)s is neither a GB 3838-2002 item nor section, time or note", header=repr(header))
            report.rejected.append((line, str(why)))
        elif parsed[0] in {name for name, _ in columns.values()}:
            report.rejected.append((line, str(_l("column %(header)s repeats another column of %(item)s",
                                                header=repr(header), item=parsed[0]))))
        else:
            columns[header] = parsed
    return columns


def _row(row: dict, columns: dict, sections: _Sections, section_text: str | None, now: datetime):
    """(section, data) or raise ValueError with '; '-joined field messages."""
    problems, values, fields = [], {}, {}
    for header, text in row.items():
        name, unit = columns[header]
        if name in META:
            fields[name] = text
            continue
        try:
            values[name] = {"value": float(text.replace(",", "")), "unit": unit}
        except ValueError:
            problems.append(f"values.{name}: " + str(_l("%(text)s is not a number", text=repr(text))))
    section = sampled_dt = None
    try:
        section = sections.find(section_text or fields.get("section", ""))
    except ValueError as exc:
        problems.append(f"section: {exc if section_text or fields.get('section') else MISSING}")
    try:
        sampled_dt = parse_time(fields.get("sampled_dt", ""))
        problem = future_problem(sampled_dt, now)
        if problem:
            problems.append(f"sampled_dt: {problem}")
    except ValueError as exc:
        problems.append(f"sampled_dt: {exc if fields.get('sampled_dt') else MISSING}")
    try:
        _NOTE.deserialize(fields.get("note", ""))  # the API's limit on notes holds for imported ones too
    except ValidationError as exc:
        problems.append(f"note: {' '.join(exc.messages)}")
    clean, errors = check_values(values) if values or not problems else ([], {})
    problems += [f"{name}: {' '.join(map(str, messages))}" for name, messages in errors.items()]
    if problems:
        raise ValueError("; ".join(problems))
    return section, {"sampled_dt": sampled_dt, "values": clean, "note": fields.get("note", "")}


def check(path: Path, section_text: str | None = None, progress=lambda rows: rows) -> ImportReport:
    """Validate the header and every row; ``section_text`` (code or name) applies to every row."""
    table = read_table(path, _known, EXPECTED)
    rows = table.rows
    report = ImportReport(read=len(rows), header_line=table.header_line)
    sections, now = _Sections(), utcnow()
    headers = list(dict.fromkeys(h for _, row in rows for h in row))
    columns = _columns(headers, report)
    if section_text is not None:
        try:
            sections.find(section_text)
        except ValueError as exc:
            report.rejected.append((report.header_line, f"--section: {exc}"))
            return report
    elif "section" not in {name for name, _ in columns.values()}:
        report.rejected.append((report.header_line, str(_l(
            "no section column (断面 / 断面编码): add one, or name the section for every row"))))
    seen: dict[tuple[int, datetime], int] = {}
    for line, row in progress(rows):
        try:
            section, data = _row({h: v for h, v in row.items() if h in columns}, columns, sections, section_text,
                                 now)
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
            continue
        key = (section.id, data["sampled_dt"])
        if key in seen:
            why = _l("repeats line %(line)d (same section and time)", line=seen[key])
            report.rejected.append((line, f"sampled_dt: {why}"))
            continue
        seen[key] = line
        report.accepted.append((section, data))
    _already_stored(report, seen)
    report.rejected.sort()
    return report


def _already_stored(report: ImportReport, seen: dict[tuple[int, datetime], int]) -> None:
    if not seen:
        return
    moments = [moment for _, moment in seen]
    stored = db.session.execute(
        sa.select(Sample.section_id, Sample.sampled_dt).where(
            Sample.section_id.in_({sid for sid, _ in seen}), Sample.sampled_dt.between(min(moments), max(moments)))
    ).all()
    for section_id, moment in stored:
        line = seen.get((section_id, moment))
        if line is not None:
            why = _l("this section already has a sample taken at %(time)s", time=moment.astimezone(zone()))
            report.rejected.append((line, f"sampled_dt: {why}"))


def store(report: ImportReport, actor_id: int | None = None) -> int:
    for section, data in report.accepted:
        service.store_sample(section, data, actor_id, "sample.imported")
    return len(report.accepted)
