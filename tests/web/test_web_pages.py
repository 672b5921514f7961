"""The pages through Flask's test client: access, language, security headers, forms, escaping."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from inspections.models import ExtensionRequest, Finding
from tests.conftest import inspection_payload
from tests.web.conftest import csrf_from, form_token

ROLE_PAGES = {
    "inspector": ["/today", "/inspect", "/findings", "/enterprises", "/premises", "/alerts"],
    "safety_manager": ["/findings", "/extensions", "/cards", "/water-bodies", "/enterprises", "/premises", "/alerts"],
    "env_staff": ["/water-bodies", "/enterprises", "/alerts"],
    "admin": ["/findings", "/cards", "/water-bodies", "/enterprises", "/premises", "/alerts", "/users"],
}
# Texts that must appear translated on Chinese pages (an English msgid there means a missing translation).
ENGLISH_KEYS = ["Log out", "Enterprises", "Alerts", "Findings", "Port zone risk inspection", "Today",
                "New inspection", "Card board", "Extension requests", "Submit inspection"]


@pytest.fixture
def finding_id(app, client, auth, make_enterprise):
    """An inspection with one failed item, recorded through the API; returns its finding's id."""
    enterprise = make_enterprise(name="港城化工有限公司")
    payload = inspection_payload(enterprise, inspected_dt=datetime.now(UTC).isoformat())
    payload["findings"][0]["description"] = "<script>alert('x')</script> 装卸区警示标志缺失"
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert response.status_code == 201, response.json
    return response.json["findings"][0]["id"]


def test_login_page_is_chinese_by_default_and_english_on_request(client):
    zh = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in zh and "登录" in zh and "Log in" not in zh
    en = client.get("/login?lang=en")
    assert "Log in" in en.get_data(as_text=True)
    assert "lang=en" in en.headers["Set-Cookie"]
    assert "Log in" in client.get("/login").get_data(as_text=True)  # remembered


def test_login_with_wrong_password_stays_on_the_form(client, make_user):
    _, username = make_user("inspector")
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": username, "password": "wrong", "csrf_token": form_token(page)})
    assert response.status_code == 200
    assert "用户名不存在或密码错误" in response.get_data(as_text=True)


def test_login_needs_the_csrf_token(client, make_user):
    _, username = make_user("inspector")
    response = client.post("/login", data={"username": username, "password": "correct horse"})
    assert response.status_code == 400


def test_session_cookie_is_httponly_and_samesite(app, client, make_user):
    _, username = make_user("inspector")
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": username, "password": "correct horse",
                                           "csrf_token": form_token(page)})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("env", "testing", "secure"), [
    ({}, False, True), ({}, True, False), ({"SESSION_COOKIE_SECURE": "false"}, False, False),
    ({"SESSION_COOKIE_SECURE": "true"}, True, True),
])
def test_secure_cookies_unless_debugging_or_testing(monkeypatch, env, testing, secure):
    from app import create_app

    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert create_app({"TESTING": testing}).config["SESSION_COOKIE_SECURE"] is secure


def test_bad_secure_cookie_setting_stops_start_up(monkeypatch):
    from app import create_app
    from core.config import ConfigError

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "maybe")
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        create_app()


def test_after_login_the_next_page_is_followed_but_only_on_this_site(client, make_user):
    _, username = make_user("inspector")
    for target, expected in (("/findings", "/findings"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        client.post("/logout", data={"csrf_token": csrf(client)})
        page = client.get("/login").get_data(as_text=True)
        response = client.post("/login", query_string={"next": target},
                               data={"username": username, "password": "correct horse",
                                     "csrf_token": form_token(page)})
        assert response.headers["Location"] == expected


def csrf(client):
    return csrf_from(client.get("/login").get_data(as_text=True))


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/today")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/today")


def test_a_page_for_another_role_is_403_in_html(login):
    client, _ = login("env_staff")
    response = client.get("/inspect")
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "您的角色无权访问此页面" in response.get_data(as_text=True)


def test_pages_carry_the_security_headers(login):
    client, _ = login("inspector")
    response = client.get("/inspect")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "img-src 'self' blob: data:" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script found"
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "inline event handler found"
    assert '<meta name="csrf-token" content="' in html


@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_of_every_role_renders_in_both_languages(login, role, lang):
    client, _ = login(role)
    client.get(f"/?lang={lang}")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == ROLE_PAGES[role][0]
    for path in ROLE_PAGES[role]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        nav = re.findall(r'<nav class="mainnav".*?</nav>', html, re.S)[0]
        assert nav.count("<a ") == len(ROLE_PAGES[role]), (path, nav)
        if lang == "zh":
            for key in ENGLISH_KEYS:
                assert f">{key}<" not in html, f"untranslated {key!r} on {path}"
            assert "退出" in html
        else:
            assert "Log out" in html and "退出" not in html


def test_user_text_is_escaped_everywhere_it_is_shown(app, login, finding_id):
    client, _ = login("safety_manager")
    with app.app_context():
        enterprise_id = db.session.get(Finding, finding_id).enterprise_id
    for path in (f"/findings/{finding_id}", "/findings?show=open", f"/enterprises/{enterprise_id}"):
        html = client.get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html, path
        assert "<script>alert(" not in html


def test_finding_page_shows_the_item_and_both_photo_columns(login, finding_id):
    client, _ = login("inspector")
    html = client.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert "HC-G-01" in html and "整改前（取证）" in html and "整改后" in html
    assert f'action="/findings/{finding_id}/rectification"' in html


def _post(client, path, prefix, data):
    page = client.get(path.rsplit("/", 1)[0] if path.endswith(("rectification", "verification", "extension"))
                      else path).get_data(as_text=True)
    token = form_token(page, prefix)
    return client.post(path, data={f"{prefix}-csrf_token": token} | {f"{prefix}-{k}": v for k, v in data.items()})


def _status(app, finding_id):
    with app.app_context():
        return db.session.get(Finding, finding_id).status


def test_rectify_then_reject_then_rectify_then_verify(app, login, finding_id):
    client, _ = login("inspector")
    checker, _ = login("inspector")  # whoever submitted a rectification does not check it (issue 13)
    base = f"/findings/{finding_id}"
    assert _post(client, f"{base}/rectification", "rect", {"note": "已补设警示标志"}).status_code == 302
    assert _status(app, finding_id) == "rectification_submitted"
    refused = _post(checker, f"{base}/verification", "verify", {"decision": "reject", "note": ""})
    assert refused.status_code == 400 and "驳回须填写理由" in refused.get_data(as_text=True)
    rejected = _post(checker, f"{base}/verification", "verify", {"decision": "reject", "note": "标志位置不对"})
    assert rejected.status_code == 302
    assert _status(app, finding_id) == "open"
    assert _post(client, f"{base}/rectification", "rect", {"note": "已移至装卸口"}).status_code == 302
    assert _post(checker, f"{base}/verification", "verify", {"decision": "accept", "note": ""}).status_code == 302
    assert _status(app, finding_id) == "verified"
    html = client.get(base).get_data(as_text=True)
    assert "已销号" in html and "标志位置不对" in html


def test_a_workflow_error_is_shown_on_the_page(app, login, finding_id):
    client, _ = login("inspector")
    response = _post(client, f"/findings/{finding_id}/extension", "ext",
                     {"new_deadline": "2000-01-01", "reason": "材料未到"})
    assert response.status_code == 409
    assert "未保存" in response.get_data(as_text=True)


def test_extension_is_requested_and_a_manager_approves_it_from_the_list(app, login, finding_id):
    inspector, _ = login("inspector")
    with app.app_context():
        old = db.session.get(Finding, finding_id).deadline
    new = (old + timedelta(days=30)).isoformat()  # within the 60 days a general hazard may be moved ahead
    assert _post(inspector, f"/findings/{finding_id}/extension", "ext",
                 {"new_deadline": new, "reason": "设备采购周期长"}).status_code == 302
    manager, _ = login("safety_manager")
    listing = manager.get("/extensions").get_data(as_text=True)
    assert "设备采购周期长" in listing
    response = manager.post(f"/findings/{finding_id}/extension/decision?back=extensions",
                            data={"decide-csrf_token": form_token(listing, "decide"), "decide-decision": "approve",
                                  "decide-note": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/extensions"
    with app.app_context():
        assert db.session.get(Finding, finding_id).deadline.isoformat() == new
        assert db.session.scalar(sa.select(ExtensionRequest.status)) == "approved"


def test_an_inspector_cannot_decide_extensions(login, finding_id):
    client, _ = login("inspector")
    page = client.get(f"/findings/{finding_id}").get_data(as_text=True)
    response = client.post(f"/findings/{finding_id}/extension/decision",
                           data={"decide-csrf_token": csrf_from(page),
                                 "decide-decision": "approve"})
    assert response.status_code == 403


def test_today_lists_my_inspections_and_open_findings(login, app, make_enterprise):
    client, user_id = login("inspector")
    from inspections import service

    with app.app_context():
        payload = inspection_payload(make_enterprise(name="滨江燃气公司"), inspected_dt=datetime.now(UTC))
        from inspections.schemas import InspectionCreateSchema

        service.record(InspectionCreateSchema().load(payload | {"inspected_dt": payload["inspected_dt"].isoformat()}),
                       user_id)
        db.session.commit()
    html = client.get("/today").get_data(as_text=True)
    assert html.count("滨江燃气公司") == 2  # once as today's inspection, once with its open finding


def test_card_board_filters_and_export_link(login, app, make_enterprise):
    client, _ = login("safety_manager")
    html = client.get("/cards?colour=red&sector=construction&sort=issued&zone=港区一片").get_data(as_text=True)
    assert "/api/v1/cards/export.xlsx?" in html and "colour=red" in html
    assert client.get("/cards?colour=purple").status_code == 200  # unknown filters are ignored


def test_alerts_page_is_filled_from_the_alerts_api(login):
    client, _ = login("env_staff")
    html = client.get("/alerts").get_data(as_text=True)
    assert 'data-api="/api/v1/alerts"' in html and "alerts.js" in html


def test_service_worker_and_fresh_csrf_token(login):
    client, _ = login("inspector")
    sw = client.get("/sw.js")
    assert sw.mimetype == "text/javascript" and sw.headers["Service-Worker-Allowed"] == "/"
    body = sw.get_data(as_text=True)
    assert "/ui/static/inspect.js?v=" in body and '"/inspect"' in body
    token = client.get("/csrf-token")
    assert token.json["token"] and "no-store" in token.headers["Cache-Control"]


def test_logout_needs_post_with_token(login):
    client, _ = login("inspector")
    assert client.get("/logout").status_code == 405
    page = client.get("/today").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": form_token(page)})
    assert response.status_code == 302
    assert client.get("/today").status_code == 302
