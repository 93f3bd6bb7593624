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

from probes.report import CheckResult, FormatCheck, FormatResult, Outcome, ProbeFormat
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
    pair_size: int | None  # size of the paired re-timing; None = the format's best size


CPU_PLAN = BenchPlan(
    sizes=(256, 512, 1024, 2048),
    per_format_s=2.0,
    min_sample_s=0.02,
    copy_bytes=256 << 20,
    bandwidth_s=1.5,
    pair_size=512,
)
GPU_PLAN = BenchPlan(
    sizes=(2048, 4096, 8192, 16384),
    per_format_s=8.0,
    min_sample_s=0.05,
    copy_bytes=2 << 30,
    bandwidth_s=3.0,
    pair_size=None,
)


def plan_for(device: str) -> BenchPlan:
    return CPU_PLAN if device == "cpu" else GPU_PLAN


@dataclass
class Timing:
    tflops: float
    seconds_per_call: float
    shape: str
    method: str
    size: int = 0
    variant: str = "default"


@dataclass(frozen=True)
class PairedRatio:
    """Speed-up of a format over its baseline from back-to-back samples at the same size."""

    speedup: float
    baseline: ProbeFormat
    size: int
    pairs: int
    note: str = ""  # "1 thread" on CPUs


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
    failed: set[str] = set()  # a variant that can't run at one size is not retried at the next
    for size in plan.sizes:
        slowest_call = 0.0
        for variant in options:
            if variant in failed:
                continue
            remaining = format_deadline - time.perf_counter()
            if remaining <= 0:
                result.stopped = "time box reached"
                return result
            try:
                mm = make_matmul(torch, fmt, device, size, size, size, variant)
                per_call, single = time_call(mm.run, sync, deadline=format_deadline, min_sample_s=plan.min_sample_s)
            except TORCH_OP_ERRORS as exc:
                result.errors.append(f"{variant} at {size}: {_first_line(exc)}")
                failed.add(variant)
                continue
            slowest_call = max(slowest_call, single)
            tflops = mm.flops / per_call / 1e12
            if result.best is None or tflops > result.best.tflops:
                result.best = Timing(tflops, per_call, f"{size}x{size}x{size}", mm.method, size, variant)
            progress(f"  {device} {fmt.value:9s} {size:>5d}^3 {variant:<20s} {tflops:10.3f} TFLOPS")
        if result.best is None:
            continue
        # next size costs ~8x per call: go on only if warm-up + samples of it still fit the box
        next_call = slowest_call * 8
        predicted = (2 * next_call + SAMPLES * max(next_call, plan.min_sample_s)) * (len(options) - len(failed))
        if time.perf_counter() + predicted > format_deadline:
            result.stopped = f"stopped at {size}: the next size would overrun the {plan.per_format_s:g} s time box"
            break
    return result


def baseline_format(fmt: ProbeFormat, device_kind: str, timings: dict[ProbeFormat, FormatTiming]) -> ProbeFormat | None:
    """The format ``fmt`` must beat: fp32 on CPUs and for 16-bit on GPUs, else the faster 16-bit one."""
    if fmt == ProbeFormat.FP32:
        return None
    if device_kind == "cpu" or fmt in (ProbeFormat.BF16, ProbeFormat.FP16):
        return ProbeFormat.FP32
    sixteen = [
        (timings[f].best.tflops, f) for f in (ProbeFormat.BF16, ProbeFormat.FP16) if f in timings and timings[f].best
    ]
    return max(sixteen)[1] if sixteen else None


def paired_speedups(
    torch: Any,
    device: str,
    device_kind: str,
    timings: dict[ProbeFormat, FormatTiming],
    plan: BenchPlan,
    deadline: float,
    progress: Callable[[str], None],
    pairs: int = SAMPLES,
) -> dict[ProbeFormat, PairedRatio]:
    """Re-time each format against its baseline, alternating the two, at the format's best size.

    Timing formats one after another lets background load (a busy core, a noisy neighbour) hit
    one format and not the other; alternating samples of the pair and taking the median of the
    per-pair ratios cancels that, so the verdict does not flip with the machine's load.
    """
    if device == "cpu":
        # One thread: a loaded 2-core box makes multi-threaded GEMMs wait on each other (an fp16
        # GEMM then looks as fast as fp32); per-core speed-ups are what the ISA decides anyway.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return _paired(torch, device, device_kind, timings, plan, deadline, progress, pairs, "1 thread")
        finally:
            torch.set_num_threads(threads)
    return _paired(torch, device, device_kind, timings, plan, deadline, progress, pairs, "")


def _paired(
    torch: Any,
    device: str,
    device_kind: str,
    timings: dict[ProbeFormat, FormatTiming],
    plan: BenchPlan,
    deadline: float,
    progress: Callable[[str], None],
    pairs: int,
    note: str,
) -> dict[ProbeFormat, PairedRatio]:
    sync = synchronizer(torch, device)
    out: dict[ProbeFormat, PairedRatio] = {}
    for fmt, timing in timings.items():
        base = baseline_format(fmt, device_kind, timings)
        if timing.best is None or base is None or base not in timings or timings[base].best is None:
            continue
        box = min(deadline, time.perf_counter() + plan.per_format_s / 2)
        size = plan.pair_size or timing.best.size
        try:
            mm = make_matmul(torch, fmt, device, size, size, size, timing.best.variant)
            ref = make_matmul(torch, base, device, size, size, size, timings[base].best.variant)
            for call in (mm.run, ref.run):  # warm-up at this size
                call()
            sync()
            est = [_one_call(mm.run, sync), _one_call(ref.run, sync)]
            reps = [max(1, math.ceil(plan.min_sample_s / t)) for t in est]
            ratios: list[float] = []
            for i in range(pairs):
                if ratios and time.perf_counter() + (est[0] * reps[0] + est[1] * reps[1]) > box:
                    break
                order = (
                    ((mm.run, reps[0]), (ref.run, reps[1])) if i % 2 == 0 else ((ref.run, reps[1]), (mm.run, reps[0]))
                )
                times = {}
                for call, n in order:
                    start = time.perf_counter()
                    for _ in range(n):
                        call()
                    sync()
                    times[call] = (time.perf_counter() - start) / n
                ratios.append(times[ref.run] / times[mm.run])
        except TORCH_OP_ERRORS as exc:
            progress(f"  {device} {fmt.value}: paired timing failed ({_first_line(exc)})")
            continue
        out[fmt] = PairedRatio(statistics.median(ratios), base, size, len(ratios), note)
        progress(
            f"  {device} {fmt.value:9s} vs {base.value:5s} at {size}^3: {out[fmt].speedup:.2f}x ({len(ratios)} pairs)"
        )
    return out


def _one_call(run: Callable[[], Any], sync: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    sync()
    return max(time.perf_counter() - start, 1e-9)


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


def verdicts(
    device_kind: str,
    checks: dict[ProbeFormat, FormatCheck],
    timings: dict[ProbeFormat, FormatTiming],
    peaks: dict[ProbeFormat, float | None],
    *,
    bench_requested: bool,
    paired: dict[ProbeFormat, PairedRatio] | None = None,
) -> dict[ProbeFormat, FormatResult]:
    """One :class:`FormatResult` per format from the functional checks and (optional) timings.

    The speed-up over the baseline is the paired one (:func:`paired_speedups`) where available,
    else the ratio of the best timings.
    """
    paired = paired or {}
    measured = {f: t.best.tflops for f, t in timings.items() if t.best is not None}
    out: dict[ProbeFormat, FormatResult] = {}
    for fmt in ProbeFormat:
        check = checks.get(fmt)
        peak = peaks.get(fmt)
        if check is not None and check.result == CheckResult.FAILS:
            out[fmt] = FormatResult(
                verdict=Outcome.NOT_AVAILABLE,
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
            out[fmt] = FormatResult(verdict=Outcome.NOT_MEASURED, peak_tflops=peak, reason=why)
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
                verdict=Outcome.MEASURED_NATIVE,
                reason="the reference format: every CPU and GPU runs fp32 FMA natively",
                **common,
            )
            continue
        base_fmt = baseline_format(fmt, device_kind, timings)
        base = measured.get(base_fmt) if base_fmt is not None else None
        if not base:
            base_name = base_fmt.value if base_fmt is not None else "the best 16-bit format"
            out[fmt] = FormatResult(
                verdict=Outcome.NOT_MEASURED, reason=f"timed, but {base_name} (the baseline) was not", **common
            )
            continue
        pair = paired.get(fmt)
        if pair is not None:
            base_fmt, ratio = pair.baseline, pair.speedup
            where = f"{pair.size}^3, {pair.note}" if pair.note else f"{pair.size}^3"
            how = f"{ratio:.2f}x {base_fmt.value} ({where}, median of {pair.pairs} alternating pairs)"
        else:
            ratio = best.tflops / base
            best16 = ", the best 16-bit format" if base_fmt != ProbeFormat.FP32 else ""
            how = f"{ratio:.2f}x {base_fmt.value} ({base:.3f} TFLOPS{best16})"
        native = ratio >= NATIVE_SPEEDUP
        word = "a real speed-up" if native else f"below the {NATIVE_SPEEDUP}x needed for native"
        out[fmt] = FormatResult(
            verdict=Outcome.MEASURED_NATIVE if native else Outcome.RUNS_NO_SPEEDUP,
            reason=f"{how}: {word}",
            speedup=round(ratio, 3),
            baseline=base_fmt.value,
            **common,
        )
    return out
