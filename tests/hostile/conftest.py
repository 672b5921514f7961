"""The world the hostile requests aim at, built on demand: callers per role (bearer token or a logged-in
browser session) and real rows (enterprise, inspection and finding, card, photo, water body, section, task; for
the closing rules a finding its caller submitted and a card with the re-inspections that cannot lift it)
whose ids replace the ``{placeholders}`` of catalogue.yaml."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from tests.conftest import inspection_payload

PASSWORD = "correct horse"  # what ``make_user`` gives every user


def tiny_jpeg(size=(64, 48), colour=(200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def login_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


class World:
    """Rows and callers, each made the first time a case names it."""

    def __init__(self, app, auth, make_user, make_enterprise):
        self.app, self._auth, self._make_user, self._enterprise_factory = app, auth, make_user, make_enterprise
        self.client = app.test_client()
        self._headers: dict[str, dict] = {}
        self._sessions: dict[str, object] = {}
        self._ids: dict[str, int] = {}

    # ---- callers ----

    def headers(self, role: str | None) -> dict:
        if role is None:
            return {}
        if role not in self._headers:
            self._headers[role] = self._auth(role)
        return self._headers[role]

    def session(self, role: str | None):
        """A test client logged in through the login page (``None``: an anonymous browser)."""
        key = role or "anonymous"
        if key not in self._sessions:
            client = self.app.test_client()
            if role is not None:
                _, username = self._make_user(role)
                token = login_token(client.get("/login").get_data(as_text=True))
                response = client.post("/login", data={"username": username, "password": PASSWORD,
                                                       "csrf_token": token})
                assert response.status_code == 302, response.get_data(as_text=True)
            self._sessions[key] = client
        return self._sessions[key]

    def csrf(self, role: str | None) -> str:
        client = self.session(role)
        if role is None:
            return login_token(client.get("/login").get_data(as_text=True))
        return client.get("/csrf-token").json["token"]

    # ---- rows ----

    def __getitem__(self, name: str) -> int:
        if name not in self._ids:
            self._ids[name] = getattr(self, f"_make_{name}")()
        return self._ids[name]

    def _created(self, response) -> dict:
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return response.json

    def _post(self, role: str, url: str, **kwargs) -> dict:
        return self._created(self.client.post(url, headers=self.headers(role), **kwargs))

    def _make_enterprise(self) -> int:
        return self._enterprise_factory()

    def _make_inspection(self) -> int:
        inspection = self._post("inspector", "/api/v1/inspections", json=inspection_payload(self["enterprise"]))
        self._ids["finding"] = inspection["findings"][0]["id"]
        return inspection["id"]

    def _make_finding(self) -> int:
        self["inspection"]
        return self._ids["finding"]

    def _make_card(self) -> int:
        return self._post("safety_manager", "/api/v1/cards", json={
            "enterprise_id": self["enterprise"], "colour": "yellow", "reason": "安全管理混乱"})["id"]

    def _make_photo(self) -> int:
        return self._post("inspector", "/api/v1/photos",
                          data={"file": (io.BytesIO(tiny_jpeg()), "seed.jpg", "image/jpeg")})["id"]

    def _make_others_photo(self) -> int:
        """A photo a safety manager uploaded: not the inspector's to attach."""
        return self._post("safety_manager", "/api/v1/photos",
                          data={"file": (io.BytesIO(tiny_jpeg(colour=(20, 60, 200))), "other.jpg", "image/jpeg")})["id"]

    def _make_evidence(self) -> int:
        """An inspector's photo that is already evidence of a finding (of an inspection of its own)."""
        photo = self._post("inspector", "/api/v1/photos",
                           data={"file": (io.BytesIO(tiny_jpeg(colour=(90, 200, 20))), "ev.jpg", "image/jpeg")})["id"]
        payload = inspection_payload(self["enterprise"])
        payload["findings"][0]["photo_ids"] = [photo]
        self._post("inspector", "/api/v1/inspections", json=payload)
        return photo

    # ---- closing rules (issue 13) ----

    def _submitted(self, client, headers: dict) -> int:
        """A finding of a new inspection whose rectification ``client`` with ``headers`` submitted."""
        finding = self._post("inspector", "/api/v1/inspections",
                             json=inspection_payload(self["enterprise"]))["findings"][0]["id"]
        self._created(client.post(f"/api/v1/findings/{finding}/rectification", headers=headers,
                                  json={"note": "已整改"}))
        return finding

    def _make_submitted(self) -> int:
        """A finding whose rectification the ``inspector`` caller submitted: not theirs to verify."""
        return self._submitted(self.client, self.headers("inspector"))

    def _make_manager_submitted(self) -> int:
        return self._submitted(self.client, self.headers("safety_manager"))

    def _make_page_submitted(self) -> int:
        """As ``submitted``, by the logged-in ``inspector`` browser (through the API, as the outbox does)."""
        return self._submitted(self.session("inspector"), {"X-CSRFToken": self.csrf("inspector")})

    def _make_major_card(self) -> int:
        """The enterprise's yellow card from a major hazard on HC-12 found three days ago, since verified."""
        found = datetime.now(UTC) - timedelta(days=3)
        payload = inspection_payload(self["enterprise"], inspected_dt=found.isoformat(),
                                     checklist=[{"item_code": "HC-12", "result": "failed"}],
                                     findings=[{"item_code": "HC-12", "description": "可燃气体报警器失效",
                                                "category": "thing"}])
        finding = self._post("inspector", "/api/v1/inspections", json=payload)["findings"][0]["id"]
        self._post("inspector", f"/api/v1/findings/{finding}/rectification", json={"note": "已更换"})
        # A major hazard is verified on site: by a re-inspection (after the submission) that passed its item.
        recheck = self._post("inspector", "/api/v1/inspections", json=inspection_payload(
            self["enterprise"], inspected_dt=(datetime.now(UTC) + timedelta(seconds=20)).isoformat(),
            checklist=[{"item_code": "HC-12", "result": "passed"}], findings=[]))["id"]
        self._post("safety_manager", f"/api/v1/findings/{finding}/verification",
                   json={"accepted": True, "reinspection_id": recheck})
        [card] = self.client.get(f"/api/v1/enterprises/{self['enterprise']}/cards",
                                 headers=self.headers("safety_manager")).json
        return card["id"]

    def _reinspection(self, domain: str, checklist: list) -> int:
        """An inspection of the enterprise a minute from now (after ``major_card``) with no findings."""
        self["major_card"]
        later = datetime.now(UTC) + timedelta(minutes=1)
        return self._post("inspector", "/api/v1/inspections", json=inspection_payload(
            self["enterprise"], domain=domain, inspected_dt=later.isoformat(), checklist=checklist,
            findings=[]))["id"]

    def _make_empty_reinspection(self) -> int:
        return self._reinspection("hazardous_chemicals", [])

    def _make_gas_reinspection(self) -> int:
        return self._reinspection("gas", [{"item_code": "GAS-M-01", "result": "passed"}])

    def _make_na_reinspection(self) -> int:
        return self._reinspection("hazardous_chemicals", [{"item_code": "HC-12", "result": "not_applicable"},
                                                          {"item_code": "HC-01", "result": "passed"}])

    # ---- rented premises (issue 14) ----

    def _make_premises(self) -> int:
        """Premises of a person landlord."""
        return self._post("safety_manager", "/api/v1/premises", json={
            "name": "海滨路12号厂房", "address": "海滨路12号", "use": "factory", "floors": 2, "area_m2": 1800,
            "landlord_name": "张建国", "landlord_phone": "13900001111"})["id"]

    def _make_tenancy(self) -> int:
        """The enterprise renting the premises' first floor from 2026-01-01, open-ended, without agreement."""
        return self._post("safety_manager", f"/api/v1/premises/{self['premises']}/tenancies", json={
            "enterprise_id": self["enterprise"], "unit": "1楼", "start_date": "2026-01-01"})["id"]

    def _make_body(self) -> int:
        return self._post("env_staff", "/api/v1/water-bodies",
                          json={"name": "和平河", "kind": "river", "target_class": 4})["id"]

    def _make_section(self) -> int:
        return self._post("env_staff", f"/api/v1/water-bodies/{self['body']}/sections",
                          json={"name": "和平桥", "code": "HP-01"})["id"]

    def _make_account(self) -> int:
        return self._post("admin", "/api/v1/users", json={"username": "zhao.lei", "password": "field-work-1",
                                                          "roles": ["inspector"]})["id"]

    def _make_task(self) -> int:
        return self._post("env_staff", f"/api/v1/water-bodies/{self['body']}/remediation-tasks", json={
            "measure": "dredging", "description": "清淤", "deadline": "2027-06-30"})["id"]


@pytest.fixture
def world(app, auth, make_user, make_enterprise) -> World:
    return World(app, auth, make_user, make_enterprise)
