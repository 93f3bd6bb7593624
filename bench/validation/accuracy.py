"""Accuracy of the speed estimates on the evidence corpus (``bench/validation/corpus``).

    .venv/bin/python bench/validation/accuracy.py [--rows] [--json]

Scores every corpus measurement with the app's comparison rule (``bench/validation/harness.py``) and prints, per
category, the median and 90th-percentile absolute percentage error, the share of rows more than 1.5x off, and the
0.55 x bandwidth rule on the same rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.context import default_context  # noqa: E402
from bench.validation.corpus import load_corpus  # noqa: E402
from bench.validation.harness import CATEGORIES, evaluate, markdown_table, summarize  # noqa: E402

COMMAND = "python bench/validation/accuracy.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", action="store_true", help="also print one line per row")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    measurements, sources = load_corpus()
    ctx = default_context()
    scored = evaluate(measurements, ctx)
    summaries = [summarize(scored, c) for c in CATEGORIES]
    if args.json:
        print(json.dumps([asdict(s) for s in summaries], indent=2))
        return 0
    print(f"Command: `{COMMAND}`; {len(measurements)} measurements from {len(sources)} sources\n")
    print(markdown_table(summaries))
    if args.rows:
        print("\n| source | row | category | measurement | measured | estimate | error | note |")
        print("|---|---:|---|---|---:|---:|---:|---|")
        for s in scored:
            m, c = s.measurement, s.comparison
            est = "-" if c.predicted is None else f"{c.predicted:,.1f}"
            err = "-" if c.error_pct is None else f"{c.error_pct:+.0f}%"
            print(
                f"| {m.label} | {m.row} | {s.category or '-'} | {m.describe()} {m.metric.value} | {m.value:,.1f} | "
                f"{est} | {err} | {c.note} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
