"""``python -m probes [--bench] [--out FILE] [--submit] [--timeout-s N]``: probe this machine, write JSON.

Always exits 0 once a report is written: a missing GPU, driver, torch or database is a fact in the
report (or one line on stderr), not a crash.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from probes.collect import DEFAULT_BUDGET_S, collect_report
from probes.report import ProbeReport


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m probes", description=__doc__.splitlines()[0])
    p.add_argument("--bench", action="store_true", help="also time matmuls per format and memory bandwidth")
    p.add_argument("--out", type=Path, help="write the JSON report here (default: stdout)")
    p.add_argument("--submit", action="store_true", help="store the report in the configured database (DATABASE_URL)")
    p.add_argument("--label", default="", help="label stored with --submit")
    p.add_argument(
        "--timeout-s",
        type=float,
        default=DEFAULT_BUDGET_S,
        help=f"overall time budget of --bench (default {DEFAULT_BUDGET_S:g})",
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def summary(report: ProbeReport) -> list[str]:
    """One line per device: match and verdicts (printed to stderr)."""
    lines = []
    for d in report.devices:
        sku = (d.match.sku_id or d.match.architecture_id or "not in catalog") if d.match else "not matched"
        parts = []
        for fmt, res in d.formats.items():
            value = f" {res.achieved_tflops:.3g}" if res.achieved_tflops is not None else ""
            parts.append(f"{fmt}={res.verdict.value}{value}")
        lines.append(f"{d.id} {d.name or '?'} [{sku}]: " + ", ".join(parts))
    return lines


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    def progress(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    report = collect_report(bench=args.bench, budget_s=args.timeout_s, progress=progress)
    text = report.to_json()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
        progress(f"report written to {args.out}")
    else:
        print(text)
    for line in summary(report):
        progress(line)
    progress(f"probe took {report.elapsed_s:.2f} s")
    if args.submit:
        from probes.store import ProbeStoreError, save_report

        try:
            report_id = save_report(report, origin="cli", label=args.label)
        except ProbeStoreError as exc:
            print(f"could not store the report: {exc}", file=sys.stderr)
        else:
            print(f"stored probe report {report_id}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
