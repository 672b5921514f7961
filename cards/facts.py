"""Load what the card rules look at, for many enterprises at once (a fixed number of queries, none per
enterprise), as the plain facts of ``risk_rules.cards``.

Only findings inside a rule set's scopes are loaded (``risk_rules.cards.FindingScope``, whose ``admitted`` is
the Python twin of the SQL here, and the authority; ``tests/cards/test_card_facts.py`` compares them): a full
re-evaluation then reads a few rows per carded enterprise instead of years of closed findings. The repeat
rule's scope is the costly one: a join of the last months' findings with the closed ones, kept to pairs of the
same enterprise and item closed shortly enough before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from cards.models import Card, CardReason
from core.db import db
from core.time import day_start, zone
from inspections.models import STATUSES, Finding
from risk_rules.cards import CardFact, FindingFact, FindingScope, RuleSet, finding_scopes, relevant_since
from risk_rules.dates import OPEN, VERIFIED

# A zone's calendar day spans less than two days of UTC, even across a daylight-saving change: SQL compares
# UTC instants, so where the rules compare local dates it widens every bound by this much.
MARGIN = timedelta(days=2)


@dataclass(slots=True)
class ActiveCard:
    """The enterprise's active card as plain data: enough to tell whether a decision changes it."""

    id: int
    colour: str
    # rule id -> (finding ids, card ids) of the card's reasons
    reasons: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)


@dataclass(slots=True)
class EnterpriseFacts:
    findings: list[FindingFact] = field(default_factory=list)
    cards: list[CardFact] = field(default_factory=list)
    active: ActiveCard | None = None
    # rule id -> (finding ids, card ids) already answered by a lifted card: they do not issue a new one
    consumed: dict[str, tuple[set[int], set[int]]] = field(default_factory=dict)


# Statements are built once per rule-set scope, day and zone, and cached (building them costs more than running
# them for one enterprise); the enterprises are a bound list.
IDS = sa.bindparam("ids", expanding=True)


def _scope(column, incremental: bool):
    return column.in_(IDS) if incremental else sa.true()


def _between(column, anchor, before: timedelta, after: timedelta, postgres: bool):
    """``column`` is from ``before`` before to ``after`` after ``anchor`` (UTC timestamp columns). SQLite keeps
    timestamps as ISO text: it compares their Julian day numbers."""
    if postgres:
        return column.between(anchor - sa.literal(before, sa.Interval()), anchor + sa.literal(after, sa.Interval()))
    days = sa.func.julianday(column) - sa.func.julianday(anchor)
    return days.between(-before / timedelta(days=1), after / timedelta(days=1))


def _row_clause(scope: FindingScope, table):
    """SQL twin of ``FindingScope.admits`` (exact: no margin needed)."""
    parts = []
    if scope.severity is not None:
        parts.append(table.severity == scope.severity)
    if scope.unresolved:
        parts.append(table.status != VERIFIED)
    if scope.overdue_on is not None:  # as inspections.models.overdue_clause
        parts.append(sa.and_(table.status == OPEN, table.deadline < scope.overdue_on))
    if scope.found_since is not None:
        parts.append(table.found_dt >= day_start(scope.found_since))
    return sa.and_(sa.true(), *parts)


_COLUMNS = ("id", "enterprise_id", "item_code", "severity", "status", "found_dt", "deadline", "closed_dt")
# "Not verified" as the statuses it leaves, so that the (status, deadline) index can find them
UNRESOLVED = tuple(s for s in STATUSES if s != VERIFIED)


def _columns(table):
    return [getattr(table, c) for c in _COLUMNS]


def _returned(table, postgres: bool, zone_key: str):
    """The columns a query returns. PostgreSQL turns the timestamps into the zone's dates itself (AT TIME ZONE:
    exact, daylight saving included), which spares the per-row conversion in Python; SQLite cannot."""
    if not postgres:
        return _columns(table)
    local = {c: sa.cast(sa.func.timezone(zone_key, getattr(table, c)), sa.Date) for c in ("found_dt", "closed_dt")}
    return [local.get(c, getattr(table, c)) for c in _COLUMNS]


def _scoped(scopes: list[FindingScope], where, returned, joined=None, paired=None):
    """Findings that one of ``scopes`` admits; with ``joined`` (findings outer-joined to their repeat pairs) and
    ``paired`` (the pair's id), also those that have a pair. ``min_count`` is a window count per enterprise
    over the rows kept."""
    clauses = [_row_clause(s, Finding) for s in scopes]
    inner = _columns(Finding)
    for n, (scope, clause) in enumerate(zip(scopes, clauses, strict=True)):
        inner.append(sa.case((clause, 1), else_=0).label(f"in_{n}"))
        if scope.min_count > 1:
            # (a repeat pair can list a finding twice: a count too high only admits a few more rows)
            # "+ 0": SQLite would rather walk the whole table in enterprise order by index than sort the rows
            per_enterprise = sa.func.count(sa.case((clause, 1))).over(partition_by=Finding.enterprise_id + 0)
            inner.append(per_enterprise.label(f"n_{n}"))
    admitted = clauses
    if paired is not None:
        inner.append(paired.label("paired"))
        admitted = [*clauses, paired.is_not(None)]
    sub = sa.select(*inner).select_from(Finding if joined is None else joined).where(*where, sa.or_(*admitted))
    sub = sub.subquery()
    kept = [sa.and_(sub.c[f"in_{n}"] == 1, *([sub.c[f"n_{n}"] >= s.min_count] if s.min_count > 1 else []))
            for n, s in enumerate(scopes)]
    if paired is None:
        return sa.select(*returned(sub.c)).where(sa.or_(*kept))
    return sa.select(*returned(sub.c), sub.c.paired).where(sa.or_(*kept, sub.c.paired.is_not(None)))


def _pairing(again, earlier, scope: FindingScope, postgres: bool):
    """SQL twin of the repeat scope, a superset of ``FindingScope.admitted``: ``again`` found on or after the
    scope's day, ``earlier`` of the same enterprise and item closed from 2 days after it to a margin more
    than ``repeat_months`` months (of 31 days) before it."""
    since = day_start(scope.found_since)
    window = timedelta(days=31 * scope.repeat_months) + MARGIN
    return sa.and_(
        # "+ 0": keeps SQLite from walking all findings of an enterprise by index for every recent one
        again.enterprise_id == (earlier.enterprise_id if postgres else earlier.enterprise_id + 0),
        again.item_code == earlier.item_code, again.id != earlier.id, again.found_dt >= since,
        earlier.closed_dt >= since - window, _between(earlier.closed_dt, again.found_dt, window, MARGIN, postgres),
    )


def _narrowing(scopes: list[FindingScope]):
    """A cheap necessary condition of ``scopes``, for the scan's filter: unresolved, or found since a day."""
    parts = {}
    for scope in scopes:
        if scope.unresolved or scope.overdue_on is not None:
            parts["status"] = Finding.status.in_(UNRESOLVED)
        elif scope.found_since is None:
            return sa.true()
        else:
            parts["found"] = min(parts.get("found", scope.found_since), scope.found_since)
    if "found" in parts:
        parts["found"] = Finding.found_dt >= day_start(parts["found"])
    return sa.or_(*parts.values())


@lru_cache(maxsize=32)
def _queries(scopes: tuple[FindingScope, ...], incremental: bool, postgres: bool, zone_key: str) -> tuple:
    """The queries for ``scopes``, yielding finding rows, some followed by the id of a finding they pair with.

    One for the scopes on unresolved findings, through the status index. Then, on PostgreSQL, one for the
    scopes on recent findings and the repeat pairs: a scan of recent findings left-joined to a hash of closed
    ones (kept narrow: the rows of the few paired ones are read by id afterwards). SQLite has no hash join: a
    scan for the recent scopes, then an index built on recent findings, probed once per closed finding.
    (``zone_key``: the statements hold the zone's day starts.)
    """
    queries = []
    where = _scope(Finding.enterprise_id, incremental)

    def returned(table):
        return _returned(table, postgres, zone_key)

    by_status = [s for s in scopes if s.repeat_months is None and (s.unresolved or s.overdue_on is not None)]
    recent = [s for s in scopes if s.repeat_months is None and s not in by_status]
    repeats = [s for s in scopes if s.repeat_months is not None]
    if by_status:
        queries.append(_scoped(by_status, [where, _narrowing(by_status)], returned))
    if repeats and postgres:
        earlier = sa.select(Finding.id, Finding.enterprise_id, Finding.item_code, Finding.closed_dt).where(
            Finding.closed_dt.is_not(None), _scope(Finding.enterprise_id, incremental)).subquery("earlier")
        scan = sa.outerjoin(Finding, earlier, _pairing(Finding, earlier.c, repeats[0], postgres))
        queries.append(_scoped(recent, [where, _narrowing([*recent, repeats[0]])], returned, scan, earlier.c.id))
        recent, repeats = [], repeats[1:]
    if recent:
        queries.append(_scoped(recent, [where, _narrowing(recent)], returned))
    for scope in repeats:
        # Narrow and materialised: SQLite builds its index on just these columns.
        again = (sa.select(Finding.id, Finding.enterprise_id, Finding.item_code, Finding.found_dt)
                 .where(where, _narrowing([scope]), Finding.item_code.is_not(None)).cte("repeat_again")
                 .prefix_with("MATERIALIZED", dialect="sqlite"))
        earlier = aliased(Finding)
        queries.append(sa.select(*returned(earlier), again.c.id).select_from(earlier)
                       .join(again, _pairing(again.c, earlier, scope, postgres))
                       .where(_scope(earlier.enterprise_id, incremental)))
    return tuple(queries)


@lru_cache(maxsize=8)
def _by_id(postgres: bool, zone_key: str):
    """Findings by id (the other halves of repeat pairs): one array parameter on PostgreSQL (thousands of
    placeholders cost more to send than the rows), a list on SQLite."""
    if postgres:
        found = Finding.id == sa.any_(sa.bindparam("found", type_=ARRAY(sa.Integer)))
    else:
        found = Finding.id.in_(sa.bindparam("found", expanding=True))
    return sa.select(*_returned(Finding, postgres, zone_key)).where(found)


def _fact(row, tz) -> FindingFact:
    fid, _, item, severity, status, found, deadline, closed = row
    if tz is not None:  # UTC timestamps: the zone's dates of them
        found, closed = found.astimezone(tz).date(), closed and closed.astimezone(tz).date()
    return FindingFact(id=fid, checklist_item=item, severity=severity, status=status, found_on=found,
                       deadline=deadline, closed_on=closed)


@contextmanager
def _tuned(connection, postgres: bool, everyone: bool):
    """Settings for the scans of a full pass while they run, then as before. PostgreSQL compiles a query to
    machine code when it estimates it costly (JIT): for these scans that takes longer (100 ms and more) than
    it saves. SQLite writes the index it builds on recent findings to a temporary file unless told to keep
    temporary storage in memory, which it allows only outside a transaction (as when the scheduler or the
    CLI starts the daily pass)."""
    driver = connection.connection.driver_connection
    if not everyone or (not postgres and driver.in_transaction):  # one enterprise's queries are cheap
        yield
    elif postgres:
        before = connection.execute(sa.text("SELECT current_setting('jit'), set_config('jit', 'off', true)")).first()[0]
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT set_config('jit', :before, true)"), {"before": before})
    else:
        before = int(connection.exec_driver_sql("PRAGMA temp_store").scalar())
        connection.exec_driver_sql("PRAGMA temp_store = MEMORY")
        try:
            yield
        finally:
            if not driver.in_transaction:
                connection.exec_driver_sql(f"PRAGMA temp_store = {before}")


def _findings(connection, ids: list[int] | None, scopes: tuple[FindingScope, ...]):
    """(enterprise id, fact) of every finding some scope admits, each once."""
    tz, seen, partners, width = zone(), set(), set(), len(_COLUMNS)
    postgres, params = connection.dialect.name == "postgresql", {} if ids is None else {"ids": ids}
    converting = None if postgres else tz
    with _tuned(connection, postgres, ids is None):
        for query in _queries(scopes, ids is not None, postgres, tz.key):
            for row in connection.execute(query, params).all():
                if len(row) > width and row[width] is not None:
                    partners.add(row[width])
                if row[0] not in seen:
                    seen.add(row[0])
                    yield row[1], _fact(row[:width], converting)
    partners = sorted(partners - seen)
    for chunk in range(0, len(partners), 10_000):
        for row in connection.execute(_by_id(postgres, tz.key), {"found": partners[chunk:chunk + 10_000]}).all():
            yield row[1], _fact(row, converting)


@lru_cache(maxsize=4)
def _card_queries(incremental: bool) -> tuple:
    relevant = sa.and_(_scope(Card.enterprise_id, incremental), sa.or_(
        Card.status == "active", Card.issued_on >= sa.bindparam("since"), Card.lifted_on >= sa.bindparam("since")))
    cards = sa.select(Card.id, Card.enterprise_id, Card.colour, Card.issued_colour, Card.status, Card.origin,
                      Card.issued_on, Card.lifted_on).where(relevant)
    reasons = sa.select(CardReason.card_id, CardReason.rule_id, CardReason.finding_ids, CardReason.card_ids).where(
        CardReason.card_id.in_(sa.select(Card.id).where(relevant)))
    return cards, reasons


def _cards(connection, ids: list[int] | None, since: date):
    """Core rows of the cards that matter (active, or issued or lifted since ``since``) and their reasons."""
    params = {"since": since} | ({} if ids is None else {"ids": ids})
    cards, reasons = _card_queries(ids is not None)
    by_card = defaultdict(list)
    for card_id, rule_id, finding_ids, card_ids in connection.execute(reasons, params):
        by_card[card_id].append((rule_id, finding_ids, card_ids))
    return connection.execute(cards, params).all(), by_card


def load(enterprise_ids: Iterable[int] | None, rule_set: RuleSet, today: date) -> dict[int, EnterpriseFacts]:
    """The facts ``rule_set`` can look at on ``today``, per enterprise; ``None`` means every enterprise that
    has such findings or cards."""
    db.session.flush()  # the queries below read through the connection, which does not autoflush
    connection = db.session.connection()  # Core rows: no ORM bookkeeping per row
    ids = None if enterprise_ids is None else sorted(set(enterprise_ids))
    facts: dict[int, EnterpriseFacts] = defaultdict(EnterpriseFacts)
    for enterprise_id in ids or ():
        facts[enterprise_id]  # noqa: B018 - an enterprise with nothing left still gets evaluated
    if ids == []:
        return facts
    for enterprise_id, fact in _findings(connection, ids, finding_scopes(rule_set, today)):
        if enterprise_id is not None:  # against a person landlord of premises: nobody to card
            facts[enterprise_id].findings.append(fact)
    cards, reasons = _cards(connection, ids, relevant_since(rule_set, today))
    for card_id, enterprise_id, colour, issued_colour, status, origin, issued_on, lifted_on in cards:
        entry = facts[enterprise_id]
        entry.cards.append(CardFact(id=card_id, colour=issued_colour, issued_on=issued_on, lifted_on=lifted_on,
                                    is_manual=origin == "manual"))
        if status == "active":
            entry.active = ActiveCard(card_id, colour, {
                rule_id: (finding_ids, card_ids) for rule_id, finding_ids, card_ids in reasons[card_id]})
        else:
            for rule_id, finding_ids, card_ids in reasons[card_id]:
                found, consumed_cards = entry.consumed.setdefault(rule_id, (set(), set()))
                found.update(finding_ids)
                consumed_cards.update(card_ids)
    return facts
