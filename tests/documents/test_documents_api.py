"""Issuing documents with a signed inspection: numbers, retries, corrections, verification, templates."""

import io
import threading
import uuid

import pytest
import sqlalchemy as sa

from core.db import db
from documents.models import Document
from tests.conftest import at_once, inspection_payload, requires_postgres
from tests.documents.signing import signature_png, signatures, signed_payload


def _documents(app, **where):
    with app.app_context():
        query = sa.select(Document).filter_by(**where).order_by(Document.id)
        return [(d.kind, d.number, d.serial) for d in db.session.scalars(query)]


def test_a_signed_inspection_issues_its_record_and_order_once(app, client, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    enterprise = make_enterprise()
    payload = signed_payload(enterprise, second_id)
    first = client.post("/api/v1/inspections", json=payload, headers=lead)
    assert first.status_code == 201, first.json
    retry = client.post("/api/v1/inspections", json=payload, headers=lead)
    assert retry.status_code == 200
    assert _documents(app) == [("inspection_record", "（港）安监检记〔2026〕1号", 1),
                               ("rectification_order", "（港）安监责改〔2026〕1号", 1)]
    listed = client.get(f"/api/v1/documents?enterprise_id={enterprise}", headers=lead).json
    assert {d["kind"] for d in listed} == {"inspection_record", "rectification_order"}
    order = next(d for d in listed if d["kind"] == "rectification_order")
    assert order["finding_ids"] == [f["id"] for f in first.json["findings"]]
    assert [s["role"] for s in first.json["signed"]] == ["lead", "second", "enterprise"]
    by_finding = client.get(f"/api/v1/documents?finding_id={order['finding_ids'][0]}", headers=lead).json
    assert {d["id"] for d in by_finding} == {d["id"] for d in listed}


def test_an_inspection_without_findings_gets_a_record_only(app, client, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    payload = signed_payload(make_enterprise(), second_id, checklist=[{"item_code": "HC-01", "result": "passed"}],
                             findings=[])
    assert client.post("/api/v1/inspections", json=payload, headers=lead).status_code == 201
    assert [kind for kind, _, _ in _documents(app)] == ["inspection_record"]


def test_an_unsigned_inspection_issues_nothing(app, client, auth, make_enterprise):
    assert client.post("/api/v1/inspections", json=inspection_payload(make_enterprise()),
                       headers=auth("inspector")).status_code == 201
    assert _documents(app) == []


@pytest.mark.parametrize("change, field", [
    (lambda p: p["signatures"].pop(), "signatures"),
    (lambda p: p.pop("second_inspector_id"), "second_inspector_id"),
    (lambda p: p.update(contact_name=" "), "contact_name"),
    (lambda p: p.pop("ended_dt"), "ended_dt"),
    (lambda p: p["signatures"][2].update(image=None, refused=True, refusal_reason="不签", witness=""), "witness"),
    (lambda p: p["signatures"][0].update(image=None, refused=True, refusal_reason="不签", witness="李四"),
     "refused"),
    (lambda p: p["signatures"][1].update(image=None), "image"),
    (lambda p: p.update(ended_dt="2026-11-20T01:00:00+00:00"), "ended_dt"),
])
def test_incomplete_signing_is_refused_naming_the_field(app, client, crew, make_enterprise, change, field):
    lead, _, second_id, _ = crew()
    payload = signed_payload(make_enterprise(), second_id)
    change(payload)
    response = client.post("/api/v1/inspections", json=payload, headers=lead)
    assert response.status_code == 422
    assert field in str(response.json["errors"]), response.json
    assert _documents(app) == []


@pytest.mark.parametrize("image, says", [
    ("data:image/jpeg;base64,/9j/4AAQ", "PNG data URL"),
    ("data:image/png;base64,@@@@", "base64"),
    ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", "readable PNG"),
])
def test_a_bad_signature_image_is_refused_at_its_place(app, client, crew, make_enterprise, image, says):
    lead, _, second_id, _ = crew()
    payload = signed_payload(make_enterprise(), second_id)
    payload["signatures"][1]["image"] = image
    response = client.post("/api/v1/inspections", json=payload, headers=lead)
    assert response.status_code == 422
    assert says in response.json["errors"]["json"]["signatures"]["1"]["image"][0]


def test_a_blank_pad_is_not_a_signature(app, client, crew, make_enterprise):
    import base64

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (600, 200), (0, 0, 0, 0)).save(out, format="PNG")
    lead, _, second_id, _ = crew()
    payload = signed_payload(make_enterprise(), second_id)
    payload["signatures"][2]["image"] = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    response = client.post("/api/v1/inspections", json=payload, headers=lead)
    assert response.status_code == 422
    assert "empty" in response.json["errors"]["json"]["signatures"]["2"]["image"][0]


def test_documents_need_both_inspectors_certificates(app, client, auth, crew, make_enterprise):
    lead, _, _, _ = crew()
    auth("inspector")  # a second inspector with no certificate number
    with app.app_context():
        from accounts.models import User

        second_id = db.session.scalar(sa.select(sa.func.max(User.id)))
    response = client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id), headers=lead)
    assert response.status_code == 422
    assert "certificate" in response.json["message"] + str(response.json["errors"])
    assert _documents(app) == []


def test_the_second_inspector_is_another_active_inspector(app, client, crew, make_enterprise, make_user):
    lead, lead_id, _, _ = crew()
    clerk_id, _ = make_user("env_staff")
    for other in (lead_id, clerk_id, 10**6):
        response = client.post("/api/v1/inspections", json=inspection_payload(make_enterprise(),
                               second_inspector_id=other), headers=lead)
        assert response.status_code == 422
        assert "second_inspector_id" in response.json["errors"]["json"]


def test_the_pdf_is_served_and_verifies(app, client, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id), headers=lead)
    document = client.get("/api/v1/documents?kind=rectification_order", headers=lead).json[0]
    for lang in ("zh", "en"):
        response = client.get(f"/api/v1/documents/{document['id']}/pdf?lang={lang}", headers=lead)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        checked = client.post("/api/v1/documents/verify", headers=lead,
                              data={"file": (io.BytesIO(response.data), "order.pdf")})
        assert checked.json["issued"] and checked.json["unchanged"] and checked.json["language"] == lang
        assert checked.json["document"]["number"] == document["number"]
    pdf = bytearray(client.get(f"/api/v1/documents/{document['id']}/pdf", headers=lead).data)
    pdf[len(pdf) // 2] ^= 1
    changed = client.post("/api/v1/documents/verify", headers=lead, data={"file": (io.BytesIO(bytes(pdf)), "x.pdf")})
    assert changed.status_code == 200
    assert not changed.json["issued"] and changed.json["document"]["id"] == document["id"]
    assert "differ" in changed.json["message"]
    other = client.post("/api/v1/documents/verify", headers=lead, data={"file": (io.BytesIO(b"%PDF-1.4 x"), "y.pdf")})
    assert other.json == {"issued": False, "unchanged": False, "language": None, "document": None,
                          "message": "not a document issued by this system"}
    assert client.get(f"/api/v1/documents/{document['id']}/pdf?lang=fr", headers=lead).status_code == 422


def test_the_cli_says_whether_a_file_was_issued(app, client, crew, make_enterprise, tmp_path):
    lead, _, second_id, _ = crew()
    client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id), headers=lead)
    document = client.get("/api/v1/documents?kind=inspection_record", headers=lead).json[0]
    path = tmp_path / "record.pdf"
    path.write_bytes(client.get(f"/api/v1/documents/{document['id']}/pdf", headers=lead).data)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["documents", "verify", str(path)])
    assert result.exit_code == 0 and document["number"] in result.output and "unchanged" in result.output
    path.write_bytes(path.read_bytes().replace(b"%PDF", b"%PDF ", 1))
    result = runner.invoke(args=["documents", "verify", str(path)])
    assert result.exit_code == 1 and "differ" in result.output


def test_a_correction_supersedes_and_keeps_the_original(app, client, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id), headers=lead)
    order = client.get("/api/v1/documents?kind=rectification_order", headers=lead).json[0]
    original_pdf = client.get(f"/api/v1/documents/{order['id']}/pdf", headers=lead).data
    key = str(uuid.uuid4())
    corrected = client.post(f"/api/v1/documents/{order['id']}/corrections", headers=lead,
                            json={"reason": "整改期限笔误", "client_id": key})
    assert corrected.status_code == 201, corrected.json
    again = client.post(f"/api/v1/documents/{order['id']}/corrections", headers=lead,
                        json={"reason": "整改期限笔误", "client_id": key})
    assert again.json["id"] == corrected.json["id"]
    assert corrected.json["supersedes_id"] == order["id"] and corrected.json["number"] == "（港）安监责改〔2026〕2号"
    old = client.get(f"/api/v1/documents/{order['id']}", headers=lead).json
    assert old["superseded_by"]["id"] == corrected.json["id"]
    assert client.get(f"/api/v1/documents/{order['id']}/pdf", headers=lead).data == original_pdf
    twice = client.post(f"/api/v1/documents/{order['id']}/corrections", headers=lead, json={"reason": "再改"})
    assert twice.status_code == 409 and corrected.json["number"] in twice.json["message"]


def test_an_issued_document_cannot_be_changed(app, client, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id), headers=lead)
    with app.app_context():
        document = db.session.scalar(sa.select(Document).limit(1))
        document.number = "forged"
        with pytest.raises(RuntimeError, match="cannot change"):
            db.session.flush()
        db.session.rollback()


def test_administrators_adjust_the_template_and_new_documents_use_it(app, client, auth, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    admin = auth("admin")
    body = client.get("/api/v1/documents/templates/rectification_order", headers=lead).json["body"]
    assert client.put("/api/v1/documents/templates/rectification_order", headers=lead,
                      json={"body": body}).status_code == 403
    bad = client.put("/api/v1/documents/templates/rectification_order", headers=admin,
                     json={"body": body | {"prefix": ""}})
    assert bad.status_code == 422 and "prefix" in bad.json["errors"]["json"]["body"]
    assert client.put("/api/v1/documents/templates/nonsense", headers=admin, json={"body": body}).status_code == 404
    changed = client.put("/api/v1/documents/templates/rectification_order", headers=admin,
                         json={"body": body | {"prefix": "（临港）应急责改"}})
    assert changed.status_code == 200
    client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id), headers=lead)
    assert ("rectification_order", "（临港）应急责改〔2026〕1号", 1) in _documents(app)


def test_signature_pngs_are_normalised(app):
    from inspections.signatures import decode

    with app.test_request_context():
        assert decode(signature_png(4), ("x",)) == decode(signature_png(4), ("x",))
        assert decode(signature_png(4), ("x",)).startswith(b"\x89PNG")


def test_a_refusal_to_sign_is_recorded(app, client, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    response = client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id, refused=True),
                           headers=lead)
    assert response.status_code == 201
    refusal = response.json["signed"][2]
    assert refusal["refused"] and refusal["witness"] == "村委会 李四" and refusal["signer_name"] == "张三"
    assert signatures(True)[2]["refusal_reason"] == refusal["refusal_reason"]


@requires_postgres
def test_twenty_concurrent_issues_number_one_to_twenty(app, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    payloads = iter([signed_payload(make_enterprise(), second_id, findings=[],
                                    checklist=[{"item_code": "HC-01", "result": "passed"}]) for _ in range(20)])
    lock = threading.Lock()

    def post():
        with lock:
            payload = next(payloads)
        return app.test_client().post("/api/v1/inspections", headers=lead, json=payload).status_code

    assert at_once(20, post) == [201] * 20
    assert sorted(serial for _, _, serial in _documents(app)) == list(range(1, 21))


def test_a_number_given_back_by_a_rollback_is_given_again(app):
    from documents.service import _next_serial

    with app.app_context():
        first = _next_serial("inspection_record", 2031)
        db.session.rollback()
        assert _next_serial("inspection_record", 2031) == first == 1
        assert _next_serial("inspection_record", 2031) == 2
        assert _next_serial("rectification_order", 2031) == 1
        db.session.rollback()


def test_on_site_documents_are_dated_and_numbered_by_the_day_they_were_signed(app, client, crew, make_enterprise):
    """Signed at 23:30 in Shanghai on New Year's Eve 2025 (15:30 UTC), sent days later: dated 2025, numbered in
    2025's series."""
    lead, _, second_id, _ = crew()
    payload = signed_payload(make_enterprise(), second_id, inspected_dt="2025-12-31T14:00:00+00:00")
    payload["ended_dt"] = "2025-12-31T15:00:00+00:00"
    for row in payload["signatures"]:
        row["signed_dt"] = "2025-12-31T15:30:00+00:00"
    assert client.post("/api/v1/inspections", json=payload, headers=lead).status_code == 201
    assert _documents(app) == [("inspection_record", "（港）安监检记〔2025〕1号", 1),
                               ("rectification_order", "（港）安监责改〔2025〕1号", 1)]
    with app.app_context():
        assert {d.content["issued_on"] for d in db.session.scalars(sa.select(Document))} == {"2025-12-31"}


def test_the_database_refuses_to_change_an_issued_document(app, client, crew, make_enterprise):
    """Below the application too: plain SQL cannot rewrite a document's bytes or number."""
    from documents.immutable import NEVER_CHANGE

    lead, _, second_id, _ = crew()
    client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id), headers=lead)
    with app.app_context():
        original = db.session.scalar(sa.select(Document.pdf_sha256).limit(1))
        for change in ("number = 'forged'", "pdf = pdf_en"):
            with pytest.raises(sa.exc.DBAPIError, match=NEVER_CHANGE):
                db.session.execute(sa.text(f"UPDATE documents SET {change}"))
            db.session.rollback()
        assert db.session.scalar(sa.select(Document.pdf_sha256).limit(1)) == original


@pytest.mark.parametrize("change, where", [
    (lambda p: p.update(inspected_dt="2099-01-01T00:00:00+00:00"), ("inspected_dt",)),
    (lambda p: p.update(ended_dt="2099-01-01T00:00:00+00:00"), ("ended_dt",)),
    (lambda p: p["signatures"][2].update(signed_dt="2099-01-01T00:00:00+00:00"), ("signatures", "2", "signed_dt")),
    (lambda p: p["signatures"][0].update(signed_dt="2001-01-01T00:00:00+00:00"), ("signatures", "0", "signed_dt")),
], ids=["start-ahead", "end-ahead", "signed-ahead", "signed-before-start"])
def test_times_from_a_wrong_tablet_clock_are_refused(app, client, crew, make_enterprise, change, where):
    """A tablet whose clock is wrong would start the wrong year's number series and date the documents wrongly."""
    lead, _, second_id, _ = crew()
    payload = signed_payload(make_enterprise(), second_id)
    change(payload)
    response = client.post("/api/v1/inspections", json=payload, headers=lead)
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    for key in where:
        errors = errors[key]
    assert "clock" in errors[0]
    assert _documents(app) == []


def test_a_refusal_reason_is_a_sentence_or_two(app, client, crew, make_enterprise):
    lead, _, second_id, _ = crew()
    payload = signed_payload(make_enterprise(), second_id, refused=True)
    payload["signatures"][2]["refusal_reason"] = "拒" * 301
    response = client.post("/api/v1/inspections", json=payload, headers=lead)
    assert response.status_code == 422 and response.json["errors"]["json"]["signatures"]["2"]["refusal_reason"]
    payload["signatures"][2]["refusal_reason"] = "拒" * 300
    assert client.post("/api/v1/inspections", json=payload, headers=lead).status_code == 201


def _images_in(pdf: bytes, tmp_path) -> int:
    """How many images a PDF holds, by poppler's ``pdfimages -list`` (two header lines, then one per image)."""
    import subprocess

    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    return len(listed.splitlines()) - 2


def test_a_correction_corrects_the_place_and_leaves_signatures_for_ink(app, client, crew, make_enterprise, tmp_path):
    from audit.models import AuditEntry

    lead, _, second_id, _ = crew()
    inspection = client.post("/api/v1/inspections", json=signed_payload(make_enterprise(), second_id),
                             headers=lead).json
    record = client.get(f"/api/v1/documents?kind=inspection_record&inspection_id={inspection['id']}",
                        headers=lead).json[0]
    original = client.get(f"/api/v1/documents/{record['id']}/pdf", headers=lead).data
    assert _images_in(original, tmp_path) == 3  # the three signatures
    blank = client.post(f"/api/v1/documents/{record['id']}/corrections", headers=lead,
                        json={"reason": "负责人姓名有误", "contact_name": ""})
    assert blank.status_code == 422 and "contact_name" in blank.json["errors"]["json"]
    corrected = client.post(f"/api/v1/documents/{record['id']}/corrections", headers=lead,
                            json={"reason": "检查场所填写有误", "location": "二号罐区", "contact_title": "总经理"})
    assert corrected.status_code == 201, corrected.json
    with app.app_context():
        stored = db.session.get(Document, corrected.json["id"])
        assert stored.content["inspection"]["place"] == "二号罐区"
        assert stored.content["person_in_charge"]["title"] == "总经理"
        assert all(row["blank"] and row["image"] is None for row in stored.content["signatures"])
        assert _images_in(stored.pdf, tmp_path) == 0
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "inspection.corrected"))
        assert entry.before == {"location": "罐区", "contact_title": "安全总监"}
    assert client.get(f"/api/v1/inspections/{inspection['id']}", headers=lead).json["location"] == "二号罐区"


def test_the_record_carries_the_findings_photos_as_an_appendix(app, client, crew, make_enterprise, tmp_path):
    from tests.inspections.test_concurrent_retries import _photo

    lead, _, second_id, _ = crew()
    photos = [_photo(client, lead, (200, 40 * n, 30)) for n in range(2)]
    payload = signed_payload(make_enterprise(), second_id)
    payload["findings"][0]["photo_ids"] = photos[::-1]
    assert client.post("/api/v1/inspections", json=payload, headers=lead).status_code == 201
    with app.app_context():
        record = db.session.scalar(sa.select(Document).where(Document.kind == "inspection_record"))
        from photos.models import Photo

        hashes = [db.session.get(Photo, pid).sha256 for pid in photos[::-1]]
        assert record.content["findings"][0]["photos"] == hashes  # in the order they were attached
        assert _images_in(record.pdf, tmp_path) == 3 + 2  # the signatures, then the photos' thumbnails
