"""GPU acceptance check of the live probe (issue #5), one command on a CUDA machine.

    .venv/bin/python bench/gpu_check.py                 # writes bench/results/gpu_check_<sku>.json + .md

1. runs the probe with ``--bench`` (``probes.collect.collect_report``) on the GPU;
2. runs a separate sweep of shapes and layouts with plain torch calls (not the probe's code) to
   find the best bf16 / fp8 (E4M3) / int8 throughput torch reaches on this GPU;
3. checks: the catalog SKU is identified; FP8 and INT8 are ``measured_native``; FP4 is
   ``not_available`` on Hopper; the probe's best bf16/fp8/int8 TFLOPS are >= 80% of the sweep's.

Exit status 0 when every check passes, 1 otherwise, 2 when there is no CUDA device.
``--device cpu --quick`` runs the same code on a CPU with small shapes (a smoke test of the script,
its checks are then expected to fail).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

REQUIRED_FRACTION = 0.8
SWEPT = ("bf16", "fp8_e4m3", "int8")
# (M, N, K): squares plus the skinny/wide shapes of LLM layers; all multiples of 256.
GPU_SHAPES: tuple[tuple[int, int, int], ...] = (
    (4096, 4096, 4096),
    (8192, 8192, 8192),
    (16384, 16384, 16384),
    (8192, 8192, 16384),
    (16384, 8192, 8192),
    (8192, 16384, 4096),
    (8192, 28672, 8192),
)
QUICK_SHAPES: tuple[tuple[int, int, int], ...] = ((256, 256, 256), (512, 512, 512), (512, 1024, 256))


@dataclass
class SweepPoint:
    fmt: str
    m: int
    n: int
    k: int
    layout: str
    tflops: float | None
    error: str = ""


def _sync(torch: Any, device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def _time(torch: Any, device: str, fn, flops: float, deadline: float) -> float:
    """Best-of-medians TFLOPS: warm-up, then 5 samples of enough calls to last >= 50 ms each."""
    fn()
    _sync(torch, device)
    t0 = time.perf_counter()
    fn()
    _sync(torch, device)
    single = max(time.perf_counter() - t0, 1e-9)
    reps = max(1, int(0.05 / single))
    samples = []
    for _ in range(5):
        if samples and time.perf_counter() > deadline:
            break
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        _sync(torch, device)
        samples.append((time.perf_counter() - t0) / reps)
    return flops / statistics.median(samples) / 1e12


def _col_major(t: Any) -> Any:
    return t.t().contiguous().t()


def _ops(torch: Any, fmt: str, device: str, m: int, n: int, k: int) -> dict[str, Any]:
    """Layout/option name -> zero-argument call, built with plain torch (independent of probes/)."""
    a32 = torch.randn(m, k, device=device)
    b32 = torch.randn(k, n, device=device)
    ops: dict[str, Any] = {}
    if fmt == "bf16":
        a, b = a32.bfloat16(), b32.bfloat16()
        bt, at = _col_major(b), _col_major(a)
        ops["A row, B row"] = lambda: torch.mm(a, b)
        ops["A row, B col"] = lambda: torch.mm(a, bt)
        ops["A col, B row"] = lambda: torch.mm(at, b)
        ops["A col, B col"] = lambda: torch.mm(at, bt)
    elif fmt == "fp8_e4m3":
        a = a32.to(torch.float8_e4m3fn)
        b = _col_major(b32.to(torch.float8_e4m3fn))
        one = torch.tensor(1.0, device=device)
        rows_a = torch.ones(m, 1, device=device)
        rows_b = torch.ones(1, n, device=device)
        for out in (torch.bfloat16, torch.float16):
            for fast in (True, False):
                name = f"tensor scales, {str(out)[6:]} out, fast_accum={fast}"
                ops[name] = lambda out=out, fast=fast: torch._scaled_mm(
                    a, b, scale_a=one, scale_b=one, out_dtype=out, use_fast_accum=fast
                )
        ops["row-wise scales, bfloat16 out, fast_accum=True"] = lambda: torch._scaled_mm(
            a, b, scale_a=rows_a, scale_b=rows_b, out_dtype=torch.bfloat16, use_fast_accum=True
        )
    elif fmt == "int8":
        a = a32.to(torch.int8)
        b_row = b32.to(torch.int8)
        b_col = _col_major(b_row)
        ops["B col-major"] = lambda: torch._int_mm(a, b_col)
        ops["B row-major"] = lambda: torch._int_mm(a, b_row)
    return ops


def sweep(torch: Any, device: str, shapes: tuple[tuple[int, int, int], ...], budget_s: float, log) -> list[SweepPoint]:
    points: list[SweepPoint] = []
    for fmt in SWEPT:
        deadline = time.perf_counter() + budget_s / len(SWEPT)
        for m, n, k in shapes:
            if time.perf_counter() > deadline:
                log(f"sweep {fmt}: time box reached before {m}x{n}x{k}")
                break
            try:
                ops = _ops(torch, fmt, device, m, n, k)
            except (RuntimeError, ValueError, TypeError) as exc:
                points.append(SweepPoint(fmt, m, n, k, "(setup)", None, str(exc).splitlines()[0][:200]))
                continue
            for layout, fn in ops.items():
                try:
                    tflops = _time(torch, device, fn, 2.0 * m * n * k, deadline)
                except (RuntimeError, ValueError, TypeError) as exc:
                    points.append(SweepPoint(fmt, m, n, k, layout, None, str(exc).splitlines()[0][:200]))
                    continue
                points.append(SweepPoint(fmt, m, n, k, layout, tflops))
                log(f"sweep {fmt:9s} {m}x{n}x{k} {layout:45s} {tflops:9.1f} TFLOPS")
            del ops
            if device.startswith("cuda"):
                torch.cuda.empty_cache()
    return points


def evaluate(report: Any, device_id: str, points: list[SweepPoint]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The acceptance checks: (list of {check, passed, detail}, figures per format)."""
    from probes.report import Outcome

    dev = report.device(device_id)
    checks: list[dict[str, Any]] = []

    def check(name: str, passed: bool, detail: str) -> None:
        checks.append({"check": name, "passed": bool(passed), "detail": detail})

    if dev is None:
        check("probe saw the device", False, f"no {device_id} in the report")
        return checks, {}
    match = dev.match
    check(
        "SKU identified",
        bool(match and match.sku_id),
        f"{match.sku_id} via {match.method}: {match.note}" if match else "no match",
    )
    for fmt in ("fp8_e4m3", "int8"):
        res = dev.formats.get(fmt)
        check(
            f"{fmt} measured_native",
            res is not None and res.verdict == Outcome.MEASURED_NATIVE,
            f"{res.verdict.value}: {res.reason}" if res else "missing",
        )
    fp4 = dev.formats.get("fp4")
    hopper = bool(match and match.architecture_id == "nvidia_hopper")
    if hopper:
        check(
            "fp4 not_available (Hopper)",
            fp4 is not None and fp4.verdict == Outcome.NOT_AVAILABLE,
            fp4.reason if fp4 else "missing",
        )
    figures: dict[str, Any] = {}
    for fmt in SWEPT:
        measured = [p for p in points if p.fmt == fmt and p.tflops is not None]
        best = max(measured, key=lambda p: p.tflops) if measured else None
        res = dev.formats.get(fmt)
        probe = res.achieved_tflops if res else None
        ratio = probe / best.tflops if (probe and best) else None
        figures[fmt] = {
            "probe_tflops": probe,
            "probe_shape": res.shape if res else None,
            "probe_method": res.method if res else None,
            "probe_fraction_of_peak": res.fraction_of_peak if res else None,
            "sweep_best_tflops": best.tflops if best else None,
            "sweep_best": f"{best.m}x{best.n}x{best.k} {best.layout}" if best else None,
            "probe_over_sweep": ratio,
        }
        check(
            f"{fmt} probe >= {REQUIRED_FRACTION:.0%} of sweep best",
            ratio is not None and ratio >= REQUIRED_FRACTION,
            f"probe {probe} vs sweep {best.tflops if best else None} TFLOPS" + (f" ({ratio:.1%})" if ratio else ""),
        )
    return checks, figures


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# GPU check of the live probe: {result['device_name']} ({result['sku_id'] or 'SKU not identified'})",
        "",
        f"Run {result['created_at']} on torch {result['torch_version']}, CUDA {result['cuda_runtime']}, "
        f"driver {result['driver_version']}; probe {result['probe_elapsed_s']:.1f} s, sweep {result['sweep_elapsed_s']:.1f} s.",
        "",
        "| check | result | detail |",
        "|---|---|---|",
    ]
    for c in result["checks"]:
        lines.append(f"| {c['check']} | {'PASS' if c['passed'] else 'FAIL'} | {c['detail'].replace('|', '/')} |")
    lines += [
        "",
        "| format | probe TFLOPS | fraction of catalog peak | sweep best TFLOPS | sweep best at | probe / sweep |",
        "|---|---|---|---|---|---|",
    ]
    for fmt, f in result["figures"].items():

        def num(v, spec=".1f"):
            return format(v, spec) if isinstance(v, int | float) else "-"

        lines.append(
            f"| {fmt} | {num(f['probe_tflops'])} | {num(f['probe_fraction_of_peak'], '.1%')} | "
            f"{num(f['sweep_best_tflops'])} | {f['sweep_best'] or '-'} | {num(f['probe_over_sweep'], '.1%')} |"
        )
    lines += [
        "",
        "All probe verdicts on this device:",
        "",
        "| format | verdict | TFLOPS | reason |",
        "|---|---|---|---|",
    ]
    for fmt, v in result["verdicts"].items():
        lines.append(
            f"| {fmt} | {v['verdict']} | {v['achieved_tflops'] if v['achieved_tflops'] is not None else '-'} | {v['reason'].replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


def run_check(
    device: str = "cuda:0",
    *,
    probe_budget_s: float = 240.0,
    sweep_budget_s: float = 150.0,
    quick: bool = False,
    out_dir: Path | None = None,
    log=None,
) -> dict[str, Any]:
    """Probe + sweep + checks; writes ``gpu_check_<sku>.json`` and ``.md`` under ``out_dir``; returns the result."""
    import torch

    from probes.collect import collect_report

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = time.perf_counter()
    log(f"probe --bench on {device} (budget {probe_budget_s:g} s)")
    report = collect_report(bench=True, budget_s=probe_budget_s, progress=log)
    probe_elapsed = time.perf_counter() - started
    log(f"sweep of shapes/layouts on {device} (budget {sweep_budget_s:g} s)")
    started = time.perf_counter()
    points = sweep(torch, device, QUICK_SHAPES if quick else GPU_SHAPES, sweep_budget_s, log)
    sweep_elapsed = time.perf_counter() - started
    checks, figures = evaluate(report, device, points)
    dev = report.device(device)
    sku = dev.match.sku_id if dev and dev.match else None
    result = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "device": device,
        "device_name": dev.name if dev else None,
        "sku_id": sku,
        "architecture_id": dev.match.architecture_id if dev and dev.match else None,
        "torch_version": report.torch.torch_version,
        "cuda_runtime": report.torch.cuda_runtime_version,
        "driver_version": report.nvml.driver_version,
        "probe_elapsed_s": probe_elapsed,
        "sweep_elapsed_s": sweep_elapsed,
        "passed": all(c["passed"] for c in checks),
        "checks": checks,
        "figures": figures,
        "verdicts": {str(k): v.model_dump(mode="json") for k, v in (dev.formats.items() if dev else [])},
        "memory_bandwidth_gbps": dev.memory_bandwidth_gbps if dev else None,
        "sweep": [asdict(p) for p in points],
        "report": report.model_dump(mode="json"),
    }
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = f"gpu_check_{sku or (dev.name if dev else device)}".replace(" ", "_").replace("/", "_").replace(":", "_")
        (out_dir / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
        (out_dir / f"{stem}.md").write_text(markdown(result))
        log(f"wrote {out_dir / stem}.json and .md")
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--out-dir", type=Path, default=REPO / "bench" / "results")
    p.add_argument("--probe-budget-s", type=float, default=240.0)
    p.add_argument("--sweep-budget-s", type=float, default=150.0)
    p.add_argument("--quick", action="store_true", help="small shapes (smoke test of the script itself)")
    args = p.parse_args(argv)
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device: nothing to check (run on an H100/H200 machine)", file=sys.stderr)
        return 2
    result = run_check(
        args.device,
        probe_budget_s=args.probe_budget_s,
        sweep_budget_s=args.sweep_budget_s,
        quick=args.quick,
        out_dir=args.out_dir,
    )
    print(markdown({k: v for k, v in result.items() if k not in ("sweep", "report")}))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
