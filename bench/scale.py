"""Lists and pages as the data grows (issue 15): a province's worth of data, every list, page and export timed
beside a bare endpoint in the same run.

Builds, inside the database (``INSERT ... SELECT`` over a number series, never through the ORM), then ANALYZE:
- ``--findings N`` findings (default 10,000,000; ``--quick`` 5,000) in inspections of 10 findings, with one
  history event each, spread over five years (3 % major, 2 % still open, 1 in 20 verified after its deadline);
- N / 100 enterprises (100,000 at 10 M), the first one with 400 inspections (4,000 findings): the "enterprise
  with thousands of findings";
- a card for one enterprise in ten (a third of them lifted), with two reasons and two history events each;
- N / 100 alerts about findings, all in the bench user's inbox;
- one water body with four sections sampled every six hours for three years (eight items a sample).

Then serves the application with ``gunicorn -w 2`` (the machine's cores; ``gunicorn.conf.py`` applies as in
production) and times each endpoint with a keep-alive client, one request at a time (latency without
queueing), in interleaved rounds so drift in machine load hits all alike; each figure is printed beside the
bare endpoint's (``GET /api/v1/users/me``: login, one small query) from the same rounds. The ledger export's
memory is the workers' peak RSS (VmHWM) before and after the export requests.

    python bench/scale.py [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/test] [--findings N]
                          [--keep NAME | --database URL] [--no-gc-freeze]

``--keep NAME`` builds into database NAME (next to ``--postgres``) and leaves it in place; ``--database URL``
measures such a database again without building (indexes the current models declare are added first), so
code can be compared before and after a change on the same data. Goal (issue 15): p50 under 50 ms and p99
under 200 ms for every list, page and status answer at 10 M findings, flat in data size; below 10 M the run
says it extrapolates.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from common import number_series, verdict
from throughput import start_server

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = 10_000_000
HEAVY_INSPECTIONS = 400  # of the first enterprise, 10 findings each
FIVE_YEARS = 5 * 365 * 86400
GOAL_P50, GOAL_P99 = 50, 200
WORKERS = 2
PASSWORD = "bench-password"


# --- building -----------------------------------------------------------------------------------------------

class Sql:
    """The few expressions that differ between PostgreSQL and SQLite, over epoch seconds."""

    def __init__(self, dialect: str):
        self.pg = dialect == "postgresql"

    def series(self, count: int) -> str:
        return number_series("postgresql" if self.pg else "sqlite", count)

    def moment(self, seconds: str) -> str:
        return f"to_timestamp({seconds})" if self.pg else f"datetime({seconds}, 'unixepoch')"

    def day(self, seconds: str) -> str:
        return f"(to_timestamp({seconds}) AT TIME ZONE 'UTC')::date" if self.pg else f"date({seconds}, 'unixepoch')"

    def json_list(self, expr: str) -> str:
        return f"json_build_array({expr})" if self.pg else f"json_array({expr})"


def build(db, findings: int) -> dict:
    """Fill the empty schema; returns the sizes built. Pseudo-random but deterministic (n times a prime,
    modulo another), so two runs build the same data."""
    sql = Sql(db.engine.dialect.name)
    enterprises = max(200, findings // 100)
    inspections = findings // 10
    now = int(time.time())
    start = now - FIVE_YEARS
    found = f"({start} + (n - 1) * {FIVE_YEARS} / {inspections})"  # inspection n's moment: ids in time order
    f_found = f"({start} + ((n - 1) / 10) * {FIVE_YEARS} / {inspections})"  # its inspection's
    is_open = "(n * 32452843) % 1000003 % 50 = 0"
    late = "(n * 49979687) % 1000003 % 20 = 0"
    deadline_days = "(15 + (n * 104729) % 1000003 % 76)"
    closed = f"({f_found} + 86400 * CASE WHEN {late} THEN {deadline_days} + 10 ELSE (n % 14) + 1 END)"
    statements = [
        ("enterprises",
         "INSERT INTO enterprises (id, name, credit_code, sector, sub_sector, features, zone, address, contact_name,"
         " contact_phone, created_dt) SELECT n, '港区企业' || n, 'BENCH' || (1000000000000 + n), "
         f"'hazardous_chemicals', '', {sql.json_list('')}, '港区' || (n % 8) || '片', '', '', '', "
         f"{sql.moment(str(start))} FROM ({sql.series(enterprises)}) s"),
        ("inspections",
         "INSERT INTO inspections (id, client_id, payload_sha256, enterprise_id, domain, inspector_id, inspected_dt,"
         " contact_name, contact_title, contact_phone, location, notes, created_dt) "
         f"SELECT n, 'bench-' || n, '', CASE WHEN n <= {HEAVY_INSPECTIONS} THEN 1 "
         f"ELSE 2 + (n * 7919) % {enterprises - 1} END, 'hazardous_chemicals', :inspector, {sql.moment(found)}, "
         f"'', '', '', '罐区', '', {sql.moment(found)} FROM ({sql.series(inspections)}) s"),
        ("findings",
         "INSERT INTO findings (id, inspection_id, inspector_id, enterprise_id, item_code, standard, standard_title, "
         "standard_version, clause, description, category, severity, deadline, responsible_person, status, "
         "found_dt, closed_dt, updated_dt) "
         f"SELECT n, 1 + (n - 1) / 10, :inspector, CASE WHEN (n - 1) / 10 < {HEAVY_INSPECTIONS} THEN 1 "
         f"ELSE 2 + ((1 + (n - 1) / 10) * 7919) % {enterprises - 1} END, "
         "'HC-' || CASE WHEN (n * 104729) % 1000003 % 20 < 9 THEN '0' ELSE '' END "
         "|| (1 + (n * 104729) % 1000003 % 20), '', '', '', '', "
         "'装卸区安全警示标志缺失 ' || n, 'thing', "
         "CASE WHEN (n * 15485863) % 1000003 % 33 = 0 THEN 'major' ELSE 'general' END, "
         f"{sql.day(f'{f_found} + 86400 * {deadline_days}')}, '王工', "
         f"CASE WHEN {is_open} THEN 'open' ELSE 'verified' END, {sql.moment(f_found)}, "
         f"CASE WHEN {is_open} THEN NULL ELSE {sql.moment(closed)} END, {sql.moment(f_found)} "
         f"FROM ({sql.series(findings)}) s"),
        ("finding_events",
         "INSERT INTO finding_events (id, finding_id, action, from_status, to_status, actor_id, note, created_dt) "
         f"SELECT n, n, 'verified', 'rectification_submitted', 'verified', :inspector, '', {sql.moment(f_found)} "
         f"FROM ({sql.series(findings)}) s"),
        ("cards",
         "INSERT INTO cards (id, enterprise_id, colour, issued_colour, status, origin, ruleset_version, issued_dt, "
         "issued_on, manual_reason, lift_reason, lifted_dt, lifted_on) "
         "SELECT n, 10 * n, CASE WHEN n % 4 = 0 THEN 'red' ELSE 'yellow' END, 'yellow', "
         "CASE WHEN n % 3 = 0 THEN 'lifted' ELSE 'active' END, 'rule', 'bench', "
         f"{sql.moment(f'{now} - 86400 * (n % 700)')}, {sql.day(f'{now} - 86400 * (n % 700)')}, '', '', "
         f"CASE WHEN n % 3 = 0 THEN {sql.moment(f'{now} - 86400 * (n % 70)')} END, "
         f"CASE WHEN n % 3 = 0 THEN {sql.day(f'{now} - 86400 * (n % 70)')} END "
         f"FROM ({sql.series(enterprises // 10)}) s"),
        ("card_reasons",
         "INSERT INTO card_reasons (id, card_id, rule_id, colour, text_zh, text_en, finding_ids, card_ids, "
         "first_seen_dt) SELECT n, 1 + (n - 1) / 2, CASE WHEN n % 2 = 0 THEN 'Y1' ELSE 'Y2' END, 'yellow', "
         f"'重大隐患逾期未整改', 'Major hazard overdue', {sql.json_list('n, n + 1')}, {sql.json_list('')}, "
         f"{sql.moment(str(now))} FROM ({sql.series(enterprises // 10 * 2)}) s"),
        ("card_events",
         "INSERT INTO card_events (id, card_id, action, colour, note, created_dt) "
         "SELECT n, 1 + (n - 1) / 2, CASE WHEN n % 2 = 0 THEN 'reasons_added' ELSE 'issued' END, 'yellow', '', "
         f"{sql.moment(str(now))} FROM ({sql.series(enterprises // 10 * 2)}) s"),
        ("alerts",
         "INSERT INTO alerts (id, subject_type, subject_id, kind, deadline, enterprise_id, raised_dt, is_dispatched)"
         f" SELECT n, 'finding', n * 97, 'overdue', {sql.day(f'{now} - 3600 * n')}, 1 + n % {enterprises}, "
         f"{sql.moment(f'{now} - 3600 * n')}, true FROM ({sql.series(findings // 100)}) s"),
        ("alert_recipients",
         "INSERT INTO alert_recipients (id, alert_id, user_id, created_dt, acked_dt) "
         f"SELECT n, n, :manager, {sql.moment(f'{now} - 3600 * n')}, "
         f"CASE WHEN n % 3 = 0 THEN {sql.moment(str(now))} END FROM ({sql.series(findings // 100)}) s"),
    ]
    samples = 4 * 4 * 365 * 3  # four sections, every six hours, three years
    statements += [
        ("water_samples",
         "INSERT INTO water_samples (id, section_id, sampled_dt, note, created_dt) "
         f"SELECT n, 1 + n % 4, {sql.moment(f'{now} - 21600 * (n / 4) - 60')}, '', {sql.moment(str(now))} "
         f"FROM ({sql.series(samples)}) s"),
        ("sample_values",
         "INSERT INTO sample_values (sample_id, item, value, unit, position) "
         "SELECT s.n, i.item, i.base + (s.n % 7) * i.step, 'mg/L', i.position FROM (" + sql.series(samples)
         + ") s CROSS JOIN (SELECT 'do' AS item, 5.0 AS base, 0.3 AS step, 1 AS position "
         "UNION ALL SELECT 'codmn', 6.0, 0.4, 2 UNION ALL SELECT 'cod', 25.0, 2.0, 3 "
         "UNION ALL SELECT 'bod5', 4.0, 0.3, 4 UNION ALL SELECT 'nh3n', 1.2, 0.2, 5 "
         "UNION ALL SELECT 'tp', 0.25, 0.03, 6 UNION ALL SELECT 'tn', 1.5, 0.2, 7 "
         "UNION ALL SELECT 'ph', 7.2, 0.1, 0) i"),
    ]
    return {"enterprises": enterprises, "inspections": inspections, "samples": samples, "now": now,
            "statements": statements}


def seed(app, findings: int) -> dict:
    """Users, tokens and the checklists through the services (a handful of rows), the rest in SQL."""
    from accounts import service as accounts
    from checklists.service import sync_from_files
    from core.db import db
    from remediation.models import MonitoringSection, WaterBody

    sync_from_files()
    inspector = accounts.create_user("bench.inspector", PASSWORD, ["inspector"], full_name="检查员")
    manager = accounts.create_user("bench.manager", PASSWORD, ["safety_manager", "env_staff", "admin"],
                                   full_name="安全主管")
    body = WaterBody(name="港区内河", kind="river", target_class=4)
    body.sections = [MonitoringSection(name=f"断面{n}", code=f"BENCH-{n}") for n in range(1, 5)]
    db.session.add(body)
    db.session.commit()
    plan = build(db, findings)
    ids = {"inspector": inspector.id, "manager": manager.id}
    postgres = db.engine.dialect.name == "postgresql"
    # A bulk load: indexes built once after the rows rather than row by row, and on PostgreSQL no foreign key
    # check per row (the rows are consistent by construction; a replica session skips those triggers).
    bulky = [index for table in ("inspections", "findings", "finding_events", "alerts")
             for index in db.metadata.tables[table].indexes]
    with db.engine.begin() as conn:
        for index in bulky:
            index.drop(conn)
    for table, statement in plan["statements"]:
        started = time.perf_counter()
        if postgres:
            db.session.execute(sa.text("SET session_replication_role = replica"))
        db.session.execute(sa.text(statement), {k: v for k, v in ids.items() if f":{k}" in statement})
        db.session.commit()
        print(f"  built {table} in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for index in bulky:
            index.create(conn)
    print(f"  built their indexes in {time.perf_counter() - started:.1f} s", flush=True)
    if postgres:
        for table in ("enterprises", "inspections", "findings", "finding_events", "cards", "card_reasons",
                      "card_events", "alerts", "alert_recipients", "water_samples"):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return {"enterprises": plan["enterprises"], "findings": findings, "body": body.id}


def add_declared_indexes(db) -> None:
    """On a database built by an earlier run: create the indexes the current models declare that it lacks."""
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))


def _kept_database(postgres_url: str, name: str) -> str:
    """A new database ``name`` next to ``postgres_url`` (an older one of that name is dropped), left in place."""
    from core.config import database_url

    admin = sa.create_engine(database_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(database_url(postgres_url)).set(database=name).render_as_string(hide_password=False)


@contextmanager
def database(args):
    """The application on the database to measure: ``--database``'s, or a new one built now (dropped after
    unless ``--keep``). Yields (app, scratch folder, what was built or None)."""
    from app import create_app
    from core.db import db
    from tests.databases import fresh_database

    with tempfile.TemporaryDirectory() as tmp:
        if args.database:
            app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "UPLOAD_DIR": tmp})
            with app.app_context():
                add_declared_indexes(db)
                yield app, tmp, None
                db.session.remove()
                db.engine.dispose()
            return
        with fresh_database(Path(tmp), None if args.keep else args.postgres) as scratch:
            uri = _kept_database(args.postgres, args.keep) if args.keep else scratch
            app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_DIR": tmp})
            with app.app_context():
                db.create_all()
                started = time.perf_counter()
                built = seed(app, args.findings)
                print(f"built {built['findings']:,} findings, {built['enterprises']:,} enterprises on "
                      f"{db.engine.dialect.name} in {time.perf_counter() - started:.0f} s", flush=True)
                if args.keep:
                    print(f"kept: --database {uri}", flush=True)
                yield app, tmp, built
                db.session.remove()
                db.engine.dispose()


# --- measuring ----------------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection; ``get`` returns (status, seconds, body, response)."""

    def __init__(self, port: int, headers: dict):
        self.port, self.headers = port, headers
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, float, bytes, http.client.HTTPResponse]:
        """A dropped connection (a worker killed after gunicorn's timeout) answers status 0 and reconnects."""
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=self.headers | (headers or {}))
            response = self.connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError) as exc:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            return 0, time.perf_counter() - started, str(exc).encode(), None
        return response.status, time.perf_counter() - started, body, response


def session_cookie(port: int) -> str:
    """Log in on the login page as the bench manager; the session cookie pages are then fetched with."""
    client = Client(port, {})
    _, _, page, response = client.get("/login")
    cookies = _cookies(response)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode({"csrf_token": token, "username": "bench.manager", "password": PASSWORD})
    client.connection.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies})
    response = client.connection.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"login answered {response.status}")
    return _cookies(response)


def _cookies(response) -> str:
    return "; ".join(value.split(";", 1)[0] for key, value in response.getheaders() if key.lower() == "set-cookie")


def api_token(app) -> str:
    from accounts import service as accounts
    from accounts.models import User
    from core.db import db

    token = accounts.issue_token(db.session.scalar(sa.select(User).filter_by(username="bench.manager")), 12)[0]
    db.session.commit()
    return token


def deep_cursor(port: int, token: str, pages: int) -> str:
    """The cursor of page ``pages + 1`` of the findings list, reached as a client does: following
    ``X-Pagination``'s ``next_cursor`` from the first page (page numbers stop at ``core.keyset.MAX_OFFSET`` rows)."""
    client, path = Client(port, {"Authorization": f"Bearer {token}"}), "/api/v1/findings"
    for _ in range(pages):
        status, _, body, response = client.get(path)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {body[:200]!r}")
        path = "/api/v1/findings?cursor=" + json.loads(response.getheader("X-Pagination"))["next_cursor"]
    return path


def endpoints(body_id: int, heavy_enterprise: int, deep_page: int, deep_path: str) -> list[tuple[str, str, str]]:
    """(name, path, auth: api or page)."""
    return [
        ("bare: GET /api/v1/users/me", "/api/v1/users/me", "api"),
        ("GET /api/v1/findings", "/api/v1/findings", "api"),
        ("GET /api/v1/findings filtered", "/api/v1/findings?status=open&severity=major", "api"),
        (f"GET /api/v1/findings page {deep_page} (cursor)", deep_path, "api"),
        ("page /findings", "/findings", "page"),
        ("page /enterprises", "/enterprises", "page"),
        ("page /cards (board)", "/cards", "page"),
        ("GET /api/v1/cards/export.xlsx", "/api/v1/cards/export.xlsx", "api"),
        ("page /findings/export.xlsx (open majors)", "/findings/export.xlsx?status=open&severity=major&inspector=all",
         "page"),
        ("page /enterprises/<4,000 findings>", f"/enterprises/{heavy_enterprise}", "page"),
        ("GET /api/v1/water-bodies/<id>/status", f"/api/v1/water-bodies/{body_id}/status", "api"),
        ("page /water-bodies/<id>", f"/water-bodies/{body_id}", "page"),
        ("GET /api/v1/alerts", "/api/v1/alerts", "api"),
    ]


def worker_peak_rss_mb(server_pid: int) -> float:
    """The largest peak RSS (VmHWM) among gunicorn's workers."""
    peaks = []
    for child in Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)
    return max(peaks)


def measure(port: int, server_pid: int, token: str, cookie: str, targets, samples: int, budget: float):
    """Each endpoint ``samples`` times over interleaved rounds (fewer if it has used up ``budget`` seconds), after
    one warm-up request each; returns {name: [seconds]}, errors, and peak RSS around the export."""
    clients = {"api": Client(port, {"Authorization": f"Bearer {token}"}), "page": Client(port, {"Cookie": cookie})}
    times = {name: [] for name, _, _ in targets}
    errors = []
    for name, path, auth in targets:
        status, _, body, _ = clients[auth].get(path)
        if status != 200:
            errors.append(f"{name}: {status} {body[:200]!r}")
    rss_before = worker_peak_rss_mb(server_pid)
    rounds = 10
    for round_no in range(rounds):
        for name, path, auth in targets:
            spent = sum(times[name])
            share = samples * (round_no + 1) // rounds - len(times[name])
            for _ in range(share):
                if spent > budget * (round_no + 1) / rounds:
                    break
                status, seconds, _, _ = clients[auth].get(path)
                if status != 200:
                    errors.append(f"{name}: {status}")
                times[name].append(seconds)
                spent += seconds
    return times, errors, rss_before, worker_peak_rss_mb(server_pid)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 findings, 30 requests each (CI)")
    parser.add_argument("--postgres", metavar="URL", help="build on a new database next to this PostgreSQL URL")
    parser.add_argument("--findings", type=int, help=f"findings to build (default {PROVINCE:,})")
    parser.add_argument("--samples", type=int, help="requests per endpoint (default 200)")
    parser.add_argument("--keep", metavar="NAME", help="build into database NAME (next to --postgres) and keep it")
    parser.add_argument("--database", metavar="URL", help="measure a database kept by an earlier run")
    parser.add_argument("--no-gc-freeze", action="store_true", help="serve without gunicorn.conf.py's hooks")
    args = parser.parse_args()
    args.findings = args.findings or (5_000 if args.quick else PROVINCE)
    samples = args.samples or (30 if args.quick else 200)
    budget = 10.0 if args.quick else 45.0  # seconds of requests per endpoint at most

    from core.db import db

    with database(args) as (app, tmp, built):
        token = api_token(app)
        findings = built["findings"] if built else db.session.scalar(sa.text("SELECT count(*) FROM findings"))
        body_id = built["body"] if built else db.session.scalar(sa.text("SELECT min(id) FROM water_bodies"))
        dialect, uri = db.engine.dialect.name, db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
        env = os.environ | {"DATABASE_URL": uri, "UPLOAD_DIR": tmp, "SECRET_KEY": "bench",
                            "RUN_SCHEDULER_IN_PROCESS": "false"}
        if args.no_gc_freeze:  # an empty configuration instead of ./gunicorn.conf.py
            (Path(tmp) / "bare.conf.py").write_text("")
            env["GUNICORN_CMD_ARGS"] = f"--config {Path(tmp) / 'bare.conf.py'}"
        server, port = start_server(env, Path(tmp) / "gunicorn.log", workers=WORKERS)
        try:
            deep = 50 if args.quick else 500
            targets = endpoints(body_id, 1, deep, deep_cursor(port, token, deep - 1))
            times, errors, rss_before, rss_after = measure(port, server.pid, token, session_cookie(port), targets,
                                                           samples, budget)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)

    bare = statistics.median(times[targets[0][0]]) * 1000
    rows = []
    for name, _, _ in targets:
        p50, p99 = percentile(times[name], 50), percentile(times[name], 99)
        is_bare = name.startswith("bare")
        goal = "" if is_bare or "export" in name else f"< {GOAL_P50} / {GOAL_P99} ms"
        result = "" if not goal else verdict(p50 < GOAL_P50 and p99 < GOAL_P99)
        rows.append((f"{name} (n={len(times[name])})", f"{p50:.1f} / {p99:.1f} ms",
                     f"{p50 / bare:.1f}x bare" if not is_bare else "reference", goal, result))
    rows.append(("export: workers' peak RSS before / after", f"{rss_before:.0f} / {rss_after:.0f} MB",
                 f"{rss_after - rss_before:+.0f} MB", "", ""))
    rows.append(("errors", str(len(errors)), "", "0", verdict(not errors)))
    scale = "" if findings >= PROVINCE else (f"; below the province's {PROVINCE:,}: figures that grow with the "
                                             "data extrapolate linearly by x" + f"{PROVINCE / max(findings, 1):.0f}")
    print(f"\nScale ({dialect}, {findings:,} findings{scale}; gunicorn -w {WORKERS}"
          f"{', no gc.freeze' if args.no_gc_freeze else ''}, one request at a time, p50 / p99)")
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for error in errors[:10]:
        print("error:", error)
    print(json.dumps({"dialect": dialect, "findings": findings, "gc_freeze": not args.no_gc_freeze,
                      "p50_ms": {n: round(percentile(t, 50), 2) for n, t in times.items()},
                      "p99_ms": {n: round(percentile(t, 99), 2) for n, t in times.items()},
                      "export_rss_mb": [round(rss_before), round(rss_after)]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
