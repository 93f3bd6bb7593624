"""``python -m measurements import FILE [--hardware SKU] [--label L] [--json]`` and
``python -m measurements template`` (the generic CSV template).

Exit status: 0 when something was imported or the file was already imported; 1 when nothing in
the file could be read or stored; 2 for a usage or database error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from advisor.comparison import Comparison, compare
from advisor.measurement import METRIC_LABELS, Metric
from measurements.generic_csv import TEMPLATE_CSV
from measurements.service import ImportResult, import_file, max_upload_bytes, measurement_dict


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _print_text(result: ImportResult, comparisons: list[Comparison]) -> None:
    print(f"{result.file_name}: {result.detected_format or 'not recognized'}")
    print(result.message)
    for c in comparisons:
        m = c.measurement
        what = m.quality_task if m.metric is Metric.QUALITY else METRIC_LABELS[m.metric]
        stat = f" ({m.statistic.value})" if m.statistic.value else ""
        text = f"{what}{stat} {_fmt(m.value, 4 if m.metric is Metric.QUALITY else 1)}"
        if c.predicted is not None:
            text += f" (estimated {_fmt(c.predicted)}, {c.error_pct:+.0f}%)"
        elif c.note and m.metric is not Metric.QUALITY:
            text += f" (no estimate: {c.note})"
        print(f"  row {m.row}: {m.describe()}: {text}")
        for flag in m.flags:
            print(f"      flag: {flag}")
    if result.duplicates:
        print(f"skipped {result.duplicates} measurement(s) already stored (upload {result.upload_id})")
    if result.rejected:
        print(f"rejected {len(result.rejected)} record(s):")
        for rej in result.rejected:
            print(f"  row {rej.row}, column {rej.column or '(whole row)'}: {rej.reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m measurements", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import a benchmark result file into the database")
    imp.add_argument("file", type=Path)
    imp.add_argument("--hardware", help="the hardware the file was measured on (SKU id or name)")
    imp.add_argument("--label", default="", help="a label for this upload")
    imp.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    imp.add_argument("--max-mb", type=float, default=None, help="upload size limit in MB (default 20)")
    sub.add_parser("template", help="print the generic CSV template")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.command == "template":
        sys.stdout.write(TEMPLATE_CSV)
        return 0

    from store.db import DatabaseUnavailable, create_db_engine
    from store.migrate import prepare_database

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        engine = create_db_engine()
        prepare_database(engine)
    except DatabaseUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    max_bytes = int(args.max_mb * 1024 * 1024) if args.max_mb is not None else max_upload_bytes()
    result = import_file(
        data, args.file.name, label=args.label, hardware_hint=args.hardware, engine=engine, max_bytes=max_bytes
    )
    comparisons = [compare(m) for m in result.measurements]
    if args.json:
        out = result.to_dict(with_rows=False)
        out["measurements"] = [
            {**measurement_dict(c.measurement), "estimated": c.predicted, "error_pct": c.error_pct, "note": c.note}
            for c in comparisons
        ]
        print(json.dumps(out, indent=2, default=str))
    else:
        _print_text(result, comparisons)
    return 0 if result.readable else 1
