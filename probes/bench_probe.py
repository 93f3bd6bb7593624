"""Opt-in micro-benchmarks: achieved matmul TFLOPS per format and copy bandwidth, time-boxed.

Each format is timed on a ladder of square sizes (growing while the next size still fits the
format's time box) and every variant :func:`probes.torch_probe.variants` offers; the best
figure is kept. A timing is the median of several samples after a warm-up; each sample repeats
the call until it lasts ``min_sample_s`` so that launch overhead does not count on GPUs.

Verdicts (see :func:`verdicts`): on CPUs every format is compared with fp32; on GPUs 16-bit
formats with fp32 and 8/4-bit formats with the best 16-bit one. A format counts as
``measured_native`` when it is at least :data:`NATIVE_SPEEDUP` times faster than its baseline.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from probes.report import CheckResult, FormatCheck, FormatResult, ProbeFormat, Verdict
from probes.torch_probe import TORCH_OP_ERRORS, _first_line, make_matmul, synchronizer, variants

NATIVE_SPEEDUP = 1.3
SAMPLES = 5


@dataclass(frozen=True)
class BenchPlan:
    sizes: tuple[int, ...]
    per_format_s: float
    min_sample_s: float
    copy_bytes: int
    bandwidth_s: float


CPU_PLAN = BenchPlan(
    sizes=(256, 512, 1024, 2048), per_format_s=2.5, min_sample_s=0.02, copy_bytes=256 << 20, bandwidth_s=1.5
)
GPU_PLAN = BenchPlan(
    sizes=(2048, 4096, 8192, 16384), per_format_s=8.0, min_sample_s=0.05, copy_bytes=2 << 30, bandwidth_s=3.0
)


def plan_for(device: str) -> BenchPlan:
    return CPU_PLAN if device == "cpu" else GPU_PLAN


@dataclass
class Timing:
    tflops: float
    seconds_per_call: float
    shape: str
    method: str


@dataclass
class FormatTiming:
    best: Timing | None = None
    errors: list[str] = field(default_factory=list)
    stopped: str = ""  # why the ladder stopped early


def time_call(
    run: Callable[[], Any], sync: Callable[[], None], *, deadline: float, min_sample_s: float, samples: int = SAMPLES
) -> tuple[float, float]:
    """Median seconds per call of ``run`` (after a warm-up) and the single-call estimate; stops at ``deadline``."""
    run()  # warm-up: allocation, kernel selection, JIT
    sync()
    start = time.perf_counter()
    run()
    sync()
    single = max(time.perf_counter() - start, 1e-9)
    repeat = max(1, math.ceil(min_sample_s / single))
    times: list[float] = []
    for _ in range(samples):
        if times and time.perf_counter() + single * repeat > deadline:
            break
        start = time.perf_counter()
        for _ in range(repeat):
            run()
        sync()
        times.append((time.perf_counter() - start) / repeat)
    return (statistics.median(times) if times else single), single


def time_format(
    torch: Any,
    fmt: ProbeFormat,
    device: str,
    plan: BenchPlan,
    deadline: float,
    progress: Callable[[str], None],
    options: tuple[str, ...] | None = None,
) -> FormatTiming:
    """Time ``fmt`` on ``device`` over the size ladder and variants, keeping the best TFLOPS."""
    result = FormatTiming()
    sync = synchronizer(torch, device)
    format_deadline = min(deadline, time.perf_counter() + plan.per_format_s)
    options = options or variants(fmt, device)
    for size in plan.sizes:
        slowest_call = 0.0
        for variant in options:
            remaining = format_deadline - time.perf_counter()
            if remaining <= 0:
                result.stopped = "time box reached"
                return result
            try:
                mm = make_matmul(torch, fmt, device, size, size, size, variant)
                per_call, single = time_call(mm.run, sync, deadline=format_deadline, min_sample_s=plan.min_sample_s)
            except TORCH_OP_ERRORS as exc:
                result.errors.append(f"{variant} at {size}: {_first_line(exc)}")
                continue
            slowest_call = max(slowest_call, single)
            tflops = mm.flops / per_call / 1e12
            if result.best is None or tflops > result.best.tflops:
                result.best = Timing(tflops, per_call, f"{size}x{size}x{size}", mm.method)
            progress(f"  {device} {fmt.value:9s} {size:>5d}^3 {variant:<20s} {tflops:10.3f} TFLOPS")
        if result.best is None:
            continue
        # next size costs ~8x per call: go on only if warm-up + samples of it still fit the box
        predicted = slowest_call * 8 * (2 + SAMPLES) * len(options)
        if time.perf_counter() + predicted > format_deadline:
            result.stopped = f"stopped at {size}: the next size would overrun the {plan.per_format_s:g} s time box"
            break
    return result


def measure_bandwidth(torch: Any, device: str, plan: BenchPlan, deadline: float) -> tuple[float | None, str]:
    """Large device-to-device copy; read + write bytes over the median time, decimal GB/s."""
    sync = synchronizer(torch, device)
    count = plan.copy_bytes // 4
    try:
        src = torch.ones(count, dtype=torch.float32, device=device)
        dst = torch.empty_like(src)
        box = min(deadline, time.perf_counter() + plan.bandwidth_s)
        per_call, _ = time_call(lambda: dst.copy_(src), sync, deadline=box, min_sample_s=plan.min_sample_s)
    except TORCH_OP_ERRORS as exc:
        return None, f"copy failed: {_first_line(exc)}"
    return 2 * count * 4 / per_call / 1e9, f"copy of {plan.copy_bytes >> 20} MiB (read + write counted)"


def _baseline(fmt: ProbeFormat, device_kind: str, tflops: dict[ProbeFormat, float]) -> tuple[float | None, str]:
    """The throughput a format must beat, and its name."""
    if device_kind == "cpu" or fmt in (ProbeFormat.BF16, ProbeFormat.FP16):
        return tflops.get(ProbeFormat.FP32), "fp32"
    sixteen = [tflops[f] for f in (ProbeFormat.BF16, ProbeFormat.FP16) if f in tflops]
    return (max(sixteen) if sixteen else None), "the best 16-bit format"


def verdicts(
    device_kind: str,
    checks: dict[ProbeFormat, FormatCheck],
    timings: dict[ProbeFormat, FormatTiming],
    peaks: dict[ProbeFormat, float | None],
    *,
    bench_requested: bool,
) -> dict[ProbeFormat, FormatResult]:
    """One :class:`FormatResult` per format from the functional checks and (optional) timings."""
    measured = {f: t.best.tflops for f, t in timings.items() if t.best is not None}
    out: dict[ProbeFormat, FormatResult] = {}
    for fmt in ProbeFormat:
        check = checks.get(fmt)
        peak = peaks.get(fmt)
        if check is not None and check.result == CheckResult.FAILS:
            out[fmt] = FormatResult(
                verdict=Verdict.NOT_AVAILABLE,
                peak_tflops=peak,
                method=check.op,
                reason=f"functional check failed: {check.reason}",
            )
            continue
        timing = timings.get(fmt)
        if timing is None or timing.best is None:
            if not bench_requested:
                why = "not timed (run with --bench)"
            elif timing is None:
                why = "not timed: the overall time budget ran out first"
            else:
                why = "; ".join(timing.errors) or timing.stopped or "no timing completed in the time box"
            if check is not None and check.result == CheckResult.SKIPPED:
                why = check.reason or why
            out[fmt] = FormatResult(verdict=Verdict.NOT_MEASURED, peak_tflops=peak, reason=why)
            continue
        best = timing.best
        fraction = round(best.tflops / peak, 4) if peak else None
        common = {
            "achieved_tflops": round(best.tflops, 4),
            "peak_tflops": peak,
            "fraction_of_peak": fraction,
            "shape": best.shape,
            "method": best.method,
        }
        if fmt == ProbeFormat.FP32:
            out[fmt] = FormatResult(
                verdict=Verdict.MEASURED_NATIVE,
                reason="the reference format: every CPU and GPU runs fp32 FMA natively",
                **common,
            )
            continue
        base, base_name = _baseline(fmt, device_kind, measured)
        if not base:
            out[fmt] = FormatResult(
                verdict=Verdict.NOT_MEASURED, reason=f"timed, but {base_name} (the baseline) was not", **common
            )
            continue
        ratio = best.tflops / base
        native = ratio >= NATIVE_SPEEDUP
        word = "a real speed-up" if native else f"below the {NATIVE_SPEEDUP}x needed for native"
        out[fmt] = FormatResult(
            verdict=Verdict.MEASURED_NATIVE if native else Verdict.RUNS_NO_SPEEDUP,
            reason=f"{ratio:.2f}x {base_name} ({base:.3f} TFLOPS): {word}",
            **common,
        )
    return out
