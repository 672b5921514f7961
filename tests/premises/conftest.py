"""Premises with an enterprise or a person as landlord, tenancies of their units, agreement files and premises
inspections, each made in one line."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest

from core.db import db
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


@pytest.fixture
def make_premises(app, make_enterprise):
    """``make_premises()`` → id of premises whose landlord is a new enterprise; ``landlord="person"`` for a
    person; ``landlord=<enterprise id>`` for that enterprise."""
    from premises import service

    def make(landlord=None, **fields):
        with app.app_context():
            if landlord == "person":
                who = {"landlord_name": "张建国", "landlord_phone": "13900001111"}
            else:
                who = {"landlord_enterprise_id": landlord or make_enterprise(sector="general_industry")}
            data = {"name": f"港城工业园{uuid.uuid4().hex[:6]}号厂房", "address": "港城路88号", "zone": "港区一片",
                    "use": "factory", "floors": 3, "area_m2": 4200.0, "latitude": None, "longitude": None,
                    "landlord_enterprise_id": None, "landlord_name": "", "landlord_phone": ""} | who | fields
            premises = service.create(data)
            db.session.commit()
            return premises.id

    return make


@pytest.fixture
def make_tenancy(app, make_enterprise):
    """``make_tenancy(premises_id)`` → id of a tenancy of a new enterprise (or ``enterprise_id``) from
    2026-01-01, open-ended, without agreement unless ``signed``/``expires`` are given."""
    from premises import service
    from premises.models import Premises

    def make(premises_id, enterprise_id=None, unit="1楼", start=date(2026, 1, 1), end=None, signed=None,
             expires=None):
        enterprise_id = enterprise_id or make_enterprise(sector="general_industry")
        with app.app_context():
            tenancy = service.add_tenancy(db.session.get(Premises, premises_id), {
                "enterprise_id": enterprise_id, "unit": unit, "start_date": start, "end_date": end,
                "agreement_signed_on": signed, "agreement_expires_on": expires})
            db.session.commit()
            return tenancy.id

    return make


def premises_payload(premises_id: int, **fields) -> dict:
    """A premises inspection with one finding against the landlord (a hydrant blocked: PRM-G-03)."""
    return {
        "client_id": str(uuid.uuid4()), "premises_id": premises_id, "domain": "premises", "inspected_dt": INSPECTED,
        "location": "一层公共通道",
        "checklist": [{"item_code": "PRM-G-03", "result": "failed"}],
        "findings": [{"item_code": "PRM-G-03", "description": "一层消火栓被货物遮挡", "category": "thing"}],
    } | fields
