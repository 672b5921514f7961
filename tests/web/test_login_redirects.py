"""After login, ``next`` only ever leads to a path on this site, whatever is written into it; and links the
pages build from the query string (the language switch) stay on this site too."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.web.conftest import PASSWORD, form_token

SITE = "https://zone.example/login"

# The decoded value the view receives is what matters: each is sent percent-encoded as the browser would.
HOSTILE = [
    "/\t/evil.com", "/\n/evil.com", "/\r\n/evil.com", "\t//evil.com", " //evil.com", "//evil.com", "///evil.com",
    "////evil.com", "/\\evil.com", "\\\\evil.com", "/\\/evil.com", "\\/evil.com", "https://evil.com", "https:evil.com",
    "http:/evil.com", "HTTPS://evil.com/", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.com", "@evil.com", "/.//evil.com", "/./%2F/evil.com",
    "/%2e//evil.com", "/../evil.com", "/%2E%2E//evil.com", "/\u3000/evil.com", "/\u2028/evil.com", "/\u00a0/evil.com",
    "/\u200b/evil.com", "/\ufeff/evil.com", "/\x00/evil.com", "/\x0b/evil.com", "\x0c//evil.com", "/\x7f/evil.com",
    "/\uff0f/evil.com" + "\t", "//evil.com@zone.example", "/" + "a" * 3000,
]


def _browser_target(location: str) -> str:
    """Where a browser goes: it drops tabs and newlines and reads backslashes as slashes (WHATWG URL)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urljoin(SITE, cleaned)


def _login(client, make_user, next_value: str):
    _, username = make_user("inspector")
    token = form_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", query_string={"next": next_value},
                       data={"username": username, "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("target", HOSTILE, ids=[repr(t)[:40] for t in HOSTILE])
def test_next_never_leaves_the_site(app, make_user, target):
    response = _login(app.test_client(), make_user, target)
    if response.status_code == 400:  # NUL and some controls are refused before any view (web.views)
        assert "Location" not in response.headers and "next" in response.get_data(as_text=True)
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/", location  # refused outright: the home page, not a repaired guess
    assert urlsplit(_browser_target(location)).netloc == "zone.example"


@pytest.mark.parametrize(("target", "expected"), [
    ("/findings/3", "/findings/3"),
    ("/enterprises?q=港区 一片".replace(" ", "+"), "/enterprises?q=%E6%B8%AF%E5%8C%BA+%E4%B8%80%E7%89%87"),
    ("/findings?show=all&lang=en", "/findings?show=all&lang=en"),
    ("/enterprises/%2F%2Fevil.com", "/enterprises/%2F%2Fevil.com"),  # an encoded slash stays inside the path
])
def test_paths_on_the_site_are_kept_and_sent_ascii_only(app, make_user, target, expected):
    response = _login(app.test_client(), make_user, target)
    assert response.status_code == 302 and response.headers["Location"] == expected


def test_the_page_asked_for_is_shown_after_login(app, make_user):
    client = app.test_client()
    sent = client.get("/findings?show=all")
    assert sent.status_code == 302
    _, username = make_user("inspector")
    login_url = sent.headers["Location"]
    token = form_token(client.get(login_url).get_data(as_text=True))
    response = client.post(login_url, data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/findings?show=all"


def test_language_links_ignore_url_for_parameters_in_the_query(app, login):
    client, _ = login("inspector")
    html = client.get("/enterprises?_external=1&_scheme=javascript&_anchor=x&q=a").get_data(as_text=True)
    links = re.findall(r'class="lang" href="([^"]*)"', html)
    assert links and all(link.startswith("/enterprises?") and "#" not in link and "_" not in link for link in links)


def test_a_query_parameter_named_like_a_path_part_does_not_break_the_page(app, login, make_enterprise):
    client, _ = login("inspector")
    enterprise = make_enterprise()
    response = client.get(f"/enterprises/{enterprise}?enterprise_id=999")
    assert response.status_code == 200
    assert f'href="/enterprises/{enterprise}?lang=en"' in response.get_data(as_text=True)
