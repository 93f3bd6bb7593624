"""optimum-benchmark: the benchmark.json, benchmark_report.json and benchmark_config.json committed with
huggingface/optimum-benchmark PR 287 (py-txi / TEI, BAAI/bge-base-en-v1.5, batch 64 x 128 tokens), and two
benchmark.json of DerekLiu35/huggingface-quantization-benchmarking-code (PyTorch backend: Llama 3.1 8B AWQ INT4 on
an A100, Llama 3.1 70B FBGEMM FP8 on an H100). Expected values read from the files
(tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Statistic
from measurements.service import import_file
from tests.measurements.conftest import counts, one
from tests.measurements.import_tools_helpers import IMPORTS, imp


def test_benchmark_json_forward_run(db_engine):
    result = imp(db_engine, "optimum_benchmark", "pytxi_bge_t4_pr287_benchmark.json", "t4")
    assert result.detected_format == "optimum_benchmark_json"
    m = one(result.measurements, metric=Metric.PREFILL_TOK_S)
    assert m.value == pytest.approx(5.648934083819028 * 128)  # forward samples/s x sequence_length
    assert any(f.startswith("prefill tok/s = forward 5.64893 samples/s") for f in m.flags)
    assert (m.load, m.batch, m.input_len) == (Load.STATIC, 64, 128)
    # the backend ran on device "cpu": the environment's CPU is the hardware (the file names it: the hint is not used)
    assert m.hardware_raw == "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz" and m.hardware_sku is None
    assert any("hardware hint 't4' was not used" in f for f in m.flags)
    assert (m.model_raw, m.engine, m.engine_version) == ("BAAI/bge-base-en-v1.5", "tei", "0.10.0")


def test_report_alone_and_config_are_refused_with_reasons(db_engine):
    report = imp(db_engine, "optimum_benchmark", "pytxi_bge_t4_pr287_benchmark_report.json")
    assert report.imported == 0 and "needs the sequence length from the config" in report.rejected[0].reason
    config = imp(db_engine, "optimum_benchmark", "pytxi_bge_t4_pr287_benchmark_config.json")
    assert config.imported == 0 and "benchmark_config.json: it holds the settings but no results" in config.message
    assert counts(db_engine) == (0, 0)


# -- DerekLiu35/huggingface-quantization-benchmarking-code: PyTorch backend, text generation, batch 1, 64 + 64 tokens --
AWQ = "derekliu_a100_llama31_8b_awq_int4_benchmark.json"
FP8 = "derekliu_h100_llama31_70b_fbgemm_fp8_benchmark.json"


def test_awq_int4_a100_figures(db_engine):
    result = imp(db_engine, "optimum_benchmark", AWQ)
    assert result.detected_format == "optimum_benchmark_json" and not result.rejected
    ms = result.measurements
    # prefill.throughput is 30.819099899209892 samples/s (one 64-token sequence per sample): x 64 = tokens/s
    prefill = one(ms, metric=Metric.PREFILL_TOK_S)
    assert prefill.value == 30.819099899209892 * 64
    assert "prefill tok/s = prefill 30.8191 samples/s x sequence_length 64" in prefill.flags
    assert one(ms, metric=Metric.DECODE_TOK_S).value == 43.089241533217766  # decode.throughput, tokens/s
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == pytest.approx(0.03244741096496582e3)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(0.023141376495361327e3)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.P99).value == pytest.approx(0.03272397735595703e3)
    # memory: max_allocated of load_model 7372.498432 MB > decode 6813.98784 > prefill 6809.907712
    mem = one(ms, metric=Metric.MEMORY_GB)
    assert mem.value == pytest.approx(7.372498432)
    assert (mem.extra["memory_stage"], mem.extra["memory_counter"]) == ("load_model", "max_allocated")
    assert mem.extra["max_allocated_mb"] == {"load_model": 7372.498432, "prefill": 6809.907712, "decode": 6813.98784}
    assert "memory = peak max_allocated over stages, from load_model" in mem.notes


def test_awq_int4_a100_conditions_device_and_format(db_engine):
    ms = imp(db_engine, "optimum_benchmark", AWQ).measurements
    assert len(ms) == 13  # prefill tok/s, 5 TTFT, decode tok/s, 5 TPOT, memory
    for m in ms:
        assert (m.load, m.batch, m.input_len, m.output_len, m.gpus) == (Load.STATIC, 1, 64, 64, 1)
        # environment.gpu lists 4 A100s and an "NVIDIA DGX Display"; device_ids "1" picks entry 1
        assert (m.hardware_raw, m.hardware_sku) == ("NVIDIA A100-SXM4-80GB", "a100_sxm4_80gb")
        assert (m.engine, m.engine_version) == ("transformers", "4.47.1")  # not the backend version 2.4.1 (torch)
        assert m.extra["torch_version"] == "2.4.1"
        assert (m.model_raw, m.model_id) == ("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "llama-3.1-8b")
        assert (m.format_raw, m.format_id) == ("awq", "int4_awq_w4a16")  # quantization_config.bits 4
    assert not any("hardware" in f or "format" in f or "model" in f for f in ms[0].flags)


def test_fbgemm_fp8_h100_figures_and_conditions(db_engine):
    ms = imp(db_engine, "optimum_benchmark", FP8).measurements
    assert len(ms) == 13
    assert one(ms, metric=Metric.PREFILL_TOK_S).value == 13.370607792522671 * 64
    assert one(ms, metric=Metric.DECODE_TOK_S).value == 13.606697206578517
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.P90).value == pytest.approx(0.07514130554199218e3)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEAN).value == pytest.approx(0.07366977830544497e3)
    mem = one(ms, metric=Metric.MEMORY_GB)  # decode 72763.976704 MB > prefill 72753.295872 > load 72683.528704
    assert mem.value == pytest.approx(72.763976704) and mem.extra["memory_stage"] == "decode"
    m = ms[0]
    assert (m.hardware_raw, m.hardware_sku) == ("NVIDIA H100 80GB HBM3", "h100_sxm5_80gb")
    assert (m.engine, m.engine_version) == ("transformers", "4.50.0")
    assert (m.model_raw, m.model_id) == ("meta-llama/Llama-3.1-70B-Instruct", "llama-3.1-70b")
    assert (m.format_raw, m.format_id) == ("fbgemm_fp8", "fp8_w8a8")
    assert (m.batch, m.input_len, m.output_len, m.gpus) == (1, 64, 64, 1)


def test_truncated_copy_is_refused(db_engine):
    data = (IMPORTS / "optimum_benchmark" / AWQ).read_bytes()
    result = import_file(data[: len(data) // 2], AWQ, engine=db_engine)
    assert result.imported == 0
    assert "the JSON ends too early (line " in result.message and "the file looks truncated" in result.message
    assert counts(db_engine) == (0, 0)


def _edited(name: str, old: str, new: str) -> bytes:
    text = (IMPORTS / "optimum_benchmark" / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new).encode()


@pytest.mark.parametrize(
    ("old", "new", "column", "reason"),
    [
        (
            '"unit": "samples/s"',
            '"unit": "samples/sec"',
            "prefill.throughput",
            "unit 'samples/sec' not understood (accepted: tokens/s, or samples/s (one sequence each: "
            "x input_shapes.sequence_length))",
        ),
        (
            '"value": 30.819099899209892',
            '"value": "30.8x"',
            "prefill.throughput",
            "expected a number as value, got '30.8x'",
        ),
        ('"device_ids": "1"', '"device_ids": "1;2"', "backend.device_ids", "expected GPU indices such as '0' or"),
    ],
)
def test_garbled_copy_is_refused_with_what_is_accepted(db_engine, old, new, column, reason):
    result = import_file(_edited(AWQ, old, new), AWQ, engine=db_engine)
    assert result.imported == 0
    (rej,) = result.rejected
    assert rej.column == column and reason in rej.reason
    assert counts(db_engine) == (0, 0)


def test_device_id_outside_the_gpu_list_is_flagged_not_guessed(db_engine):
    result = import_file(_edited(AWQ, '"device_ids": "1"', '"device_ids": "7"'), AWQ, engine=db_engine)
    m = one(result.measurements, metric=Metric.DECODE_TOK_S)
    assert m.hardware_sku is None and m.hardware_raw == ""
    assert "device_ids [7] are not in the environment's GPU list (5 entries): none taken" in m.flags


def test_quantization_bits_that_disagree_leave_the_format_unmapped(db_engine):
    result = import_file(_edited(AWQ, '"bits": 4', '"bits": 3'), AWQ, engine=db_engine)
    m = one(result.measurements, metric=Metric.DECODE_TOK_S)
    assert (m.format_raw, m.format_id) == ("awq_3bit", None)
    assert any("quantization_config.bits 3: the catalog's int4_awq_w4a16 is 4-bit" in f for f in m.flags)
