"""Import speed: a 100,000-row llama-bench CSV through ``measurements.service.import_file``
(decode + detect + parse + validate + normalize + store in one transaction into a temporary
SQLite database) against plain ``pandas.read_csv`` of the same file, in the same run.

The rows repeat the two real RTX 4080 rows of ``../shared/fixtures/llama-bench/rtx4080_b5163.csv``
with the test time advanced one second per row and the throughputs scaled by a seeded factor in
[0.98, 1.02], so the file looks like a long sweep; it is timing input, never stored as data.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--repeat 1]

Target (issue #6): import < 10 s on the development machine.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; the best is reported")
    args = parser.parse_args(argv)

    import pandas as pd

    from measurements.service import import_file, list_results
    from store.db import create_db_engine
    from store.migrate import prepare_database

    data = make_csv(args.rows)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.csv"
        path.write_bytes(data)
        pandas_s, import_s, pandas_cpu, import_cpu = [], [], [], []
        for run in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            df = pd.read_csv(path)
            pandas_s.append(time.perf_counter() - t0)
            pandas_cpu.append(time.process_time() - c0)
            assert len(df) == args.rows

            engine = create_db_engine(f"sqlite:///{tmp}/bench{run}.db")
            prepare_database(engine)
            t0, c0 = time.perf_counter(), time.process_time()
            result = import_file(data, path.name, engine=engine, max_bytes=0)
            import_s.append(time.perf_counter() - t0)
            import_cpu.append(time.process_time() - c0)
            assert result.imported == args.rows and not result.rejected, result.message
            stored = list_results(engine, limit=2)
            # the stored float equals the CSV text's float exactly (same decimal -> same double)
            assert stored.iloc[0]["prefill_tok_s"] == float(df.iloc[0]["avg_ts"])
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
    print(f"target < 10 s: {'met' if best_imp < 10 else 'MISSED'}")
    return 0 if best_imp < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
