"""Probe wall time on this machine: `python -m probes` with and without --bench.

    .venv/bin/python bench/bench_probe.py [--runs 3]

Baseline in the same run: `python -c "import torch"` (interpreter start + torch import, the floor
any probe pays). Targets from issue #5: without --bench under 3 s, with --bench under 30 s, and on
an AVX512-BF16 + VNNI CPU bf16 and int8 measured native, fp16 not. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=REPO, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    py = sys.executable
    rows = []
    verdicts: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        base = [_timed([py, "-c", "import torch"]) for _ in range(args.runs)]
        quick = [_timed([py, "-m", "probes", "--quiet", "--out", str(out)]) for _ in range(args.runs)]
        bench = []
        for _ in range(args.runs):
            bench.append(_timed([py, "-m", "probes", "--bench", "--quiet", "--out", str(out)]))
            report = json.loads(out.read_text())
            cpu = next(d for d in report["devices"] if d["id"] == "cpu")
            for fmt, res in cpu["formats"].items():
                verdicts.setdefault(fmt, res["verdict"])
                if verdicts[fmt] != res["verdict"]:
                    verdicts[fmt] += f" / {res['verdict']}"
    b = statistics.median(base)
    for label, values, target in (("probe without --bench", quick, 3.0), ("probe --bench", bench, 30.0)):
        m = statistics.median(values)
        rows.append(
            f"| {label} | {len(values)} | {m:.2f} | {max(values):.2f} | {target:g} | "
            f"`import torch` {b:.2f} s | {m / b:.1f}x |"
        )
    load = os.getloadavg()[0]
    print(f"Command: `.venv/bin/python bench/bench_probe.py --runs {args.runs}` (1-min load at the end: {load:.1f})\n")
    print("| run | n | median s | max s | target s | baseline (same run) | ratio |")
    print("|---|---:|---:|---:|---:|---|---:|")
    print("\n".join(rows))
    print("\nCPU verdicts (every --bench run): " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))


if __name__ == "__main__":
    main()
