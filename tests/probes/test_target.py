"""Probe report -> advisor targets."""

from __future__ import annotations

from probes.report import load_report
from probes.target import report_to_targets
from tests.probes.test_report import RECORDED


def test_recorded_cpu_report_to_target():
    report = load_report(RECORDED.read_text())
    (cpu,) = report_to_targets(report)
    device = report.device("cpu")
    assert cpu.device_id == "cpu" and cpu.kind == "cpu"
    assert cpu.architecture_id == "amd_zen4" and cpu.sku_id is None
    assert cpu.memory_total_bytes == device.memory_total_bytes
    assert set(cpu.measured_tflops) == {"fp32", "bf16", "fp16", "int8", "fp8"}
    assert cpu.measured_tflops["bf16"] == device.formats["bf16"].achieved_tflops
    assert cpu.measured_tflops["fp8"] == device.formats["fp8_e4m3"].achieved_tflops  # e4m3 stands for fp8
    assert cpu.verdicts["fp4"] == "not_available"
    assert "bf16" in cpu.native_formats and "int8" in cpu.native_formats and "fp16" not in cpu.native_formats
    assert cpu.memory_bandwidth_gbps == device.memory_bandwidth_gbps
    assert "amd_zen4" in cpu.label


def test_fp8_falls_back_to_e5m2_when_e4m3_was_not_timed():
    data = load_report(RECORDED.read_text()).model_dump(mode="json")
    formats = data["devices"][0]["formats"]
    formats["fp8_e4m3"] = {"verdict": "not_measured", "reason": "out of time"}
    (cpu,) = report_to_targets(load_report(data))
    assert cpu.measured_tflops["fp8"] == formats["fp8_e5m2"]["achieved_tflops"]
    assert cpu.verdicts["fp8"] == formats["fp8_e5m2"]["verdict"]
