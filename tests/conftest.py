"""Shared fixtures: a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set),
cleaned after every test, and one-line factories for users, tokens, enterprises and inspections."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from core.db import db
from tests.databases import fresh_database

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    with fresh_database(tmp_path_factory.mktemp("db"), PG_URL) as uri:
        yield uri


@pytest.fixture(scope="session")
def app(database_uri, tmp_path_factory):
    from app import create_app

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        # Anchors of the suite's throwaway chains never land in the checkout's instance folder.
        "AUDIT_ANCHOR_FILE": str(tmp_path_factory.mktemp("audit") / "anchors.jsonl"),
    })
    with app.app_context():
        from checklists.service import sync_from_files

        db.create_all()
        sync_from_files()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


REFERENCE_TABLES = {"checklist_versions", "checklist_items"}  # loaded once per run, like at deploy


def _wipe():
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    # Local items are not reference data: one a test adds (the fuzzer adds some) must not reach the next test.
    db.session.execute(sa.text("DELETE FROM checklist_items WHERE is_local = :yes"), {"yes": True})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            db.session.remove()
            _wipe()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    from accounts import service

    def make(*roles, username=None):
        with app.app_context():
            user = service.create_user(username or f"u{uuid.uuid4().hex[:8]}", "correct horse", roles or ["inspector"])
            db.session.commit()
            return user.id, user.username

    return make


@pytest.fixture
def auth(app, make_user):
    """``auth("inspector")`` → headers with a bearer token for a new user holding those roles."""
    from accounts import service
    from accounts.models import User

    def headers(*roles, username=None):
        user_id, _ = make_user(*roles, username=username)
        with app.app_context():
            token, _ = service.issue_token(db.session.get(User, user_id), 1)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return headers



def credit_code(n: int) -> str:
    """A valid unified social credit code made from a number (GB 32100-2015 check character)."""
    from enterprises.credit_code import check_character

    first17 = f"9132058{n:010d}"
    return first17 + check_character(first17)


@pytest.fixture
def make_enterprise(app):
    from enterprises.models import Enterprise

    counter = iter(range(1, 10**6))

    def make(**fields):
        with app.app_context():
            n = next(counter)
            values = {"name": f"企业{n}", "credit_code": credit_code(n), "sector": "hazardous_chemicals",
                      "zone": "港区一片"} | fields
            enterprise = Enterprise(**values)
            db.session.add(enterprise)
            db.session.commit()
            return enterprise.id

    return make


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


def inspection_payload(enterprise_id: int, **fields) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "enterprise_id": enterprise_id,
        "domain": "hazardous_chemicals",
        "inspected_dt": datetime(2026, 11, 20, 2, 30, tzinfo=UTC).isoformat(),
        "location": "罐区",
        "checklist": [{"item_code": "HC-01", "result": "passed"}, {"item_code": "HC-G-01", "result": "failed"}],
        "findings": [{"item_code": "HC-G-01", "description": "装卸区安全警示标志缺失", "category": "thing",
                      "responsible_person": "王工"}],
    } | fields


requires_postgres = pytest.mark.skipif(
    not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test"
)


def at_once(count: int, request) -> list:
    """Run ``request()`` in ``count`` threads released together at a barrier; their results, in any order."""
    import threading

    barrier, results = threading.Barrier(count), []

    def run():
        barrier.wait()
        results.append(request())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
