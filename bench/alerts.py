"""Alert raising benchmark (issue 6).

1,000,000 open findings of which 100,000 cross a threshold (due soon, overdue, escalated); times
- one raising pass that raises them all (the alerts, in one transaction),
- their fan-out, batch by batch (inbox rows for 3 people each, e-mail and webhook deliveries): no goal set
  in the issue; 60 s is ours (it is a one-time catch-up load, and the inbox fills batch by batch),
- a pass with nothing new to raise (raising and fan-out),
and the peak memory of the process. The raising pass includes the card re-evaluation it triggers.

    python bench/alerts.py [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from common import number_series, peak_rss_mb, scratch_app, timed, verdict

TODAY = date(2027, 1, 1)
NOW = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SPREAD = 50  # deadlines of the crossing findings: from 45 days overdue to 4 days ahead


def _plus_days(dialect: str, days: str) -> str:
    if dialect == "postgresql":
        return f"(DATE '{TODAY}' + ({days})::int)"  # the number series is bigint; date + bigint has no operator
    return f"date('{TODAY}', ({days}) || ' days')"


def build(db, findings: int, crossing: int, enterprises: int = 2000) -> None:
    """Every tenth finding crosses a threshold; the others are due 10 to 400 days from now."""
    dialect = db.engine.dialect.name
    now = "now()" if dialect == "postgresql" else "datetime('now')"
    step = findings // crossing
    users = [(1, "inspector", "insp@x.cn"), (2, "safety_manager", "m1@x.cn"), (3, "safety_manager", "m2@x.cn"),
             (4, "admin", "admin@x.cn")]
    statements = [
        *(f"INSERT INTO users (id, username, full_name, email, password_hash, is_active, session_token, created_dt) "
          f"VALUES ({uid}, 'u{uid}', 'u{uid}', '{mail}', 'x', true, 's{uid}', {now})" for uid, _, mail in users),
        *(f"INSERT INTO user_roles (user_id, role) VALUES ({uid}, '{role}')" for uid, role, _ in users),
        f"INSERT INTO enterprises (id, name, credit_code, sector, zone, address, contact_name, contact_phone, "
        f"created_dt) SELECT n, 'E' || n, 'C' || n, 'hazardous_chemicals', 'Z', '', '', '', {now} "
        f"FROM ({number_series(dialect, enterprises)}) s",
        f"INSERT INTO inspections (id, client_id, payload_sha256, enterprise_id, domain, inspector_id, inspected_dt,"
        f" location, notes, created_dt) SELECT n, 'c' || n, '', n, 'hazardous_chemicals', 1, {now}, '', '', {now} "
        f"FROM ({number_series(dialect, enterprises)}) s",
        "INSERT INTO findings (id, inspection_id, inspector_id, enterprise_id, item_code, description, category, "
        "severity, "
        "deadline, responsible_person, status, found_dt, closed_dt, updated_dt) "
        f"SELECT n, 1 + n % {enterprises}, 1, 1 + n % {enterprises}, NULL, 'd', 'thing', 'general', "
        f"CASE WHEN n % {step} = 0 THEN {_plus_days(dialect, f'4 - (n / {step}) % {SPREAD}')} "
        f"ELSE {_plus_days(dialect, '10 + n % 390')} END, '', 'open', {now}, NULL, {now} "
        f"FROM ({number_series(dialect, findings)}) s",
    ]
    for statement in statements:
        db.session.execute(sa.text(statement))
    db.session.commit()
    if dialect == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def _dispatch_all(db, raising) -> None:
    while raising.dispatch_batch(NOW):
        db.session.commit()
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/10 of the size (CI)")
    parser.add_argument("--postgres", metavar="URL", help="run on a new database next to this PostgreSQL URL")
    args = parser.parse_args()
    findings, crossing = (100_000, 10_000) if args.quick else (1_000_000, 100_000)

    with scratch_app(args.postgres) as app:
        from alerts import raising
        from core.db import db

        app.config.update(SMTP_HOST="127.0.0.1", ALERT_WEBHOOK_URLS=("http://127.0.0.1:9/hook",))
        dialect = db.engine.dialect.name
        load_s, _ = timed(build, db, findings, crossing)
        first_s, first = timed(lambda: (raising.run_pass(NOW), db.session.commit())[0])
        fan_out_s, _ = timed(_dispatch_all, db, raising)
        again_s, again = timed(lambda: (raising.run_pass(NOW + timedelta(minutes=5)), db.session.commit())[0])
        quiet_s, _ = timed(_dispatch_all, db, raising)
        counts = {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                  for table in ("alerts", "alert_recipients", "deliveries")}
        peak = peak_rss_mb()

    print(f"\n{dialect}: {findings:,} open findings, {crossing:,} crossing a threshold; loaded in {load_s:.1f} s")
    print(f"first pass raised {first.total:,} alerts ({dict(first.raised)}); rows: {counts}")
    print(f"second pass raised {again.total}")
    size = "10k" if args.quick else "100k"
    _table(f"Alert raising ({dialect}{', quick' if args.quick else ''})", [
        (f"raising pass, {size} crossing", first_s, "s", 10, first.total >= crossing),
        ("pass with nothing new", again_s + quiet_s, "s", 1, again.total == 0),
        ("fan-out of those alerts (batched)", fan_out_s, "s", 60, True),
        ("peak RSS", peak, "MB", 300, True),
    ])


def _table(title: str, rows) -> None:
    """rows: (figure, value, unit, goal, sane); ratio is value / goal, PASS when under the goal."""
    lines = [("figure", "value", "goal", "ratio", "result")]
    for figure, value, unit, goal, sane in rows:
        lines.append((figure, f"{value:.3g} {unit}", f"< {goal} {unit}", f"{value / goal:.3f}",
                      verdict(sane and value < goal)))
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    print(f"\n{title}")
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))

if __name__ == "__main__":
    main()
