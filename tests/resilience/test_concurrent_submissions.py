"""Many tablets submitting at once against gunicorn with several workers and PostgreSQL, half of them retrying
(after reading the answer, at the same time as the first attempt, or after the connection dropped before the
answer came): exactly one inspection per ``client_id``, every photo stored once, cards and alerts consistent.

Size: ``RESILIENCE_CLIENTS`` (default 50)."""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.conftest import requires_postgres
from tests.resilience.conftest import jpeg, make_enterprises, make_people, post_json, stored_files, upload_photo

CLIENTS = int(os.environ.get("RESILIENCE_CLIENTS", "50"))
ENTERPRISES, INSPECTORS = 10, 5
MODES = ("sequential", "concurrent", "dropped")  # how a retrying client retries
SEED = int(os.environ.get("RESILIENCE_SEED", "0")) or random.randrange(1, 10**6)


def _plan(enterprise_ids, tokens):
    """One submission per client: a general finding with two photos; every third client also fails a major
    item (HC-05) shown on the second photo too (one picture, two hazards: findings of one inspection may share
    a photo, other inspections may not); a random half retry, each in one of the ways of ``MODES``."""
    rng = random.Random(SEED)
    retrying = set(rng.sample(range(CLIENTS), CLIENTS // 2))
    inspected = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    plans = []
    for i in range(CLIENTS):
        major = i % 3 == 0
        checklist = [{"item_code": "HC-01", "result": "passed"}, {"item_code": "HC-G-01", "result": "failed"}]
        findings = [{"item_code": "HC-G-01", "description": f"装卸区安全警示标志缺失（客户端{i}）", "category": "thing",
                     "responsible_person": "王工", "photos": [0, 1]}]
        if major:
            checklist.append({"item_code": "HC-05", "result": "failed"})
            findings.append({"item_code": "HC-05", "description": "罐区未实现紧急切断功能", "category": "thing",
                             "photos": [1]})
        plans.append({
            "token": tokens[i % len(tokens)], "major": major, "photos": [jpeg(i), jpeg(10**6 + i)],
            "retry": rng.choice(MODES) if i in retrying else None,
            "payload": {"client_id": str(uuid.uuid4()), "enterprise_id": enterprise_ids[i % len(enterprise_ids)],
                        "domain": "hazardous_chemicals", "inspected_dt": inspected, "location": "罐区",
                        "checklist": checklist, "findings": findings},
        })
    return plans


def _submit(base, plan, start: threading.Barrier) -> dict:
    """What one tablet does: upload its photos, then submit, then (maybe) retry. Returns what it saw."""
    start.wait(timeout=120)
    token, seen = plan["token"], {"uploads": [], "posts": []}
    ids = []
    for data in plan["photos"]:
        status, body = upload_photo(base, token, data)
        assert status in (200, 201), (status, body)
        seen["uploads"].append((hashlib.sha256(data).hexdigest(), status, body["id"]))
        ids.append(body["id"])
    mode = plan["retry"]
    if mode:  # a retrying tablet may send a photo again too (its answer was lost): same bytes, same photo
        status, body = upload_photo(base, token, plan["photos"][0])
        assert status == 200 and body["id"] == ids[0], (status, body)
    payload = dict(plan["payload"])
    payload["findings"] = [{k: v for k, v in f.items() if k != "photos"} | {"photo_ids": [ids[n] for n in f["photos"]]}
                           for f in payload["findings"]]

    def post(drop=False):
        status, body = post_json(base, "/api/v1/inspections", token, payload, drop=drop)
        assert status in (0, 200, 201), (status, body)
        return status, body["id"] if body else None

    if mode == "concurrent":  # the retry leaves while the first attempt is still in flight
        both = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(lambda: (both.wait(timeout=60), post())[1]) for _ in range(2)]
            seen["posts"] = [f.result() for f in futures]
    elif mode == "dropped":  # the connection drops after the request left: the answer never arrives
        seen["posts"] = [post(drop=True), post()]
    else:
        seen["posts"] = [post()] + ([post()] if mode == "sequential" else [])
    return seen


def _card_state(db):
    from cards.models import Card

    return sorted((c.enterprise_id, c.colour, c.status, len(c.events),
                   sorted((r.rule_id, tuple(r.finding_ids), tuple(r.card_ids)) for r in c.reasons))
                  for c in db.session.scalars(sa.select(Card)))


@requires_postgres
def test_many_clients_submitting_and_retrying_at_once(deployment, server_for):
    from alerts.models import Alert
    from alerts.raising import configured_rules
    from alerts.rules import kinds_due
    from cards.models import Card
    from core.db import db
    from core.time import local_date
    from inspections.models import Finding, Inspection
    from photos.models import FindingPhoto, Photo

    enterprise_ids = make_enterprises(deployment, ENTERPRISES)
    people = make_people(deployment, {f"inspector{n}": ("inspector",) for n in range(INSPECTORS)}
                         | {"manager": ("safety_manager",)})
    plans = _plan(enterprise_ids, [people[f"inspector{n}"][1] for n in range(INSPECTORS)])
    server = server_for(deployment)

    started = time.monotonic()
    start = threading.Barrier(CLIENTS)
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(_submit, server.base, plan, start) for plan in plans]
        seen = [f.result() for f in futures]
    elapsed = time.monotonic() - started
    print(f"\n{CLIENTS} clients (seed {SEED}): submitted in {elapsed:.1f} s")

    # Every photo was created once: one 201 per distinct content, and the same bytes always the same photo.
    uploads = [u for s in seen for u in s["uploads"]]
    photo_of = {}
    for sha256, _, photo_id in uploads:
        assert photo_of.setdefault(sha256, photo_id) == photo_id, "the same bytes got two photos"
    assert len(set(photo_of.values())) == len(photo_of) == 2 * CLIENTS
    assert sum(status == 201 for _, status, _ in uploads) == len(photo_of)

    with deployment.app.app_context():
        stored = dict(db.session.execute(sa.select(Inspection.client_id, Inspection.id)).all())
        counts = db.session.execute(sa.select(Inspection.client_id, sa.func.count()).group_by(Inspection.client_id))
        assert {count for _, count in counts} == {1}
        assert set(stored) == {p["payload"]["client_id"] for p in plans}
        findings = db.session.execute(sa.select(Finding.enterprise_id, Finding.severity)).all()
        assert len(findings) == sum(len(p["payload"]["findings"]) for p in plans)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FindingPhoto)) == 2 * CLIENTS + sum(
            p["major"] for p in plans)
        photos = set(db.session.scalars(sa.select(Photo.sha256)))

    # Each answer names the one stored inspection; whoever lost a race got 200, never a second row.
    for plan, answers in zip(plans, seen, strict=True):
        ids, statuses = {i for _, i in answers["posts"] if i}, [s for s, _ in answers["posts"]]
        assert ids == {stored[plan["payload"]["client_id"]]}
        expected = {None: [[201]], "sequential": [[201, 200]], "concurrent": [[201, 200], [200, 201]],
                    "dropped": [[0, 200], [0, 201]]}[plan["retry"]]
        assert statuses in expected, (plan["retry"], statuses)

    # Photo rows are the distinct contents; the files on disk are exactly their renditions.
    assert photos == set(photo_of)
    files, temporary = stored_files(deployment.upload_dir)
    assert not temporary
    assert sorted(p.name for p in files) == sorted(f"{sha}-{v}.jpg" for sha in photos for v in ("display", "thumb"))

    # Cards: what the rules say (two majors in 12 months → red, one → yellow), and re-evaluating changes nothing.
    with deployment.app.app_context():
        expected_colour = {}
        for enterprise_id, severity in findings:
            if severity == "major":
                expected_colour[enterprise_id] = "red" if enterprise_id in expected_colour else "yellow"
        held = dict(db.session.execute(sa.select(Card.enterprise_id, Card.colour).where(Card.status == "active")).all())
        assert held == expected_colour
        before = _card_state(db)
        db.session.remove()
    deployment.flask("cards", "reevaluate")
    with deployment.app.app_context():
        assert _card_state(db) == before
        db.session.remove()

    # Alerts: a pass 100 days on raises what the rules call for, once; a second pass raises nothing.
    moment = datetime.now(UTC) + timedelta(days=100)
    first = deployment.flask("alerts", "scan", "--now", moment.isoformat(), "--commit-future")
    assert "Raised 0 alert(s)" in deployment.flask("alerts", "scan", "--now", moment.isoformat(), "--commit-future")
    with deployment.app.app_context():
        rules, today = configured_rules(), local_date(moment)
        wanted = {(fid, kind) for fid, deadline in db.session.execute(sa.select(Finding.id, Finding.deadline))
                  for kind in kinds_due(deadline, today, rules)}
        raised = db.session.execute(sa.select(Alert.subject_id, Alert.kind)).all()
        db.session.remove()
    assert len(raised) == len(set(raised)) and set(raised) == wanted
    assert f"Raised {len(wanted)} alert(s)" in first
