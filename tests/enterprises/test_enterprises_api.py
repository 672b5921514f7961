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
