"""Benchmark the advisor: recommend() over the whole catalog for one request, and the full hardware x format
matrix of support verdicts + estimates. Each figure is reported next to a baseline measured in the same run.

Targets (issue #4): one recommend() < 50 ms; the full hardware x format matrix < 1 s.
Baselines: loading the catalog from disk (``load_catalog()``), and a naive single-format loop (one bf16
estimate per SKU). Prints markdown tables to paste into bench/RESULTS.md, then the accuracy of the speed
estimates on the published rows of bench/validation/published.csv next to the 0.55 x bandwidth / size rule.

    .venv/bin/python bench/bench_recommend.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from advisor.context import Context

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from advisor.estimate import estimate  # noqa: E402
from advisor.formats import default_formats, weight_formats  # noqa: E402
from advisor.hardware import HardwareTarget  # noqa: E402
from advisor.models import get_model  # noqa: E402
from advisor.recommend import Request, recommend  # noqa: E402
from advisor.support import resolve_support  # noqa: E402
from advisor.workload import Profile, Workload  # noqa: E402
from hardware_db.catalog import default_catalog, load_catalog  # noqa: E402


def _time(fn, repeat: int) -> float:
    """Median wall time in seconds."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--hardware", default="h100_sxm5_80gb")
    ap.add_argument("--model", default="llama-3.1-70b")
    args = ap.parse_args(argv)

    catalog = default_catalog()
    formats = default_formats()
    model = get_model(args.model)
    targets = {sku: HardwareTarget.from_catalog(catalog, sku) for sku in sorted(catalog.skus)}
    wfmts = weight_formats(formats)
    request = Request(model, targets[args.hardware], Profile.SERVING, Workload(batch=64, gpus=8))
    recommend(request)  # warm caches (formats, models, catalog)

    t_load = _time(load_catalog, args.repeat)
    t_rec = _time(lambda: recommend(request), args.repeat)

    def naive() -> None:
        for t in targets.values():
            estimate(model, "bf16", t, Workload(batch=64, gpus=8), ctx=Context.build(engines=catalog).engines)

    def matrix() -> int:
        n = 0
        for t in targets.values():
            for f in wfmts:
                v = resolve_support(t, f, ctx=Context.build(engines=catalog).engines)
                if v.runs:
                    estimate(
                        model, f, t, Workload(batch=64, gpus=8), ctx=Context.build(engines=catalog).engines, verdict=v
                    )
                n += 1
        return n

    cells = len(targets) * len(wfmts)
    t_naive = _time(naive, args.repeat)
    t_matrix = _time(matrix, args.repeat)

    rows = [
        ("load_catalog() (baseline)", t_load, None, "-"),
        (f"recommend(): {model.id} on 8x {args.hardware}, serving b64, {len(wfmts)} formats", t_rec, t_load, "< 50 ms"),
        (f"naive loop: 1 bf16 estimate x {len(targets)} SKUs (baseline)", t_naive, None, "-"),
        (
            f"full matrix: {len(targets)} SKUs x {len(wfmts)} formats = {cells} verdicts+estimates",
            t_matrix,
            t_naive,
            "< 1 s",
        ),
    ]
    print(f"Python {sys.version.split()[0]}, median of {args.repeat} runs, catalog {catalog.version}\n")
    print("| what | median ms | ratio vs baseline | target |")
    print("|---|---:|---:|---|")
    baseline_names = {t_load: "load_catalog", t_naive: "naive loop"}
    for name, t, base, target in rows:
        ratio = f"{t / base:.2f}x {baseline_names[base]}" if base else "-"
        print(f"| {name} | {t * 1e3:.1f} | {ratio} | {target} |")
    ok = t_rec < 0.050 and t_matrix < 1.0
    print(f"\ntargets met: {ok}")
    from advisor.validation import markdown, validate

    print("\n## Speed-estimate accuracy (bench/validation/published.csv)\n")
    print(markdown(validate(catalog)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
