"""One inspection with everything it recorded, and the PDFs of the enforcement documents it produced."""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

from flask import abort, make_response, render_template, request

from checklists import service as checklists
from core.db import db
from core.errors import DomainError, NotFound
from core.time import local_date
from inspections.models import Inspection
from web import queries
from web.access import INSPECTION_READERS, page
from web.blueprint import bp

SIGNER_ORDER = ("lead", "second", "enterprise")
PDF_MAX_AGE = 365 * 24 * 3600  # an issued document never changes (a correction is another document)


def checklist_rows(inspection: Inspection) -> tuple[object | None, list[tuple[str, str, object | None]]]:
    """The checklist version in force on the inspection's local date and one row per item:
    ``(code, result, item)`` with result ``passed``, ``failed``, ``not_applicable`` or ``not_checked``; codes the
    inspection answered that the version no longer lists follow, with ``item`` None."""
    results = {row.item_code: row.result for row in inspection.results}
    try:
        version = checklists.version_for(inspection.domain, local_date(inspection.inspected_dt))
    except DomainError:
        version = None
    items = version.items if version else []
    rows = [(item.code, results.get(item.code, "not_checked"), item) for item in items]
    listed = {item.code for item in items}
    rows += [(code, result, None) for code, result in results.items() if code not in listed]
    return version, rows


def _inspection(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        abort(404)
    return inspection


@bp.app_template_filter("png_data_url")
def png_data_url(png: bytes) -> str:
    """A stored signature PNG as a ``data:`` URL for an ``<img>`` (the CSP allows ``data:`` images)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@bp.route("/inspections/<int:inspection_id>")
@page(*INSPECTION_READERS)
def inspection(inspection_id):
    """Everything the inspection recorded: place, time, people, every checklist item, findings, signatures,
    and the documents it produced (404 for an unknown id)."""
    found = _inspection(inspection_id)
    version, rows = checklist_rows(found)
    signed = {signature.role: signature for signature in found.signatures}
    return render_template("web/inspection.html", inspection=found, version=version, rows=rows,
                           signatures=[(role, signed.get(role)) for role in SIGNER_ORDER],
                           documents=queries.documents(inspection_id=found.id))


def pdf_filename(document, language: str) -> tuple[str, str]:
    """(ASCII name, UTF-8 name) for the download: the kind and id (``inspection_record-17.pdf``), and the printed
    number (``（港）安监检记〔2026〕17号.pdf``); ``-en`` / `` (English)`` for the English rendering."""
    ascii_name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{document.kind}-{document.id}")
    number = document.number or ascii_name
    if language == "en":
        return f"{ascii_name}-en.pdf", f"{number} (English).pdf"
    return f"{ascii_name}.pdf", f"{number}.pdf"


@bp.route("/documents/<int:document_id>.pdf")
@page(*INSPECTION_READERS)
def document_pdf(document_id):
    """The issued PDF (Chinese, the legal one; ``?lang=en`` for the English rendering), shown in the browser."""
    language = "en" if request.args.get("lang") == "en" else "zh"
    service = queries.documents_service()
    if service is None:
        abort(404)
    try:
        document = service.get(document_id)
    except NotFound:
        abort(404)
    response = make_response(service.pdf(document, language))
    response.mimetype = "application/pdf"
    ascii_name, name = pdf_filename(document, language)
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}")
    response.cache_control.private = True
    response.cache_control.max_age = PDF_MAX_AGE
    response.cache_control.immutable = True
    return response
