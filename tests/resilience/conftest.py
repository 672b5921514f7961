"""Fixtures for proof under load and faults: a deployment built the way production builds it (``flask db
upgrade``, ``flask checklists load``) on a throwaway database, a real gunicorn with several workers on a free
loopback port in its own process group (so it can be SIGKILLed whole), the ``flask`` command, a plain HTTP
client (one connection per request, as a tablet on a flaky network) and distinct real JPEG files."""

from __future__ import annotations

import http.client
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv running pytest has gunicorn and flask
WORKERS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Deployment:
    """A database with the production schema and checklists, an upload directory and the environment that
    every process of the deployment (gunicorn, flask commands) runs with."""

    url: str
    upload_dir: Path
    env: dict[str, str]
    logs: Path
    _app: object = field(default=None, repr=False)

    def flask(self, *args: str, timeout: float = 300) -> str:
        """Run ``flask --app app ARGS`` to the end; its output (fails the test on a non-zero exit)."""
        done = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env, text=True,
                              capture_output=True, timeout=timeout)
        assert done.returncode == 0, f"flask {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        return done.stdout

    def spawn_flask(self, *args: str, log_name: str) -> subprocess.Popen:
        """Start ``flask --app app ARGS`` in its own process group (the caller waits for or kills it)."""
        log = open(self.logs / log_name, "ab")  # noqa: SIM115 (closed with the process, see ``reap``)
        process = subprocess.Popen([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        process.log = log
        return process

    @property
    def app(self):
        """An application object on the same database and upload directory, to seed and to inspect."""
        if self._app is None:
            from app import create_app

            self._app = create_app({"SQLALCHEMY_DATABASE_URI": self.url, "UPLOAD_DIR": str(self.upload_dir),
                                    "SECRET_KEY": self.env["SECRET_KEY"]})
        return self._app

    def close(self) -> None:
        if self._app is not None:
            from core.db import db

            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()


def reap(process: subprocess.Popen, kill: bool = False, timeout: float = 30) -> int:
    """Wait for a process started here (SIGKILL its whole group first when ``kill``); its exit code."""
    if kill and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    try:
        code = process.wait(timeout=timeout)
    finally:
        log = getattr(process, "log", None)
        if log is not None:
            log.close()
    return code


def _deployment(tmp_path: Path, postgres_url: str | None):
    with fresh_database(tmp_path, postgres_url) as url:
        logs = tmp_path / "logs"
        logs.mkdir()
        env = os.environ | {"DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path / "uploads"),
                            "SECRET_KEY": uuid.uuid4().hex, "RUN_SCHEDULER_IN_PROCESS": "false"}
        deployment = Deployment(url=url, upload_dir=tmp_path / "uploads", env=env, logs=logs)
        deployment.flask("db", "upgrade")
        deployment.flask("checklists", "load")
        try:
            yield deployment
        finally:
            deployment.close()


@pytest.fixture
def deployment(tmp_path):
    """A deployment on the suite's database kind: PostgreSQL when TEST_DATABASE_URL is set, else SQLite."""
    yield from _deployment(tmp_path, PG_URL)


class Server:
    """``gunicorn -w 4 'app:create_app()'`` on a free loopback port, in its own process group."""

    def __init__(self, deployment: Deployment, workers: int = WORKERS):
        self.deployment, self.workers = deployment, workers
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def start(self, timeout: float = 60) -> Server:
        self.port = free_port()
        log = open(self.deployment.logs / "gunicorn.log", "ab")  # noqa: SIM115 (closed by ``reap``)
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
             "--graceful-timeout", "10", "--no-control-socket", "app:create_app()"],
            cwd=ROOT, env=self.deployment.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.process.log = log
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited at start:\n{self.log_tail()}"
            try:
                if request(self.base, "GET", "/api/v1/health", timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: what a power cut or the OOM killer does."""
        reap(self.process, kill=True)
        self.process = None

    def stop(self) -> None:
        """Quick shutdown (SIGQUIT): the test is over, nothing is in flight to wait for."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGQUIT)
        try:
            reap(self.process, timeout=30)
        except subprocess.TimeoutExpired:
            reap(self.process, kill=True)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        path = self.deployment.logs / "gunicorn.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@pytest.fixture
def server_for():
    """``server_for(deployment)`` → a started gunicorn; stopped (or its remains killed) after the test."""
    servers = []

    def start(deployment: Deployment, workers: int = WORKERS) -> Server:
        server = Server(deployment, workers)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


# --- a plain HTTP client: one connection per request, like a tablet whose connection may drop ------------

def request(base, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 120, drop: bool = False) -> tuple[int, object]:
    """One request on a new connection; (status, JSON body or raw bytes). ``drop``: send the whole request,
    then close the connection without reading the answer (the server still handles it) and return (0, None)."""
    connection = http.client.HTTPConnection(*base, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        if drop:
            connection.sock.shutdown(socket.SHUT_RDWR)
            return 0, None
        response = connection.getresponse()
        raw = response.read()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, json.loads(raw) if is_json and raw else raw
    finally:
        connection.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post_json(base, path: str, token: str, payload, drop: bool = False):
    body = json.dumps(payload, ensure_ascii=False).encode()
    return request(base, "POST", path, body, bearer(token) | {"Content-Type": "application/json"}, drop=drop)


def upload_photo(base, token: str, data: bytes, name: str = "photo.jpg", timeout: float = 120):
    boundary = uuid.uuid4().hex
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode(),
        b"Content-Type: image/jpeg\r\n\r\n", data, f"\r\n--{boundary}--\r\n".encode(),
    ])
    return request(base, "POST", "/api/v1/photos", body,
                   bearer(token) | {"Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=timeout)


def jpeg(seed: int, size: tuple[int, int] = (800, 600), quality: int = 85) -> bytes:
    """Real JPEG bytes, distinct for each seed: random colour blocks enlarged smoothly (compresses like a photo)."""
    from PIL import Image

    rng = random.Random(seed)
    small = (max(size[0] // 16, 1), max(size[1] // 16, 1))
    image = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    out = io.BytesIO()
    image.resize(size, Image.Resampling.BICUBIC).save(out, "JPEG", quality=quality)
    return out.getvalue()


# --- seeding and inspecting through the application object --------------------------------------------

def make_people(deployment: Deployment, roles_by_name: dict[str, tuple[str, ...]]) -> dict[str, tuple[int, str]]:
    """Users with roles and a bearer token each: {username: (user id, token)}."""
    from accounts import service
    from core.db import db

    with deployment.app.app_context():
        people = {}
        for username, roles in roles_by_name.items():
            user = service.create_user(username, "correct horse", roles, email=f"{username}@port.example.cn")
            token, _ = service.issue_token(user, 12)
            people[username] = (user.id, token)
        db.session.commit()
        db.session.remove()
    return people


def make_enterprises(deployment: Deployment, count: int) -> list[int]:
    from core.db import db
    from enterprises.models import Enterprise
    from tests.conftest import credit_code

    with deployment.app.app_context():
        rows = [Enterprise(name=f"港区企业{n}", credit_code=credit_code(n), sector="hazardous_chemicals",
                           zone="港区一片") for n in range(1, count + 1)]
        db.session.add_all(rows)
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def stored_files(upload_dir: Path) -> tuple[list[Path], list[Path]]:
    """(files with valid keys, temporary files) under the upload directory."""
    files, temporary = [], []
    for path in upload_dir.rglob("*"):
        if path.is_file():
            (temporary if path.name.startswith(".tmp-") else files).append(path)
    return files, temporary


class WebhookSink:
    """A webhook receiver on loopback that answers 200 after ``delay`` seconds and records the
    ``Idempotency-Key`` of every message it accepted (a repeat shows as a repeated key)."""

    def __init__(self, delay: float = 0.0):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.keys: list[str] = []
        lock, sink = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay)
                with lock:
                    sink.keys.append(self.headers["Idempotency-Key"])
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass  # the sender was killed while waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def webhook_sink():
    sink = WebhookSink(delay=0.01)
    yield sink
    sink.close()
