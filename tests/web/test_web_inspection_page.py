"""The inspection page, the documents on the pages and a document's PDF (issue 13), through the test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from core.db import db
from risk_rules.citation import cite
from tests.conftest import inspection_payload
from tests.web.conftest import ZONE, certify, local_day, pdftext, signed, successor_notice


@pytest.fixture
def recorded(app, login, make_user, make_enterprise):
    """``recorded(refused=False, **payload fields)`` → (lead's test client, the stored inspection as the API
    answered): a signed inspection by a lead and a second inspector who both hold certificate numbers."""

    def record(refused=False, **fields):
        client, lead = login("inspector")
        certify(app, lead, "32000012345", "张三")
        second, _ = make_user("inspector")
        certify(app, second, "32000067890", "李四")
        enterprise = make_enterprise(name="港城化工有限公司", address="港城路 1 号")
        payload = signed(inspection_payload(enterprise, **fields), second, refused=refused)
        response = client.post("/api/v1/inspections", json=payload,
                               headers={"X-CSRFToken": client.get("/csrf-token").json["token"]})
        assert response.status_code == 201, response.json
        return client, response.json

    return record


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_inspection_page_shows_what_was_recorded(app, recorded):
    from checklists.service import version_for

    client, inspection = recorded(refused=True)
    html = client.get(f"/inspections/{inspection['id']}").get_data(as_text=True)
    page = text_of(html)
    for expected in ("港城化工有限公司", "港城路 1 号", "罐区", "2026年11月20日 10:30", "2026年11月20日 11:30",
                     "张三", "32000012345", "李四", "32000067890", "王五", "安全总监", "0512-88886666"):
        assert expected in page, expected
    # Every item of the version in force that day, with its result; the ones not answered say so.
    with app.app_context():
        codes = [item.code for item in version_for("hazardous_chemicals", datetime(2026, 11, 20).date()).items]
    rows = re.findall(r'<tr class="result-([a-z_]+)" data-code="([^"]+)"', html)
    assert [code for _, code in rows] == codes
    results = dict((code, result) for result, code in rows)
    assert results["HC-01"] == "passed" and results["HC-G-01"] == "failed"
    assert sum(result == "not_checked" for result in results.values()) == len(codes) - 2
    # The answers read with items worded as the violation: 未发现 / 存在, not 合格 / 不合格.
    badges = dict(re.findall(r'<span class="badge res-badge res-([a-z_]+)">([^<]+)</span>', html))
    assert badges == {"passed": "未发现", "failed": "存在", "not_checked": "未检查"}
    # Each item's basis is cited with the standard's name and number, never a bare clause.
    item_row = text_of(html.split('data-code="HC-12"')[1].split("</tr>")[0])
    assert cite("安监总管三〔2017〕121号", "第十二项", "zh") in item_row
    # The finding with its standard, severity, deadline and status.
    finding = inspection["findings"][0]
    assert finding["standard"] and finding["clause"]
    block = text_of(html.split(f'data-finding="{finding["id"]}"')[1].split("</article>")[0])
    basis = cite(finding["standard"], finding["clause"], "zh", finding["standard_title"])
    assert basis.startswith("《") and finding["clause"] in basis
    for expected in ("装卸区安全警示标志缺失", basis, "一般隐患", "待整改"):
        assert expected in block, expected
    # Two signatures shown as images, the person in charge's refusal with reason and witness.
    assert len(re.findall(r'<img class="signature-image" src="data:image/png;base64,', html)) == 2
    refusal = text_of(html.split('data-role="enterprise"')[1].split("</li>")[0])
    assert "拒绝签字" in refusal and "认为检查结论有误" in refusal and "赵六" in refusal

    english = unescape(text_of(client.get(f"/inspections/{inspection['id']}?lang=en").get_data(as_text=True)))
    basis_en = cite(finding["standard"], finding["clause"], "en", finding["standard_title"])
    for expected in ("Lead inspector", "Second inspector", "Refused to sign", "Not checked", "Not found", "Found",
                     "Nov 20, 2026, 10:30", basis_en):
        assert expected in english, expected


def test_the_pages_link_to_the_inspection(app, recorded):
    client, inspection = recorded(inspected_dt=datetime.now(UTC).isoformat())
    link = f'href="/inspections/{inspection["id"]}"'
    assert link in client.get("/today").get_data(as_text=True)
    assert link in client.get(f"/enterprises/{inspection['enterprise_id']}").get_data(as_text=True)
    finding = client.get(f"/findings/{inspection['findings'][0]['id']}").get_data(as_text=True)
    assert link in finding
    basis = {key: inspection["findings"][0][key] for key in ("standard", "clause")}
    assert cite(**basis, lang="zh", title=inspection["findings"][0]["standard_title"]) in finding  # its basis too


def test_the_inspection_page_says_when_a_newer_edition_was_not_loaded(app, login, make_enterprise,
                                                                      parted_checklist):
    """From the successor's date, the record says plainly which newer edition is in force and not loaded."""
    parted_checklist(successor_from=local_day(-1), effective_from=local_day(-3))
    client, _ = login("inspector")
    enterprise = make_enterprise(name="港城机械制造有限公司", sector="general_industry", sub_sector="machinery")
    token = client.get("/csrf-token").json["token"]

    def record(when: datetime) -> int:
        payload = inspection_payload(
            enterprise, domain="industry_trade", inspected_dt=when.isoformat(),
            checklist=[{"item_code": "T-G-01", "result": "passed"}, {"item_code": "T-M-01", "result": "failed"}],
            findings=[{"item_code": "T-M-01", "description": "测试用隐患描述", "category": "thing"}])
        response = client.post("/api/v1/inspections", json=payload, headers={"X-CSRFToken": token})
        assert response.status_code == 201, response.json
        return response.json["id"]

    before = record(datetime.combine(local_day(-2), time(10), ZONE))
    after = record(datetime.now(UTC) - timedelta(minutes=5))
    html = client.get(f"/inspections/{before}").get_data(as_text=True)
    assert 'id="successor-notice"' not in html
    # The fixture's TEST-STD is in no registry file: its name is shown as stored, marked as typed text (issue 15).
    unmarked = re.sub(r"<span data-user-text>(.*?)</span>", r"\1", html)
    page = text_of(unmarked)
    assert cite("TEST-STD", "第1条", "zh") in text_of(unmarked.split('data-code="T-G-01"')[1].split("</tr>")[0])
    assert "《测试用判定标准》（TEST-STD）第4条" in page  # the finding's basis, with the standard's title
    for lang in ("zh", "en"):
        html = client.get(f"/inspections/{after}?lang={lang}").get_data(as_text=True)
        notice = re.search(r'<p class="flash flash-info" id="successor-notice">(.*?)</p>', html, re.S).group(1)
        assert notice == successor_notice(local_day(-1), lang)


@pytest.mark.parametrize("role", ["env_staff"])
def test_roles_without_access_get_403_and_no_links(app, recorded, login, role):
    _, inspection = recorded()
    other, _ = login(role)
    assert other.get(f"/inspections/{inspection['id']}").status_code == 403
    assert other.get("/documents/1.pdf").status_code == 403
    assert other.get("/documents/1.pdf?lang=en").status_code == 403
    enterprise = other.get(f"/enterprises/{inspection['enterprise_id']}").get_data(as_text=True)
    assert "/inspections/" not in enterprise and 'id="documents"' not in enterprise
    finding = other.get(f"/findings/{inspection['findings'][0]['id']}").get_data(as_text=True)
    assert "/inspections/" not in finding and 'id="documents"' not in finding


@pytest.mark.parametrize("role", ["inspector", "safety_manager", "admin"])
def test_unknown_inspections_and_documents_are_404(login, role):
    client, _ = login(role)
    assert client.get("/inspections/999999").status_code == 404
    assert client.get("/documents/999999.pdf").status_code == 404


def test_the_english_pdf_link_does_not_switch_the_pages_language(login):
    client, _ = login("safety_manager")
    client.get("/documents/999999.pdf?lang=en")
    assert "退出" in client.get("/enterprises").get_data(as_text=True)


def test_anonymous_visitors_of_a_pdf_go_to_the_login_page(client):
    response = client.get("/documents/1.pdf?lang=en")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# ---- the documents issued with a signed inspection ----------------------------------------------------------

def test_documents_are_listed_and_served_as_pdf(app, recorded, login):
    from documents import service

    client, inspection = recorded(refused=True)
    with app.app_context():
        documents = service.listing(inspection_id=inspection["id"])
        kinds = sorted(document.kind for document in documents)
        ids = {document.kind: (document.id, document.number) for document in documents}
    assert kinds == ["inspection_record", "rectification_order"]
    record_id, number = ids["inspection_record"]
    for url in (f"/inspections/{inspection['id']}", f"/enterprises/{inspection['enterprise_id']}",
                f"/findings/{inspection['findings'][0]['id']}"):
        html = client.get(url).get_data(as_text=True)
        assert f'href="/documents/{record_id}.pdf"' in html and f'href="/documents/{record_id}.pdf?lang=en"' in html
        assert number in html
    manager, _ = login("safety_manager")
    response = manager.get(f"/documents/{record_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'inline; filename="inspection_record-{record_id}.pdf"; filename*=UTF-8\'\'')
    assert disposition.isascii()
    cache = response.headers["Cache-Control"]
    assert "private" in cache and "immutable" in cache and "public" not in cache
    chinese = pdftext(response.data)
    assert number in chinese and "认为检查结论有误" in chinese
    english = manager.get(f"/documents/{record_id}.pdf?lang=en")
    assert english.status_code == 200 and english.data != response.data
    assert "-en.pdf" in english.headers["Content-Disposition"]
    assert "退出" in manager.get("/enterprises").get_data(as_text=True)  # the PDF's lang is not the pages'


def test_a_superseded_document_is_marked_and_links_to_its_correction(app, recorded):
    """A correction is a new document naming the one it supersedes; the enterprise page shows both."""
    from documents import service
    from documents.models import Document

    client, inspection = recorded()
    with app.app_context():
        original = next(d for d in service.listing(inspection_id=inspection["id"]) if d.kind == "inspection_record")
        serial = db.session.scalar(sa.select(sa.func.max(Document.serial)).where(Document.kind == original.kind)) + 1
        correction = Document(
            kind=original.kind, year=original.year, serial=serial, number=f"{original.number}（更正）",
            enterprise_id=original.enterprise_id, inspection_id=original.inspection_id, supersedes_id=original.id,
            correction_reason="更正检查地点", issued_by_id=original.issued_by_id, content=original.content,
            content_sha256=original.content_sha256, pdf=original.pdf + b"\n%c", pdf_sha256="c" * 64,
            pdf_en=original.pdf_en + b"\n%c", pdf_en_sha256="d" * 64)
        db.session.add(correction)
        db.session.commit()
        correction_id, original_id = correction.id, original.id
    html = client.get(f"/enterprises/{inspection['enterprise_id']}").get_data(as_text=True)
    superseded = html.split(f'data-document="{original_id}"')[1].split("</li>")[0]
    assert "已被更正" in superseded and f'href="/documents/{correction_id}.pdf"' in superseded
    assert "更正检查地点" in html.split(f'data-document="{correction_id}"')[1].split("</li>")[0]


def test_the_inspection_and_finding_pages_print_on_a4_without_navigation(recorded, tablet, browser_login, screenshots):
    """Print media (Chromium): no navigation, buttons or forms; black on white; a finding never split."""
    _, inspection = recorded(refused=True)
    page = tablet(portrait=True).new_page()
    browser_login(page, "safety_manager")
    for url in (f"/inspections/{inspection['id']}", f"/findings/{inspection['findings'][0]['id']}"):
        page.goto(url)
        assert page.locator("header.topbar").is_visible()
        page.emulate_media(media="print")
        hidden = page.evaluate("""() => ['header.topbar', 'nav.mainnav', '.btn', 'form', '#net-status']
            .flatMap((s) => Array.from(document.querySelectorAll(s)))
            .filter((el) => el.offsetParent !== null || getComputedStyle(el).display !== 'none').length""")
        assert hidden == 0
        colours = page.evaluate("""() => [getComputedStyle(document.body).color,
                                          getComputedStyle(document.querySelector('main')).backgroundColor,
                                          getComputedStyle(document.querySelector('.panel')).backgroundColor]""")
        assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)", "rgb(255, 255, 255)"]
        pdf = page.pdf(prefer_css_page_size=True)  # what the print dialog makes: A4 from the style sheet
        assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox [0 0 594" in pdf
        screenshots(page, "print-" + url.strip("/").replace("/", "-").rstrip("0123456789").rstrip("-"))
        page.emulate_media(media="screen")
    page.goto(f"/inspections/{inspection['id']}")
    page.emulate_media(media="print")
    assert page.locator(".finding-block").first.evaluate("(el) => getComputedStyle(el).breakInside") == "avoid"


def test_the_enterprise_page_lists_its_documents_in_the_page_not_its_title(recorded):
    client, inspection = recorded()
    html = client.get(f"/enterprises/{inspection['enterprise_id']}").get_data(as_text=True)
    title = re.search(r"<title[^>]*>(.*?)</title>", html, re.S).group(1)  # marked data-user-text (issue 15)
    assert "港城化工有限公司" in title and "<" not in title and "（港）" not in title
    documents = re.search(r'<section class="panel" id="documents">(.*?)</section>', html, re.S).group(1)
    assert "（港）安监检记〔" in documents and "（港）安监责改〔" in documents
