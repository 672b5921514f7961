"""Key pages and API lists issue a bounded number of SQL statements, whatever the number of rows (no N+1, no
eager loading that cascades): the same request over 5 and over 60 findings sends as many statements."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from tests.web.conftest import login  # noqa: F401  (fixture)

FEW, MANY = 5, 60


@contextmanager
def counted_statements():
    """Count the statements sent to the database inside the block (SQLAlchemy's ``before_cursor_execute``);
    yields the list they are appended to."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_):
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def statements_of(app, client, path: str, **kwargs) -> int:
    with app.app_context(), counted_statements() as sent:
        response = client.get(path, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(sent)


def _fill(app, enterprise_id: int, inspector_id: int, findings: int) -> None:
    """``findings`` findings of the enterprise, five per inspection, each with a history event and an alert
    in the inspector's inbox."""
    from alerts.models import Alert, AlertRecipient
    from inspections.models import Finding, FindingEvent, Inspection

    with app.app_context():
        found = datetime(2026, 6, 1, tzinfo=UTC)
        for n in range(0, findings, 5):
            inspection = Inspection(client_id=f"count-{enterprise_id}-{n}", payload_sha256="", domain="gas",
                                    enterprise_id=enterprise_id, inspector_id=inspector_id, inspected_dt=found)
            for k in range(n, min(n + 5, findings)):
                inspection.findings.append(Finding(
                    enterprise_id=enterprise_id, description=f"隐患{k}", category="thing",
                    severity="major" if k % 7 == 0 else "general", deadline=date(2026, 6, 20) + timedelta(days=k),
                    found_dt=found, status="open",
                    events=[FindingEvent(action="created", to_status="open", actor_id=inspector_id)]))
            db.session.add(inspection)
        db.session.flush()
        for finding_id in db.session.scalars(sa.select(Finding.id).where(Finding.enterprise_id == enterprise_id)):
            alert = Alert(subject_type="finding", subject_id=finding_id, kind="overdue", deadline=date(2026, 7, 1),
                          enterprise_id=enterprise_id, is_dispatched=True)
            db.session.add(AlertRecipient(alert=alert, user_id=inspector_id))
        db.session.commit()


@pytest.fixture
def two_sizes(app, make_enterprise, login):  # noqa: F811
    """Two enterprises, one with FEW findings and one with MANY, alerts about them all in the inbox of a user
    who reads them on the pages (``page``, a logged-in client) and the API (``headers``)."""
    from accounts import service
    from accounts.models import User
    from cards import service as cards

    page, user_id = login("safety_manager", "admin", "inspector")
    few, many = make_enterprise(), make_enterprise()
    with app.app_context():  # held before the inspections: each one a candidate re-inspection to lift it
        for enterprise_id in (few, many):
            card = cards.issue_manual(enterprise_id, "yellow", "账实不符", user_id)
            card.issued_dt = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.commit()
    _fill(app, few, user_id, FEW)
    _fill(app, many, user_id, MANY)
    with app.app_context():
        token, _ = service.issue_token(db.session.get(User, user_id), 1)
        db.session.commit()
    return {"page": page, "headers": {"Authorization": f"Bearer {token}"}, "few": few, "many": many,
            "user": user_id}


@pytest.mark.parametrize("path", [
    "/enterprises/{id}",
    "/enterprises/{id}?findings_page=2&inspections_page=2",
])
def test_the_enterprise_page_sends_as_many_statements_for_few_or_many_findings(app, two_sizes, path):
    page, few, many = two_sizes["page"], two_sizes["few"], two_sizes["many"]
    assert statements_of(app, page, path.format(id=few)) == statements_of(app, page, path.format(id=many))


@pytest.mark.parametrize("path", [
    "/api/v1/findings?enterprise_id={id}",
    "/api/v1/inspections?enterprise_id={id}",
])
def test_api_lists_send_as_many_statements_for_few_or_many_rows(app, two_sizes, path):
    headers, few, many = two_sizes["headers"], two_sizes["few"], two_sizes["many"]
    assert statements_of(app, app.test_client(), path.format(id=few), headers=headers) == \
        statements_of(app, app.test_client(), path.format(id=many), headers=headers)


@pytest.mark.parametrize("path", ["/findings?show=all", "/cards", "/alerts"])
def test_pages_send_as_many_statements_after_more_rows(app, two_sizes, make_enterprise, path):
    page = two_sizes["page"]
    before = statements_of(app, page, path)
    _fill(app, make_enterprise(), two_sizes["user"], MANY)
    assert statements_of(app, page, path) == before


@pytest.mark.parametrize("path", ["/api/v1/alerts?page_size=50", "/api/v1/findings?page_size=50",
                                  "/api/v1/cards?page_size=50"])
def test_api_lists_send_as_many_statements_after_more_rows(app, two_sizes, make_enterprise, path):
    api, headers = app.test_client(), two_sizes["headers"]
    before = statements_of(app, api, path, headers=headers)
    _fill(app, make_enterprise(), two_sizes["user"], MANY)
    assert statements_of(app, api, path, headers=headers) == before


def test_the_enterprise_page_pages_its_findings_and_counts_them(app, two_sizes):
    page, many = two_sizes["page"], two_sizes["many"]
    first = page.get(f"/enterprises/{many}").get_data(as_text=True)
    assert first.count('href="/findings/') == 50
    assert re.search(r"60 (finding\(s\)|项隐患)", first)
    second = page.get(f"/enterprises/{many}?findings_page=2").get_data(as_text=True)
    assert second.count('href="/findings/') == 10
    assert page.get(f"/enterprises/{many}?findings_page=99999999999999999999").status_code == 200
    assert page.get(f"/enterprises/{many}?findings_page=x").status_code == 200
