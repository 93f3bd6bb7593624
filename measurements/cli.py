"""``python -m measurements import FILE [--hardware SKU] [--label L] [--json]`` (also reached as
``python -m advisor import ...``) and ``python -m measurements template`` (the generic CSV template).

Exit status: 0 when something was imported or the file was already imported; 1 when nothing in
the file could be read or stored; 2 for a usage or database error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from measurements.compare import METRICS, compare_with_predictions, default_predictor
from measurements.generic_csv import TEMPLATE_CSV
from measurements.service import ImportResult, import_file, list_results, max_upload_bytes


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if isinstance(value, float) else str(value)


def _measured(row: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(m, row.get(m)) for m in METRICS if row.get(m) is not None] + (
        [(row["quality_metric"], row["quality_value"])] if row.get("quality_value") is not None else []
    )


def _print_text(result: ImportResult, predictions: dict[int, dict[str, Any]]) -> None:
    print(f"{result.file_name}: {result.detected_format or 'not recognized'}")
    print(result.message)
    for row in result.rows:
        r = row.to_dict()
        who = " ".join(
            str(x)
            for x in (
                r["hardware_sku"] or f"[{r['hardware_raw'] or '?'}]",
                r["model_id"] or f"[{r['model_raw'] or '?'}]",
                r["format_id"] or f"[{r['format_raw'] or '?'}]",
                r["engine"],
                r["test"] + (f" @ d{r['context_depth']}" if r.get("context_depth") else ""),
            )
            if x
        )
        parts = []
        pred = predictions.get(row.row_number, {})
        for metric, value in _measured(r):
            text = f"{metric} {_fmt(value, 4 if metric == r['quality_metric'] else 1)}"
            p, e = pred.get(f"predicted_{metric}"), pred.get(f"error_{metric}_pct")
            if p is not None and p == p:
                text += f" (predicted {_fmt(p)}, {e:+.0f}%)" if e is not None and e == e else f" (predicted {_fmt(p)})"
            parts.append(text)
        print(f"  row {row.row_number}: {who}: {', '.join(parts)}")
        for flag in row.flags:
            print(f"      flag: {flag}")
    if result.duplicates:
        print(f"skipped {result.duplicates} row(s) already stored (upload {result.upload_id})")
    if result.rejected:
        print(f"rejected {len(result.rejected)} record(s):")
        for rej in result.rejected:
            print(f"  row {rej.row}, column {rej.column or '(whole row)'}: {rej.reason}")


def _predictions(result: ImportResult, engine) -> dict[int, dict[str, Any]]:
    predict = default_predictor()
    if predict is None or not result.upload_id or not result.imported:
        return {}
    df = compare_with_predictions(list_results(engine, upload_id=result.upload_id), predict)
    return {int(rec["row_number"]): rec for rec in df.to_dict("records")}


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
    if argv and argv[0] not in ("import", "template", "-h", "--help"):
        argv = ["import", *argv]  # `python -m advisor import FILE ...` hands over what follows "import"
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
    predictions = _predictions(result, engine)
    if args.json:
        out = result.to_dict()
        if predictions:
            for row in out["rows"]:
                pred = predictions.get(row["row_number"], {})
                row["predicted"] = {
                    m: pred.get(f"predicted_{m}")
                    for m in METRICS
                    if pred.get(f"predicted_{m}") == pred.get(f"predicted_{m}")
                }
        print(json.dumps(out, indent=2, default=str))
    else:
        _print_text(result, predictions)
    return 0 if result.readable else 1
