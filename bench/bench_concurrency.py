"""Concurrent writes: 20 benchmark uploads + 20 report creations released together (40 threads), against
the same 40 writes done one after another, on SQLite and on PostgreSQL, in the same run.

Each upload is a distinct 50-row generic CSV through ``ui.benchmarks_page.handle_upload`` (the page's
handler: size check, hash, decode, parse, validate, one transaction); each report is a ~30 kB snapshot
through ``reports.service.create_report``. Every round uses fresh bodies (no duplicates) and afterwards
checks that every write is present. PostgreSQL is a private throw-away cluster on 127.0.0.1 (Debian
server binaries, like tests/pg_cluster.py), or ``--pg-url`` to use an existing empty database.

    .venv/bin/python bench/bench_concurrency.py [--rounds 5] [--writers 20] [--backend sqlite,postgres]

Prints a markdown table: median seconds for the serial and the concurrent run, their ratio
(concurrent / serial; < 1 means concurrency helped), writes per second, errors and rows verified.
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ROWS_PER_UPLOAD = 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def private_postgres():
    """initdb + pg_ctl start on 127.0.0.1 and a free port; stopped and removed afterwards."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql), or pass --pg-url")
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="fa-pgbench-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def cmd(name: str, *args: str) -> None:
        subprocess.run([*run_as, str(bindir / name), *args], check=True, capture_output=True, timeout=120)

    cmd("initdb", "-D", str(root / "data"), "-U", "postgres", "-A", "trust", "--no-sync")
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=200"
    cmd("pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-o", opts, "start")
    try:
        cmd("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        yield f"postgresql://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)


def upload_body(tag: str, writer: int) -> bytes:
    lines = ["hardware,model,batch,decode_tok_s,notes"]
    lines += [
        f"h100_sxm5_80gb,llama-3.1-8b,{r + 1},{writer * 1000 + r}.5,{tag} writer {writer}"
        for r in range(ROWS_PER_UPLOAD)
    ]
    return ("\n".join(lines) + "\n").encode()


def snapshot(tag: str, writer: int) -> dict:
    ranking = [{"rank": k, "format": f"fmt{k}", "decode_tok_s": 100.0 + k, "note": tag} for k in range(200)]
    return {"inputs": {"writer": writer, "tag": tag}, "ranking": ranking}


def make_writes(tag: str, writers: int, engine) -> list:
    from measurements.service import import_file
    from reports.service import create_report

    writes = []
    for i in range(writers):
        writes.append(lambda i=i: import_file(upload_body(tag, i), f"{tag}-{i}.csv", engine=engine))
        writes.append(
            lambda i=i: create_report(snapshot(tag, i), title=f"{tag}-{i}", catalog_version="bench", engine=engine)
        )
    return writes


def outcome(result) -> str | None:
    """None when the write succeeded, else what went wrong."""
    if isinstance(result, Exception):
        return f"{type(result).__name__}: {result}"
    if isinstance(result, str):
        return None  # a report id
    return None if result.imported == ROWS_PER_UPLOAD else result.message


def run_serial(writes: list) -> tuple[float, list]:
    started = time.perf_counter()
    results = []
    for w in writes:
        try:
            results.append(w())
        except Exception as exc:  # noqa: BLE001 - counted as an error
            results.append(exc)
    return time.perf_counter() - started, results


def run_concurrent(writes: list) -> tuple[float, list]:
    barrier = threading.Barrier(len(writes) + 1)

    def go(w):
        barrier.wait()
        try:
            return w()
        except Exception as exc:  # noqa: BLE001 - counted as an error
            return exc

    with ThreadPoolExecutor(max_workers=len(writes)) as pool:
        futures = [pool.submit(go, w) for w in writes]
        barrier.wait()  # every thread is parked at the barrier: start the clock and release them together
        started = time.perf_counter()
        results = [f.result() for f in futures]
    return time.perf_counter() - started, results


def verify(engine, tag: str, writers: int) -> int:
    """Rows present for ``tag``; raises if any write is missing."""
    from sqlalchemy import func, select

    from measurements.service import list_results
    from store.db import session_factory
    from store.models import SharedReport

    df = list_results(engine)
    rows = df[df["notes"].str.startswith(f"{tag} ")]
    assert len(rows) == writers * ROWS_PER_UPLOAD, f"{tag}: {len(rows)} result rows"
    with session_factory(engine)() as s:
        n = s.scalar(select(func.count()).select_from(SharedReport).where(SharedReport.title.like(f"{tag}-%")))
    assert n == writers, f"{tag}: {n} reports"
    return len(rows) + n


def bench_backend(name: str, url: str, rounds: int, writers: int) -> dict:
    from store.db import create_db_engine
    from store.migrate import prepare_database

    engine = create_db_engine(url)
    prepare_database(engine)
    run_serial(make_writes("warmup", 2, engine))  # connections, imports, catalog context
    serial_s, concurrent_s, errors, verified = [], [], [], 0
    for r in range(rounds):
        for mode, runner, times in (("s", run_serial, serial_s), ("c", run_concurrent, concurrent_s)):
            tag = f"{mode}{r}"
            seconds, results = runner(make_writes(tag, writers, engine))
            times.append(seconds)
            errors += [e for e in map(outcome, results) if e]
            verified += verify(engine, tag, writers)
    engine.dispose()
    serial, concurrent = statistics.median(serial_s), statistics.median(concurrent_s)
    return {
        "backend": name,
        "serial_s": serial,
        "concurrent_s": concurrent,
        "ratio": concurrent / serial,
        "writes_per_s_serial": 2 * writers / serial,
        "writes_per_s_concurrent": 2 * writers / concurrent,
        "errors": errors,
        "verified": verified,
        "all_serial": serial_s,
        "all_concurrent": concurrent_s,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--writers", type=int, default=20, help="uploads and reports each (default 20 + 20)")
    ap.add_argument("--backend", default="sqlite,postgres")
    ap.add_argument("--pg-url", default="", help="an existing, empty PostgreSQL database instead of a private one")
    args = ap.parse_args(argv)
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    results = []
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench_backend("SQLite (WAL)", f"sqlite:///{tmp}/bench.db", args.rounds, args.writers))
    if "postgres" in backends:
        if args.pg_url:
            results.append(bench_backend("PostgreSQL", args.pg_url, args.rounds, args.writers))
        else:
            with private_postgres() as url:
                results.append(bench_backend("PostgreSQL", url, args.rounds, args.writers))
    n = args.writers
    print(
        f"\n{n} uploads ({ROWS_PER_UPLOAD} rows each) + {n} report creations = {2 * n} writes; median of "
        f"{args.rounds} rounds; {platform.node()} ({os.cpu_count()} CPUs), Python {platform.python_version()}\n"
    )
    print(
        "| backend | serial s | concurrent s | concurrent / serial | writes/s serial | writes/s concurrent "
        "| errors | rows + reports verified |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['backend']} | {r['serial_s']:.2f} | {r['concurrent_s']:.2f} | {r['ratio']:.2f} | "
            f"{r['writes_per_s_serial']:.0f} | {r['writes_per_s_concurrent']:.0f} | {len(r['errors'])} | "
            f"{r['verified']:,} |"
        )
    for r in results:
        print(
            f"\n{r['backend']}: serial rounds {[round(x, 2) for x in r['all_serial']]}, "
            f"concurrent rounds {[round(x, 2) for x in r['all_concurrent']]}"
        )
        for e in r["errors"][:5]:
            print(f"  error: {e}")
    print(f"\ncommand: .venv/bin/python bench/bench_concurrency.py {' '.join(argv or sys.argv[1:])}".rstrip())
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
