"""The agreement's file: a PDF or a picture, checked by content (never by name or claimed type), at most 10 MB,
stored with the database rows, served only to people who are logged in."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from core.db import db
from premises.models import AgreementFile
from tests.premises.conftest import pdf_bytes


def _jpeg(size=(1200, 1600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (240, 240, 235)).save(buffer, "JPEG", exif=Image.Exif())
    return buffer.getvalue()


def _put(client, headers, tenancy_id, data, filename="agreement.pdf", mimetype="application/pdf",
         signed_on="2026-01-05", expires_on="2027-01-04"):
    return client.put(f"/api/v1/tenancies/{tenancy_id}/agreement?signed_on={signed_on}&expires_on={expires_on}",
                      headers=headers, data={"file": (io.BytesIO(data), filename, mimetype)},
                      content_type="multipart/form-data")


@pytest.fixture
def tenancy(make_premises, make_tenancy):
    return make_tenancy(make_premises())


def _files(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AgreementFile))


def test_a_pdf_agreement_is_recorded_and_served_as_uploaded(app, client, auth, tenancy):
    data = pdf_bytes()
    response = _put(client, auth("safety_manager"), tenancy, data)
    assert response.status_code == 200, response.json
    assert (response.json["agreement_signed_on"], response.json["agreement_expires_on"]) == ("2026-01-05",
                                                                                             "2027-01-04")
    assert response.json["agreement_file"] is True
    served = client.get(f"/api/v1/tenancies/{tenancy}/agreement", headers=auth("inspector"))
    assert served.status_code == 200 and served.mimetype == "application/pdf" and served.data == data
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served.headers["Cache-Control"]


def test_a_photograph_of_the_agreement_is_kept_as_a_jpeg_without_metadata(app, client, auth, tenancy):
    png = io.BytesIO()
    Image.new("RGB", (3000, 4000), "white").save(png, "PNG")
    response = _put(client, auth("inspector"), tenancy, png.getvalue(), "scan.pdf", "application/pdf")
    assert response.status_code == 200, response.json
    served = client.get(f"/api/v1/tenancies/{tenancy}/agreement", headers=auth("inspector"))
    assert served.mimetype == "image/jpeg"
    picture = Image.open(io.BytesIO(served.data))
    assert (picture.format, max(picture.size)) == ("JPEG", 2400) and not picture.getexif()


@pytest.mark.parametrize(("data", "says"), [
    (b"<html><script>alert(1)</script></html>", "neither a PDF nor a picture"),
    (b"", "empty"),
    (b"%PDF-1.7\n1 0 obj <<>> endobj\n", "damaged or incomplete"),  # no end-of-file marker
    (b"%PDFX not really\n%%EOF\n", "damaged or incomplete"),
    (b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n",
     "active content"),
    (b"%PDF-1.4\n1 0 obj << /Type /EmbeddedFile >> endobj\n%%EOF\n", "active content"),
    (_jpeg()[:2000], "damaged"),
])
def test_files_that_are_not_a_plain_agreement_are_refused_by_content(app, client, auth, tenancy, data, says):
    # named and typed as a PDF whatever they hold: the content decides
    response = _put(client, auth("safety_manager"), tenancy, data, "agreement.pdf", "application/pdf")
    assert response.status_code == 422, response.json
    assert says in response.json["errors"]["files"]["file"][0]
    assert _files(app) == 0


def test_a_file_over_10_mb_is_refused(app, client, auth, tenancy):
    big = pdf_bytes()[:-6] + b"%" + b"x" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    # Encoded here: the test client would spool a body this large to a file it never closes.
    body = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n" + big + b"\r\n--B--\r\n")
    response = client.put(f"/api/v1/tenancies/{tenancy}/agreement?signed_on=2026-01-05&expires_on=2027-01-04",
                          headers=auth("safety_manager"), data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 422 and "10 MB" in response.json["errors"]["files"]["file"][0]


def test_dates_out_of_order_are_refused_and_nothing_is_stored(app, client, auth, tenancy):
    response = _put(client, auth("safety_manager"), tenancy, pdf_bytes(), signed_on="2026-02-01",
                    expires_on="2026-01-31")
    assert response.status_code == 422 and "expires_on" in response.json["errors"]["query"]
    assert _files(app) == 0


def test_the_file_is_only_for_people_who_are_logged_in(client, auth, tenancy):
    _put(client, auth("safety_manager"), tenancy, pdf_bytes())
    assert client.get(f"/api/v1/tenancies/{tenancy}/agreement").status_code == 401
    assert client.get(f"/api/v1/tenancies/{tenancy}/agreement", headers=auth("env_staff")).status_code == 200


def test_no_file_on_record_is_a_404(client, auth, tenancy):
    assert client.get(f"/api/v1/tenancies/{tenancy}/agreement", headers=auth("inspector")).status_code == 404


def test_a_renewed_agreement_replaces_the_old_one_and_the_audit_keeps_it(app, client, auth, tenancy):
    from audit.models import AuditEntry

    headers = auth("safety_manager")
    _put(client, headers, tenancy, pdf_bytes("first"))
    renewed = _put(client, headers, tenancy, pdf_bytes("second"), signed_on="2027-01-01", expires_on="2028-12-31")
    assert renewed.json["agreement_expires_on"] == "2028-12-31"
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "tenancy.agreement_recorded")
                                     .order_by(AuditEntry.id)).all()
        assert entries[1].before["agreement_expires_on"] == "2027-01-04"
    assert _files(app) == 2
