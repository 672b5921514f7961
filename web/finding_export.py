"""The findings list as an Excel workbook: the rows the list's filters select, in its order, every page.

Streamed in flat memory: the rows come from the database in batches (``yield_per``: a server-side cursor on
PostgreSQL) into openpyxl's write-only sheet (``core.xlsx.stream``). Headers and names in the request's language;
times in the zone's (``core.xlsx``).
"""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import Response, stream_with_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import lazyload

from accounts.models import User
from core import xlsx
from core.db import db
from inspections.models import Finding
from risk_rules.citation import cite
from web.labels import ALL

BATCH = 500
# (header, width, value of a finding given the names: inspectors' by id, codes' by (kind, code))
COLUMNS = [
    (_l("No."), 8, lambda f, names: f.id),
    (_l("Party"), 32, lambda f, names: f.party_name),
    (_l("Unified social credit code"), 22, lambda f, names: f.enterprise.credit_code if f.enterprise else ""),
    (_l("Sector"), 14, lambda f, names: names[("sector", f.enterprise.sector)] if f.enterprise else ""),
    (_l("Zone"), 12, lambda f, names: f.enterprise.zone if f.enterprise else ""),
    (_l("Domain"), 16, lambda f, names: names[("domain", f.domain)]),
    (_l("Description"), 50, lambda f, names: f.description),
    (_l("Basis"), 40, lambda f, names: cite(f.standard, f.clause, get_locale().language, f.standard_title)),
    (_l("Category"), 14, lambda f, names: names[("category", f.category)]),
    (_l("Severity"), 12, lambda f, names: names[("severity", f.severity)]),
    (_l("Status"), 14, lambda f, names: names[("status", f.status)]),
    (_l("Overdue"), 8, lambda f, names: _("Yes") if f.is_overdue else _("No")),
    (_l("Found on"), 18, lambda f, names: f.found_dt),
    (_l("Deadline"), 12, lambda f, names: f.deadline),
    (_l("Closed at"), 18, lambda f, names: f.closed_dt),
    (_l("Inspector"), 12, lambda f, names: names.get(f.inspection.inspector_id, "")),
    (_l("Source"), 16, lambda f, names: names[("finding_source", f.source)]),
]
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _translated() -> dict:
    """The names of the codes the sheet shows, translated once for the whole file (not once per cell)."""
    return {(kind, code): str(text) for kind in ("sector", "domain", "category", "severity", "status",
                                                 "finding_source") for code, text in ALL[kind].items()}


def response(query: sa.Select) -> Response:
    """The workbook of ``query`` (findings, ordered, with ``inspections.findings.LIST_OPTIONS``) as a streamed
    download."""
    title = _("Findings")

    def body():
        # Read while the file is written, in the session of the streaming context (the view's may be gone).
        names = dict(db.session.execute(sa.select(User.id, User.full_name)).all())  # a few hundred people
        names.update(_translated())
        rows = db.session.scalars(query.options(lazyload(Finding.photo_links)).execution_options(yield_per=BATCH))
        yield from xlsx.stream(title, [(str(header), width) for header, width, _value in COLUMNS],
                               ([value(finding, names) for _header, _width, value in COLUMNS] for finding in rows))

    return Response(stream_with_context(body()), mimetype=MEDIA_TYPE, headers={
        "Content-Disposition": f"attachment; filename=findings.xlsx; filename*=UTF-8''{quote(title)}.xlsx"})
