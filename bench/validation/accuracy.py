"""Accuracy of the advisor's speed estimates against published measurements (``published.csv``).

Scores every row metric-exactly with ``advisor.validation`` (what each row measured and which estimator quantity
it is compared with: see that module and README.md) and prints the median absolute percentage error (MdAPE) per
split (dev / holdout) and per phase and metric, next to the naive ``0.55 x bandwidth / model bytes`` rule on the
same rows, and the figure after calibrating on the dev rows only (``advisor.validation.calibrated_on_dev``).

    .venv/bin/python bench/validation/accuracy.py [--csv PATH] [--rows] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.validation import (  # noqa: E402
    VALIDATION_CSV,
    calibrated_on_dev,
    markdown,
    summary,
    validate,
)

COMMAND = "python bench/validation/accuracy.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=VALIDATION_CSV)
    parser.add_argument("--rows", action="store_true", help="also print one line per row")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    report = validate(path=args.csv)
    calibrated = calibrated_on_dev(report, path=args.csv)
    if args.json:
        lines = [s.__dict__ for s in summary(report, calibrated)]
        print(json.dumps({"csv": str(args.csv), "summary": lines}, indent=2))
        return 0
    flags = " --rows" if args.rows else ""
    print(f"Command: `{COMMAND}{flags}`\n")
    print(markdown(report, calibrated, with_rows=args.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
