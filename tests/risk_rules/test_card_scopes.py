"""The rule set's finding scopes are sufficient: evaluating only the findings they admit gives the same
decision as evaluating everything (checked on many random histories)."""

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from risk_rules.cards import CardFact, FindingFact, default_ruleset, evaluate, finding_scopes, load_ruleset
from risk_rules.dates import add_months

TODAY = date(2026, 3, 2)
ITEMS = ["HC-01", "HC-02", "HC-G-01", None]


def _finding(rng: random.Random, n: int) -> FindingFact:
    found = TODAY - timedelta(days=rng.randrange(0, 1200))
    status = rng.choice(["open", "rectification_submitted", "verified", "verified", "verified"])
    closed = found + timedelta(days=rng.randrange(0, 60)) if status == "verified" else None
    return FindingFact(id=n, checklist_item=rng.choice(ITEMS), severity=rng.choice(["general", "general", "major"]),
                       status=status, found_on=found, deadline=found + timedelta(days=rng.choice([7, 15, 90])),
                       closed_on=min(closed, TODAY) if closed else None)


def _admitted(findings, scopes):
    def repeated(scope):
        if scope.repeated_item_since is None:
            return set()
        dated = Counter(f.checklist_item for f in findings if f.checklist_item and (
            f.found_on >= scope.repeated_item_since or (f.closed_on or date.min) >= scope.repeated_item_since))
        return {item for item, count in dated.items() if count >= 2}

    repeats = {scope: repeated(scope) for scope in scopes}
    return [f for f in findings if any(scope.admits(f, repeats[scope]) for scope in scopes)]


@pytest.mark.parametrize("seed", range(300))
def test_scoped_findings_decide_like_all_findings(seed):
    rng = random.Random(seed)
    findings = [_finding(rng, n) for n in range(rng.randrange(0, 25))]
    cards = [CardFact(id=1, colour="yellow", issued_on=TODAY - timedelta(days=100), lifted_on=None, is_manual=False)]
    admitted = _admitted(findings, finding_scopes(default_ruleset(), TODAY))
    assert evaluate(admitted, cards, default_ruleset(), TODAY) == evaluate(findings, cards, default_ruleset(), TODAY)


def test_scopes_leave_old_closed_findings_out():
    old = FindingFact(id=1, checklist_item="HC-01", severity="major", status="verified",
                      found_on=add_months(TODAY, -30), deadline=add_months(TODAY, -29),
                      closed_on=add_months(TODAY, -29))
    assert _admitted([old], finding_scopes(default_ruleset(), TODAY)) == []


def test_card_only_rule_sets_need_no_findings():
    raw = {"id": "cards", "version": "1", "effective_from": "2026-01-01", "rules": [
        {"id": "R3", "colour": "red", "kind": "yellow_card_overdue", "params": {"days": 90},
         "text_zh": "黄牌逾期", "text_en": "Yellow overdue"}]}
    assert finding_scopes(load_ruleset(raw), TODAY) == ()
