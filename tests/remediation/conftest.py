"""One-line builders for water bodies, sections and samples through the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

# One value set per class (river rules): NH3-N decides; pH and DO stay harmless.
CLASS_VALUES = {
    3: {"ph": 7.4, "do": 6.0, "nh3n": 0.9, "tp": 0.15},
    4: {"ph": 7.4, "do": 6.0, "nh3n": 1.2, "tp": 0.15},
    5: {"ph": 7.4, "do": 6.0, "nh3n": 1.8, "tp": 0.15},
    6: {"ph": 7.4, "do": 6.0, "nh3n": 3.0, "tp": 0.15},
}


class Water:
    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def body(self, **fields) -> int:
        data = {"name": "和平河", "kind": "river", "target_class": 4} | fields
        response = self.client.post("/api/v1/water-bodies", json=data, headers=self.headers)
        assert response.status_code == 201, response.json
        return response.json["id"]

    def section(self, body_id: int, name: str, code: str | None = None) -> int:
        response = self.client.post(f"/api/v1/water-bodies/{body_id}/sections",
                                    json={"name": name, "code": code or name}, headers=self.headers)
        assert response.status_code == 201, response.json
        return response.json["id"]

    def sample(self, section_id: int, when, water_class: int | None = None, values: dict | None = None):
        when = when if isinstance(when, str) else when.isoformat()
        response = self.client.post(f"/api/v1/sections/{section_id}/samples", headers=self.headers,
                                    json={"sampled_dt": when, "values": values or CLASS_VALUES[water_class]})
        assert response.status_code == 201, response.json
        return response.json

    def monthly(self, section_id: int, classes: dict):
        """{(year, month): class} → one sample on the 10th of each month at 10:00 UTC."""
        for (year, month), cls in classes.items():
            self.sample(section_id, datetime(year, month, 10, 2, tzinfo=UTC), cls)

    def status(self, body_id: int, as_of: str | None = None) -> dict:
        query = f"?as_of={as_of}" if as_of else ""
        response = self.client.get(f"/api/v1/water-bodies/{body_id}/status{query}", headers=self.headers)
        assert response.status_code == 200, response.json
        return response.json


@pytest.fixture
def env_headers(auth):
    return auth("env_staff")


@pytest.fixture
def water(client, env_headers):
    return Water(client, env_headers)
