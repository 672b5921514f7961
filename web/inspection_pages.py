"""One inspection with everything it recorded, and the PDFs of the enforcement documents it produced."""

from __future__ import annotations

import base64
from datetime import date

from flask import abort, render_template, request
from flask_babel import format_date

from checklists import service as checklists
from core.db import db
from core.errors import DomainError, NotFound
from core.time import local_date
from documents import service as documents
from documents.routes import pdf_response
from inspections.models import Inspection
from risk_rules.citation import number
from web import labels
from web.access import INSPECTION_READERS, page
from web.blueprint import bp
from web.i18n import current_language

SIGNER_ORDER = ("lead", "second", "enterprise")


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


def successor_notice(version, on: date) -> str:
    """The plain notice that a newer edition than ``version`` is in force on ``on`` (a local date) while its items
    are not loaded, so the checklist follows the older one; empty when there is no such edition (or no version).
    The same words as the form's banner (inspect.js, ``successor_notice``)."""
    notice = version.pending_successor(on) if version is not None else None
    if notice is None:
        return ""
    lang = current_language()
    title = f"title_{lang}"
    return str(labels.SUCCESSOR_NOTICE) % {
        "title": notice[title], "standard": number(notice["standard"], lang),
        "date": format_date(notice["effective_from"], "long"), "current_title": getattr(version, title),
        "current_standard": number(version.standard, lang)}


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
    notice = successor_notice(version, local_date(found.inspected_dt))
    return render_template("web/inspection.html", inspection=found, version=version, rows=rows, notice=notice,
                           signatures=[(role, signed.get(role)) for role in SIGNER_ORDER],
                           documents=documents.listing(inspection_id=found.id))


@bp.route("/documents/<int:document_id>.pdf")
@page(*INSPECTION_READERS)
def document_pdf(document_id):
    """The issued PDF (Chinese, the legal one; ``?lang=en`` for the English rendering), shown in the browser."""
    try:
        document = documents.get(document_id)
    except NotFound:
        abort(404)
    return pdf_response(document, "en" if request.args.get("lang") == "en" else "zh")
