"""Fixtures for the alert tests: findings with a chosen deadline, people with e-mail addresses, a real SMTP
server (aiosmtpd) and a real HTTP server on loopback, each recording what arrived."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from core.db import db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2027, 1, 1)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A moment of a local day in the zone (as UTC), the way the scheduler sees time."""
    return datetime.combine(day, clock(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def card_calls(monkeypatch):
    """Record which enterprises a pass re-evaluates (the real re-evaluation still runs)."""
    from cards import service

    calls, real = [], service.reevaluate

    def spy(ids, today=None):
        calls.append(sorted(ids))
        return real(ids, today)

    monkeypatch.setattr(service, "reevaluate", spy)
    return calls


@pytest.fixture
def make_person(app):
    """``make_person("safety_manager", email="li@x.cn")`` → user id; a person with roles and an address."""
    from accounts import service

    def make(*roles, email=None, active=True):
        with app.app_context():
            user = service.create_user(f"p{uuid.uuid4().hex[:8]}", "correct horse", roles, full_name="李娜",
                                       email=email)
            user.is_active = active
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def make_finding(app, make_enterprise, make_person):
    """``make_finding(deadline)`` → finding id: an open finding of a new inspection (one line per case)."""
    from inspections.models import Finding, Inspection

    state = {}

    def make(deadline: date, status="open", enterprise_id=None, inspector_id=None, description="储罐区防火堤破损"):
        if enterprise_id is None:
            state.setdefault("enterprise", make_enterprise(name="港区化工有限公司"))
            enterprise_id = state["enterprise"]
        if inspector_id is None:
            state.setdefault("inspector", make_person("inspector", email="zhang.wei@port.example.cn"))
            inspector_id = state["inspector"]
        with app.app_context():
            inspection = Inspection(client_id=str(uuid.uuid4()), payload_sha256="", enterprise_id=enterprise_id,
                                    domain="hazardous_chemicals", inspector_id=inspector_id,
                                    inspected_dt=at(deadline - timedelta(days=15)))
            finding = Finding(enterprise_id=enterprise_id, description=description, category="thing",
                              severity="general", deadline=deadline, status=status,
                              found_dt=inspection.inspected_dt)
            inspection.findings.append(finding)
            db.session.add(inspection)
            db.session.commit()
            return finding.id

    make.state = state
    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink:
    """A real SMTP server on loopback; ``start()`` late to play a server that is down (connection refused)."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def start(self):
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, seconds: float = 10):
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_sink():
    sink = SMTPSink()
    yield sink
    sink.stop()


class WebhookSink:
    """A real HTTP server on loopback. ``mode``: "ok" (200), "error" (500), "slow" (answers after ``delay``),
    "robot_refuses" (200 with a robot's non-zero errcode). ``received`` holds the bodies answered 200/ok."""

    def __init__(self):
        self.mode, self.delay = "ok", 2.0
        self.received: list[dict] = []
        self.keys: list[str] = []
        self.attempts = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with sink._lock:
                    sink.attempts += 1
                if sink.mode == "slow":
                    time.sleep(sink.delay)
                    return self._answer(504, {"errcode": 1})  # the caller has given up by now
                if sink.mode == "error":
                    return self._answer(500, {"error": "down"})
                if sink.mode == "robot_refuses":
                    return self._answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
                with sink._lock:
                    sink.received.append(payload)
                    sink.keys.append(self.headers["Idempotency-Key"])
                return self._answer(200, {"errcode": 0, "errmsg": "ok"})

            def _answer(self, status, body):
                raw = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def webhook_sink():
    sink = WebhookSink()
    yield sink
    sink.close()


@pytest.fixture
def channels(app, monkeypatch, smtp_sink, webhook_sink):
    """Point the e-mail and webhook channels at the loopback servers (SMTP not started yet)."""
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_sink.port, "MAIL_FROM": "alerts@port.example.cn",
                       "ALERT_WEBHOOK_URLS": (webhook_sink.url,), "ALERT_WEBHOOK_FORMAT": "generic",
                       "ALERT_SEND_TIMEOUT": 1}.items():
        monkeypatch.setitem(app.config, key, value)
    return smtp_sink, webhook_sink
