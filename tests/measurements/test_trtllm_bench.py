"""trtllm-bench throughput reports: TensorRT-LLM's perf-benchmarking docs (two versions) and the
AI-Hypercomputer/gpu-recipes A3 Ultra log. Expected values read from the files (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

from advisor.measurement import Load, Metric, Scope, Statistic
from measurements.detect import detect_format
from tests.measurements.conftest import one
from tests.measurements.import_tools_helpers import imp, text_of

GPURECIPES = "gpurecipes_a3ultra_h200x8_llama31_405b_fp8_throughput_log.txt"


def test_h200x8_405b_fp8_log(db_engine):
    result = imp(db_engine, "trtllm_bench", GPURECIPES, "h200_sxm_141gb")
    assert result.detected_format == "trtllm_bench_text"
    m = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert m.value == 3914.4509  # "Token Throughput (tokens/sec)": 30000 x 128 tokens / 980.98 s
    assert (m.model_id, m.format_id, m.kv_format) == ("llama-3.1-405b", "fp8_w8a8", "kv_fp8")
    assert (m.engine, m.engine_version, m.gpus) == ("tensorrt_llm", "0.17.0.post1", 8)
    assert (m.load, m.batch, m.input_len, m.output_len) == (Load.MAX_LOAD, None, 128, 128)
    assert m.hardware_sku == "h200_sxm_141gb"


def test_docs_llama31_8b_fp8(db_engine):
    result = imp(db_engine, "trtllm_bench", "trtllm_docs_perf_benchmarking_llama31_8b_fp8_throughput_0.17.0.txt")
    m = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert m.value == 28390.4265
    assert (m.model_id, m.format_id, m.engine_version, m.gpus) == ("llama-3.1-8b", "fp8_w8a8", "0.17.0", 1)
    assert m.extra["requests"] == "3000"


def test_pytorch_report_with_per_user_and_per_gpu(db_engine):
    name = "trtllm_docs_perf_benchmarking_qwen2vl_2b_pytorch_throughput_sample_output.txt"
    ms = imp(db_engine, "trtllm_bench", name).measurements
    assert one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.TOTAL).value == 185.8351
    assert one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.PER_SEQ).value == 38.1959
    assert one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.PER_GPU).value == 185.8351
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == 780.1607
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == 3671.8441
    p99 = one(ms, metric=Metric.E2E_MS, statistic=Statistic.P99)
    assert p99.value == 5514.4701 and (p99.input_len, p99.output_len) == (412, 129)  # 411.6 and 128.7
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEDIAN).value == 3936.3022


def test_log_starting_with_a_bracket_is_read_as_text():
    text = text_of("trtllm_bench", GPURECIPES)
    tail = text[text.index("[TensorRT-LLM] TensorRT-LLM version: 0.17.0.post1") :]
    assert tail.startswith("[") and detect_format(tail) == "trtllm_bench_text"
