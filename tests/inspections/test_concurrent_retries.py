"""Retries racing each other after a dropped connection must still store one inspection."""

import io
import threading

import pytest
import sqlalchemy as sa
from PIL import Image

from core.db import db
from inspections.models import Finding, Inspection
from tests.conftest import at_once, inspection_payload, requires_postgres


def _photo(client, headers, colour) -> int:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return client.post("/api/v1/photos", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(buffer.getvalue()), "p.jpg", "image/jpeg")}).json["id"]


@requires_postgres
@pytest.mark.parametrize("photos", [0, 2])
def test_concurrent_retries_store_one_inspection(app, client, auth, make_enterprise, photos):
    """With photos, a retry that arrives while the first copy is being stored finds them taken by that copy: it
    is the same submission (200 with the stored inspection), not a request for another finding's photos."""
    headers, payload = auth("inspector"), inspection_payload(make_enterprise())
    payload["findings"][0]["photo_ids"] = [_photo(client, headers, (200, 30 * n, 30)) for n in range(photos)]
    statuses = at_once(8, lambda: app.test_client().post("/api/v1/inspections", headers=headers,
                                                          json=payload).status_code)
    assert sorted(statuses) == [200] * 7 + [201]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 1


@requires_postgres
def test_a_retry_overtaken_by_its_first_copy_answers_with_it(app, client, auth, make_enterprise, monkeypatch):
    """The window made certain: the first copy is stored just after the retry looked for it and before the
    retry attaches the photos (the retry then finds them taken): 200 with the first copy's inspection."""
    from inspections import service

    headers, payload = auth("inspector"), inspection_payload(make_enterprise())
    payload["findings"][0]["photo_ids"] = [_photo(client, headers, (30, 30, 200))]
    first, looked_up = [], service.enterprises.get

    def overtaken(enterprise_id):
        if threading.current_thread() is threading.main_thread() and not first:
            # the retry has just looked for the client_id: now the first copy lands, whole
            worker = threading.Thread(target=lambda: first.append(
                app.test_client().post("/api/v1/inspections", headers=headers, json=payload)))
            worker.start()
            worker.join()
        return looked_up(enterprise_id)

    monkeypatch.setattr(service.enterprises, "get", overtaken)
    retry = client.post("/api/v1/inspections", headers=headers, json=payload)
    assert first[0].status_code == 201, first[0].json
    assert retry.status_code == 200, retry.json
    assert retry.json["id"] == first[0].json["id"]
