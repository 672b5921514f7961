import re


def test_openapi_lists_every_endpoint_of_the_core(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = set(spec["paths"])
    for path in ("/api/v1/enterprises", "/api/v1/inspections", "/api/v1/findings",
                 "/api/v1/findings/{finding_id}/rectification", "/api/v1/findings/{finding_id}/verification",
                 "/api/v1/findings/{finding_id}/extension", "/api/v1/users", "/api/v1/auth/tokens"):
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "Error" in spec["components"]["schemas"]


def test_docs_page_loads_its_assets_from_this_server(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/api/v1/docs/") for s in sources)
    assert "<script>" not in page  # no inline script: the CSP can forbid it
    for source in sources:
        with client.get(source) as response:
            assert response.status_code == 200 and len(response.data) > 100, source


def test_unknown_url_gets_the_json_error_shape(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert set(response.json) == {"code", "status", "message"}


def test_malformed_json_is_a_400_not_a_500(client, auth):
    response = client.post("/api/v1/enterprises", headers=auth("admin") | {"Content-Type": "application/json"},
                           data=b'{"name": ')
    assert response.status_code == 400
    assert response.json["code"] == 400


def test_wrong_method_is_405(client, auth):
    assert client.put("/api/v1/enterprises", headers=auth("admin"), json={}).json["code"] == 405


def test_health_needs_no_login(client):
    assert client.get("/api/v1/health").json["status"] == "ok"


def test_ids_beyond_the_database_integer_are_refused_not_a_500(client, auth):
    # Found by the API fuzzing: such ids reached the database, whose drivers fail on them.
    headers = auth("safety_manager")
    for path in (f"/api/v1/enterprises/{2**31}", f"/api/v1/water-bodies/{2**70}", f"/api/v1/cards/{2**31}"):
        assert client.get(path, headers=headers).status_code == 404, path
    for query in (f"inspections?enterprise_id={2**31}", f"findings?enterprise_id={2**70}",
                  f"remediation-tasks?water_body_id={-2**70}"):
        response = client.get(f"/api/v1/{query}", headers=headers)
        assert response.status_code == 422 and response.json["errors"]["query"], query
    response = client.post("/api/v1/cards", headers=headers, json={"enterprise_id": 2**70, "colour": "yellow",
                                                                   "reason": "x"})
    assert response.status_code == 422 and "enterprise_id" in response.json["errors"]["json"]
    spec = client.get("/api/v1/openapi.json").json
    assert spec["paths"]["/api/v1/cards/{card_id}"]["parameters"][0]["schema"]["maximum"] == 2**31 - 1


def test_a_page_past_the_end_is_empty_however_far(client, auth):
    headers = auth("inspector")
    for page in (2, 2**40, 2**70):
        response = client.get(f"/api/v1/enterprises?page={page}", headers=headers)
        assert response.status_code == 200 and response.json == [], page
