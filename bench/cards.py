"""Card evaluation benchmark (issue 4).

Builds N enterprises with M findings spread over five years, then times
- re-evaluating every enterprise's card (first pass: issues cards; second pass: nothing changes),
- one plain aggregate query over the same findings (the reference),
- one incremental re-evaluation after a finding changes (median over many).

    python bench/cards.py [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import random

import sqlalchemy as sa
from common import median_ms, number_series, peak_rss_mb, print_table, scratch_app, timed, verdict

DAYS = 5 * 365


def _days_ago(dialect: str, expr: str) -> str:
    if dialect == "postgresql":
        return f"(now() - ({expr}) * interval '1 day')"
    return f"datetime('now', '-' || ({expr}) || ' days')"


def _date_after(dialect: str, moment: str, days: str) -> str:
    if dialect == "postgresql":
        return f"(({moment})::date + ({days}))"
    return f"date({moment}, '+' || ({days}) || ' days')"


def build(db, enterprises: int, findings: int) -> None:
    """Fill the database with SQL-side generation: pseudo-random but deterministic (modular arithmetic)."""
    dialect = db.engine.dialect.name
    now = "now()" if dialect == "postgresql" else "datetime('now')"
    statements = [
        "INSERT INTO users (id, username, full_name, password_hash, is_active, session_token, created_dt) "
        f"VALUES (1, 'bench', 'bench', 'x', true, 'bench', {now})",
        f"INSERT INTO enterprises (id, name, credit_code, sector, zone, address, contact_name, contact_phone, "
        f"created_dt) SELECT n, 'E' || n, 'C' || n, 'hazardous_chemicals', 'Z' || (n % 4), '', '', '', {now} "
        f"FROM ({number_series(dialect, enterprises)}) s",
        f"INSERT INTO inspections (id, client_id, payload_sha256, enterprise_id, domain, inspector_id, inspected_dt,"
        f" location, notes, created_dt) SELECT n, 'c' || n, '', n, 'hazardous_chemicals', 1, {now}, '', '', {now} "
        f"FROM ({number_series(dialect, enterprises)}) s",
    ]
    found = _days_ago(dialect, f"(n * 7919) % 1000003 % {DAYS}")
    # Independent pseudo-random draws per column (different multipliers modulo a prime): 2% unresolved,
    # 3% major, items drawn from 60 checklist codes.
    statements.append(
        "INSERT INTO findings (id, inspection_id, inspector_id, enterprise_id, item_code, description, category, "
        "severity, "
        "deadline, responsible_person, status, found_dt, closed_dt, updated_dt) "
        f"SELECT n, 1 + n % {enterprises}, 1, 1 + n % {enterprises}, 'HC-' || (1 + (n * 104729) % 1000003 % 60), "
        "'d', 'thing', "
        "CASE WHEN (n * 15485863) % 1000003 % 33 = 0 THEN 'major' ELSE 'general' END, "
        f"{_date_after(dialect, found, '15')}, '', "
        "CASE WHEN (n * 32452843) % 1000003 % 50 = 0 THEN 'open' ELSE 'verified' END, "
        f"{found}, CASE WHEN (n * 32452843) % 1000003 % 50 = 0 THEN NULL ELSE {found} END, {now} "
        f"FROM ({number_series(dialect, findings)}) s"
    )
    for statement in statements:
        db.session.execute(sa.text(statement))
    db.session.commit()
    if dialect == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


AGGREGATE = sa.text(
    "SELECT enterprise_id, count(*), sum(CASE WHEN status = 'open' AND deadline < :today THEN 1 ELSE 0 END), "
    "sum(CASE WHEN severity = 'major' THEN 1 ELSE 0 END) FROM findings GROUP BY enterprise_id"
)


def run(enterprises: int, findings: int, postgres: str | None, samples: int) -> list:
    from cards import service
    from core.db import db
    from core.time import local_date
    from inspections.models import Finding

    with scratch_app(postgres) as _app:
        seconds, _ = timed(build, db, enterprises, findings)
        print(f"built {enterprises} enterprises, {findings} findings on {db.engine.dialect.name} in {seconds:.1f} s")
        aggregate = min(timed(lambda: db.session.execute(AGGREGATE, {"today": local_date()}).all())[0]
                        for _ in range(3))
        first, _ = timed(lambda: (service.reevaluate_all(), db.session.commit()))
        steady, _ = timed(lambda: (service.reevaluate_all(), db.session.commit()))
        cards = db.session.execute(sa.text("SELECT colour, count(*) FROM cards GROUP BY colour")).all()
        rng, incremental = random.Random(7), []
        for _ in range(samples):
            finding = db.session.get(Finding, rng.randrange(1, findings))
            finding.status = "open" if finding.status == "verified" else "verified"
            db.session.flush()
            incremental.append(timed(service.reevaluate, [finding.enterprise_id])[0])
            db.session.commit()
    label = "PostgreSQL" if postgres else "SQLite"
    ratio = steady / aggregate
    return [
        (f"{label}: cards held after evaluation", ", ".join(f"{c}={n}" for c, n in cards), "", ""),
        (f"{label}: aggregate query (reference)", f"{aggregate * 1000:.0f} ms", "", ""),
        (f"{label}: re-evaluate all, first pass", f"{first * 1000:.0f} ms", "", ""),
        (f"{label}: re-evaluate all (steady)", f"{steady * 1000:.0f} ms", "", ""),
        (f"{label}: ratio all / aggregate", f"{ratio:.2f}", "<= 3", verdict(ratio <= 3)),
        (f"{label}: incremental, median", f"{median_ms(incremental):.1f} ms", "< 20 ms",
         verdict(median_ms(incremental) < 20)),
        (f"{label}: peak RSS", f"{peak_rss_mb():.0f} MB", "", ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1/10 size, for CI")
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL (a new database next to URL)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    enterprises, findings = 10_000 // scale, 1_000_000 // scale
    title = f"Card evaluation: {enterprises} enterprises, {findings} findings"
    print_table(title, run(enterprises, findings, None, 50))
    if args.postgres:
        print_table(title, run(enterprises, findings, args.postgres, 50))


if __name__ == "__main__":
    main()
