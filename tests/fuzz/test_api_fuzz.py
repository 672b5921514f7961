"""Fuzz every operation of /api/v1 with schemathesis, once per role, against the app in-process (WSGI).

The schema is the app's own ``/api/v1/openapi.json``. Each operation is a test item per role (inspector,
safety_manager, env_staff, admin), called by a user holding that role with a bearer token; schemathesis
generates requests in its examples, coverage and fuzzing phases, valid and invalid data. Path ids are steered
half of the time to rows seeded for the item, so operations get past 404. Every response must be:

- not a server error (no 5xx);
- a status code the operation documents (an error status may be covered by ``default``);
- of the documented content type, with the documented headers, and a body valid against the documented schema.

A refusal for the caller's role (401/403) passes when it is documented and has the one error shape.

Bodies that generation alone almost never gets valid (a credit code with its check character, checklist
results matching the domain's checklist, a stored enterprise) are replaced half of the time by valid ones drawn
from ``VALID_BODIES``, so the success paths are fuzzed too. File download and photo upload (multipart) are
fuzzed like the rest; nothing is excluded.

Budget: ``FUZZ_EXAMPLES`` (default 25) generated examples per operation and role in the fuzzing phase; the
coverage phase adds a fixed set of boundary cases per operation (about 2,600 requests per role). Generation
is derandomized (seed ``FUZZ_SEED``, default 20261120, and no example database), so a CI run repeats exactly.
A longer local hunt: ``FUZZ_EXAMPLES=200 FUZZ_SEED=7 .venv/bin/pytest tests/fuzz``; ``FUZZ_STATS=1`` with
``-s`` prints the status of every call.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from enterprises.models import SECTORS
from tests.conftest import credit_code, inspection_payload

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261120"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The document is read at collection time from an app of its own (serving it needs no database), so that pytest
# gets one item per operation and role; the requests go to the suite's ``app`` fixture and its throwaway
# database. (``schemathesis.pytest.from_fixture`` would load it from the fixture, but schemathesis 4.32.5's
# lazy loader breaks on pytest 9.2: "'Function' object has no attribute '_nodeid'".)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}))
schema.config.generation.update(max_examples=FUZZ_EXAMPLES, deterministic=True, database="none")
schema.config.seed = FUZZ_SEED

TARGETS: dict[str, list] = {}  # path parameter name -> values that exist, for the item being run


def _stored(name: str) -> st.SearchStrategy:
    return st.sampled_from(TARGETS[name])


# Bodies that generation alone (almost) never gets valid: a credit code with its check character, checklist
# results that match the domain's checklist, a known enterprise. Half of the time one of these is sent instead.
VALID_BODIES = {
    "POST /api/v1/enterprises": lambda: st.fixed_dictionaries({
        "name": st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=40),
        "credit_code": st.integers(1, 10**9).map(credit_code), "sector": st.sampled_from(SECTORS),
        "zone": st.sampled_from(["港区一片", "东港区"])}),
    "POST /api/v1/inspections": lambda: st.builds(
        lambda enterprise, client_id: inspection_payload(enterprise, client_id=str(client_id)),
        _stored("enterprise_id"), st.uuids()),
    "POST /api/v1/cards": lambda: st.fixed_dictionaries({
        "enterprise_id": _stored("enterprise_id"), "colour": st.sampled_from(["yellow", "red"]),
        "reason": st.text(min_size=1, max_size=50)}),
    "POST /api/v1/sections/{section_id}/samples": lambda: st.fixed_dictionaries({
        "sampled_dt": st.datetimes(datetime(2024, 1, 1), datetime(2026, 1, 1), timezones=st.just(UTC)).map(
            datetime.isoformat),
        "values": st.fixed_dictionaries({"ph": st.floats(0, 14), "nh3n": st.floats(0, 40)})}),
}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Generated ids almost never exist: half of the time, point each one at a stored row instead.
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries({
        name: st.sampled_from([value, *TARGETS[name]]) if TARGETS.get(name) else st.just(value)
        for name, value in path_parameters.items()
    })


@schema.hook
def flatmap_body(context, body):
    valid = VALID_BODIES.get(context.operation.label)
    return st.one_of(st.just(body), valid()) if valid and TARGETS else st.just(body)


@pytest.fixture
def statuses(seeded):
    """Aim path ids at the seeded rows during the item; collect the status codes it got."""
    TARGETS.update(seeded.ids)
    seen: list[int] = []
    yield seen
    TARGETS.clear()
    assert set(seen) - {404}, "every response was a 404: the generated requests never reached a stored row"


@schema.parametrize()
# One seeded database per item, shared by its examples; a busy CI machine is no reason to fail.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api(case, app, caller, statuses):
    # Logging out revokes the token it carries: give each such call a token of its own.
    headers = caller.new_token() if case.operation.label == "DELETE /api/v1/auth/tokens" else caller.headers
    # buffered: read the whole response and close it (file downloads hold the file open until then).
    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS, buffered=True)
    statuses.append(response.status_code)
    if os.environ.get("FUZZ_STATS"):  # FUZZ_STATS=1 pytest -s tests/fuzz: what each item got
        print(f"\nFUZZ {caller.role} {case.operation.label} {response.status_code}", end="")
