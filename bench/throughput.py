"""HTTP throughput benchmark: gunicorn with 4 workers serving the real application, loaded by wrk.

Endpoints, each loaded in turn by ``wrk`` (Debian package ``wrk``; its Lua scripts give every POST a new
``client_id``), in interleaved rounds so drift in machine load hits all alike:
- ``GET /bench/bare``: a trivial route added to the same application by bench/http_app.py (no login, no
  database): the reference;
- ``GET /api/v1/cards``: the card ledger's first page (10 cards with reasons and history) among 200;
- ``POST /api/v1/inspections``: a new inspection with a checklist and one finding, as a tablet sends it
  (stored, audited, the enterprise's card re-evaluated), spread over 200 enterprises.

    python bench/throughput.py [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/test]

Goals (ours; the issue sets none): the card list at least 10 % of the bare endpoint's requests/s with p99
under 250 ms (four small queries and the nested ledger rows to serialise, against a route that does nothing);
a submission at least 3 % with p99 under 500 ms (a durable write of five tables with its audit entry and the
card re-evaluation, committed with fsync); no errors, and every answered submission stored. Exit code 0
unless the benchmark could not run (wrk missing: 2).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import print_table, scratch_app, verdict

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

WORKERS, THREADS, CONNECTIONS = 4, 2, 8
ENTERPRISES, CARDS = 200, 200
GOALS = {"cards": (0.10, 250), "inspections": (0.03, 500)}  # share of bare requests/s, p99 ms

REPORT_LUA = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"errors": %d, "non_2xx_3xx": %d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""

# Every request a new client_id: a nonce per run, wrk thread, counter (a UUID's shape; its version is not checked).
POST_LUA = """
local threads, counter = {}, 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end
function init(args)
  nonce, enterprises, first = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  local client_id = string.format("%08x-%04x-4000-8000-%012x", nonce, thread_no, counter)
  local body = string.format('{"client_id": "%s", "enterprise_id": %d, "domain": "hazardous_chemicals", '
    .. '"inspected_dt": "2026-11-20T02:30:00+00:00", "location": "罐区", '
    .. '"checklist": [{"item_code": "HC-01", "result": "passed"}, {"item_code": "HC-G-01", "result": "failed"}], '
    .. '"findings": [{"item_code": "HC-G-01", "description": "装卸区安全警示标志缺失", "category": "thing", '
    .. '"responsible_person": "王工"}]}', client_id, first + (counter * 7 + thread_no) % enterprises)
  return wrk.format("POST", "/api/v1/inspections", nil, body)
end
"""


def seed(app) -> dict[str, str | int]:
    """Two users with tokens, the checklists, 200 enterprises, each holding a card (a quarter of them red)."""
    from datetime import UTC, datetime, timedelta

    from accounts import service as accounts
    from cards import service as cards
    from checklists.service import sync_from_files
    from core.db import db
    from enterprises.models import Enterprise
    from inspections.models import Finding, Inspection

    sync_from_files()
    inspector = accounts.create_user("bench.inspector", "bench-password", ["inspector"])
    manager = accounts.create_user("bench.manager", "bench-password", ["safety_manager"])
    tokens = {name: accounts.issue_token(user, 12)[0] for name, user in (("inspector", inspector),
                                                                        ("manager", manager))}
    enterprises = [Enterprise(name=f"港区企业{n}", credit_code=f"BENCH{n:013d}", sector="hazardous_chemicals",
                              zone=f"港区{n % 4}片") for n in range(ENTERPRISES)]
    db.session.add_all(enterprises)
    db.session.flush()
    found = datetime.now(UTC) - timedelta(days=10)
    for n, enterprise in enumerate(enterprises[:CARDS]):
        inspection = Inspection(client_id=f"seed-{n}", payload_sha256="", enterprise_id=enterprise.id,
                                domain="hazardous_chemicals", inspector_id=inspector.id, inspected_dt=found)
        for item in ("HC-05", "HC-07")[: 2 if n % 4 == 0 else 1]:  # one major: yellow; two: red
            inspection.findings.append(Finding(enterprise_id=enterprise.id, item_code=item, description="重大隐患",
                                               category="thing", severity="major", found_dt=found,
                                               deadline=found.date() + timedelta(days=90)))
        db.session.add(inspection)
    db.session.flush()
    cards.reevaluate_all()
    db.session.commit()
    return {**tokens, "first_enterprise": enterprises[0].id}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(port: int) -> bool:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/api/v1/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def start_server(env: dict, log: Path, workers: int = WORKERS) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "--no-control-socket", "bench.http_app:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start:\n{log.read_text()[-3000:]}")
        if _healthy(port):
            return server, port
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


def wrk(url: str, seconds: float, script: Path, headers: list[str], args: list[str] = ()) -> dict:
    command = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s",
               "-s", str(script), *[x for h in headers for x in ("-H", h)], url]
    if args:
        command += ["--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    result = json.loads(line[4:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure(base: str, tokens: dict, seconds: float, rounds: int, scripts: dict) -> dict[str, list[dict]]:
    """Each endpoint ``rounds`` times, interleaved, after a warm-up run of each (every worker imports, connects
    and caches once); results by endpoint, the warm-up run first."""
    manager, inspector = f"Authorization: Bearer {tokens['manager']}", f"Authorization: Bearer {tokens['inspector']}"
    endpoints = {
        "bare": lambda s: wrk(f"{base}/bench/bare", s, scripts["get"], []),
        "cards": lambda s: wrk(f"{base}/api/v1/cards", s, scripts["get"], [manager]),
        "inspections": lambda s: wrk(f"{base}/api/v1/inspections", s, scripts["post"], [inspector],
                                     [str(random.getrandbits(32)), str(ENTERPRISES), str(tokens["first_enterprise"])]),
    }
    results = {name: [run(min(2, seconds))] for name, run in endpoints.items()}
    for _ in range(rounds):
        for name, run in endpoints.items():
            results[name].append(run(seconds))
    return results


def summary(runs: list[dict]) -> dict:
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_us"] for r in runs) / 1000,
        "p99_ms": statistics.median(r["p99_us"] for r in runs) / 1000,
        "requests": sum(r["requests"] for r in runs),
        "errors": sum(r["errors"] + r["non_2xx_3xx"] for r in runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s per endpoint (CI) instead of 3 of 10 s")
    parser.add_argument("--postgres", metavar="URL", help="run on a new database next to this PostgreSQL URL")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk not found: install the Debian package wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    seconds, rounds = (2, 1) if args.quick else (10, 3)

    from core.db import db

    with scratch_app(args.postgres) as app, tempfile.TemporaryDirectory() as tmp:
        tokens = seed(app)
        dialect, database = db.engine.dialect.name, app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
        scripts = {"get": Path(tmp) / "get.lua", "post": Path(tmp) / "post.lua"}
        scripts["get"].write_text(REPORT_LUA)
        scripts["post"].write_text(POST_LUA + REPORT_LUA)
        env = os.environ | {"DATABASE_URL": database, "UPLOAD_DIR": app.config["UPLOAD_DIR"],
                            "SECRET_KEY": "bench", "RUN_SCHEDULER_IN_PROCESS": "false"}
        server, port = start_server(env, Path(tmp) / "gunicorn.log")
        try:
            results = measure(f"http://127.0.0.1:{port}", tokens, seconds, rounds, scripts)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        from inspections.models import Inspection

        stored = db.session.scalar(db.select(db.func.count()).select_from(Inspection)) - CARDS
        db.session.remove()

    posted = sum(r["requests"] - r["non_2xx_3xx"] for r in results["inspections"])  # warm-up included
    figures = {name: summary(runs[1:]) for name, runs in results.items()}
    bare = figures["bare"]["rps"]
    rows = []
    for name, label in (("bare", "GET /bench/bare (reference)"), ("cards", "GET /api/v1/cards"),
                        ("inspections", "POST /api/v1/inspections")):
        f = figures[name]
        rows.append((f"{label}: requests/s", f"{f['rps']:.0f}", "", ""))
        rows.append((f"{label}: latency p50", f"{f['p50_ms']:.1f} ms", "", ""))
        if name == "bare":
            rows.append((f"{label}: latency p99", f"{f['p99_ms']:.1f} ms", "", ""))
            continue
        share, p99 = GOALS[name]
        rows.append((f"{label}: latency p99", f"{f['p99_ms']:.1f} ms", f"< {p99} ms", verdict(f["p99_ms"] < p99)))
        rows.append((f"{label}: ratio to bare", f"{f['rps'] / bare:.2f}", f">= {share:.2f}",
                     verdict(f["rps"] / bare >= share)))
    errors = sum(f["errors"] for f in figures.values())
    rows.append(("errors and non-2xx answers", str(errors), "0", verdict(errors == 0)))
    # wrk stops with requests in flight, which the server may still store: at least every answered one.
    rows.append(("inspections stored / POSTs answered 2xx", f"{stored} / {posted}", ">=", verdict(stored >= posted)))
    print_table(f"HTTP throughput ({dialect}, gunicorn -w {WORKERS}, wrk -t{THREADS} -c{CONNECTIONS}, "
                f"{rounds} x {seconds} s per endpoint{', quick' if args.quick else ''})", rows)
    print(json.dumps({"dialect": dialect, **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
