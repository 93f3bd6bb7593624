"""bench/gpu_check.py: its acceptance logic (CPU), and the real check on a CUDA GPU (marker ``gpu``)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from probes.report import load_report
from tests.probes.test_report import RECORDED

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "gpu_check.py"


def _module():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _hopper_like_report():
    """The recorded report with its device relabelled as a matched H100 (to drive the checks, not a measurement)."""
    data = json.loads(RECORDED.read_text())
    dev = data["devices"][0]
    dev["match"] = {"sku_id": "h100_sxm5_80gb", "architecture_id": "nvidia_hopper", "method": "name", "note": "test"}
    dev["formats"]["fp8_e4m3"].update(verdict="measured_native", achieved_tflops=1200.0)
    dev["formats"]["int8"].update(verdict="measured_native", achieved_tflops=1100.0)
    dev["formats"]["bf16"].update(verdict="measured_native", achieved_tflops=700.0)
    return load_report(data)


def test_evaluate_passes_and_fails_on_the_eighty_percent_line():
    gc = _module()
    report = _hopper_like_report()
    points = [
        gc.SweepPoint("bf16", 8192, 8192, 8192, "A row, B col", 720.0),
        gc.SweepPoint("fp8_e4m3", 8192, 8192, 8192, "fast", 1600.0),  # probe 1200 = 75% -> fail
        gc.SweepPoint("int8", 8192, 8192, 8192, "B col-major", 1300.0),
        gc.SweepPoint("int8", 8192, 8192, 8192, "B row-major", 190.0),
        gc.SweepPoint("int8", 4096, 4096, 4096, "B row-major", None, "error"),
    ]
    checks, figures = gc.evaluate(report, "cpu", points)
    by_name = {c["check"]: c["passed"] for c in checks}
    assert by_name == {
        "SKU identified": True,
        "fp8_e4m3 measured_native": True,
        "int8 measured_native": True,
        "fp4 not_available (Hopper)": True,
        "bf16 probe >= 80% of sweep best": True,
        "fp8_e4m3 probe >= 80% of sweep best": False,
        "int8 probe >= 80% of sweep best": True,
    }
    assert figures["fp8_e4m3"]["probe_over_sweep"] == pytest.approx(0.75)
    assert figures["int8"]["sweep_best"] == "8192x8192x8192 B col-major"
    md = gc.markdown(
        {
            "device_name": "x",
            "sku_id": "h100_sxm5_80gb",
            "created_at": "now",
            "torch_version": "t",
            "cuda_runtime": "c",
            "driver_version": "d",
            "probe_elapsed_s": 1.0,
            "sweep_elapsed_s": 2.0,
            "checks": checks,
            "figures": figures,
            "verdicts": {k: v.model_dump(mode="json") for k, v in report.devices[0].formats.items()},
        }
    )
    assert "| fp8_e4m3 probe >= 80% of sweep best | FAIL |" in md


def test_sweep_calls_run_on_this_torch_build():
    # the sweep's own torch calls (every layout and scale option) must be valid for the pinned torch API
    torch = pytest.importorskip("torch")
    gc = _module()
    ran = []

    def once(torch, device, fn, flops, deadline):  # one call instead of timed samples: the calls are under test
        ran.append(tuple(fn().shape))
        return 1.0

    gc._time = once
    points = gc.sweep(torch, "cpu", ((64, 32, 128),), 60.0, lambda _msg: None)
    assert set(ran) == {(64, 32)}
    failed = [(p.fmt, p.layout, p.error) for p in points if p.tflops is None]
    assert not failed
    layouts = {(p.fmt, p.layout) for p in points}
    assert len(layouts) == len(points) == 4 + 5 + 2  # bf16: 4 layouts, fp8: 4 tensor-wise + 1 row-wise, int8: 2
    assert ("fp8_e4m3", "row-wise scales, bfloat16 out, fast_accum=True") in layouts
    assert all((p.m, p.n, p.k) == (64, 32, 128) for p in points)


@pytest.mark.gpu
def test_gpu_check_on_this_gpu(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    result = _module().run_check("cuda:0", out_dir=tmp_path)
    failed = [c for c in result["checks"] if not c["passed"]]
    assert not failed, json.dumps(failed, indent=1)
