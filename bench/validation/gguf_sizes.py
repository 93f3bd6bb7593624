"""GGUF file sizes: the catalog's weight bytes against the sizes llama-bench printed in the evidence corpus.

    .venv/bin/python bench/validation/gguf_sizes.py [--rows]

Every distinct (model, GGUF type, printed size) of the corpus whose model is in the catalog is compared with
``advisor.memory.weight_bytes`` (the whole-file average split into body and output/embedding tensors) and, as
the baseline in the same run, with parameters x the type's Llama-3.1-8B whole-file average (the rule before the
split). Prints a markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from advisor.context import default_context  # noqa: E402
from advisor.memory import split_params, weight_bytes  # noqa: E402
from bench.validation.corpus import load_corpus  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", action="store_true", help="print every compared file")
    args = parser.parse_args()
    ctx = default_context()
    seen: dict[tuple[str, str, float], str] = {}
    measurements, _sources = load_corpus(ctx=ctx)
    for m in measurements:
        fmt = ctx.formats.get(m.format_id or "")
        if fmt is None or not fmt.whole_model_average or m.model_id not in ctx.models or not m.model_size_gib:
            continue
        seen.setdefault((m.model_id, fmt.id, float(m.model_size_gib)), m.label)
    split_err, flat_err = [], []
    for (mid, fid, gib), source in sorted(seen.items()):
        model, fmt = ctx.models[mid], ctx.formats[fid]
        real = gib * 2**30
        split = weight_bytes(model, fmt) / real - 1
        flat = split_params(model).total * fmt.bytes_per_weight / real - 1
        split_err.append(abs(split))
        flat_err.append(abs(flat))
        if args.rows:
            print(
                f"{mid:<24} {fid:<14} {gib:>7.2f} GiB  split {100 * split:+6.1f}%  flat {100 * flat:+6.1f}%  {source}"
            )
    if not split_err:
        print("no comparable rows")
        return 1
    print("| rule | files | median abs error % | p90 abs error % | within 3% |")
    print("|---|---:|---:|---:|---:|")
    for name, errs in (("split average (shipped)", split_err), ("flat 8B average (baseline, same run)", flat_err)):
        errs = sorted(errs)
        p90 = errs[min(len(errs) - 1, int(0.9 * len(errs)))]
        within = sum(e <= 0.03 for e in errs) / len(errs)
        print(f"| {name} | {len(errs)} | {100 * statistics.median(errs):.2f} | {100 * p90:.1f} | {100 * within:.0f}% |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
