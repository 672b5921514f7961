"""The rule set's finding scopes are sufficient: evaluating only the findings they admit gives the same
decision as evaluating everything (checked on many random histories), and they do leave findings out."""

import copy
import random
from datetime import date, timedelta

import pytest
import yaml

from risk_rules.cards import (
    DEFAULT_RULESET_PATH,
    CardFact,
    FindingFact,
    default_ruleset,
    evaluate,
    finding_scopes,
    load_ruleset,
)
from risk_rules.dates import add_months

TODAY = date(2026, 3, 2)
ITEMS = ["HC-01", "HC-02", "HC-G-01", "", None]
# Month ends and a leap day: add_months clamps there.
TODAYS = [TODAY, date(2026, 3, 31), date(2024, 2, 29), date(2025, 12, 31), date(2026, 5, 31)]


def _variant() -> dict:
    """The default rule set with other windows and counts, so scopes are not tuned to one set of numbers."""
    data = yaml.safe_load(DEFAULT_RULESET_PATH.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    params = {"Y2": {"min_count": 2}, "Y3": {"months": 3}, "R2": {"min_count": 3, "months": 6}}
    for rule in data["rules"]:
        rule["params"] = params.get(rule["id"], rule.get("params"))
        if rule["params"] is None:
            del rule["params"]
    return data


RULESETS = [default_ruleset(), load_ruleset(_variant())]


def _finding(rng: random.Random, n: int, today: date) -> FindingFact:
    found = today - timedelta(days=rng.randrange(-3, 900))
    status = rng.choice(["open", "rectification_submitted", "verified", "verified", "verified"])
    # closed on the day found, some weeks later, or (bad data) before it was found
    closed = found + timedelta(days=rng.choice([0, 0, 1, 14, 60, 200, -2])) if status == "verified" else None
    return FindingFact(id=n, checklist_item=rng.choice(ITEMS), severity=rng.choice(["general", "general", "major"]),
                       status=status, found_on=found, deadline=found + timedelta(days=rng.choice([7, 15, 90])),
                       closed_on=closed)


def _admitted(findings, scopes):
    ids = {f.id for scope in scopes for f in scope.admitted(findings)}
    return [f for f in findings if f.id in ids]


@pytest.mark.parametrize("seed", range(400))
def test_scoped_findings_decide_like_all_findings(seed):
    rng = random.Random(seed)
    today, rule_set = rng.choice(TODAYS), rng.choice(RULESETS)
    findings = [_finding(rng, n, today) for n in range(rng.randrange(0, 30))]
    cards = [CardFact(id=1, colour="yellow", issued_on=today - timedelta(days=100), lifted_on=None, is_manual=False)]
    admitted = _admitted(findings, finding_scopes(rule_set, today))
    assert evaluate(admitted, cards, rule_set, today) == evaluate(findings, cards, rule_set, today)


def F(id, found, closed=None, item="HC-01", severity="general", status=None, deadline=None):  # noqa: N802
    status = status or ("verified" if closed else "open")
    return FindingFact(id, item, severity, status, found, deadline or found + timedelta(days=15), closed)


def test_scopes_leave_old_closed_findings_out():
    old = F(1, add_months(TODAY, -30), add_months(TODAY, -29), severity="major")
    assert _admitted([old], finding_scopes(default_ruleset(), TODAY)) == []


def test_repeat_scope_admits_the_pairs_only():
    scopes = finding_scopes(default_ruleset(), TODAY)
    earlier, again = F(1, add_months(TODAY, -8), add_months(TODAY, -7)), F(2, add_months(TODAY, -1))
    assert _admitted([earlier, again], scopes) == [earlier, again]
    # closed on the spot: a finding is not its own earlier finding
    assert _admitted([F(3, TODAY - timedelta(days=9), TODAY - timedelta(days=9))], scopes) == []
    # the same item closed more than 12 months before it failed again
    far = F(4, add_months(TODAY, -16), add_months(TODAY, -15))
    assert _admitted([far, F(5, add_months(TODAY, -2))], scopes) == []
    # another item
    assert _admitted([earlier, F(6, add_months(TODAY, -1), item="HC-02")], scopes) == []


def test_count_scopes_admit_nothing_below_their_count():
    scopes = finding_scopes(default_ruleset(), TODAY)
    overdue = [F(n, TODAY - timedelta(days=40), deadline=TODAY - timedelta(days=1)) for n in (1, 2)]
    assert _admitted(overdue, scopes) == []  # Y2 needs three
    third = F(3, TODAY - timedelta(days=40), deadline=TODAY - timedelta(days=1))
    assert _admitted([*overdue, third], scopes) == [*overdue, third]
    major = F(4, TODAY - timedelta(days=40), TODAY - timedelta(days=30), severity="major")
    assert _admitted([major], scopes) == []  # R2 needs two
    assert len(_admitted([major, F(5, TODAY - timedelta(days=20), TODAY - timedelta(days=10), "HC-02", "major")],
                         scopes)) == 2


def test_card_only_rule_sets_need_no_findings():
    raw = {"id": "cards", "version": "1", "effective_from": "2026-01-01", "rules": [
        {"id": "R3", "colour": "red", "kind": "yellow_card_overdue", "params": {"days": 90},
         "text_zh": "黄牌逾期", "text_en": "Yellow overdue"}]}
    assert finding_scopes(load_ruleset(raw), TODAY) == ()
