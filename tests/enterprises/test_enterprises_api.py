from tests.conftest import credit_code

VALID = {"name": "青岛港区化工有限公司", "credit_code": "91350100M000100Y43", "sector": "hazardous_chemicals",
         "zone": "东港区", "latitude": 36.08, "longitude": 120.32}


def test_register_and_search_by_name_or_code(client, auth):
    headers = auth("safety_manager")
    created = client.post("/api/v1/enterprises", headers=headers, json=VALID)
    assert created.status_code == 201
    for q in ("化工", "m000100"):
        found = client.get("/api/v1/enterprises", headers=headers, query_string={"q": q}).json
        assert [e["id"] for e in found] == [created.json["id"]]


def test_credit_code_is_normalised_and_unique(client, auth):
    headers = auth("admin")
    first = client.post("/api/v1/enterprises", headers=headers, json=VALID | {"credit_code": " 91350100m000100y43 "})
    assert first.json["credit_code"] == "91350100M000100Y43"
    again = client.post("/api/v1/enterprises", headers=headers, json=VALID)
    assert again.status_code == 409 and "credit_code" in again.json["errors"]["json"]


def test_bad_check_character_names_the_field_and_the_fix(client, auth):
    response = client.post("/api/v1/enterprises", headers=auth("admin"), json=VALID | {
        "credit_code": "91350100M000100Y44", "sector": "mining", "latitude": 91})
    errors = response.json["errors"]["json"]
    assert response.status_code == 422
    assert errors["credit_code"] == ["check character should be 3, not 4"]
    assert set(errors) == {"credit_code", "sector", "latitude"}


def test_blank_name_is_422_not_stored_empty(client, auth):
    response = client.post("/api/v1/enterprises", headers=auth("admin"), json=VALID | {"name": "  \u3000 "})
    assert response.status_code == 422 and "name" in response.json["errors"]["json"]


def test_filters_by_sector_and_zone(client, auth, make_enterprise):
    make_enterprise(sector="town_gas", zone="A")
    gas_b = make_enterprise(sector="town_gas", zone="B")
    make_enterprise(sector="construction", zone="B")
    found = client.get("/api/v1/enterprises?sector=town_gas&zone=B", headers=auth("inspector")).json
    assert [e["id"] for e in found] == [gas_b]


def test_pagination(client, auth, make_enterprise):
    for _ in range(5):
        make_enterprise()
    response = client.get("/api/v1/enterprises?page=2&page_size=2", headers=auth("inspector"))
    assert len(response.json) == 2
    assert '"total": 5' in response.headers["X-Pagination"]


def test_helper_codes_are_valid():
    from enterprises.credit_code import problem

    assert problem(credit_code(7)) is None


def _audit(app, action):
    import sqlalchemy as sa

    from audit.models import AuditEntry
    from core.db import db

    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action))
        return [(e.before, e.after) for e in entries]


def test_update_changes_only_the_given_fields_and_keeps_the_old_values(app, client, auth):
    headers = auth("safety_manager")
    created = client.post("/api/v1/enterprises", headers=headers, json=VALID | {"contact_name": "王工"}).json
    response = client.patch(f"/api/v1/enterprises/{created['id']}", headers=headers,
                            json={"contact_name": "李工", "contact_phone": "0532-8888", "zone": " 西港区"})
    assert response.status_code == 200, response.json
    stored = client.get(f"/api/v1/enterprises/{created['id']}", headers=headers).json
    assert (stored["contact_name"], stored["contact_phone"], stored["zone"]) == ("李工", "0532-8888", " 西港区")
    assert (stored["name"], stored["credit_code"], stored["latitude"]) == (VALID["name"], VALID["credit_code"], 36.08)
    assert _audit(app, "enterprise.updated") == [(
        {"contact_name": "王工", "contact_phone": "", "zone": "东港区"},
        {"contact_name": "李工", "contact_phone": "0532-8888", "zone": " 西港区"})]
    again = client.patch(f"/api/v1/enterprises/{created['id']}", headers=headers, json={"contact_name": "李工"})
    assert again.status_code == 200 and len(_audit(app, "enterprise.updated")) == 1  # a retry records nothing


def test_update_checks_the_credit_code_like_registration(client, auth):
    headers = auth("admin")
    first = client.post("/api/v1/enterprises", headers=headers, json=VALID).json
    other = client.post("/api/v1/enterprises", headers=headers,
                        json=VALID | {"name": "另一家", "credit_code": credit_code(8)}).json
    taken = client.patch(f"/api/v1/enterprises/{other['id']}", headers=headers,
                         json={"credit_code": VALID["credit_code"]})
    assert taken.status_code == 409 and "credit_code" in taken.json["errors"]["json"]
    wrong = client.patch(f"/api/v1/enterprises/{other['id']}", headers=headers,
                         json={"credit_code": "91350100M000100Y44", "name": " ", "sector": "mining"})
    assert wrong.status_code == 422 and set(wrong.json["errors"]["json"]) == {"credit_code", "name", "sector"}
    own = client.patch(f"/api/v1/enterprises/{first['id']}", headers=headers,
                       json={"credit_code": VALID["credit_code"].lower()})
    assert own.status_code == 200 and own.json["credit_code"] == VALID["credit_code"]


def test_update_needs_a_field_and_an_existing_enterprise(client, auth):
    headers = auth("admin")
    created = client.post("/api/v1/enterprises", headers=headers, json=VALID).json
    empty = client.patch(f"/api/v1/enterprises/{created['id']}", headers=headers, json={})
    assert empty.status_code == 422 and "at least one field" in str(empty.json["errors"])
    unknown = client.patch(f"/api/v1/enterprises/{created['id']}", headers=headers, json={"id": 5})
    assert unknown.status_code == 422 and "id" in unknown.json["errors"]["json"]
    missing = client.patch("/api/v1/enterprises/999999", headers=headers, json={"zone": "x"})
    assert missing.status_code == 404
