"""Enforcement documents benchmark (issue 13).

Times what signing adds to an inspection on the tablet's request: storing a signed inspection with 5 findings
(its record and order numbered, rendered in Chinese and English, stored) against the same inspection unsigned
(the reference, measured in the same run; the ratio is signed / unsigned). Then 20 threads issue corrections
at once: every number from the counter must be used once, with no gap. Prints the PDFs' sizes and peak memory.

    python bench/documents.py [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from common import peak_rss_mb, scratch_app, timed, verdict
from PIL import Image, ImageDraw

FINDINGS = 5
THREADS = 20


def _signature(seed: int) -> str:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(30, 150), (150 + seed, 40), (320, 160), (560, 50)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _payload(enterprise_id: int, second_id: int, n: int, signed: bool) -> dict:
    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC) + timedelta(minutes=n)
    items = ["HC-G-01", "HC-G-02", "HC-G-03", "HC-G-04", "HC-03"][:FINDINGS]
    payload = {
        "client_id": str(uuid.uuid4()), "enterprise_id": enterprise_id, "domain": "hazardous_chemicals",
        "inspected_dt": start.isoformat(), "ended_dt": (start + timedelta(hours=1)).isoformat(),
        "second_inspector_id": second_id, "contact_name": "王建国", "contact_title": "安全总监",
        "contact_phone": "0512-58880000", "location": "甲类罐区",
        "checklist": [{"item_code": code, "result": "failed"} for code in items],
        "findings": [{"item_code": code, "description": f"第{i}处隐患：储罐区可燃气体报警器未定期检定" * 2,
                      "category": "thing"} for i, code in enumerate(items, 1)],
    }
    if signed:
        when = (start + timedelta(minutes=55)).isoformat()
        payload["signatures"] = [{"role": role, "image": _signature(i * 40), "signed_dt": when}
                                 for i, role in enumerate(("lead", "second", "enterprise"))]
    return payload


def _store(app, inspections, schema, payload: dict, lead_id: int) -> float:
    from core.db import db

    with app.test_request_context():
        start = time.perf_counter()
        inspections.record(schema.load(payload), lead_id)
        db.session.commit()
        return time.perf_counter() - start


def _corrections(app, document_ids: list[int], actor_id: int) -> list[int]:
    """Each thread corrects one document at once; returns the serials given."""
    from core.db import db
    from documents import service

    barrier, serials, errors = threading.Barrier(len(document_ids)), [], []

    def run(document_id):
        with app.test_request_context():
            barrier.wait()
            try:
                serials.append(service.correct(service.get(document_id), "笔误更正", actor_id).serial)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported in the table as a failed figure
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(document_id,)) for document_id in document_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"corrections failed: {errors[:3]}")
    return serials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer inspections (CI)")
    parser.add_argument("--postgres", metavar="URL", help="run on a new database next to this PostgreSQL URL")
    args = parser.parse_args()
    rounds = THREADS if args.quick else 100

    with scratch_app(args.postgres) as app:
        from accounts import service as accounts
        from checklists import service as checklists
        from core.db import db
        from documents import render
        from documents.models import Document
        from enterprises.models import Enterprise
        from inspections import service as inspections
        from inspections.schemas import InspectionCreateSchema

        with app.test_request_context():
            checklists.sync_from_files()
            lead = accounts.create_user("lead", "bench-password", ["inspector"], certificate_no="32050021001")
            second = accounts.create_user("second", "bench-password", ["inspector"], certificate_no="32050021002")
            enterprise = Enterprise(name="港东化工储运有限公司", credit_code="91320582000000001X",
                                    sector="hazardous_chemicals", address="港城大道1号")
            db.session.add(enterprise)
            db.session.commit()
            lead_id, second_id, enterprise_id = lead.id, second.id, enterprise.id
        dialect = db.engine.dialect.name
        schema = InspectionCreateSchema()
        # Interleaved, so both see the same database size and machine load.
        signed, unsigned = [], []
        for n in range(rounds):
            unsigned.append(_store(app, inspections, schema, _payload(enterprise_id, second_id, 2 * n, False),
                                   lead_id))
            signed.append(_store(app, inspections, schema, _payload(enterprise_id, second_id, 2 * n + 1, True),
                                 lead_id))
        sizes = db.session.execute(sa.select(Document.kind, sa.func.avg(sa.func.length(Document.pdf)))
                                   .group_by(Document.kind)).all()
        orders = db.session.scalars(sa.select(Document.id).where(Document.kind == "rectification_order")
                                    .order_by(Document.id).limit(THREADS)).all()
        before = db.session.scalar(sa.select(sa.func.max(Document.serial)).where(
            Document.kind == "rectification_order"))
        db.session.commit()
        concurrent_s, serials = timed(_corrections, app, orders, lead_id)
        peak = peak_rss_mb()
        font = render.font_name()

    signed_ms, unsigned_ms = statistics.median(signed) * 1000, statistics.median(unsigned) * 1000
    expected = list(range(before + 1, before + 1 + len(orders)))
    print(f"\n{dialect}: {rounds} signed and {rounds} unsigned inspections of {FINDINGS} findings; font {font}")
    print("mean PDF size: " + ", ".join(f"{kind} {size / 1024:.0f} KB" for kind, size in sizes))
    print(f"{len(orders)} concurrent corrections got serials {sorted(serials)} (expected {expected})")
    rows = [
        ("figure", "value", "goal", "ratio", "result"),
        ("unsigned inspection (reference)", f"{unsigned_ms:.0f} ms", "", "1.00", ""),
        ("signed: record + order, zh + en", f"{signed_ms:.0f} ms", "< 2000 ms",
         f"{signed_ms / unsigned_ms:.1f}", verdict(signed_ms < 2000)),
        (f"{len(orders)} corrections at once", f"{concurrent_s:.2f} s", "no gap, no repeat", "",
         verdict(sorted(serials) == expected)),
        ("peak RSS", f"{peak:.0f} MB", "< 400 MB", "", verdict(peak < 400)),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    print(f"\nDocuments ({dialect}{', quick' if args.quick else ''}); ratio = signed / unsigned")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
