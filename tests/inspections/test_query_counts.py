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
