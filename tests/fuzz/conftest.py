"""Fixtures for the API fuzzing: stored rows for generated requests to aim at, and a caller per role.

Every fuzz item (one operation, one role) starts from its own seeded database, so the seeding is kept fast:
users get a password hash computed once per run instead of one scrypt per user.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import pytest

from core.db import db
from tests.conftest import inspection_payload

ROLES = ("inspector", "safety_manager", "env_staff", "admin")
PASSWORD = "correct horse"


@cache
def _password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD)


def _user(app, *roles: str) -> int:
    from accounts.models import User, UserRole

    with app.app_context():
        name = f"f{uuid.uuid4().hex[:8]}"
        user = User(username=name, full_name=name, password_hash=_password_hash(),
                    role_rows=[UserRole(role=role) for role in roles])
        db.session.add(user)
        db.session.commit()
        return user.id


def _token(app, user_id: int) -> dict[str, str]:
    from accounts import service
    from accounts.models import User

    with app.app_context():
        token, _ = service.issue_token(db.session.get(User, user_id), 1)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _tiny_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def _created(response) -> dict:
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.json


@dataclass
class Seeded:
    """Values that exist, per path parameter name, for generated requests to be steered to now and then."""

    ids: dict[str, list] = field(default_factory=dict)


@pytest.fixture
def seeded(app, client, make_enterprise, make_premises, make_tenancy) -> Seeded:
    """An enterprise with an inspection and a finding, a card, a photo, a water body with a section, a sample
    and a remediation task, premises with a tenancy: every kind of id a path can name exists at least once."""
    staff_id = _user(app, "inspector", "safety_manager", "env_staff")
    staff = _token(app, staff_id)
    enterprise = make_enterprise()
    inspection = _created(client.post("/api/v1/inspections", headers=staff, json=inspection_payload(enterprise)))
    card = _created(client.post("/api/v1/cards", headers=staff, json={
        "enterprise_id": make_enterprise(), "colour": "yellow", "reason": "fuzzing seed"}))
    photo = _created(client.post("/api/v1/photos", headers=staff,
                                 data={"file": (io.BytesIO(_tiny_jpeg()), "seed.jpg", "image/jpeg")}))
    body = _created(client.post("/api/v1/water-bodies", headers=staff,
                                json={"name": "和平河", "kind": "river", "target_class": 4}))
    section = _created(client.post(f"/api/v1/water-bodies/{body['id']}/sections", headers=staff,
                                   json={"name": "和平桥", "code": "HP-01"}))
    _created(client.post(f"/api/v1/sections/{section['id']}/samples", headers=staff, json={
        "sampled_dt": "2026-10-10T02:00:00+00:00", "values": {"ph": 7.4, "do": 6.0, "nh3n": 3.0, "tp": 0.15}}))
    task = _created(client.post(f"/api/v1/water-bodies/{body['id']}/remediation-tasks", headers=staff, json={
        "measure": "sewage_interception", "description": "截污纳管", "deadline": "2027-06-30"}))
    premises = make_premises(landlord="person")
    tenancy = make_tenancy(premises, enterprise)
    return Seeded(ids={
        "user_id": [staff_id],
        "enterprise_id": [enterprise],
        "inspection_id": [inspection["id"]],
        "finding_id": [f["id"] for f in inspection["findings"]],
        "card_id": [card["id"]],
        "photo_id": [photo["id"]],
        "body_id": [body["id"]],
        "section_id": [section["id"]],
        "task_id": [task["id"]],
        "premises_id": [premises],
        "tenancy_id": [tenancy],
        "domain": ["hazardous_chemicals", "gas", "construction"],
        "variant": ["display", "thumbnail", "original"],
    })


def _alert_for(app, user_id: int, finding_id: int) -> int:
    """An alert in the user's inbox, so that acknowledging one can succeed."""
    from alerts.models import Alert, AlertRecipient

    with app.app_context():
        alert = Alert(subject_type="finding", subject_id=finding_id, kind="overdue", deadline=date(2026, 11, 27),
                      is_dispatched=True)
        db.session.add(alert)
        db.session.flush()
        db.session.add(AlertRecipient(alert_id=alert.id, user_id=user_id))
        db.session.commit()
        return alert.id


@dataclass
class Caller:
    """A user holding one role; ``headers`` carry a bearer token, ``new_token()`` issues another."""

    role: str
    headers: dict[str, str]
    new_token: Callable[[], dict[str, str]]


@pytest.fixture(params=ROLES)
def caller(request, app, seeded) -> Caller:
    """A user holding one role, with a bearer token and an alert of their own."""
    from accounts.auth import limiter

    limiter.reset()  # failed logins counted by earlier items would turn this item's into 429s
    user_id = _user(app, request.param)
    seeded.ids["alert_id"] = [_alert_for(app, user_id, seeded.ids["finding_id"][0])]
    return Caller(request.param, _token(app, user_id), lambda: _token(app, user_id))
