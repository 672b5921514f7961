"""Agreement files and premises inspections, each made in one line (premises and tenancies: tests/conftest.py)."""

from __future__ import annotations

import io
import uuid

from tests.alerts.conftest import make_person  # noqa: F401 - people with roles and e-mail addresses
from tests.documents.conftest import crew  # noqa: F401 - two inspectors with certificates, for signed inspections

INSPECTED = "2026-11-20T02:30:00+00:00"  # 2026-11-20 in the zone


def pdf_bytes(text: str = "安全生产管理协议") -> bytes:
    """A real one-page PDF (reportlab), as a scanner or a word processor writes one."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, text.encode("ascii", "replace").decode())
    page.save()
    return buffer.getvalue()


def premises_payload(premises_id: int, **fields) -> dict:
    """A premises inspection with one finding against the landlord (a hydrant blocked: PRM-G-03)."""
    return {
        "client_id": str(uuid.uuid4()), "premises_id": premises_id, "domain": "premises", "inspected_dt": INSPECTED,
        "location": "一层公共通道",
        "checklist": [{"item_code": "PRM-G-03", "result": "failed"}],
        "findings": [{"item_code": "PRM-G-03", "description": "一层消火栓被货物遮挡", "category": "thing"}],
    } | fields
