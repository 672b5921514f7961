"""A card is lifted only after a re-inspection of the same enterprise, made after the card was issued, that
re-checked every checklist item behind the card's triggering findings and found each passed (issue 13, closing
rules). Each way to break it is refused with a 422 at ``reinspection_id`` naming what is wrong."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cards.models import Card, CardReason
from core.db import db
from tests.cards.test_cards_api import MAJOR, _cards, _close, _inspect

SECOND_MAJOR = MAJOR | {"item_code": "HC-04", "description": "特种作业人员未持证上岗", "category": "person"}


@pytest.fixture
def inspector(auth):
    return auth("inspector")


@pytest.fixture
def manager(auth):
    return auth("safety_manager")


@pytest.fixture
def carded(client, inspector, manager, make_enterprise):
    """An enterprise whose yellow card (Y1) was triggered by two majors (HC-12, HC-04), both since verified.

    Gives (enterprise, card id)."""
    enterprise = make_enterprise()
    found = _inspect(client, inspector, enterprise, [MAJOR, SECOND_MAJOR], days_ago=3)
    for finding in found["findings"]:
        _close(client, inspector, manager, finding["id"])
    [card] = _cards(client, manager, enterprise)
    return enterprise, card["id"]


def _lift(client, manager, card, reinspection):
    return client.post(f"/api/v1/cards/{card}/lift", headers=manager,
                       json={"reason": "复查合格", "reinspection_id": reinspection})


def _refused(response, *named):
    assert response.status_code == 422, response.json
    [message] = response.json["errors"]["json"]["reinspection_id"]
    for text in named:
        assert text in message, message
    return message


def _status(app, card):
    with app.app_context():
        return db.session.get(Card, card).status


def _checklist(**results):
    return [{"item_code": code.replace("_", "-"), "result": result} for code, result in results.items()]


def test_an_empty_reinspection_is_refused(app, client, inspector, manager, carded):
    enterprise, card = carded
    empty = _inspect(client, inspector, enterprise, [], checklist=[], days_ago=0)
    _refused(_lift(client, manager, card, empty["id"]), "no checklist")
    assert _status(app, card) == "active"


def test_an_inspection_of_another_domain_is_refused(app, client, inspector, manager, carded):
    """Today's bug: an empty inspection of another domain after the card was accepted."""
    enterprise, card = carded
    gas = _inspect(client, inspector, enterprise, [], domain="gas", checklist=_checklist(GAS_M_01="passed"),
                   days_ago=0)
    _refused(_lift(client, manager, card, gas["id"]), "HC-04, HC-12", "not re-checked")
    empty_gas = _inspect(client, inspector, enterprise, [], domain="gas", checklist=[], days_ago=0)
    _refused(_lift(client, manager, card, empty_gas["id"]), "no checklist")
    assert _status(app, card) == "active"


def test_an_inspection_of_another_enterprise_is_refused(app, client, inspector, manager, carded, make_enterprise):
    _, card = carded
    elsewhere = _inspect(client, inspector, make_enterprise(), [],
                         checklist=_checklist(HC_12="passed", HC_04="passed"), days_ago=0)
    _refused(_lift(client, manager, card, elsewhere["id"]), "of this enterprise")
    assert _status(app, card) == "active"


def test_an_inspection_before_the_card_is_refused(app, client, inspector, manager, carded):
    enterprise, card = carded
    before = _inspect(client, inspector, enterprise, [], checklist=_checklist(HC_12="passed", HC_04="passed"),
                      days_ago=5)
    _refused(_lift(client, manager, card, before["id"]), "after the card was issued")
    assert _status(app, card) == "active"


def test_an_item_rechecked_but_failed_is_refused(app, client, inspector, manager, carded):
    enterprise, card = carded
    again = _inspect(client, inspector, enterprise, [MAJOR], checklist=_checklist(HC_12="failed", HC_04="passed"),
                     days_ago=0)
    # Its own finding is open: the re-inspection did not pass.
    conflict = _lift(client, manager, card, again["id"])
    assert conflict.status_code == 409, conflict.json
    _close(client, inspector, manager, again["findings"][0]["id"])
    # Closed since, but the item failed when it was re-checked.
    message = _refused(_lift(client, manager, card, again["id"]), "HC-12 (failed)", "did not pass")
    assert "HC-04" not in message
    assert _status(app, card) == "active"


def test_an_item_marked_not_applicable_is_refused(app, client, inspector, manager, carded):
    enterprise, card = carded
    skipped = _inspect(client, inspector, enterprise, [],
                       checklist=_checklist(HC_12="not_applicable", HC_04="passed"), days_ago=0)
    message = _refused(_lift(client, manager, card, skipped["id"]), "HC-12 (not applicable)")
    assert "HC-04" not in message
    assert _status(app, card) == "active"


def test_one_of_two_items_missing_is_refused(app, client, inspector, manager, carded):
    enterprise, card = carded
    half = _inspect(client, inspector, enterprise, [], checklist=_checklist(HC_12="passed", HC_01="passed"),
                    days_ago=0)
    message = _refused(_lift(client, manager, card, half["id"]), "HC-04 behind the card were not re-checked")
    assert "HC-12" not in message
    assert _status(app, card) == "active"


def test_another_failed_item_is_refused(app, client, inspector, manager, carded):
    """The items behind the card passed, but the re-inspection failed another: it did not pass."""
    enterprise, card = carded
    other = MAJOR | {"item_code": "HC-G-01", "description": "警示标志缺失", "severity": "general"}
    again = _inspect(client, inspector, enterprise, [other],
                     checklist=_checklist(HC_12="passed", HC_04="passed", HC_G_01="failed"), days_ago=0)
    _close(client, inspector, manager, again["findings"][0]["id"])
    _refused(_lift(client, manager, card, again["id"]), "HC-G-01 failed")
    assert _status(app, card) == "active"


def test_the_refusal_is_in_chinese_when_asked(client, inspector, manager, carded):
    enterprise, card = carded
    half = _inspect(client, inspector, enterprise, [], checklist=_checklist(HC_12="passed"), days_ago=0)
    response = client.post(f"/api/v1/cards/{card}/lift", json={"reason": "复查合格", "reinspection_id": half["id"]},
                           headers=manager | {"Accept-Language": "zh-CN"})
    _refused(response, "触发该牌的检查项 HC-04 未复核")
    skipped = _inspect(client, inspector, enterprise, [],
                       checklist=_checklist(HC_12="not_applicable", HC_04="passed"), days_ago=0)
    response = client.post(f"/api/v1/cards/{card}/lift", json={"reason": "复查合格", "reinspection_id": skipped["id"]},
                           headers=manager | {"Accept-Language": "zh-CN"})
    _refused(response, "HC-12 (不适用)")


def test_a_reinspection_that_passed_every_item_lifts_the_card(app, client, inspector, manager, carded):
    enterprise, card = carded
    passed = _inspect(client, inspector, enterprise, [],
                      checklist=_checklist(HC_12="passed", HC_04="passed", HC_01="not_applicable"), days_ago=0)
    lifted = _lift(client, manager, card, passed["id"])
    assert lifted.status_code == 200, lifted.json
    assert (lifted.json["status"], lifted.json["reinspection_id"]) == ("lifted", passed["id"])


def test_a_triggering_finding_on_no_item_is_covered_by_its_verification(client, inspector, manager,
                                                                        make_enterprise):
    enterprise = make_enterprise()
    loose = {"item_code": None, "description": "重大危险源未备案", "category": "management", "severity": "major"}
    found = _inspect(client, inspector, enterprise, [loose], checklist=[], days_ago=3)
    _close(client, inspector, manager, found["findings"][0]["id"])
    [card] = _cards(client, manager, enterprise)
    empty = _inspect(client, inspector, enterprise, [], checklist=[], days_ago=0)
    _refused(_lift(client, manager, card["id"], empty["id"]), "no checklist")
    checked = _inspect(client, inspector, enterprise, [], checklist=_checklist(HC_01="passed"), days_ago=0)
    assert _lift(client, manager, card["id"], checked["id"]).status_code == 200


def _manual_card(client, manager, enterprise):
    response = client.post("/api/v1/cards", headers=manager,
                           json={"enterprise_id": enterprise, "colour": "yellow", "reason": "拒绝接受检查"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _after_now(client, inspector, enterprise, checklist):
    """An inspection a minute from now: after a card issued in this test."""
    return _inspect(client, inspector, enterprise, [], checklist=checklist, days_ago=-1 / (24 * 60))


def test_a_manual_card_needs_a_checklist_all_passed(app, client, inspector, manager, make_enterprise):
    enterprise = make_enterprise()
    card = _manual_card(client, manager, enterprise)
    empty = _after_now(client, inspector, enterprise, [])
    _refused(_lift(client, manager, card, empty["id"]), "no checklist")
    partly = _after_now(client, inspector, enterprise, _checklist(HC_01="passed", HC_02="not_applicable"))
    message = _refused(_lift(client, manager, card, partly["id"]), "HC-02 (not applicable)")
    assert "HC-01" not in message
    assert _status(app, card) == "active"
    passed = _after_now(client, inspector, enterprise, _checklist(HC_01="passed", HC_02="passed"))
    assert _lift(client, manager, card, passed["id"]).status_code == 200


def test_the_findings_of_earlier_cards_a_reason_names_are_behind_the_card(app, client, inspector, manager,
                                                                         make_enterprise):
    """A reason naming earlier cards (e.g. "three yellow cards within a year") brings their findings' items in."""
    enterprise = make_enterprise()
    earlier_finding = _inspect(client, inspector, enterprise, [SECOND_MAJOR], days_ago=30)["findings"][0]["id"]
    _close(client, inspector, manager, earlier_finding)
    [earlier] = _cards(client, manager, enterprise)
    with app.app_context():  # the earlier card was lifted long ago
        db.session.execute(sa.update(Card).where(Card.id == earlier["id"]).values(
            status="lifted", lifted_on=(datetime.now(UTC) - timedelta(days=20)).date()))
        db.session.commit()
    card = _manual_card(client, manager, enterprise)
    with app.app_context():
        db.session.add(CardReason(card_id=card, rule_id="R3", colour="red", text_zh="一年内三次黄牌",
                                  text_en="Three yellow cards within a year", card_ids=[earlier["id"]]))
        db.session.commit()
    without = _after_now(client, inspector, enterprise, _checklist(HC_01="passed"))
    _refused(_lift(client, manager, card, without["id"]), "HC-04 behind the card were not re-checked")
    rechecked = _after_now(client, inspector, enterprise, _checklist(HC_01="passed", HC_04="passed"))
    assert _lift(client, manager, card, rechecked["id"]).status_code == 200
