"""Fuzz every operation of /api/v1 with schemathesis, once per role, against the app in-process (WSGI).

The schema is the app's own ``/api/v1/openapi.json``. Each operation is a test item per role (inspector,
safety_manager, env_staff, admin), called by a user holding that role with a bearer token; schemathesis
generates requests in its examples, coverage and fuzzing phases, valid and invalid data. Path ids are steered
half of the time to rows seeded for the item, so operations get past 404. Every response must be:

- not a server error (no 5xx);
- a status code the operation documents (the document lists every error status; there is no ``default``);
- of the documented content type, with the documented headers, and a body valid against the documented schema;
- a request the document calls invalid is refused (``negative_data_rejection``), one it calls valid is accepted
  (``positive_data_acceptance``, on the reads: see ``_checks``), a missing Authorization header gets
  401, an undocumented method gets 405 with ``Allow``, and an operation that needs a login refuses one without
  (``ignored_auth``; the public ones say ``security: []``).

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
import random
import uuid
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
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
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    ignored_auth,
]

# ``positive_data_acceptance`` holds an operation to "whatever the document calls valid is accepted". The reads
# keep that promise, except where a query takes a date: dates lie in 1900-2099 (and a range is in order), which a
# JSON Schema date cannot say; or a paging cursor (core.keyset), which is valid only as a list handed it out. A
# write cannot keep it: its body must also pass rules the document can only name in its 422 and 409 (a credit
# code's check character, the state of a finding, a deadline after today, a stored reference, the items of the
# domain's checklist, a rule set's kinds).
def _checks(case) -> list:
    operation = schema.raw_schema["paths"][case.operation.path][case.operation.method.lower()]
    parameters = operation.get("parameters", [])
    dated = any(p["in"] == "query" and p["schema"].get("format") in ("date", "date-time") for p in parameters)
    cursor = any(p["in"] == "query" and p["name"] == "cursor" for p in parameters)
    if case.operation.method.upper() == "GET" and not dated and not cursor:
        return CHECKS
    return [check for check in CHECKS if check is not positive_data_acceptance]


# The document is read at collection time from an app of its own (serving it needs no database), so that pytest
# gets one item per operation and role; the requests go to the suite's ``app`` fixture and its throwaway
# database. (``schemathesis.pytest.from_fixture`` would load it from the fixture, but schemathesis 4.32.5's
# lazy loader breaks on pytest 9.2: "'Function' object has no attribute '_nodeid'".)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}))
schema.config.generation.update(max_examples=FUZZ_EXAMPLES, deterministic=True, database="none")
schema.config.seed = FUZZ_SEED

TARGETS: dict[str, list] = {}  # path parameter name -> values that exist, for the item being run


def _text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice("港区化工储罐码头ABCxyz0123456789") for _ in range(rng.randint(1, size)))


# Bodies that generation alone (almost) never gets valid: a credit code with its check character, checklist
# results that match the domain's checklist, a known enterprise. Half of the time one of these is sent instead.
VALID_BODIES = {
    "POST /api/v1/enterprises": lambda rng: {
        "name": _text(rng, 40), "credit_code": credit_code(rng.randint(1, 10**9)), "sector": rng.choice(SECTORS),
        "zone": rng.choice(["港区一片", "东港区"])},
    "POST /api/v1/inspections": lambda rng: inspection_payload(
        rng.choice(TARGETS["enterprise_id"]), client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4))),
    "POST /api/v1/cards": lambda rng: {
        "enterprise_id": rng.choice(TARGETS["enterprise_id"]), "colour": rng.choice(["yellow", "red"]),
        "reason": _text(rng, 50)},
    "POST /api/v1/sections/{section_id}/samples": lambda rng: {
        "sampled_dt": datetime.fromtimestamp(rng.randint(1704067200, 1767225600), UTC).isoformat(),  # 2024-2025
        "values": {"ph": round(rng.uniform(0, 14), 2), "nh3n": round(rng.uniform(0, 40), 3)}},
}


def _aim(case) -> None:
    """Half of the time, point each path id at a stored row (generated ids almost never exist) and put a valid
    body in place of the generated one. Done on the generated case rather than in generation hooks, so that
    schemathesis sees what changed and judges what is sent: a negative id or body replaced by a valid one makes
    the request positive, and the negative and positive data checks hold the answer to that. The choices are
    drawn from the case itself, so a run repeats exactly (and the examples and coverage phases, which take no
    extra strategies, are aimed too)."""
    rng = random.Random(repr((case.operation.label, case.path_parameters, case.query, case.body)))
    for name in list(case.path_parameters or {}):
        if TARGETS.get(name) and rng.random() < 0.5:
            case.path_parameters[name] = rng.choice(TARGETS[name])
    valid = VALID_BODIES.get(case.operation.label)
    if valid and rng.random() < 0.5:
        case.body = valid(rng)


@pytest.fixture
def statuses(seeded):
    """Aim path ids at the seeded rows during the item; collect the status codes it got."""
    TARGETS.update(seeded.ids)
    seen: list[int] = []
    yield seen
    TARGETS.clear()
    # (Nothing seen: the item failed on its first call, which pytest reports already.)
    assert not seen or set(seen) - {404}, "every response was a 404: the requests never reached a stored row"


@schema.parametrize()
# One seeded database per item, shared by its examples; a busy CI machine is no reason to fail.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api(case, app, caller, statuses):
    _aim(case)
    # A case made to lack or spoil its Authorization header is sent as made (it must get 401); the others carry
    # the caller's token. Logging out revokes the token it carries: each such call gets a token of its own.
    if not (case.meta and case.meta.is_negative_at(ParameterLocation.HEADER)):
        token = caller.new_token() if case.operation.label == "DELETE /api/v1/auth/tokens" else caller.headers
        case.headers = {**(case.headers or {}), **token}
    # buffered: read the whole response and close it (file downloads hold the file open until then).
    response = case.call_and_validate(app=app, checks=_checks(case), buffered=True)
    statuses.append(response.status_code)
    if os.environ.get("FUZZ_STATS"):  # FUZZ_STATS=1 pytest -s tests/fuzz: what each item got
        print(f"\nFUZZ {caller.role} {case.operation.label} {response.status_code}", end="")
