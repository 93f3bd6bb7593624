"""llama-bench Markdown as teams publish it: inside console logs, with the devices the backend printed, several runs
per log, alignment separators (``-:``), extra columns, ``@ d`` depths, MoE sizes (``122B.A10B``, ``?B``), and a
bits-per-weight check of the format label. Every file is a real published log (tests/fixtures/benchmarks/SOURCES.md);
the expected values were read from the files."""

from __future__ import annotations

import pytest

from advisor.measurement import Metric
from measurements.detect import detect_format
from measurements.service import import_file, list_measurements
from tests.measurements.conftest import one


def _import(db_engine, fixtures, name, **kw):
    result = import_file((fixtures / name).read_bytes(), name, engine=db_engine, **kw)
    assert result.detected_format == "llama_bench_md", result.message
    assert result.rejected == []
    return result


def test_rocm_log_device_line_depth_and_moe_size(db_engine, fixtures):
    """ROCm ``Device 0: AMD Radeon 8060S Graphics, gfx1151`` above a table with n_ubatch/fa/mmap columns and
    ``-:`` separators; ``qwen35moe 122B.A10B`` size; ``pp2048 @ d32768``."""
    result = _import(db_engine, fixtures, "strixhalo_rocm723_qwen35_122b_a10b_q5km_depth32768.log")
    stored = list_measurements(db_engine, upload_id=result.upload_id)
    assert len(stored) == 2
    pp = one(stored, metric=Metric.PREFILL_TOK_S)
    tg = one(stored, metric=Metric.DECODE_TOK_S)
    assert (pp.value, pp.stddev, pp.input_len, pp.output_len, pp.context_depth) == (276.15, 4.08, 2048, 0, 32768)
    assert (tg.value, tg.stddev, tg.input_len, tg.output_len, tg.context_depth) == (17.73, 0.08, 0, 32, 32768)
    for m in (pp, tg):
        assert (m.hardware_raw, m.hardware_sku, m.gpus) == ("AMD Radeon 8060S Graphics", "ryzen_ai_max_395", 1)
        assert (m.engine, m.backend, m.engine_version) == ("llama_cpp", "rocm", "b9193 (1a68ec937)")
        assert (m.format_raw, m.format_id) == ("Q5_K - Medium", "gguf_q5_k_m")
        assert m.params_b == pytest.approx(122.11)
        assert m.model_size_gib == pytest.approx(85.60)
        assert m.extra["n_ubatch"] == "2048" and m.extra["fa"] == "1" and m.extra["mmap"] == "0"
        # 85.60 GiB for 122.11 B parameters = 6.02 bits per weight: within the tolerance of Q5_K_M (5.70)
        assert not any("disagrees" in f for f in m.flags)


def test_vulkan_log_device_name_without_driver_suffixes(db_engine, fixtures):
    result = _import(db_engine, fixtures, "strixhalo_vulkan_radv_gptoss120b_mxfp4_depth32768.log")
    pp = one(result.measurements, metric=Metric.PREFILL_TOK_S)
    # "ggml_vulkan: 0 = AMD Radeon 8060S Graphics (RADV GFX1151) (radv) | uma: 1 | ..."
    assert (pp.hardware_raw, pp.hardware_sku, pp.backend) == ("AMD Radeon 8060S Graphics", "ryzen_ai_max_395", "vulkan")
    assert (pp.model_id, pp.format_raw, pp.format_id) == ("gpt-oss-120b", "MXFP4 MoE", "gguf_mxfp4")
    assert (pp.value, pp.context_depth) == (307.50, 32768)
    assert pp.flags == ()


def test_console_log_with_three_runs_takes_each_runs_devices_and_build(db_engine, fixtures):
    """One log, three llama-bench runs: GPU 0 only, GPU 1 only, then both (two ``ggml_vulkan:`` device lines)."""
    result = _import(db_engine, fixtures, "vulkan_rx7900xtx_dual_llama2_7b_q4_0_20251211_074700_log.txt")
    assert result.imported == 12
    rows = {(m.row, m.metric): m for m in result.measurements}
    first, dual = rows[(39, Metric.PREFILL_TOK_S)], rows[(64, Metric.PREFILL_TOK_S)]
    assert (first.value, first.stddev, first.gpus) == (758.55, 12.18, 1)
    assert (dual.value, dual.stddev, dual.gpus) == (1898.68, 8.87, 2)
    assert rows[(67, Metric.DECODE_TOK_S)].value == 105.00
    for m in result.measurements:
        assert (m.hardware_raw, m.hardware_sku) == ("AMD Radeon RX 7900 XTX", "rx_7900_xtx")
        assert (m.format_raw, m.format_id, m.model_id) == ("Q4_0", "gguf_q4_0", "llama-2-7b")
        assert m.engine_version == "b7356 (34ce48d97)"
        assert m.extra["n_batch"] == "256"
    assert {m.extra["fa"] for m in result.measurements} == {"0", "1"}


def test_nvidia_smi_header_names_the_device_and_other_tools_tables_are_left_out(db_engine, fixtures):
    """A results page with an nvidia-smi block, llama-batched-bench tables and llama-bench tables: only the
    llama-bench rows are read; ``NVIDIA GB10`` comes from nvidia-smi."""
    result = _import(db_engine, fixtures, "llama_cpp_benches_dgx_spark_nvidia_smi.md")
    assert result.imported == 60  # 6 models x 10 llama-bench rows; the batched-bench rows are not llama-bench
    assert {m.hardware_raw for m in result.measurements} == {"NVIDIA GB10"}
    assert {m.hardware_sku for m in result.measurements} == {"dgx_spark_gb10"}
    m = one(result.measurements, row=72)
    assert (m.metric, m.value, m.stddev, m.output_len, m.context_depth) == (Metric.DECODE_TOK_S, 75.22, 1.05, 32, 8192)
    assert (m.model_id, m.format_id, m.engine_version) == ("gpt-oss-20b", "gguf_mxfp4", "b7941 (11fb327bf)")
    assert m.extra["dio"] == "1"


def test_cuda_device_line_and_backslash_continued_command(db_engine, fixtures):
    """``Device 0: NVIDIA RTX A6000, compute capability 8.6``; the table mixes three models, so the one
    ``llama-bench --model FILE`` command above it is not taken as the model of every row."""
    result = _import(db_engine, fixtures, "ik_llama_d258_a6000_cuda_device_md.txt")
    assert result.imported == 12
    assert {(m.hardware_raw, m.hardware_sku) for m in result.measurements} == {("NVIDIA RTX A6000", "rtx_a6000")}
    first = one(result.measurements, row=39)
    assert (first.metric, first.value, first.model_raw) == (
        Metric.PREFILL_TOK_S,
        69.85,
        "DS-R1 671B unsloth  UD-Q2_K_XL",
    )
    # a type llama.cpp does not print (a fork's label): kept, flagged with the file's own bits per weight
    assert first.format_id is None
    assert "format not in catalog: 'unsloth  UD-Q2_K_XL' (kept; the file is 2.70 bits per weight)" in first.flags
    assert "2.70 bits per weight" in first.notes


def test_label_that_disagrees_with_the_files_bits_per_weight_is_flagged(db_engine, fixtures):
    """``gpt-oss ?B F16`` at 60.87 GiB for 116.83 B parameters is 4.48 bits per weight, not 16: unmapped, flagged,
    kept with its real size; the ``llama-bench -m .../gpt-oss-120b-F16.gguf`` command names the model."""
    result = _import(db_engine, fixtures, "lhl_rpc_vulkan_gptoss120b_qB_f16_console.txt")
    pp = one(result.measurements, metric=Metric.PREFILL_TOK_S)
    assert (pp.value, pp.stddev) == (404.67, 3.65)
    assert (pp.format_raw, pp.format_id) == ("F16", None)
    assert (pp.model_raw, pp.model_id) == ("/models/gguf/gpt-oss-120b-F16.gguf", "gpt-oss-120b")
    assert pp.model_size_gib == pytest.approx(60.87) and pp.params_b == pytest.approx(116.83)
    assert (
        "format label 'F16' (fp16, 16 bits per weight) disagrees with the file (4.48 bits per weight): "
        "format left unmapped" in pp.flags
    )
    assert any(f.startswith("RPC backend") for f in pp.flags)
    assert (pp.hardware_raw, pp.hardware_sku) == ("Radeon 8060S Graphics", "ryzen_ai_max_395")


def test_the_file_names_the_device_so_the_hint_is_not_used(db_engine, fixtures):
    result = _import(db_engine, fixtures, "strixhalo_rocm644_rpc_glm46_355b_a32b.log", hardware_hint="rtx_4090")
    m = one(result.measurements, metric=Metric.DECODE_TOK_S)
    assert (m.hardware_raw, m.hardware_sku, m.value) == ("Radeon 8060S Graphics", "ryzen_ai_max_395", 8.78)
    assert "the file names the device 'Radeon 8060S Graphics': the hardware hint 'rtx_4090' was not used" in m.flags
    assert m.params_b == pytest.approx(356.79) and m.format_id == "gguf_q4_k_m"


def test_the_hint_fills_in_when_the_file_names_no_device(db_engine, fixtures):
    result = _import(db_engine, fixtures, "llama_bench_depth.md", hardware_hint="rtx_4090")
    assert {m.hardware_sku for m in result.measurements} == {"rtx_4090"}


def test_unknown_device_is_kept_verbatim_and_flagged(db_engine, fixtures):
    text = (fixtures / "strixhalo_vulkan_radv_gptoss120b_mxfp4_depth32768.log").read_text()
    text = text.replace("AMD Radeon 8060S Graphics (RADV GFX1151)", "Acme NPU 9000 (RADV X)")
    result = import_file(text.encode(), "edited.log", engine=db_engine)
    m = result.measurements[0]
    assert (m.hardware_raw, m.hardware_sku) == ("Acme NPU 9000", None)
    assert "hardware not in catalog: 'Acme NPU 9000' (kept as given)" in m.flags


def test_log_detection_finds_a_table_below_other_output(fixtures):
    for name in ("llama_cpp_benches_dgx_spark_nvidia_smi.md", "lhl_rpc_vulkan_gptoss120b_qB_f16_console.txt"):
        assert detect_format((fixtures / name).read_text(), name) == "llama_bench_md"
