"""Water bodies, sections and samples through the API: classification in the response, bad input as 422s
naming the field, permissions."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from remediation.models import Sample, SampleValue

WHEN = "2025-03-05T09:30:00+08:00"


def test_create_list_and_get_a_body_with_sections(client, water, auth):
    body_id = water.body(name="光华河", township="东港镇", river_chief="刘志华", responsible_unit="东港镇政府")
    water.section(body_id, "光华桥", "GHH-01")
    water.section(body_id, "新塘闸", "GHH-03")
    reader = auth("inspector")
    listed = client.get("/api/v1/water-bodies", headers=reader)
    assert listed.status_code == 200
    assert [(b["name"], b["listed_status"], b["target_class"], b["closure_months"], b["current"])
            for b in listed.json] == [("光华河", "worse_than_v_listed", 4, 3, None)]
    one = client.get(f"/api/v1/water-bodies/{body_id}", headers=reader).json
    assert [s["name"] for s in one["sections"]] == ["光华桥", "新塘闸"]
    assert one["river_chief"] == "刘志华"
    sections = client.get(f"/api/v1/water-bodies/{body_id}/sections", headers=reader).json
    assert [s["code"] for s in sections] == ["GHH-01", "GHH-03"]


def test_list_shows_the_current_class(client, water):
    body_id = water.body()
    section_id = water.section(body_id, "和平桥")
    water.sample(section_id, datetime.now(UTC) - timedelta(days=40), 6)
    water.sample(section_id, datetime.now(UTC) - timedelta(minutes=5), 4)
    current = client.get("/api/v1/water-bodies", headers=water.headers).json[0]["current"]
    assert current["water_class"] == 4 and current["class_label"] == "IV" and current["meets_target"] is True
    assert current["relapsed"] is False


def test_duplicates_are_409_naming_the_field(client, water):
    body_id = water.body()
    water.section(body_id, "和平桥", "HP-01")
    again = client.post("/api/v1/water-bodies", json={"name": "和平河", "kind": "river"}, headers=water.headers)
    assert again.status_code == 409 and "name" in again.json["errors"]["json"]
    code = client.post(f"/api/v1/water-bodies/{body_id}/sections", json={"name": "x", "code": "HP-01"},
                       headers=water.headers)
    assert code.status_code == 409 and "code" in code.json["errors"]["json"]


def test_blank_names_and_codes_are_422_not_stored_empty(client, water):
    # They are stored stripped: found by the API fuzzing as a section stored with code "".
    response = client.post("/api/v1/water-bodies", json={"name": " \u3000", "kind": "river"}, headers=water.headers)
    assert response.status_code == 422 and "name" in response.json["errors"]["json"]
    body_id = water.body()
    response = client.post(f"/api/v1/water-bodies/{body_id}/sections", json={"name": "\t", "code": "\r"},
                           headers=water.headers)
    assert response.status_code == 422 and set(response.json["errors"]["json"]) == {"name", "code"}


def test_unknown_kind_and_target_class_are_422(client, water):
    response = client.post("/api/v1/water-bodies", json={"name": "x", "kind": "sea", "target_class": 7},
                           headers=water.headers)
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"kind", "target_class"}


def test_sample_response_carries_class_limiting_items_pollutants_and_multiples(water):
    section_id = water.section(water.body(), "和平桥")
    sample = water.sample(section_id, WHEN, values={
        "ph": 7.2, "do": {"value": 1.5, "unit": "mg/L"}, "cod": 45, "nh3n": {"value": 3.0, "unit": "mg/l"},
        "tp": 0.3, "tn": 5.0, "water_temperature": {"value": 18, "unit": "℃"}})
    evaluation = sample["evaluation"]
    assert evaluation["water_class"] == 6 and evaluation["class_label_zh"] == "劣Ⅴ类"
    assert evaluation["grade"] == "heavy" and evaluation["grade_zh"] == "重度污染"
    assert evaluation["limiting_items"] == ["do", "cod", "nh3n"]
    assert evaluation["main_pollutants"] == ["nh3n", "cod", "do"]
    assert evaluation["exceedance"] == {"cod": 1.25, "nh3n": 2.0, "tp": 0.5}
    assert evaluation["reference_classes"] == {"water_temperature": None, "tn": 6}  # rivers leave TN out
    assert [v["item"] for v in sample["values"]] == ["water_temperature", "ph", "do", "cod", "nh3n", "tp", "tn"]
    assert {v["item"]: v["unit"] for v in sample["values"]}["water_temperature"] == "°C"


def test_lakes_use_their_own_phosphorus_limits_and_count_tn(water):
    section_id = water.section(water.body(name="东湖塘", kind="pond"), "东湖塘北")
    evaluation = water.sample(section_id, WHEN, values={"tp": 0.15, "tn": 1.2})["evaluation"]
    assert evaluation["item_classes"] == {"tp": 5, "tn": 4}
    assert evaluation["water_class"] == 5


def test_samples_are_listed_newest_first_with_their_class(client, water):
    section_id = water.section(water.body(), "和平桥")
    water.sample(section_id, "2025-01-05T09:00:00+08:00", 6)
    water.sample(section_id, "2025-02-05T09:00:00+08:00", 4)
    listed = client.get(f"/api/v1/sections/{section_id}/samples", headers=water.headers)
    assert [s["evaluation"]["water_class"] for s in listed.json] == [4, 6]
    ranged = client.get(f"/api/v1/sections/{section_id}/samples?sampled_from=2025-02-01", headers=water.headers)
    assert len(ranged.json) == 1


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"nh3n": -0.5}, "values.nh3n", "cannot be negative"),
    ({"nh3n": "abc"}, "values.nh3n", "must be a number"),
    ({"nh3n": {"value": None}}, "values.nh3n", "must be a number"),
    ({"arsenic_total": 0.1}, "values.arsenic_total", "Unknown water-quality item"),
    ({"ph": 15}, "values.ph", "pH must be between 0 and 14"),
    ({"ph": -1}, "values.ph", "pH must be between 0 and 14"),
    ({"water_temperature": 80}, "values.water_temperature", "between"),
    ({"nh3n": {"value": 1.0, "unit": "µg/L"}}, "values.nh3n.unit", "must be reported in mg/L"),
    ({"faecal_coliform": {"value": 100, "unit": "mg/L"}}, "values.faecal_coliform.unit", "个/L"),
    ({"nh3n": {"value": 1.0, "units": "mg/L"}}, "values.nh3n", "unknown key"),
    ({}, "values", "at least one"),
])
def test_bad_values_are_422_naming_the_field_and_store_nothing(client, app, water, values, field, words):
    section_id = water.section(water.body(), "和平桥")
    response = client.post(f"/api/v1/sections/{section_id}/samples", headers=water.headers,
                           json={"sampled_dt": WHEN, "values": {"do": 6.0, **values} if values else {}})
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422
    assert words in " ".join(response.json["errors"]["json"][field])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sample)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SampleValue)) == 0


@pytest.mark.parametrize(("sampled_dt", "words"), [
    ((datetime.now(UTC) + timedelta(hours=2)).isoformat(), "in the future"),
    ("2025-03-05T09:30:00", "Not a valid aware datetime"),
    ("yesterday", "Not a valid"),
])
def test_bad_sample_times_are_422_naming_sampled_dt(client, water, sampled_dt, words):
    section_id = water.section(water.body(), "和平桥")
    response = client.post(f"/api/v1/sections/{section_id}/samples", headers=water.headers,
                           json={"sampled_dt": sampled_dt, "values": {"nh3n": 1.0}})
    assert response.status_code == 422
    assert words in " ".join(response.json["errors"]["json"]["sampled_dt"])


def test_the_same_section_and_time_twice_is_a_conflict(client, water):
    section_id = water.section(water.body(), "和平桥")
    water.sample(section_id, WHEN, 4)
    again = client.post(f"/api/v1/sections/{section_id}/samples", headers=water.headers,
                        json={"sampled_dt": "2025-03-05T01:30:00Z", "values": {"nh3n": 1.0}})
    assert again.status_code == 409 and "sampled_dt" in again.json["errors"]["json"]


def test_unknown_ids_are_404(client, water):
    assert client.get("/api/v1/water-bodies/99/status", headers=water.headers).status_code == 404
    response = client.post("/api/v1/sections/99/samples", headers=water.headers,
                           json={"sampled_dt": WHEN, "values": {"nh3n": 1.0}})
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["inspector", "safety_manager", "env_staff", "admin"])
def test_write_roles(client, auth, water, role):
    body_id = water.body()
    section_id = water.section(body_id, "和平桥")
    headers = auth(role)
    attempts = {
        "body": client.post("/api/v1/water-bodies", json={"name": f"河{role}", "kind": "canal"}, headers=headers),
        "section": client.post(f"/api/v1/water-bodies/{body_id}/sections", json={"name": role, "code": role},
                               headers=headers),
        "sample": client.post(f"/api/v1/sections/{section_id}/samples", headers=headers,
                              json={"sampled_dt": WHEN, "values": {"nh3n": 1.0}}),
        "task": client.post(f"/api/v1/water-bodies/{body_id}/remediation-tasks", headers=headers,
                            json={"measure": "dredging", "description": "清淤", "deadline": "2030-01-01"}),
    }
    allowed = {"body": {"env_staff", "admin"}, "section": {"env_staff"}, "sample": {"env_staff"},
               "task": {"env_staff"}}
    for name, response in attempts.items():
        assert response.status_code == (201 if role in allowed[name] else 403), (name, response.json)
    assert client.get(f"/api/v1/water-bodies/{body_id}/status", headers=headers).status_code == 200


def test_reading_needs_a_login(client, water):
    body_id = water.body()
    assert client.get(f"/api/v1/water-bodies/{body_id}/status").status_code == 401
    assert client.get("/api/v1/water-bodies").status_code == 401


def test_update_a_body_keeps_the_old_values_in_the_audit_log(app, client, water):
    from audit.models import AuditEntry

    body_id = water.body(name="光华河", river_chief="刘志华")
    response = client.patch(f"/api/v1/water-bodies/{body_id}", headers=water.headers,
                            json={"river_chief": "陈建国", "responsible_unit": "东港镇水利站"})
    assert response.status_code == 200, response.json
    assert (response.json["river_chief"], response.json["responsible_unit"], response.json["name"]) == (
        "陈建国", "东港镇水利站", "光华河")
    assert client.get(f"/api/v1/water-bodies/{body_id}", headers=water.headers).json["river_chief"] == "陈建国"
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "water_body.updated")).one()
        assert entry.before == {"river_chief": "刘志华", "responsible_unit": ""}
        assert entry.after == {"river_chief": "陈建国", "responsible_unit": "东港镇水利站"}


def test_update_refuses_a_taken_name_the_listed_status_and_bad_rules(client, water):
    water.body(name="和平河")
    body_id = water.body(name="光华河")
    taken = client.patch(f"/api/v1/water-bodies/{body_id}", headers=water.headers, json={"name": " 和平河 "})
    assert taken.status_code == 409 and "name" in taken.json["errors"]["json"]
    bad = client.patch(f"/api/v1/water-bodies/{body_id}", headers=water.headers,
                       json={"listed_status": "closed_off", "target_class": 6, "closure_months": 0, "kind": "sea"})
    assert bad.status_code == 422
    assert set(bad.json["errors"]["json"]) == {"listed_status", "target_class", "closure_months", "kind"}
    assert client.get(f"/api/v1/water-bodies/{body_id}", headers=water.headers).json["listed_status"] == (
        "worse_than_v_listed")



def test_refusals_are_in_english_unless_the_caller_asks_for_chinese(client, water):
    water.body(name="和平河")
    body = {"name": "和平河", "kind": "river"}
    english = client.post("/api/v1/water-bodies", json=body, headers=water.headers)
    assert english.json["message"] == "a water body named 和平河 already exists"
    chinese = client.post("/api/v1/water-bodies", json=body,
                          headers=water.headers | {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert chinese.status_code == 409 and chinese.json["message"] == "水体 和平河 已存在"
    assert chinese.json["errors"]["json"]["name"] == ["水体 和平河 已存在"]


def test_a_section_is_corrected_and_keeps_its_samples(app, client, water):
    from audit.models import AuditEntry

    body_id = water.body(name="光华河")
    section_id = water.section(body_id, "新塘闸", "GHH-03")
    other = water.section(body_id, "光华桥", "GHH-01")
    water.sample(section_id, datetime.now(UTC) - timedelta(days=2), 4)
    fixed = client.patch(f"/api/v1/sections/{section_id}", headers=water.headers,
                         json={"name": " 新塘闸断面 ", "code": "GHH-3", "latitude": 31.95})
    assert fixed.status_code == 200, fixed.json
    assert (fixed.json["name"], fixed.json["code"], fixed.json["latitude"]) == ("新塘闸断面", "GHH-3", 31.95)
    assert client.get(f"/api/v1/sections/{section_id}", headers=water.headers).json["code"] == "GHH-3"
    assert len(client.get(f"/api/v1/sections/{section_id}/samples", headers=water.headers).json) == 1
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "monitoring_section.updated")).one()
        assert entry.before == {"name": "新塘闸", "code": "GHH-03", "latitude": None}
    taken = client.patch(f"/api/v1/sections/{other}", headers=water.headers, json={"code": "GHH-3"})
    assert taken.status_code == 409 and "code" in taken.json["errors"]["json"]
    same_name = client.patch(f"/api/v1/sections/{other}", headers=water.headers, json={"name": "新塘闸断面"})
    assert same_name.status_code == 409 and "name" in same_name.json["errors"]["json"]
    blank = client.patch(f"/api/v1/sections/{other}", headers=water.headers, json={"code": " ", "id": 3})
    assert blank.status_code == 422 and set(blank.json["errors"]["json"]) == {"code", "id"}
    assert client.patch("/api/v1/sections/999999", headers=water.headers, json={"name": "x"}).status_code == 404
