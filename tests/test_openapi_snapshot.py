"""The OpenAPI document is kept as a snapshot so that every API change shows up as a reviewed diff.

After an intended change: `UPDATE_OPENAPI_SNAPSHOT=1 pytest tests/test_openapi_snapshot.py`, then commit
tests/openapi.json with the change.
"""

import json
import os
from pathlib import Path

from openapi_spec_validator import validate

SNAPSHOT = Path(__file__).with_name("openapi.json")


def test_openapi_document_is_valid_and_matches_the_snapshot(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    rendered = json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_OPENAPI_SNAPSHOT"):
        SNAPSHOT.write_text(rendered, encoding="utf-8")
    assert rendered == SNAPSHOT.read_text(encoding="utf-8"), (
        "the API changed: review it, then UPDATE_OPENAPI_SNAPSHOT=1 pytest tests/test_openapi_snapshot.py")
