"""Issue 12, item 9: text that an XLSX sheet (XML 1.0) cannot hold is refused where it arrives, naming the field,
on every text field of the API, the pages and the schemas themselves; what people really type is kept."""

from __future__ import annotations

import importlib
import inspect

import pytest
from marshmallow import Schema, ValidationError, fields

from core import text
from tests.conftest import credit_code
from tests.web.conftest import PASSWORD, form_token

# (character, what the message calls it): XML 1.0 has no place for the first ones; the others (DEL, C1,
# noncharacters) are "discouraged" there, and nobody types them.
REFUSED = [("\uffff", "noncharacter"), ("\ufffe", "noncharacter"), ("\ufdd0", "noncharacter"),
           ("\ufdef", "noncharacter"), ("\U0001fffe", "noncharacter"), ("\U0010ffff", "noncharacter"),
           ("\x7f", "control character"), ("\x85", "control character"), ("\x9f", "control character"),
           ("\x0c", "control character")]
KEPT = ["\ufffd", "\ufdcf", "\ufdf0", "\ue000", "\U0001f525", "\u00a0", "\u3000", "\u200b", "第一行\r\n\t第二行"]


def _ids(chars):
    return [f"U+{ord(c[0]):04X}" for c in chars]


@pytest.mark.parametrize(("char", "kind"), REFUSED, ids=_ids([c for c, _ in REFUSED]))
def test_the_api_refuses_them_naming_the_field(client, auth, char, kind):
    body = {"name": f"港区{char}化工", "credit_code": credit_code(7), "sector": "construction"}
    response = client.post("/api/v1/enterprises", headers=auth("safety_manager"), json=body)
    assert response.status_code == 422, response.json
    [message] = response.json["errors"]["json"]["name"]
    assert kind in message and f"U+{ord(char):04X}" in message and "position 2" in message


@pytest.mark.parametrize("kept", KEPT, ids=_ids(KEPT))
def test_what_people_type_is_kept(client, auth, kept):
    body = {"name": f"港区{kept}化工", "credit_code": credit_code(8), "sector": "construction", "address": kept}
    response = client.post("/api/v1/enterprises", headers=auth("safety_manager"), json=body)
    assert response.status_code == 201, response.json
    assert (response.json["name"], response.json["address"]) == (body["name"], kept)


def test_a_query_string_and_a_page_form_refuse_them_too(app, client, auth, make_user, make_enterprise):
    response = client.get("/api/v1/enterprises?q=%EF%BF%BF", headers=auth("inspector"))
    assert response.status_code == 422 and "U+FFFF" in response.json["errors"]["query"]["q"][0]
    enterprise = make_enterprise(name="港区化工")
    browser, (_, username) = app.test_client(), make_user("safety_manager")
    login = form_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": login})
    token = form_token(browser.get(f"/enterprises/{enterprise}").get_data(as_text=True), "ent")
    page = browser.post(f"/enterprises/{enterprise}/details",
                        data={"ent-csrf_token": token, "ent-name": "港区\ufffe化工"})
    assert page.status_code == 400
    assert "ent-name" in page.get_data(as_text=True) and "U+FFFE" in page.get_data(as_text=True)
    # In the page's language: Chinese by default, English on request.
    assert "请修改 <code>ent-name</code>：第 2 个字符（U+FFFE）无法保存" in page.get_data(as_text=True)
    page = browser.get("/enterprises?lang=en&q=%00")
    assert page.status_code == 400 and "Please correct <code>q</code>: it contains a character that cannot be " \
        "stored (U+0000) at position 0" in page.get_data(as_text=True)


SCHEMA_MODULES = ["accounts.schemas", "enterprises.schemas", "cards.schemas", "checklists.schemas",
                  "inspections.schemas", "remediation.schemas"]


def _loaded_strings(schema: Schema):
    """(schema, field name, field) of every string the schema loads, dict keys and list items included."""
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        inner = [field]
        if isinstance(field, fields.List):
            inner.append(field.inner)
        if isinstance(field, fields.Dict):
            inner += [field.key_field, field.value_field]
        for each in inner:
            if isinstance(each, fields.String):
                yield type(schema).__name__, name, each


def test_every_loaded_string_of_the_schemas_is_a_text_field():
    """The schemas check text themselves, so a schema loaded outside a request (an import, a page) refuses too."""
    plain = []
    for module_name in SCHEMA_MODULES:
        for _, cls in inspect.getmembers(importlib.import_module(module_name), inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == module_name:
                plain += [(schema, name) for schema, name, field in _loaded_strings(cls())
                          if not isinstance(field, text.Text)]
    assert plain == []


def test_a_schema_loaded_directly_names_the_field(app):
    from enterprises.schemas import EnterpriseCreateSchema

    with pytest.raises(ValidationError) as refused:
        EnterpriseCreateSchema().load({"name": "港区\uffff化工", "credit_code": credit_code(9),
                                       "sector": "construction", "contact_name": "李\ufdd0工"})
    assert set(refused.value.messages) == {"name", "contact_name"}
    assert "U+FFFF" in refused.value.messages["name"][0]


def test_scrub_and_one_line():
    assert text.scrub("a\uffffb\x01c\ud800\t\n") == "a\ufffdb\ufffdc\ufffd\t\n"
    assert text.one_line(" 港区\r\n化工\u2028有限\u0085公司\t ") == "港区 化工 有限 公司"
