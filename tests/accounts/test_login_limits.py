"""Failed logins are limited the same way on the login page and the token endpoint, in one count shared by
both and by all workers (Redis), per client and per account, and an attacker next to the users (same address,
same proxy) cannot lock a user out of the devices that user already logs in from."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from accounts.auth import DEVICE_COOKIE, limiter

PASSWORD = "correct horse"  # what tests/conftest.py's make_user gives every user
ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379"


@pytest.fixture(autouse=True)
def _fresh_counts(app):
    yield
    app.config.update(LOGIN_RATE_LIMIT="10 per minute", LOGIN_ACCOUNT_RATE_LIMIT="50 per hour")
    limiter.reset()


def _page_login(client, username, password=PASSWORD):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def _api_login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/tokens", json={"username": username, "password": password})


def _client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_login_page_is_limited_like_the_token_endpoint(app, make_user):
    _, username = make_user()
    browser = app.test_client()
    assert [_page_login(browser, username, "wrong").status_code for _ in range(10)] == [200] * 10
    blocked = _page_login(browser, username, "wrong")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert "登录失败次数过多" in blocked.get_data(as_text=True)
    assert _page_login(browser, username).status_code == 429  # even the right password waits
    assert browser.get("/login").status_code == 200  # the form itself is still shown
    assert _page_login(app.test_client(), make_user()[1]).status_code == 302  # another account is not affected


def test_the_page_and_the_api_count_together(app, make_user):
    _, username = make_user()
    client = app.test_client()
    assert {_page_login(client, username, "wrong").status_code for _ in range(5)} == {200}
    assert {_api_login(client, username, "wrong").status_code for _ in range(5)} == {401}
    assert _api_login(client, username).status_code == 429
    assert _page_login(client, username).status_code == 429


def test_spelling_the_username_differently_does_not_give_more_guesses(app, make_user):
    _, username = make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    for spelling in (username, f" {username}", f"{username.upper()}  "):
        assert _page_login(client, spelling, "wrong").status_code == 200
    assert _page_login(client, username).status_code == 429


def test_a_neighbour_cannot_lock_a_user_out_of_their_own_devices(app, make_user):
    """The attacker shares the user's address (one NAT or proxy for the whole office) and also guesses from
    other addresses until the account's own limit is spent: new clients wait, the user's tablet does not."""
    _, username = make_user()
    app.config.update(LOGIN_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_RATE_LIMIT="5 per hour")
    tablet = app.test_client()
    assert _page_login(tablet, username).status_code == 302 and tablet.get_cookie(DEVICE_COOKIE)
    tablet.post("/logout", data={"csrf_token": re.search(
        r'name="csrf-token" content="([^"]+)"', tablet.get("/enterprises").get_data(as_text=True)).group(1)})

    neighbour = app.test_client()  # same address as the tablet (127.0.0.1)
    assert [_page_login(neighbour, username, "wrong").status_code for _ in range(4)] == [200, 200, 200, 429]
    for address in ("10.1.1.1", "10.1.1.2"):
        assert _api_login(_client_at(app, address), username, "wrong").status_code == 401
    fresh = _client_at(app, "10.1.1.3")
    assert _api_login(fresh, username).status_code == 429  # the account's limit holds off new clients

    assert _page_login(tablet, username).status_code == 302  # the user's own tablet still logs in
    assert _api_login(tablet, username).status_code == 201


def test_a_device_cookie_counts_its_own_failures_and_cannot_be_made_up(app, make_user):
    _, username = make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    tablet = app.test_client()
    assert _api_login(tablet, username).status_code == 201
    assert [_api_login(tablet, username, "wrong").status_code for _ in range(4)] == [401, 401, 401, 429]
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, tablet.get_cookie(DEVICE_COOKIE).value[:-2] + "xx")
    assert [_api_login(forged, username, "wrong").status_code for _ in range(4)] == [401, 401, 401, 429]
    other_user = make_user()[1]
    borrowed = app.test_client()  # a device cookie of one user does not count for another user
    borrowed.set_cookie(DEVICE_COOKIE, tablet.get_cookie(DEVICE_COOKIE).value)
    assert _api_login(borrowed, other_user, "wrong").status_code == 401


WORKER = """
import json, re, sys
from app import app
client = app.test_client()
username, *forwarded = sys.argv[1:]
statuses = []
for n, address in enumerate(forwarded):
    headers = {"X-Forwarded-For": address}
    if n % 2:
        statuses.append(client.post("/api/v1/auth/tokens", json={"username": username, "password": "wrong"},
                                    headers=headers).status_code)
    else:
        html = client.get("/login", headers=headers).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        statuses.append(client.post("/login", data={"username": username, "password": "wrong", "csrf_token": token},
                                    headers=headers).status_code)
print(json.dumps(statuses))
"""


def _worker(database_uri, tmp_path, username, addresses, proxies="1"):
    """One more process, as a gunicorn worker is: its own app, the same database and the same Redis."""
    env = os.environ | {"DATABASE_URL": database_uri, "SECRET_KEY": "shared", "UPLOAD_DIR": str(tmp_path),
                        "RATE_LIMIT_STORAGE_URI": REDIS, "TRUSTED_PROXIES": proxies}
    done = subprocess.run([sys.executable, "-c", WORKER, username, *addresses], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis on {REDIS}")


def test_workers_share_one_count_in_redis_by_the_forwarded_address(database_uri, make_user, tmp_path):
    _redis_or_skip()
    _, username = make_user(username=f"w{uuid.uuid4().hex[:12]}")
    attacker = "203.0.113.7"
    assert _worker(database_uri, tmp_path, username, [attacker] * 6) == [200, 401] * 3
    assert _worker(database_uri, tmp_path, username, [attacker] * 5 + ["198.51.100.9"]) == [
        200, 401, 200, 401, 429, 401]  # the 11th failure from the attacker, counted across both workers


def test_a_forwarded_address_is_believed_only_from_trusted_proxies(database_uri, make_user, tmp_path):
    _redis_or_skip()
    _, username = make_user(username=f"w{uuid.uuid4().hex[:12]}")
    made_up = [f"192.0.2.{n}" for n in range(11)]  # a client writing its own X-Forwarded-For, no proxy trusted
    assert _worker(database_uri, tmp_path, username, made_up, proxies="0")[-1] == 429
