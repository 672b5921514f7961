"""Red / yellow card engine (红黄牌警示): plain facts in, a decision with its reasons out.

No published Jiangsu text of the zone's 工业企业红黄牌分类警示制度 was found, so the default rule set
(``rulesets/default.yaml``) is the project's own, built on patterns common to published schemes:
水十条 (国发〔2015〕17号, 2015), Tianjin 2016, Anqing 2016, Shaanxi, Jiangxi (domain README section 3).
Rules are data: a rule set is versioned, and every reason names its rule and the findings / cards that
triggered it.

Semantics shared by all rules:

- every date is a local (Asia/Shanghai) calendar date; see :mod:`risk_rules.dates`;
- "overdue" is :func:`risk_rules.dates.is_overdue`, nothing else;
- windows of N months are trailing windows ending today, using :func:`risk_rules.dates.within_months`
  (exactly N months back still counts); lifted cards do not reset a window. Deciding that a trigger was
  already answered by a lifted card (so the same history does not re-issue it) is the caller's job
  (``cards.service`` drops reasons whose triggers were all consumed by a lifted card).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from risk_rules import datafile
from risk_rules.dates import VERIFIED, add_months, is_overdue, within_months

YELLOW, RED = "yellow", "red"
COLOUR_RANK = {YELLOW: 1, RED: 2}
GENERAL, MAJOR = "general", "major"
DEFAULT_RULESET_PATH = Path(__file__).parent / "rulesets" / "default.yaml"


class RuleSetError(ValueError):
    """A rule set that cannot be used; the message names the rule and field at fault."""


@dataclass(frozen=True, slots=True)  # slots: a full re-evaluation holds thousands
class FindingFact:
    id: int
    checklist_item: str | None  # checklist item code, e.g. "HC-04"
    severity: str  # "general" | "major"
    status: str  # "open" | "rectification_submitted" | "verified"
    found_on: date  # local date the finding was recorded
    deadline: date  # rectification deadline, local date
    closed_on: date | None  # local date verified (status == "verified")


@dataclass(frozen=True, slots=True)
class CardFact:
    id: int
    colour: str  # "yellow" | "red"
    issued_on: date
    lifted_on: date | None  # None while active
    is_manual: bool  # issued by a manager with a written reason


@dataclass(frozen=True)
class Reason:
    rule_id: str
    colour: str
    text_zh: str
    text_en: str
    finding_ids: tuple[int, ...] = ()
    card_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Decision:
    colour: str | None  # None, "yellow" or "red": the worst colour of any reason
    reasons: tuple[Reason, ...]  # every rule that fired, red first, then in rule-set order


@dataclass(frozen=True)
class Rule:
    """One rule of a set; ``params`` are the kind's integer parameters, filled into the texts' ``{param}`` places."""

    id: str
    colour: str
    kind: str
    text_zh: str
    text_en: str
    params: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), hash=False)


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: str
    effective_from: date
    rules: tuple[Rule, ...]
    source: str = ""


# --- evaluation ----------------------------------------------------------------------------------------

Hit = tuple[tuple[int, ...], tuple[int, ...]]  # (finding ids, card ids)


@dataclass(frozen=True)
class _Facts:
    findings: tuple[FindingFact, ...]
    cards: tuple[CardFact, ...]
    today: date

    def active_cards(self, colour: str) -> list[CardFact]:
        return [
            c
            for c in self.cards
            if c.colour == colour
            and c.issued_on <= self.today
            and (c.lifted_on is None or c.lifted_on > self.today)
        ]

    def recent(self, day: date, months: int) -> bool:
        """``day`` is in the trailing window of ``months`` ending today."""
        return day <= self.today and within_months(day, self.today, months)


def _hit(
    findings: Iterable[FindingFact] = (), cards: Iterable[CardFact] = (), at_least: int = 1
) -> Hit | None:
    finding_ids = {f.id for f in findings}
    card_ids = {c.id for c in cards}
    if len(finding_ids) + len(card_ids) < max(at_least, 1):
        return None  # most rules, most of the time: nothing to sort
    return tuple(sorted(finding_ids)), tuple(sorted(card_ids))


def _open_major_within_deadline(rule: Rule, f: _Facts) -> Hit | None:
    return _hit(
        x
        for x in f.findings
        if x.severity == MAJOR and x.status != VERIFIED and not is_overdue(x.status, x.deadline, f.today)
    )


def _overdue_general_count(rule: Rule, f: _Facts) -> Hit | None:
    overdue = [x for x in f.findings if x.severity == GENERAL and is_overdue(x.status, x.deadline, f.today)]
    return _hit(overdue, at_least=rule.params["min_count"])


def _repeat_pairs(findings: Iterable[FindingFact], months: int, again: Callable[[date], bool]) -> list[FindingFact]:
    """Every finding found on a day ``again`` accepts whose item had another finding closed on or before that
    day, within ``months`` months before it, followed by those earlier findings (the repeat rule's triggers;
    also the Python twin of the repeat scope)."""
    findings = tuple(findings)
    closed_by_item: dict[str, list[FindingFact]] = {}
    for x in findings:
        if x.checklist_item and x.closed_on is not None:
            closed_by_item.setdefault(x.checklist_item, []).append(x)
    hits: list[FindingFact] = []
    for repeat in findings:
        if repeat.checklist_item not in closed_by_item or not again(repeat.found_on):
            continue
        earlier = [
            e
            for e in closed_by_item[repeat.checklist_item]
            if e.id != repeat.id and e.closed_on <= repeat.found_on
            and within_months(e.closed_on, repeat.found_on, months)
        ]
        if earlier:
            hits += [repeat, *earlier]
    return hits


def _repeat_item(rule: Rule, f: _Facts) -> Hit | None:
    """A finding in the window whose item had an earlier finding closed on or before it, within ``months``."""
    months = rule.params["months"]
    return _hit(_repeat_pairs(f.findings, months, lambda day: f.recent(day, months)))


def _overdue_major(rule: Rule, f: _Facts) -> Hit | None:
    return _hit(x for x in f.findings if x.severity == MAJOR and is_overdue(x.status, x.deadline, f.today))


def _major_count(rule: Rule, f: _Facts) -> Hit | None:
    majors = [x for x in f.findings if x.severity == MAJOR and f.recent(x.found_on, rule.params["months"])]
    return _hit(majors, at_least=rule.params["min_count"])


def _yellow_card_overdue(rule: Rule, f: _Facts) -> Hit | None:
    period = timedelta(days=rule.params["days"])
    return _hit(cards=[c for c in f.active_cards(YELLOW) if c.issued_on + period < f.today])


def _yellow_card_count(rule: Rule, f: _Facts) -> Hit | None:
    months = rule.params["months"]
    yellows = [c for c in f.cards if c.colour == YELLOW and f.recent(c.issued_on, months)]
    return _hit(cards=yellows, at_least=rule.params["min_count"])


def _manual_card(rule: Rule, f: _Facts) -> Hit | None:
    return _hit(cards=[c for c in f.active_cards(rule.colour) if c.is_manual])


def _months_back(factor: int) -> Callable[[Mapping[str, int], date], date]:
    return lambda params, today: add_months(today, -factor * params["months"])


@dataclass(frozen=True)
class FindingScope:
    """Which findings of one enterprise a rule kind can look at, as plain data: the DB layer turns a rule
    set's scopes into a fixed number of SQL queries, so a full re-evaluation loads only findings that can
    matter (a finding outside every scope cannot change any decision).

    Every condition given must hold: ``severity``; ``unresolved`` (not verified); ``overdue_on`` (overdue on
    that day, :func:`risk_rules.dates.is_overdue`); ``found_since`` (found on or after that day); and at least
    ``min_count`` findings of the enterprise meet them all, else none is admitted.

    ``repeat_months`` makes it a repeat scope instead: it admits both findings of every repeat pair, a finding
    found on or after ``found_since`` and another finding of the same checklist item closed on or before the
    day it was found, within ``repeat_months`` months before it.
    """

    severity: str | None = None
    unresolved: bool = False
    overdue_on: date | None = None
    found_since: date | None = None
    min_count: int = 1
    repeat_months: int | None = None

    def admits(self, finding: FindingFact) -> bool:
        """The conditions on the finding itself (not ``min_count``, not repeat pairs)."""
        return (
            (self.severity is None or finding.severity == self.severity)
            and (not self.unresolved or finding.status != VERIFIED)
            and (self.overdue_on is None or is_overdue(finding.status, finding.deadline, self.overdue_on))
            and (self.found_since is None or finding.found_on >= self.found_since)
        )

    def admitted(self, findings: Iterable[FindingFact]) -> list[FindingFact]:
        """Python twin of the SQL filter (``cards.facts``): which of one enterprise's findings the scope
        admits. The SQL may admit a few more (it compares UTC instants with a margin, and may count a finding
        of a repeat pair twice towards ``min_count``), never fewer."""
        findings = tuple(findings)
        if self.repeat_months is not None:
            since = self.found_since or date.min
            ids = {x.id for x in _repeat_pairs(findings, self.repeat_months, lambda day: day >= since)}
            return [x for x in findings if x.id in ids]
        kept = [x for x in findings if self.admits(x)]
        return kept if len(kept) >= self.min_count else []


def _unresolved(severity: str):
    return lambda params, today: FindingScope(severity=severity, unresolved=True)


def _overdue(severity: str):
    return lambda params, today: FindingScope(severity=severity, overdue_on=today,
                                              min_count=params.get("min_count", 1))


def _repeat_scope(params: Mapping[str, int], today: date) -> FindingScope:
    # a repeat finding is recent, so found on or after this day (see _Facts.recent)
    return FindingScope(found_since=add_months(today, -params["months"]), repeat_months=params["months"])


def _major_scope(params: Mapping[str, int], today: date) -> FindingScope:
    return FindingScope(severity=MAJOR, found_since=add_months(today, -params["months"]),
                        min_count=params["min_count"])


@dataclass(frozen=True)
class Kind:
    """A rule kind: its predicate, required integer params, and how far back in time it looks.

    ``lookback`` is None for kinds that only look at unresolved findings or active cards.
    """

    predicate: Callable[[Rule, _Facts], Hit | None]
    params: tuple[str, ...] = ()
    lookback: Callable[[Mapping[str, int], date], date] | None = None
    scope: Callable[[Mapping[str, int], date], FindingScope] | None = None  # None: looks at cards only


# The one table of rule kinds. Rule ids (Y1, R2...) live in the data file, not here.
KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        "open_major_within_deadline": Kind(_open_major_within_deadline, scope=_unresolved(MAJOR)),
        "overdue_general_count": Kind(_overdue_general_count, ("min_count",), scope=_overdue(GENERAL)),
        # the repeat finding is within `months` of today, the earlier closure within `months` before it
        "repeat_item": Kind(_repeat_item, ("months",), _months_back(2), _repeat_scope),
        "overdue_major": Kind(_overdue_major, scope=_overdue(MAJOR)),
        "major_count": Kind(_major_count, ("min_count", "months"), _months_back(1), _major_scope),
        "yellow_card_overdue": Kind(_yellow_card_overdue, ("days",)),
        "yellow_card_count": Kind(_yellow_card_count, ("min_count", "months"), _months_back(1)),
        "manual_card": Kind(_manual_card),
    }
)


def evaluate(
    findings: Iterable[FindingFact], cards: Iterable[CardFact], ruleset: RuleSet, today: date
) -> Decision:
    """Apply every rule of ``ruleset`` to one enterprise's findings and cards as of local date ``today``.

    Returns the worst colour and one :class:`Reason` per rule that fired, listing every finding / card
    that triggered it. Facts older than :func:`relevant_since` may be passed; they are simply ignored.
    """
    facts = _Facts(tuple(findings), tuple(cards), today)
    reasons = []
    for rule in ruleset.rules:
        hit = KINDS[rule.kind].predicate(rule, facts)
        if hit is not None:
            reasons.append(Reason(rule.id, rule.colour, rule.text_zh, rule.text_en, *hit))
    reasons.sort(key=lambda r: -COLOUR_RANK[r.colour])  # stable: rule-set order within a colour
    colour = reasons[0].colour if reasons else None
    return Decision(colour, tuple(reasons))


def relevant_since(ruleset: RuleSet, today: date) -> date:
    """Earliest date any rule of ``ruleset`` can look at when evaluated on ``today``.

    The DB layer may load, per enterprise, only: unresolved findings (any date), findings with ``found_on``
    or ``closed_on`` on or after this date, active cards (any date), and cards issued on or after this
    date. It is a lower bound (month-end clamping can make it a day or two earlier than strictly
    needed); with no history rule in the set it is ``today``.
    """
    dates = [
        kind.lookback(rule.params, today) for rule in ruleset.rules if (kind := KINDS[rule.kind]).lookback
    ]
    return min(dates, default=today)


def finding_scopes(ruleset: RuleSet, today: date) -> tuple[FindingScope, ...]:
    """The findings the rule set can look at on ``today``: a finding outside every scope cannot change
    any decision, so the DB layer need not load it."""
    return tuple(dict.fromkeys(
        kind.scope(rule.params, today) for rule in ruleset.rules if (kind := KINDS[rule.kind]).scope
    ))


# --- loading -------------------------------------------------------------------------------------------

_RULESET_KEYS = {"id", "version", "effective_from", "source", "rules"}
# Bounds: a rule's id and texts are repeated in every reason of every enterprise (cards, the preview's answer),
# so their size must not be the caller's to choose. Ids and versions fit the cards tables' columns.
MAX_RULES, MAX_RULE_ID, MAX_VERSION, MAX_TEXT = 50, 20, 40, 300
_RULE_KEYS = {"id", "colour", "kind", "params", "text_zh", "text_en"}


def load_ruleset(source: dict | str | Path) -> RuleSet:
    """Build and validate a rule set from a mapping (e.g. a parsed JSON body) or a YAML file path.

    A ``str`` is a file path, like ``Path``. Raises :class:`RuleSetError` naming the rule and field at fault.
    """
    if isinstance(source, str | Path):
        try:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise RuleSetError(f"cannot read rule set {source}: {exc}") from exc
    else:
        data = source
    if not isinstance(data, dict):
        raise RuleSetError(f"rule set must be a mapping, got {type(data).__name__}")
    _check_keys(data, _RULESET_KEYS, {"id", "version", "effective_from", "rules"}, "rule set")
    rules = data["rules"]
    if not isinstance(rules, list) or not rules:
        raise RuleSetError("rule set: 'rules' must be a non-empty list")
    if len(rules) > MAX_RULES:
        raise RuleSetError(f"rule set: {len(rules)} rules; at most {MAX_RULES}")
    built = tuple(_load_rule(raw, index) for index, raw in enumerate(rules))
    seen: set[str] = set()
    for rule in built:
        if rule.id in seen:
            raise RuleSetError(f"rule {rule.id!r}: duplicate rule id")
        seen.add(rule.id)
    return RuleSet(
        id=_text(data, "id", "rule set", MAX_VERSION),
        version=_text(data, "version", "rule set", MAX_VERSION),
        effective_from=_date(data["effective_from"], "rule set: 'effective_from'"),
        rules=built,
        source=str(data.get("source") or ""),
    )


def default_ruleset() -> RuleSet:
    """The project's default rule set, ``risk_rules/rulesets/default.yaml``."""
    return load_ruleset(DEFAULT_RULESET_PATH)


def _load_rule(raw: Any, index: int) -> Rule:
    where = f"rule #{index + 1}"
    if not isinstance(raw, dict):
        raise RuleSetError(f"{where}: must be a mapping")
    if isinstance(raw.get("id"), str) and raw["id"].strip():
        where = f"rule {raw['id']!r}"
    _check_keys(raw, _RULE_KEYS, _RULE_KEYS - {"params"}, where)
    colour, kind_name = raw["colour"], raw["kind"]
    if colour not in COLOUR_RANK:
        raise RuleSetError(f"{where}: colour must be one of {sorted(COLOUR_RANK)}, got {colour!r}")
    if kind_name not in KINDS:
        raise RuleSetError(f"{where}: unknown kind {kind_name!r}; known kinds: {', '.join(KINDS)}")
    params = _params(raw.get("params") or {}, KINDS[kind_name].params, where)
    texts = {key: _fill(_text(raw, key, where, MAX_TEXT), params, f"{where}: {key}") for key in ("text_zh", "text_en")}
    return Rule(
        _text(raw, "id", where, MAX_RULE_ID),
        colour,
        kind_name,
        texts["text_zh"],
        texts["text_en"],
        MappingProxyType(params),
    )


MAX_PARAM = 1000


def _params(raw: Any, required: tuple[str, ...], where: str) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise RuleSetError(f"{where}: params must be a mapping")
    unknown, missing = set(raw) - set(required), set(required) - set(raw)
    if unknown or missing:
        raise RuleSetError(
            f"{where}: params must be exactly {list(required)}; "
            f"missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    for name, value in raw.items():
        # Bounded: counts, days and months beyond MAX_PARAM only push dates off the calendar (an overflow).
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PARAM:
            raise RuleSetError(f"{where}: params.{name} must be a positive integer up to {MAX_PARAM}, got {value!r}")
    return dict(raw)


def _check_keys(data: dict, allowed: set[str], required: set[str], where: str) -> None:
    if unknown := set(data) - allowed:
        raise RuleSetError(f"{where}: unknown field(s) {sorted(unknown)}")
    if missing := required - set(data):
        raise RuleSetError(f"{where}: missing field(s) {sorted(missing)}")


def _text(data: dict, key: str, where: str, longest: int) -> str:
    value = datafile.text(data, key, where, RuleSetError)
    if len(value) > longest:
        raise RuleSetError(f"{where}: {key!r} is {len(value)} characters long; at most {longest}")
    return value


def _fill(text: str, params: Mapping[str, int], where: str) -> str:
    """``text`` with each ``{name}`` of ``params`` replaced by its value (``{{`` and ``}}`` are braces).

    Only plain named fields: a conversion, format specification or index (``{x!r}``, ``{x:>9999}``,
    ``{0:{1}}``, ``{x.real}``) is refused, so a rule's text can never grow beyond what it says.
    """
    try:
        pieces = list(string.Formatter().parse(text))  # parses only; nothing is formatted
    except ValueError as exc:  # a lone brace
        raise RuleSetError(f"{where} has a bad placeholder ({exc}); write {{{{ and }}}} for braces") from None
    parts = []
    for literal, name, spec, conversion in pieces:
        parts.append(literal)
        if name is None:
            continue
        if name not in params or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            allowed = ", ".join("{" + p + "}" for p in params) or "none"
            raise RuleSetError(f"{where} has a bad placeholder {shown}; only these are allowed: {allowed}")
        parts.append(str(params[name]))
    return "".join(parts)


def _date(value: Any, where: str) -> date:
    return datafile.iso_date(value, where, RuleSetError)
