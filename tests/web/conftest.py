"""Fixtures for the web pages: a logged-in test client, a real server in a thread, Debian's Chromium."""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PHOTOS = Path(__file__).resolve().parents[2].parent / "shared" / "photos"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse"  # what tests/conftest.py's make_user gives every user
LANDSCAPE = {"width": 1180, "height": 820}
PORTRAIT = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}  # a phone upright, for inspectors who use one
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def form_token(html: str, prefix: str = "") -> str:
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def login(app, make_user):
    """``login("inspector")`` → (test client logged in as a new user with those roles, user id)."""

    def do(*roles, client=None):
        client = client or app.test_client()
        user_id, username = make_user(*roles)
        page = client.get("/login").get_data(as_text=True)
        response = client.post("/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": form_token(page)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, user_id

    return do


# ---- the browser ----

class InFlight:
    """WSGI wrapper counting the requests being answered, so a test can wait until the server is idle before
    the database is wiped (a page's last poll still running would otherwise race the wipe)."""

    def __init__(self, app):
        self.app, self.active, self.changed = app, 0, threading.Condition()
        self.last_change = time.monotonic()

    def __call__(self, environ, start_response):
        with self.changed:
            self.active += 1
        body = None
        try:
            body = self.app(environ, start_response)
            return list(body)  # the whole answer, inside the count
        finally:
            if hasattr(body, "close"):
                body.close()  # as a WSGI server must (files sent are closed here)
            with self.changed:
                self.active -= 1
                self.last_change = time.monotonic()
                self.changed.notify_all()

    def wait_idle(self, timeout: float = 15, quiet: float = 0.1) -> None:
        """Until no request is being answered and none has finished for ``quiet`` seconds (one already sent
        by a closing page may still be on its way in)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                assert self.changed.wait_for(lambda: self.active == 0, deadline - time.monotonic()), (
                    "the live server stayed busy")
                calm = time.monotonic() - self.last_change
                if calm >= quiet:
                    return
                self.changed.wait(quiet - calm)


@pytest.fixture(scope="session")
def served(app):
    """The app served by werkzeug on 127.0.0.1 (a free port) in a thread, for the browser: (URL, InFlight)."""
    from werkzeug.serving import make_server

    in_flight = InFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", in_flight
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: apt-get update && apt-get install -y chromium (CI installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                                   "(pip install -r requirements-dev.txt)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tablet(browser, served):
    """``tablet(portrait=False, **options)`` → a new touch context at 10-inch tablet size (or ``viewport=PHONE``);
    closed after the test, and the server left idle."""
    live_server, in_flight = served
    contexts = []

    def make(portrait=False, viewport=None, **options):
        context = browser.new_context(base_url=live_server, viewport=viewport or (PORTRAIT if portrait else LANDSCAPE),
                                      has_touch=True, device_scale_factor=1, **options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    in_flight.wait_idle()


@pytest.fixture
def browser_login(make_user):
    """``browser_login(page, "inspector")`` logs a new user in through the login page; returns the user id."""

    def do(page, *roles):
        user_id, username = make_user(*roles)
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        return user_id

    return do


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name, full_page=True):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return shoot


@pytest.fixture
def sample_photo():
    photo = PHOTOS / "gps__DSCN0010.jpg"
    if not photo.exists():
        pytest.skip(f"sample photos are not there ({PHOTOS}); they come with the shared folder")
    return photo


@pytest.fixture
def photo_api(app, auth, sample_photo):
    """Skip unless the photo API really stores a photo (it was a placeholder while its package was built)."""
    try:
        with app.test_client() as client:
            response = client.post("/api/v1/photos", headers=auth("inspector"),
                                   data={"file": (io.BytesIO(sample_photo.read_bytes()), sample_photo.name)})
            body = response.get_json(silent=True) or {}
    except Exception as exc:  # the photos package's own tests report the fault itself
        pytest.skip(f"the photo API fails on {sample_photo.name}: {exc!r}")
    if response.status_code not in (200, 201):
        pytest.skip(f"the photo API does not store photos yet ({response.status_code}: {body.get('message')})")
    return sample_photo


# ---- water bodies (environmental staff's pages) ----

CLASS_3 = {"ph": 7.4, "do": 6.0, "nh3n": 0.9, "tp": 0.15}
WORSE_THAN_V = {"ph": 7.4, "do": 6.0, "nh3n": 3.0, "tp": 0.15}


ZONE = ZoneInfo("Asia/Shanghai")


class Water:
    """Builds water bodies through the API (as environmental staff)."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def post(self, url, data, status=201):
        response = self.client.post(url, json=data, headers=self.headers)
        assert response.status_code == status, response.json
        return response.json

    def body(self, **fields) -> int:
        return self.post("/api/v1/water-bodies", {"name": "和平河", "kind": "river", "target_class": 4} | fields)["id"]

    def section(self, body_id, name, code) -> int:
        return self.post(f"/api/v1/water-bodies/{body_id}/sections", {"name": name, "code": code})["id"]

    def sample(self, section_id, when: datetime, values):
        return self.post(f"/api/v1/sections/{section_id}/samples", {"sampled_dt": when.isoformat(), "values": values})

    def task(self, body_id, deadline: date, **fields):
        return self.post(f"/api/v1/water-bodies/{body_id}/remediation-tasks", {
            "measure": "dredging", "description": "清淤 <i>河道</i>", "deadline": deadline.isoformat()} | fields)


@pytest.fixture
def water(client, auth):
    return Water(client, auth("env_staff"))


def monthly_times(count: int) -> list[datetime]:
    """A sample time in each of the last ``count`` local months, newest first: an hour ago (or the month's first
    moment) in this one, the 10th in the others. Thirty-day steps would put two samples in one month and none
    in another near a month's end."""
    now = datetime.now(ZONE)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    times = [max(now - timedelta(hours=1), start)]
    for _ in range(count - 1):
        start = (start - timedelta(days=1)).replace(day=1)
        times.append(start.replace(day=10, hour=10))
    return times


@pytest.fixture
def body(water):
    """A river with two sections, a year of monthly samples (class III lately, worse than V before), a task."""
    body = water.body(closure_months=1)
    upstream, downstream = water.section(body, "上游断面", "S-01"), water.section(body, "下游断面", "S-02")
    for months_ago, when in enumerate(monthly_times(12)):
        values = CLASS_3 if months_ago < 2 else WORSE_THAN_V
        water.sample(upstream, when, values)
        if months_ago % 2 == 0:
            water.sample(downstream, when, values)
    water.task(body, date.today() - timedelta(days=10))  # overdue
    return body


def overdue_alert(app, finding: dict, user_id: int, **fields) -> None:
    """An unread overdue alert about ``finding`` (its API answer) in ``user_id``'s inbox."""
    from alerts.models import Alert, AlertRecipient
    from core.db import db

    with app.app_context():
        alert = Alert(subject_type="finding", subject_id=finding["id"], kind="overdue",
                      deadline=date.fromisoformat(finding["deadline"]), enterprise_id=finding["enterprise_id"],
                      **fields)
        db.session.add(AlertRecipient(alert=alert, user_id=user_id))
        db.session.commit()


# ---- signed inspections (issue 13): both inspectors and the person in charge ----

def signature_url(seed: int = 0) -> str:
    """A PNG data URL with a dark stroke on transparent ground, as the pad exports."""
    import base64

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 90 - seed), (150, 20 + seed), (260, 95), (380, 30)], fill=(0, 0, 0, 255),
                               width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def certify(app, user_id: int, certificate_no: str, full_name: str | None = None) -> None:
    """Give a user the law-enforcement certificate number documents need (and a readable name)."""
    from accounts.models import User
    from core.db import db

    with app.app_context():
        user = db.session.get(User, user_id)
        user.certificate_no = certificate_no
        if full_name:
            user.full_name = full_name
        db.session.commit()


def signed(payload: dict, second_id: int, refused: bool = False) -> dict:
    """``payload`` with a second inspector, the person in charge, an end an hour after the start (or now, for an
    inspection that started less than an hour ago: no time may be in the future) and the three signatures (or
    the person in charge's refusal), made at the end."""
    start = datetime.fromisoformat(payload["inspected_dt"])
    end = min(start + timedelta(hours=1), datetime.now(start.tzinfo))
    signed_dt = end.isoformat()
    enterprise = ({"role": "enterprise", "refused": True, "refusal_reason": "认为检查结论有误", "witness": "赵六",
                   "signed_dt": signed_dt} if refused else
                  {"role": "enterprise", "image": signature_url(9), "signed_dt": signed_dt})
    return payload | {
        "second_inspector_id": second_id, "ended_dt": end.isoformat(),
        "contact_name": "王五", "contact_title": "安全总监", "contact_phone": "0512-88886666",
        "signatures": [{"role": "lead", "image": signature_url(1), "signed_dt": signed_dt},
                       {"role": "second", "image": signature_url(2), "signed_dt": signed_dt}, enterprise],
    }


def pdftext(data: bytes) -> str:
    """The text of a PDF, by Debian's poppler-utils ``pdftotext``."""
    import subprocess

    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


# ---- a checklist with parts (issue 14) ----

def local_day(days: int = 0) -> date:
    """The zone's date ``days`` from today."""
    return datetime.now(ZONE).date() + timedelta(days=days)


def successor_notice(day: date, lang: str = "zh") -> str:
    """The notice the form and the inspection page give for :func:`parted_checklist`'s newer edition from ``day``."""
    from babel.dates import format_date

    if lang == "zh":
        return (f"《测试用新版判定标准》（TEST-NEXT）已于{format_date(day, 'long', locale='zh')}施行，"
                "其检查条目尚未载入本系统；本检查表仍按《测试用判定标准》（TEST-STD）检查。")
    return (f"Test successor criteria (TEST-NEXT) has been in force since {format_date(day, 'long', locale='en')}, "
            "but its items are not loaded in this system yet: this checklist still follows Test criteria (TEST-STD).")


@pytest.fixture
def parted_checklist(app):
    """``parted_checklist(successor_from=None, effective_from=None)`` → the item codes by part of a TEST version of
    the industry-and-trade checklist with parts (general, machinery, metallurgy, dust explosion) and one item of no
    part, in force from ``effective_from`` (default yesterday, so it wins over a packaged edition), with a newer
    edition not loaded from ``successor_from``. Removed after the test (checklists are not wiped between tests).
    Its text is placeholder text, not the words of any standard."""
    from checklists.models import ChecklistItem, ChecklistVersion
    from core.db import db

    made = []
    parts = [("general", "通用", "General", "always"), ("machinery", "机械行业", "Machinery", "sub_sector"),
             ("metallurgy", "冶金行业", "Metallurgy", "sub_sector"),
             ("dust_explosion", "存在粉尘爆炸危险的", "Dust explosion hazards", "feature")]
    codes = {"general": ["T-G-01", "T-G-02", "T-G-03"], "machinery": ["T-M-01", "T-M-02"],
             "metallurgy": ["T-Y-01", "T-Y-02"], "dust_explosion": ["T-D-01", "T-D-02"], "": ["T-L-01"]}

    def make(successor_from=None, effective_from=None):
        with app.app_context():
            version = ChecklistVersion(
                domain="industry_trade", standard="TEST-STD", title_zh="测试用判定标准", title_en="Test criteria",
                version="TEST", effective_from=effective_from or local_day(-1), source="TEST FIXTURE",
                note="TEST FIXTURE ONLY: placeholder items, not text of any standard.",
                parts=[dict(zip(("code", "title_zh", "title_en", "applies"), part, strict=True)) for part in parts],
                successor_standard="TEST-NEXT" if successor_from else "",
                successor_title_zh="测试用新版判定标准" if successor_from else "",
                successor_title_en="Test successor criteria" if successor_from else "",
                successor_effective_from=successor_from)
            number = 0
            for part, part_codes in codes.items():
                for code in part_codes:
                    number += 1
                    version.items.append(ChecklistItem(
                        code=code, part=part, text_zh=f"测试条目 {code}（占位）",
                        text_en=f"Test item {code} (placeholder)", category="thing", is_major=part != "",
                        standard="TEST-STD", standard_version="TEST",
                        clause=f"第{number}条", is_local=part == "", default_deadline_days=None if part else 15))
            db.session.add(version)
            db.session.commit()
            made.append(version.id)
        return codes

    yield make
    with app.app_context():
        for version_id in made:
            db.session.delete(db.session.get(ChecklistVersion, version_id))
        db.session.commit()
