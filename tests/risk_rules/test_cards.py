import copy
from datetime import date, timedelta

import pytest
import yaml

from risk_rules.cards import (
    DEFAULT_RULESET_PATH,
    KINDS,
    CardFact,
    FindingFact,
    RuleSetError,
    default_ruleset,
    evaluate,
    load_ruleset,
    relevant_since,
)
from risk_rules.dates import add_months

TODAY = date(2026, 3, 2)
DEFAULT = default_ruleset()
RAW = yaml.safe_load(DEFAULT_RULESET_PATH.read_text(encoding="utf-8"))


def days(n: int) -> date:
    """``n`` days before TODAY (negative: after)."""
    return TODAY - timedelta(days=n)


def months(n: int, extra_days: int = 0) -> date:
    """``n`` months before TODAY, plus ``extra_days`` further back."""
    return add_months(TODAY, -n) - timedelta(days=extra_days)


def F(id, severity="general", status="open", found=None, deadline=None, closed=None, item=None):
    found = found or days(30)
    closed = closed or (days(1) if status == "verified" else None)
    return FindingFact(id, item, severity, status, found, deadline or days(-10), closed)


def C(id, colour="yellow", issued=None, lifted=None, manual=False):
    return CardFact(id, colour, issued or days(10), lifted, manual)


def fired(findings=(), cards=(), ruleset=DEFAULT, today=TODAY):
    return {r.rule_id: r for r in evaluate(findings, cards, ruleset, today).reasons}


def with_raw(change):
    """The default rule set as a dict, changed by ``change(data)``."""
    data = copy.deepcopy(RAW)
    change(data)
    return data


def rule(data, rule_id):
    return next(r for r in data["rules"] if r["id"] == rule_id)


def repeat_pair(closed_on, found_again, item_again="HC-G-01"):
    earlier = F(1, status="verified", found=closed_on - timedelta(days=20), closed=closed_on, item="HC-G-01")
    return [earlier, F(2, found=found_again, item=item_again)]


CASES = {
    # Y1 / R1: unresolved major, before or after its deadline
    "Y1 major before deadline": ([F(1, "major", deadline=days(-10))], [], {"Y1"}),
    "Y1 major deadline today": ([F(1, "major", deadline=TODAY)], [], {"Y1"}),
    "R1 major deadline yesterday": ([F(1, "major", deadline=days(1))], [], {"R1"}),
    "Y1 submitted rectification pauses overdue": (
        [F(1, "major", "rectification_submitted", deadline=days(5))],
        [],
        {"Y1"},
    ),
    "verified major is neither": ([F(1, "major", "verified", deadline=days(5))], [], set()),
    # Y2: three or more general hazards overdue at once
    "Y2 exactly three overdue": ([F(i, deadline=days(1)) for i in (1, 2, 3)], [], {"Y2"}),
    "Y2 misses: third due today": (
        [F(1, deadline=days(1)), F(2, deadline=days(1)), F(3, deadline=TODAY)],
        [],
        set(),
    ),
    "Y2 misses: third submitted": (
        [
            F(1, deadline=days(1)),
            F(2, deadline=days(1)),
            F(3, "general", "rectification_submitted", deadline=days(1)),
        ],
        [],
        set(),
    ),
    "Y2 misses: overdue majors do not count": (
        [F(1, deadline=days(1)), F(2, deadline=days(1)), F(3, "major", deadline=days(1))],
        [],
        {"R1"},
    ),
    # Y3: same item failed again within 12 months of being closed
    "Y3 exactly 12 months after closure": (repeat_pair(months(12), TODAY), [], {"Y3"}),
    "Y3 same day as closure": (repeat_pair(days(5), days(5)), [], {"Y3"}),
    "Y3 misses: 12 months and a day": (repeat_pair(months(12, 1), TODAY), [], set()),
    "Y3 misses: another item": (repeat_pair(days(40), days(5), item_again="HC-G-02"), [], set()),
    "Y3 misses: found before the closure": (repeat_pair(days(5), days(6)), [], set()),
    "Y3 misses: repeat older than 12 months": (repeat_pair(months(14), months(12, 1)), [], set()),
    # R2: two or more major hazards found within 12 months
    "R2 second major exactly 12 months back": (
        [F(1, "major", "verified", found=months(12)), F(2, "major", "verified", found=days(20))],
        [],
        {"R2"},
    ),
    "R2 misses: 12 months and a day": (
        [F(1, "major", "verified", found=months(12, 1)), F(2, "major", "verified", found=days(20))],
        [],
        set(),
    ),
    "R2 a lifted red card does not reset the window": (
        [F(1, "major", "verified", found=days(60)), F(2, "major", "verified", found=days(20))],
        [C(9, "red", issued=days(50), lifted=days(40))],
        {"R2"},
    ),
    # R3: yellow card not lifted within 90 days
    "R3 yellow active 91 days": ([], [C(1, issued=days(91))], {"R3"}),
    "R3 misses: yellow active 90 days": ([], [C(1, issued=days(90))], set()),
    "R3 misses: yellow lifted": ([], [C(1, issued=days(120), lifted=days(5))], set()),
    # R4: more than two yellow cards within a year, lifted or not
    "R4 three yellows, oldest exactly 12 months": (
        [],
        [C(1, issued=months(12), lifted=months(11)), C(2, issued=days(100), lifted=days(50)), C(3)],
        {"R4"},
    ),
    "R4 misses: oldest 12 months and a day": (
        [],
        [C(1, issued=months(12, 1), lifted=months(11)), C(2, issued=days(100), lifted=days(50)), C(3)],
        set(),
    ),
    "R4 misses: two yellows": ([], [C(2, issued=days(100), lifted=days(50)), C(3)], set()),
    "R4 a lifted red card does not reset the window": (
        [],
        [
            C(1, issued=days(200), lifted=days(190)),
            C(2, issued=days(100), lifted=days(50)),
            C(3, issued=days(30), lifted=days(25)),
            C(4, "red", issued=days(24), lifted=days(20)),
        ],
        {"R4"},
    ),
    # R5 / Y4: manual cards held until lifted
    "R5 manual red active": ([], [C(1, "red", manual=True)], {"R5"}),
    "R5 misses: manual red lifted": ([], [C(1, "red", issued=days(30), lifted=days(2), manual=True)], set()),
    "Y4 manual yellow active": ([], [C(1, manual=True)], {"Y4"}),
    "Y4 and R3: manual yellow held 91 days": ([], [C(1, issued=days(91), manual=True)], {"Y4", "R3"}),
    "Y4 misses: automatic yellow": ([], [C(1)], set()),
    "nothing at all": ([], [], set()),
}


@pytest.mark.parametrize(("findings", "cards", "expected"), CASES.values(), ids=CASES.keys())
def test_default_rules_fire_and_just_miss(findings, cards, expected):
    assert set(fired(findings, cards)) == expected


def test_worst_colour_wins_and_red_reasons_come_first():
    decision = evaluate(
        [F(1, "major", deadline=days(-5)), F(2, "major", deadline=days(1))], [], DEFAULT, TODAY
    )
    assert decision.colour == "red"
    assert [r.rule_id for r in decision.reasons] == ["R1", "R2", "Y1"]
    assert evaluate([F(1, "major", deadline=days(-5))], [], DEFAULT, TODAY).colour == "yellow"
    assert evaluate([], [], DEFAULT, TODAY).colour is None


@pytest.mark.parametrize(
    ("findings", "cards", "rule_id", "finding_ids", "card_ids"),
    [
        ([F(i, deadline=days(i)) for i in (4, 1, 3, 2)] + [F(5)], [], "Y2", (1, 2, 3, 4), ()),
        (repeat_pair(days(40), days(5)) + [F(3, item="HC-G-01", found=days(2))], [], "Y3", (1, 2, 3), ()),
        ([F(i, "major", "verified", found=days(10 * i)) for i in (1, 2, 3)], [], "R2", (1, 2, 3), ()),
        ([], [C(7, issued=days(95)), C(8, issued=days(91)), C(9, issued=days(90))], "R3", (), (7, 8)),
        ([], [C(7, "red", manual=True), C(8, "red", manual=True)], "R5", (), (7, 8)),
    ],
)
def test_reasons_cite_every_trigger(findings, cards, rule_id, finding_ids, card_ids):
    reason = fired(findings, cards)[rule_id]
    assert (reason.finding_ids, reason.card_ids) == (finding_ids, card_ids)
    assert reason.text_zh and reason.text_en


def test_texts_are_formatted_with_params():
    texts = {r.id: (r.text_zh, r.text_en) for r in DEFAULT.rules}
    assert texts["Y2"][1].startswith("3 or more") and "90" in texts["R3"][0] and "12个月" in texts["R2"][0]


def test_texts_keep_everything_but_their_placeholders_as_written():
    plain = load_ruleset(with_raw(lambda d: rule(d, "R2").update(
        text_zh="{months}个月内{min_count}项 {{min_count}} 100% %s $x", text_en="{min_count}{min_count}")))
    r2 = next(r for r in plain.rules if r.id == "R2")
    assert (r2.text_zh, r2.text_en) == ("12个月内2项 {min_count} 100% %s $x", "22")


def test_alternative_rule_set_changes_the_decision():
    two_overdue = [F(1, deadline=days(1)), F(2, deadline=days(1))]
    strict = load_ruleset(with_raw(lambda d: rule(d, "Y2")["params"].update(min_count=2)))
    assert fired(two_overdue) == {}
    assert set(fired(two_overdue, ruleset=strict)) == {"Y2"}


def test_default_loads_from_path_str_and_dict_alike():
    assert load_ruleset(str(DEFAULT_RULESET_PATH)) == load_ruleset(RAW) == DEFAULT
    assert (DEFAULT.id, DEFAULT.version, DEFAULT.effective_from) == ("default", "2026.1", date(2026, 1, 1))
    assert "水十条" in DEFAULT.source and {r.kind for r in DEFAULT.rules} == set(KINDS)


BAD = {
    "unknown kind": (
        lambda d: rule(d, "Y1").update(kind="open_majors"),
        r"rule 'Y1': unknown kind 'open_majors'",
    ),
    "bad colour": (lambda d: rule(d, "Y1").update(colour="green"), r"rule 'Y1': colour must be one of"),
    "missing param": (
        lambda d: rule(d, "R2")["params"].pop("months"),
        r"rule 'R2': params .*missing \['months'\]",
    ),
    "unknown param": (
        lambda d: rule(d, "Y1").update(params={"days": 3}),
        r"rule 'Y1': params .*unknown \['days'\]",
    ),
    "zero count": (
        lambda d: rule(d, "Y2")["params"].update(min_count=0),
        r"rule 'Y2': params.min_count must be a pos",
    ),
    "bool count": (lambda d: rule(d, "R4")["params"].update(min_count=True), r"rule 'R4': params.min_count"),
    "duplicate id": (lambda d: rule(d, "Y2").update(id="Y1"), r"rule 'Y1': duplicate rule id"),
    "missing text": (lambda d: rule(d, "R1").pop("text_en"), r"rule 'R1': missing field\(s\) \['text_en'\]"),
    "typo field": (lambda d: rule(d, "R1").update(colur="red"), r"rule 'R1': unknown field\(s\) \['colur'\]"),
    "bad placeholder": (
        lambda d: rule(d, "R3").update(text_en="{count} days"),
        r"rule 'R3': text_en has a bad",
    ),
    # Texts are plain text with {param} placeholders, never format strings: nothing can make them grow.
    "format width": (
        lambda d: rule(d, "Y2").update(text_en="{min_count:>10000000}"),
        r"rule 'Y2': text_en has a bad placeholder \{min_count:>10000000\}; only these are allowed: \{min_count\}",
    ),
    "nested format": (lambda d: rule(d, "R2").update(text_zh="{months:{min_count}}"), r"rule 'R2': text_zh has a bad"),
    "positional": (lambda d: rule(d, "R2").update(text_zh="{0:{1}}"), r"rule 'R2': text_zh has a bad placeholder"),
    "conversion": (lambda d: rule(d, "R3").update(text_en="{days!r}"), r"rule 'R3': text_en has a bad placeholder"),
    "attribute": (lambda d: rule(d, "R3").update(text_en="{days.real}"), r"rule 'R3': text_en has a bad placeholder"),
    "index": (lambda d: rule(d, "Y3").update(text_en="{months[0]}"), r"rule 'Y3': text_en has a bad placeholder"),
    "lone brace": (lambda d: rule(d, "Y1").update(text_en="a { b"), r"rule 'Y1': text_en has a bad placeholder"),
    "placeholder without params": (lambda d: rule(d, "Y1").update(text_en="{x}"), r"only these are allowed: none"),
    "long text": (lambda d: rule(d, "Y1").update(text_zh="长" * 301), r"rule 'Y1': 'text_zh' is 301 characters"),
    "long rule id": (lambda d: rule(d, "Y1").update(id="Y" * 21), r"'id' is 21 characters long; at most 20"),
    "long version": (lambda d: d.update(version="9" * 41), r"rule set: 'version' is 41 characters long"),
    "too many rules": (lambda d: d.update(rules=[dict(rule(d, "Y1"), id=f"Y{i}") for i in range(51)]),
                       r"51 rules; at most 50"),
    "rule not a mapping": (lambda d: d["rules"].append("R9"), r"rule #10: must be a mapping"),
    "no rules": (lambda d: d.update(rules=[]), r"'rules' must be a non-empty list"),
    "bad date": (lambda d: d.update(effective_from="2026-13-01"), r"effective_from' must be an ISO date"),
    "missing version": (lambda d: d.pop("version"), r"rule set: missing field\(s\) \['version'\]"),
}


@pytest.mark.parametrize(("change", "message"), BAD.values(), ids=BAD.keys())
def test_bad_rule_set_gives_a_clear_error(change, message):
    with pytest.raises(RuleSetError, match=message):
        load_ruleset(with_raw(change))


def test_rule_set_errors_for_unreadable_sources(tmp_path):
    (tmp_path / "list.yaml").write_text("- id: Y1\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleSetError, match="must be a mapping, got list"):
        load_ruleset(tmp_path / "list.yaml")
    for bad in (tmp_path / "missing.yaml", str(tmp_path / "broken.yaml")):
        with pytest.raises(RuleSetError, match="cannot read rule set"):
            load_ruleset(bad)
    assert isinstance(RuleSetError("x"), ValueError)


def test_relevant_since_is_the_longest_lookback():
    assert relevant_since(DEFAULT, TODAY) == months(24)  # Y3: closure up to 12 months before a repeat
    state_only = load_ruleset(with_raw(lambda d: d.update(rules=[rule(d, "Y1"), rule(d, "R3")])))
    assert relevant_since(state_only, TODAY) == TODAY
    no_repeat = load_ruleset(with_raw(lambda d: d["rules"].remove(rule(d, "Y3"))))
    assert relevant_since(no_repeat, TODAY) == months(12)


def test_loading_only_relevant_facts_gives_the_same_decision():
    findings = [
        *repeat_pair(months(13), months(11)),
        F(3, "major", "verified", found=months(30), closed=months(29)),
        F(4, "major", "open", found=months(30), deadline=months(29)),
        F(5, "major", "verified", found=days(50)),
        F(6, deadline=days(3)),
    ]
    cards = [C(1, issued=months(30), lifted=months(28)), C(2, issued=months(30)), C(3, issued=days(5))]
    since = relevant_since(DEFAULT, TODAY)
    loaded_f = [x for x in findings if x.status != "verified" or x.found_on >= since or x.closed_on >= since]
    loaded_c = [c for c in cards if c.lifted_on is None or c.issued_on >= since]
    assert len(loaded_f) < len(findings) and len(loaded_c) < len(cards)
    assert evaluate(loaded_f, loaded_c, DEFAULT, TODAY) == evaluate(findings, cards, DEFAULT, TODAY)
