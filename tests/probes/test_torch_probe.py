"""Functional checks and matmul builders on the CPU build of torch."""

from __future__ import annotations

import pytest

from probes import torch_probe
from probes.report import CheckResult, ProbeFormat

torch = pytest.importorskip("torch")


def test_cpu_checks_on_this_build():
    checks = torch_probe.check_formats(torch, "cpu")
    assert set(checks) == set(ProbeFormat)
    for fmt in (ProbeFormat.FP32, ProbeFormat.BF16, ProbeFormat.INT8):
        assert checks[fmt].result == CheckResult.RUNS, checks[fmt].reason
    assert checks[ProbeFormat.INT8].op == "torch._int_mm, B column-major"
    assert checks[ProbeFormat.FP8_E5M2].result == CheckResult.RUNS, checks[ProbeFormat.FP8_E5M2].reason
    fp4 = checks[ProbeFormat.FP4]
    # torch 2.13 (pinned exactly) on CPU: block-scaled FP4 is GPU-only; every variant is tried and named
    assert fp4.result == CheckResult.FAILS
    assert [part.split(":")[0] for part in fp4.reason.split("; ")] == ["nvfp4", "nvfp4_global", "mxfp4"]


def test_wrong_results_fail_the_check(monkeypatch):
    real = torch_probe.make_matmul

    def off_by_one(*args, **kwargs):
        mm = real(*args, **kwargs)
        return torch_probe.Matmul(mm.fmt, lambda: mm.run() + 1, mm.method, mm.m, mm.n, mm.k)

    monkeypatch.setattr(torch_probe, "make_matmul", off_by_one)
    check = torch_probe.check_format(torch, ProbeFormat.BF16, "cpu")
    assert check.result == CheckResult.FAILS
    assert "wrong result (max abs error 1" in check.reason


def test_int8_ao_fallback_builds_and_runs():
    mm = torch_probe.make_matmul(torch, ProbeFormat.INT8, "cpu", 128, 64, 256, "ao_quantized_linear")
    assert tuple(mm.run().shape) == (128, 64)
    assert mm.flops == 2 * 128 * 64 * 256


def test_int_mm_right_hand_side_is_column_major():
    seen = {}
    real = torch._int_mm

    def spy(a, b):
        seen["b_strides"] = b.stride()
        return real(a, b)

    mm = torch_probe.make_matmul(torch, ProbeFormat.INT8, "cpu", 64, 32, 128)
    try:
        torch._int_mm = spy
        mm.run()
    finally:
        torch._int_mm = real
    assert seen["b_strides"] == (1, 128)  # K x N stored column-major: stride 1 along K


def test_fp8_e5m2_pairs_with_an_e4m3_right_hand_side(monkeypatch):
    # cuBLASLt has no E5M2 x E5M2 kernel (torch raises on CUDA), so the E5M2 probe must not ask for one
    seen = {}
    real = torch._scaled_mm

    def spy(a, b, **kwargs):
        seen["dtypes"] = (a.dtype, b.dtype)
        seen["b_strides"] = b.stride()
        return real(a, b, **kwargs)

    monkeypatch.setattr(torch, "_scaled_mm", spy)
    e5m2 = torch_probe.make_matmul(torch, ProbeFormat.FP8_E5M2, "cpu", 32, 64, 128)
    e5m2.run()
    assert seen["dtypes"] == (torch.float8_e5m2, torch.float8_e4m3fn)
    assert seen["b_strides"] == (1, 128)
    assert e5m2.method.startswith("torch._scaled_mm E5M2 x E4M3")
    torch_probe.make_matmul(torch, ProbeFormat.FP8_E4M3, "cpu", 32, 64, 128).run()
    assert seen["dtypes"] == (torch.float8_e4m3fn, torch.float8_e4m3fn)


@pytest.mark.parametrize("fmt", [f for f in ProbeFormat if f != ProbeFormat.FP4])
def test_gpu_variants_build_and_compute_exactly_with_cpu_tensors(fmt):
    # the calls the probe makes on a CUDA device ("nt", "fast_accum"...), run here on CPU tensors
    a32 = torch.randint(-2, 3, (128, 128), dtype=torch.float32)
    b32 = torch.randint(-2, 3, (128, 128), dtype=torch.float32)
    for variant in torch_probe.variants(fmt, "cuda:0"):
        mm = torch_probe.make_matmul(torch, fmt, "cpu", 128, 128, 128, variant, a32=a32, b32=b32)
        assert torch.equal(mm.run().float(), a32 @ b32), (fmt, variant)


def test_torch_info_on_cpu_build():
    info = torch_probe.collect_torch(torch)
    assert info.status == "ok"
    assert info.torch_version == str(torch.__version__)
    assert info.cuda_available in (True, False) and info.num_threads >= 1


def test_no_torch_info():
    info = torch_probe.collect_torch(None, "torch is not installed (x)")
    assert info.status == "unavailable" and info.reason == "torch is not installed (x)"
