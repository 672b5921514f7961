"""The rule-set preview answers in proportion to the data, never to a format specification in a rule's text."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import inspection_payload

MAJOR = {"item_code": "HC-12", "description": "罐区未设置可燃气体检测报警装置", "category": "thing"}
ENTERPRISES = 3


def _ruleset(text_zh: str, text_en: str, rule_id: str = "R9") -> dict:
    return {"id": "p", "version": "1", "effective_from": "2027-01-01", "rules": [
        {"id": rule_id, "colour": "red", "kind": "major_count", "params": {"min_count": 1, "months": 12},
         "text_zh": text_zh, "text_en": text_en}]}


@pytest.fixture
def with_majors(client, auth, make_enterprise):
    """Enterprises with a major finding each: a one-rule set gives every one of them a reason."""
    inspector = auth("inspector")
    when = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for _ in range(ENTERPRISES):
        payload = inspection_payload(make_enterprise(), client_id=str(uuid.uuid4()), inspected_dt=when,
                                     findings=[MAJOR], checklist=[{"item_code": "HC-12", "result": "failed"}])
        assert client.post("/api/v1/inspections", headers=inspector, json=payload).status_code == 201
    return auth("safety_manager")


def test_placeholders_are_filled_and_texts_read_as_written(client, with_majors):
    ruleset = _ruleset("{months}个月内{min_count}项重大隐患 {{原文}}", "{min_count} major in {months} months: 100%")
    response = client.post("/api/v1/cards/preview", headers=with_majors, json={"ruleset": ruleset})
    assert response.status_code == 200, response.json
    reasons = [e["reasons"][0] for e in response.json["changed"] + response.json["gained"]]
    assert len(reasons) == ENTERPRISES
    texts = {(r["text_zh"], r["text_en"]) for r in reasons}
    assert texts == {("12个月内1项重大隐患 {原文}", "1 major in 12 months: 100%")}


@pytest.mark.parametrize("text", [
    "{min_count:>10000000}",  # a width: one placeholder, ten million characters
    "{months:0>9999999}",
    "{min_count:{months}}",  # nested specification
    "{0:{1}}",  # positional fields
    "{min_count!r:>99999}",  # conversion
    "{months.real}", "{months[0]}", "{x:>10000000}", "{}", "x { y", "x } y",
])
def test_a_format_specification_is_refused_not_expanded(client, with_majors, text):
    body = json.dumps({"ruleset": _ruleset("重大隐患", text)})
    response = client.post("/api/v1/cards/preview", headers=with_majors | {"Content-Type": "application/json"},
                           data=body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    message = response.json["errors"]["json"]["ruleset"][0]
    assert "text_en" in message and "placeholder" in message
    assert len(response.data) < len(body) + 600  # the answer is about the size of the question


@pytest.mark.parametrize(("ruleset", "named"), [
    (_ruleset("长" * 301, "x"), "'text_zh' is 301 characters long; at most 300"),
    (_ruleset("x", "y", rule_id="R" * 21), "'id' is 21 characters long; at most 20"),
    (_ruleset("x", "y") | {"version": "9" * 41}, "'version' is 41 characters long; at most 40"),
    (_ruleset("x", "y") | {"rules": [_ruleset("x", "y", rule_id=f"R{i}")["rules"][0] for i in range(51)]},
     "51 rules; at most 50"),
])
def test_what_every_reason_repeats_is_bounded(client, with_majors, ruleset, named):
    response = client.post("/api/v1/cards/preview", headers=with_majors, json={"ruleset": ruleset})
    assert response.status_code == 422 and named in response.json["errors"]["json"]["ruleset"][0]


def test_the_largest_acceptable_rule_set_answers_within_a_bound(client, with_majors):
    # Every text at its longest, every rule firing: the answer grows with enterprises x rules, not with
    # anything a 300-character text can ask for.
    rules = [_ruleset("长" * 300, "L" * 300, rule_id=f"R{i}")["rules"][0] for i in range(50)]
    ruleset = _ruleset("x", "y") | {"rules": rules}
    response = client.post("/api/v1/cards/preview", headers=with_majors, json={"ruleset": ruleset})
    assert response.status_code == 200
    entries = response.json["changed"] + response.json["gained"]
    assert len(entries) == ENTERPRISES and all(len(e["reasons"]) == 50 for e in entries)
    assert len(response.data) < ENTERPRISES * 50 * (2000 + 300)  # per reason: both texts escaped, plus ids
