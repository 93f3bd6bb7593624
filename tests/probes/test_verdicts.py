"""Outcome rules: baselines (fp32 on CPUs; fp32 for 16-bit and best 16-bit for 8/4-bit on GPUs), checks, peaks."""

from __future__ import annotations

import time

import pytest

from probes.bench_probe import NATIVE_SPEEDUP, FormatTiming, Timing, time_call, verdicts
from probes.report import CheckResult, FormatCheck, Outcome, ProbeFormat

F = ProbeFormat
RUNS = FormatCheck(result=CheckResult.RUNS, op="op")


def timings(**tflops: float) -> dict[ProbeFormat, FormatTiming]:
    return {F(k): FormatTiming(best=Timing(v, 0.01, "512x512x512", "m")) for k, v in tflops.items()}


def checks(**overrides: FormatCheck) -> dict[ProbeFormat, FormatCheck]:
    out = {f: RUNS for f in ProbeFormat}
    out.update({F(k): v for k, v in overrides.items()})
    return out


def test_cpu_compares_every_format_with_fp32():
    t = timings(fp32=0.1, bf16=0.4, fp16=0.003, int8=0.8, fp8_e4m3=0.12)
    fails = FormatCheck(result=CheckResult.FAILS, op="scaled_mm", reason="CPU does not support swizzle.")
    out = verdicts("cpu", checks(fp4=fails), t, {}, bench_requested=True)
    assert out[F.FP32].verdict == Outcome.MEASURED_NATIVE
    assert out[F.BF16].verdict == Outcome.MEASURED_NATIVE and out[F.BF16].reason.startswith("4.00x fp32")
    assert out[F.INT8].verdict == Outcome.MEASURED_NATIVE
    assert out[F.FP16].verdict == Outcome.RUNS_NO_SPEEDUP
    assert out[F.FP8_E4M3].verdict == Outcome.RUNS_NO_SPEEDUP  # 1.2x < 1.3x
    assert out[F.FP4].verdict == Outcome.NOT_AVAILABLE and "swizzle" in out[F.FP4].reason
    assert out[F.FP8_E5M2].verdict == Outcome.NOT_MEASURED  # runs, but no timing
    assert out[F.INT8].achieved_tflops == 0.8


def test_threshold_is_inclusive():
    out = verdicts(
        "cpu", checks(), timings(fp32=1.0, bf16=NATIVE_SPEEDUP, fp16=NATIVE_SPEEDUP - 0.01), {}, bench_requested=True
    )
    assert out[F.BF16].verdict == Outcome.MEASURED_NATIVE
    assert out[F.FP16].verdict == Outcome.RUNS_NO_SPEEDUP


def test_gpu_eight_bit_needs_a_speedup_over_the_best_sixteen_bit():
    # numbers shaped like a Hopper run: fp8 ~1.8x bf16, int8 only 1.1x bf16 (e.g. a row-major B)
    t = timings(fp32=50, bf16=700, fp16=720, fp8_e4m3=1300, int8=790)
    out = verdicts("gpu", checks(), t, {}, bench_requested=True)
    assert out[F.BF16].verdict == Outcome.MEASURED_NATIVE  # vs fp32
    assert out[F.FP8_E4M3].verdict == Outcome.MEASURED_NATIVE
    assert "best 16-bit" in out[F.FP8_E4M3].reason and "720.000" in out[F.FP8_E4M3].reason
    assert out[F.INT8].verdict == Outcome.RUNS_NO_SPEEDUP


def test_fraction_of_peak_uses_the_catalog_peak():
    peaks = {F.BF16: 989.5, F.FP32: 67.0, F.FP4: None}
    out = verdicts("gpu", checks(), timings(fp32=50, bf16=742.125), peaks, bench_requested=True)
    assert out[F.BF16].peak_tflops == 989.5
    assert out[F.BF16].fraction_of_peak == pytest.approx(0.75, abs=1e-4)
    assert out[F.FP4].fraction_of_peak is None and out[F.FP4].peak_tflops is None


def test_without_bench_nothing_is_timed():
    out = verdicts("cpu", checks(), {}, {}, bench_requested=False)
    assert {r.verdict for r in out.values()} == {Outcome.NOT_MEASURED}
    assert "--bench" in out[F.BF16].reason


def test_missing_baseline_is_not_a_verdict():
    out = verdicts("cpu", checks(), timings(bf16=0.4), {}, bench_requested=True)
    assert out[F.BF16].verdict == Outcome.NOT_MEASURED
    assert out[F.BF16].achieved_tflops == 0.4


def test_time_call_takes_the_median_and_respects_the_deadline():
    calls = []

    def run():
        calls.append(1)
        time.sleep(0.002)

    per_call, single = time_call(run, lambda: None, deadline=time.perf_counter() + 5, min_sample_s=0.01, samples=3)
    assert 0.0015 < per_call < 0.05 and 0.0015 < single < 0.05
    assert len(calls) >= 2 + 3 * 4  # warm-up, single, 3 samples of >= 5 calls
    calls.clear()
    time_call(run, lambda: None, deadline=time.perf_counter() - 1, min_sample_s=0.01, samples=5)
    assert len(calls) <= 2 + 5  # one sample only once past the deadline


def test_paired_speedup_decides_over_the_ratio_of_best_timings():
    """A busy host can make bf16's best timing look slower than fp32's; the paired ratio wins."""
    from probes.bench_probe import PairedRatio

    t = timings(fp32=0.114, bf16=0.067, fp16=0.0016)
    paired = {
        F.BF16: PairedRatio(2.28, F.FP32, 512, 5, "1 thread"),
        F.FP16: PairedRatio(0.02, F.FP32, 512, 4, "1 thread"),
    }
    out = verdicts("cpu", checks(), t, {}, bench_requested=True, paired=paired)
    assert out[F.BF16].verdict == Outcome.MEASURED_NATIVE
    assert (out[F.BF16].speedup, out[F.BF16].baseline) == (2.28, "fp32")
    assert "512^3, 1 thread, median of 5 alternating pairs" in out[F.BF16].reason
    assert out[F.BF16].achieved_tflops == 0.067  # the figure itself is what was timed
    assert out[F.FP16].verdict == Outcome.RUNS_NO_SPEEDUP


def test_gpu_baseline_is_the_faster_sixteen_bit_format():
    out = verdicts("gpu", checks(), timings(fp32=50, bf16=700, fp16=720, int8=1400), {}, bench_requested=True)
    assert out[F.INT8].baseline == "fp16" and out[F.INT8].speedup == pytest.approx(1400 / 720, abs=1e-3)
    assert out[F.BF16].baseline == "fp32" and out[F.BF16].speedup == 14.0


def test_time_format_skips_a_failed_variant_and_respects_the_time_box(monkeypatch):
    from probes import bench_probe
    from probes.torch_probe import Matmul

    built: list[tuple[int, str]] = []

    def fake_make(torch, fmt, device, m, n, k, variant="default", **_):
        built.append((m, variant))
        if variant == "bad":
            raise RuntimeError("no kernel for this layout")
        cost = 1e-4 * (m / 256) ** 3  # cubic in size like a GEMM
        return Matmul(fmt, lambda: time.sleep(cost), "fake", m, n, k)

    monkeypatch.setattr(bench_probe, "make_matmul", fake_make)
    plan = bench_probe.BenchPlan(
        sizes=(256, 512, 1024, 2048), per_format_s=0.3, min_sample_s=0.001, copy_bytes=0, bandwidth_s=0, pair_size=None
    )
    result = bench_probe.time_format(
        None, F.BF16, "cpu", plan, time.perf_counter() + 10, lambda _m: None, options=("bad", "good")
    )
    assert [v for _, v in built].count("bad") == 1  # tried once, at the first size
    assert result.errors == ["bad at 256: RuntimeError: no kernel for this layout"]
    assert result.best is not None and result.best.variant == "good"
    # 2048^3 would cost 0.05 s per call x 7 = 0.36 s > what is left of the 0.3 s box: the ladder stops
    assert max(m for m, _ in built) <= 1024
    assert result.stopped.startswith("stopped at")
