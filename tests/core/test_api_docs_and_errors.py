import json
import re

import pytest


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


# ---- the document says what the answers are (issue 12, item 23) -------------------------------------------

def _spec(client) -> dict:
    return client.get("/api/v1/openapi.json").json


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def _api_urls(app) -> dict[str, set[str]]:
    """Every URL rule of the API with all the methods it answers (one URL may have several rules)."""
    urls: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.startswith("/api/v1/docs"):
            urls.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return urls


def test_every_405_carries_allow_with_the_methods_of_its_url(app, client, auth):
    headers = auth("admin")
    for rule, methods in _api_urls(app).items():
        url = re.sub(r"<[^>]+>", "1", rule)
        wrong = next(m for m in ("PUT", "DELETE", "PATCH", "POST") if m not in methods)
        response = client.open(url, method=wrong, headers=headers)
        assert response.status_code == 405, (wrong, url)
        assert response.json["code"] == 405 and response.mimetype == "application/json"
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
        assert allowed >= methods, (url, response.headers.get("Allow"))


def test_every_operation_lists_its_error_statuses_and_none_is_left_to_default(client):
    spec = _spec(client)
    for path, method, operation in _operations(spec):
        statuses = set(operation["responses"])
        assert "default" not in statuses, (method, path)
        public = operation.get("security") == []
        if not public:
            assert {"401", "403"} <= statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= statuses, (method, path)
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            assert "415" in statuses, (method, path)
        if method in ("post", "put", "patch", "delete"):
            assert {"409", "422"} <= statuses, (method, path)
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert spec["paths"]["/api/v1/health"]["get"]["security"] == []


def _reachable_from_responses(spec) -> set[str]:
    """Names of the component schemas that some response can carry (followed through every $ref)."""
    schemas, seen, todo = spec["components"]["schemas"], set(), []
    for _, _, operation in _operations(spec):
        for response in operation["responses"].values():
            todo += re.findall(r"#/components/schemas/(\w+)", json.dumps(response))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += re.findall(r"#/components/schemas/(\w+)", json.dumps(schemas[name]))
    return seen


def _column_values(model_classes) -> dict[str, list[set]]:
    """{column name: [values of each model's column]} from every CHECK (column IN (...)) constraint."""
    found: dict[str, list[set]] = {}
    for model in model_classes:
        for constraint in model.__table__.constraints:
            expression = getattr(constraint, "sqltext", None)
            right = getattr(expression, "right", None)
            if right is not None and isinstance(getattr(right, "value", None), list | tuple):
                found.setdefault(expression.left.name, []).append(set(right.value))
    return found


def test_every_value_a_stored_row_can_hold_is_in_the_documented_enums_of_the_answers(client):
    from core.db import db

    models = [mapper.class_ for mapper in db.Model.registry.mappers]
    by_column = _column_values(models)
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    checked = 0
    for name in _reachable_from_responses(spec):
        for prop, definition in schemas[name].get("properties", {}).items():
            enum = definition.get("enum") or definition.get("items", {}).get("enum")
            if enum is None or definition.get("writeOnly"):
                continue
            # A model column of that name whose values overlap the documented ones is the one it shows.
            for stored in by_column.get(prop, []):
                if stored & set(enum):
                    checked += 1
                    assert stored <= set(enum), f"{name}.{prop}: the answers can hold {sorted(stored - set(enum))}"
    assert checked >= 5  # the walk found the enums it is about
    assert "closed_off" in schemas["WaterBody"]["properties"]["listed_status"]["enum"]


def test_a_closed_off_body_is_answered_as_documented(app, client, auth):
    from datetime import UTC, datetime

    from core.db import db
    from remediation.models import WaterBody

    created = client.post("/api/v1/water-bodies", headers=auth("env_staff"),
                          json={"name": "和平河", "kind": "river", "target_class": 4}).json
    with app.app_context():
        body = db.session.get(WaterBody, created["id"])
        body.listed_status, body.closed_off_dt, body.closed_off_by_id = "closed_off", datetime.now(UTC), 1
        db.session.commit()
    shown = client.get(f"/api/v1/water-bodies/{created['id']}", headers=auth("env_staff")).json
    enum = _spec(client)["components"]["schemas"]["WaterBodyDetail"]["properties"]["listed_status"]["enum"]
    assert shown["listed_status"] == "closed_off" and shown["listed_status"] in enum


BOOLEANS = [  # (method, path, base body, field) for every boolean a request body takes
    ("PATCH", "/api/v1/users/{user_id}", {}, "is_active"),
    ("POST", "/api/v1/checklists/{domain}/items",
     {"code": "LOCAL-09", "text_zh": "本地检查项", "text_en": "Local item", "category": "thing"}, "is_major"),
    ("POST", "/api/v1/findings/{finding_id}/verification", {"note": "x"}, "accepted"),
    ("POST", "/api/v1/findings/{finding_id}/extension/decision", {"note": ""}, "approved"),
    ("PUT", "/api/v1/alerts/preferences", {}, "digest_email"),
]


def test_every_boolean_a_request_body_takes_is_in_the_table(client):
    spec, found = _spec(client), set()
    for path, method, operation in _operations(spec):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        ref = body.get("$ref", "").rsplit("/", 1)[-1]
        for prop, definition in spec["components"]["schemas"].get(ref, {}).get("properties", {}).items():
            if definition.get("type") == "boolean" and not definition.get("readOnly"):
                found.add((method.upper(), path, prop))
    assert found == {(method, path, field) for method, path, _, field in BOOLEANS}


@pytest.mark.parametrize("value", [0, 1, "true", "no", None])
@pytest.mark.parametrize(("method", "path", "base", "field"), BOOLEANS, ids=[b[3] for b in BOOLEANS])
def test_a_boolean_is_true_or_false_and_nothing_else(client, auth, make_user, method, path, base, field, value):
    path = path.format(user_id=make_user("inspector")[0], domain="hazardous_chemicals", finding_id=1)
    response = client.open(path, method=method, headers=auth("admin", "safety_manager", "inspector"),
                           json=base | {field: value})
    assert response.status_code == 422, (field, value, response.json)
    assert field in response.json["errors"]["json"], response.json


@pytest.mark.parametrize("query", ["overdue=1", "overdue=0", "overdue=True", "overdue=yes", "overdue=on"])
@pytest.mark.parametrize("path", ["/api/v1/findings", "/api/v1/remediation-tasks"])
def test_a_boolean_in_a_query_is_the_word_true_or_false(client, auth, path, query):
    headers = auth("safety_manager", "env_staff")
    response = client.get(f"{path}?{query}", headers=headers)
    assert response.status_code == 422 and "overdue" in response.json["errors"]["query"], response.json
    for word in ("true", "false"):
        assert client.get(f"{path}?overdue={word}", headers=headers).status_code == 200
    unread = client.get(f"/api/v1/alerts?unread={query.split('=')[1]}", headers=headers)
    assert unread.status_code == 422 and "unread" in unread.json["errors"]["query"]
