"""List endpoints run a fixed number of queries, however many rows they return (no N+1)."""

import uuid

import pytest
import sqlalchemy as sa

from core.db import db
from tests.conftest import inspection_payload


@pytest.fixture
def count_queries(app):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(engine, "before_cursor_execute", record)


def _queries_for(client, headers, url, count_queries):
    count_queries.clear()
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(count_queries), len(response.json)


@pytest.mark.parametrize("url", ["/api/v1/findings", "/api/v1/cards", "/api/v1/inspections"])
def test_list_query_count_does_not_grow_with_rows(client, auth, make_enterprise, count_queries, url):
    inspector, manager = auth("inspector"), auth("safety_manager")
    major = {"item_code": "HC-12", "description": "d", "category": "thing"}

    def add(n):
        for _ in range(n):
            enterprise = make_enterprise()
            payload = inspection_payload(enterprise, client_id=str(uuid.uuid4()), findings=[major],
                                         checklist=[{"item_code": "HC-12", "result": "failed"}])
            client.post("/api/v1/inspections", headers=inspector, json=payload)
            client.post("/api/v1/cards", headers=manager, json={"enterprise_id": enterprise, "colour": "red",
                                                                 "reason": "r"})

    add(2)
    few, rows_few = _queries_for(client, manager, url, count_queries)
    add(6)
    many, rows_many = _queries_for(client, manager, url, count_queries)
    assert rows_many > rows_few
    assert many == few, f"{url}: {few} queries for {rows_few} rows but {many} for {rows_many}"


def test_a_new_inspection_is_answered_without_reloading_what_was_written(client, auth, make_enterprise,
                                                                         count_queries):
    """The answer comes from the objects just stored; it does not grow with the findings sent."""
    inspector = auth("inspector")
    item = {"item_code": None, "description": "d", "category": "thing"}

    def post(findings):
        count_queries.clear()
        payload = inspection_payload(make_enterprise(), findings=[item] * findings, checklist=[])
        assert client.post("/api/v1/inspections", headers=inspector, json=payload).status_code == 201
        return [s.split()[0] for s in count_queries]

    one, five = post(1), post(5)
    assert five.count("SELECT") == one.count("SELECT"), (one, five)
    assert not [s for s in count_queries if s.startswith("SELECT inspections.")][1:]  # only the retry check


def test_a_retry_answers_exactly_what_the_first_submission_answered(client, auth, make_enterprise):
    """Also when the tablet sends local time (+08:00): the stored time is UTC and both answers say so."""
    headers = auth("inspector")
    payload = inspection_payload(make_enterprise(), inspected_dt="2026-11-20T10:30:00+08:00")
    first = client.post("/api/v1/inspections", headers=headers, json=payload)
    retry = client.post("/api/v1/inspections", headers=headers, json=payload)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json == retry.json
    assert first.json["inspected_dt"] == "2026-11-20T02:30:00+00:00"
    assert first.json["findings"][0]["found_dt"] == "2026-11-20T02:30:00+00:00"
