"""Import speed: a 100,000-row llama-bench CSV through ``measurements.service.import_file``
(decode + detect + parse + validate + normalize + store in one transaction into a temporary
SQLite database) against plain ``pandas.read_csv`` of the same file, in the same run.

The rows repeat the two real RTX 4080 rows of ``../shared/fixtures/llama-bench/rtx4080_b5163.csv``
with the test time advanced one second per row and the throughputs scaled by a seeded factor in
[0.98, 1.02], so the file looks like a long sweep; it is timing input, never stored as data.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--repeat 1]
    .venv/bin/python bench/bench_import.py --near-limit [--repeat 1]

``--near-limit`` imports the fuzz benchmark's valid file just under the 20 MB upload limit (the real RTX 4080 rows
repeated to 19 MB, 56,922 rows: ``bench.fuzz.targeted_uploads`` "file_19mb_llama_csv") and measures what issue 18
bounds (< 5 s, < 500 MB): wall and CPU time, the peak traced Python allocation (a second, tracemalloc'd run) and
the resident-set growth of the import alone, for the batched import (``measurements.service.BATCH_RECORDS``
records normalized and stored at a time) and, in the same run, the same code with one batch (every record
normalized, every row built, then all stored: the shape of the import before the batches), with
``pandas.read_csv`` of the file as the baseline both are divided by. Deleting the upload is timed too.

Targets: issue #6, import < 10 s on the development machine; issue 14, import within 3x of ``pandas.read_csv``
of the same file, measured in the same run. The script also times the storage floor: the same stored rows
written again by a bare ``sqlite3`` ``executemany`` into an empty copy of the table (no parsing, no
normalization), which no importer that keeps this schema can beat.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FIXTURE = REPO.parent / "shared" / "fixtures" / "llama-bench" / "rtx4080_b5163.csv"


def make_csv(n_rows: int, seed: int = 0) -> bytes:
    rows = list(csv.reader(io.StringIO(FIXTURE.read_text())))
    header, base = rows[0], rows[1:]
    i_time, i_ts, i_sd = header.index("test_time"), header.index("avg_ts"), header.index("stddev_ts")
    i_ns = header.index("avg_ns")
    start = dt.datetime(2025, 4, 24, 11, 57, 9, tzinfo=dt.UTC)
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    for i in range(n_rows):
        row = list(base[i % len(base)])
        f = rng.uniform(0.98, 1.02)
        row[i_time] = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        row[i_ts] = f"{float(row[i_ts]) * f:.6f}"
        row[i_sd] = f"{float(row[i_sd]) * f:.6f}"
        row[i_ns] = str(int(int(row[i_ns]) / f))
        writer.writerow(row)
    return out.getvalue().encode()


def near_limit_csv() -> bytes:
    """The fuzz benchmark's 19 MB llama-bench CSV (the same bytes as ``bench.fuzz``'s "file_19mb_llama_csv")."""
    head, *rows = FIXTURE.read_bytes().splitlines(keepends=True)
    body = b"".join(rows)
    return head + body * ((19 * 1024 * 1024) // len(body))


def _import_once(data: bytes, db_url: str, batch: int | None, *, traced: bool) -> dict:
    """One import into a fresh database: wall, CPU, RSS growth (Linux VmHWM reset) or, when ``traced``, the
    tracemalloc peak; then the delete of the upload, timed."""
    import tracemalloc

    from bench.fuzz import peak_rss_mb, reset_peak_rss
    from measurements import service
    from store.db import create_db_engine
    from store.migrate import prepare_database

    engine = create_db_engine(db_url)
    prepare_database(engine)
    saved = getattr(service, "BATCH_RECORDS", None)  # None: a service without batches (the code before them)
    if batch is not None and saved is not None:
        service.BATCH_RECORDS = batch
    try:
        out: dict = {}
        base = None if traced else reset_peak_rss()
        if traced:
            tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        result = service.import_file(data, "sweep.csv", engine=engine, max_bytes=0)
        out["wall_s"], out["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
        if traced:
            out["traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        elif base is not None:
            out["rss_mb"] = peak_rss_mb() - base
        assert result.imported and not result.rejected, result.message
        out["rows"] = result.imported
        del result
        t0 = time.perf_counter()
        assert service.delete_upload(1, engine=engine)
        out["delete_s"] = time.perf_counter() - t0
        engine.dispose()
        return out
    finally:
        if saved is not None:
            service.BATCH_RECORDS = saved


def near_limit(repeat: int) -> int:
    """Issue 18's capacity check: the 19 MB file, batched vs one batch, each against read_csv in the same run."""
    import gc

    import pandas as pd

    from measurements import service

    data = near_limit_csv()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"
    results: dict[str, list[dict]] = {"batched": [], "one batch": []}
    pandas_s = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.csv"
        path.write_bytes(data)
        n = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            df = pd.read_csv(path)
            pandas_s.append(time.perf_counter() - t0)
            del df
            for name, batch in (("one batch", 10**9), ("batched", None)):
                for traced in (False, True):
                    n += 1
                    gc.collect()
                    results[name].append(_import_once(data, f"sqlite:///{tmp}/b{n}.db", batch, traced=traced))
    best_pd = min(pandas_s)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, load average before: {load}")
    print(
        f"file: {len(data):,} bytes, {results['batched'][0]['rows']:,} rows; BATCH_RECORDS {getattr(service, 'BATCH_RECORDS', 'none')}"
    )
    print(f"pandas.read_csv: {best_pd:.3f} s wall (baseline)")
    summary = {}
    for name, runs in results.items():
        plain = [r for r in runs if "traced_mb" not in r]
        wall = min(r["wall_s"] for r in plain)
        cpu = min(r["cpu_s"] for r in plain)
        traced = max(r["traced_mb"] for r in runs if "traced_mb" in r)
        rss = max((r.get("rss_mb") or 0) for r in plain)
        delete = min(r["delete_s"] for r in plain)
        summary[name] = (wall, traced)
        print(
            f"import_file, {name:9}: {wall:6.2f} s wall ({wall / best_pd:5.1f}x read_csv), {cpu:6.2f} s CPU, "
            f"peak traced {traced:6.1f} MB, RSS growth {rss:6.1f} MB; delete_upload {delete:.2f} s"
        )
    (bw, bt), (ow, ot) = summary["batched"], summary["one batch"]
    print(f"batched / one batch: {bw / ow:.2f}x time, {bt / ot:.2f}x peak traced memory")
    print(f"targets < 5 s: {'met' if bw < 5 else 'MISSED'}; < 500 MB: {'met' if bt < 500 else 'MISSED'}")
    return 0 if bw < 5 and bt < 500 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; the best is reported")
    parser.add_argument("--near-limit", action="store_true", help="issue 18: the 19 MB file, batched vs one batch")
    args = parser.parse_args(argv)
    if args.near_limit:
        return near_limit(args.repeat)

    import pandas as pd

    from measurements.service import import_file, list_measurements
    from store.db import create_db_engine
    from store.migrate import prepare_database

    data = make_csv(args.rows)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.csv"
        path.write_bytes(data)
        pandas_s, import_s, pandas_cpu, import_cpu, floor_s, floor_cpu = [], [], [], [], [], []
        for run in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            df = pd.read_csv(path)
            pandas_s.append(time.perf_counter() - t0)
            pandas_cpu.append(time.process_time() - c0)
            assert len(df) == args.rows

            engine = create_db_engine(f"sqlite:///{tmp}/bench{run}.db")
            prepare_database(engine)
            ticks: list[tuple[int, int]] = []
            t0, c0 = time.perf_counter(), time.process_time()
            result = import_file(
                data, path.name, engine=engine, max_bytes=0, progress=lambda d, t, ticks=ticks: ticks.append((d, t))
            )
            import_s.append(time.perf_counter() - t0)
            import_cpu.append(time.process_time() - c0)
            assert result.imported == args.rows and not result.rejected, result.message
            assert ticks and ticks[-1][0] == ticks[-1][1], ticks[-3:]
            wall, cpu = _storage_floor(f"{tmp}/bench{run}.db")
            floor_s.append(wall)
            floor_cpu.append(cpu)
            stored = list_measurements(engine, limit=2)
            # the stored float equals the CSV text's float exactly (same decimal -> same double)
            assert stored[0].value == float(df.iloc[0]["avg_ts"])
            engine.dispose()
    best_pd, best_imp = min(pandas_s), min(import_s)
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, pandas {pd.__version__}"
    )
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB (llama-bench CSV, 33 columns)")
    print(f"load average before: {load}")
    print(f"pandas.read_csv:         {best_pd:.3f} s wall, {min(pandas_cpu):.3f} s CPU")
    print(
        f"import_file (to SQLite): {best_imp:.3f} s wall, {min(import_cpu):.3f} s CPU ({args.rows / best_imp:,.0f} rows/s)"
    )
    print(f"ratio import/read_csv:   {best_imp / best_pd:.1f}x wall, {min(import_cpu) / min(pandas_cpu):.1f}x CPU")
    print(
        f"storage floor (bare executemany of the stored rows): {min(floor_s):.3f} s wall, {min(floor_cpu):.3f} s CPU "
        f"= {min(floor_s) / best_pd:.1f}x read_csv wall, {min(floor_cpu) / min(pandas_cpu):.1f}x CPU"
    )
    print(f"progress callback: {len(ticks)} calls, last {ticks[-1]}")
    print(
        f"target < 10 s: {'met' if best_imp < 10 else 'MISSED'}; target 3x read_csv: "
        f"{'met' if best_imp <= 3 * best_pd else 'MISSED'}"
    )
    return 0 if best_imp < 10 else 1


def _storage_floor(db_path: str) -> tuple[float, float]:
    """Seconds (wall, CPU) to write what the import stored (the upload row with its stored file, and its
    measurement series) again with a bare sqlite3 executemany into empty copies of the tables (same columns,
    indexes, WAL and synchronous=NORMAL as the app), in one transaction."""
    import sqlite3

    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    copies = []
    for table in ("benchmark_upload", "measurement_series"):
        ddl = [
            r[0] for r in con.execute("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", (table,))
        ]
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
        rows = con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
        copy = f"floor_{table}"
        for stmt in ddl:  # the table and its indexes under another name, without the unique and foreign keys
            stmt = stmt.replace(f"CREATE TABLE {table}", f"CREATE TABLE {copy}", 1).replace(
                f"ix_{table}_", f"ix_{copy}_"
            )
            stmt = stmt.replace(f"ON {table} ", f"ON {copy} ")
            if stmt.startswith("CREATE UNIQUE INDEX") or stmt.startswith("CREATE INDEX sqlite_"):
                continue
            con.execute(stmt)
        copies.append((f"INSERT INTO {copy} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows))
    con.commit()
    t0, c0 = time.perf_counter(), time.process_time()
    for sql, rows in copies:
        con.executemany(sql, rows)
    con.commit()
    elapsed = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    return elapsed


if __name__ == "__main__":
    raise SystemExit(main())
