"""trtllm-bench reports: TensorRT-LLM's perf-benchmarking docs (two versions), the AI-Hypercomputer/gpu-recipes A3
Ultra log, and the 0.16 latency report of the performance tuning guide ("Benchmarking Default Performance").
Expected values read from the files (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Scope, Statistic
from measurements.detect import detect_format
from measurements.service import import_file
from tests.measurements.conftest import counts, one
from tests.measurements.import_tools_helpers import imp, text_of

GPURECIPES = "gpurecipes_a3ultra_h200x8_llama31_405b_fp8_throughput_log.txt"
GUIDE_016 = "trtllm_docs_tuning_guide_llama33_70b_tp4_latency_0.16.0.txt"


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


# -- 0.16 latency report (GENERAL / THROUGHPUT / LATENCY OVERVIEW) ------------------------------------------------


def test_016_latency_report_is_detected_from_its_content():
    assert detect_format(text_of("trtllm_bench", GUIDE_016), "upload.bin") == "trtllm_bench_text"


def test_016_latency_report_figures(db_engine):
    result = imp(db_engine, "trtllm_bench", GUIDE_016, "h100_sxm5_80gb")
    assert result.detected_format == "trtllm_bench_text" and not result.rejected
    ms = result.measurements
    assert len(ms) == 5
    # "Total Token Throughput (tokens/sec): 32.2742" is output tokens / total latency (token_throughput_ns in 0.16):
    # 100 requests x 2048 output tokens / 6345.6240554 s = 32.2742; (input + output) would be 64.55
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == 32.2742 and out.scope is Scope.TOTAL
    assert not [m for m in ms if m.metric is Metric.TOTAL_TOK_S]
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == 147.7502
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.MEAN).value == 30.9274
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == 63456.0704
    gen = one(ms, metric=Metric.DECODE_TOK_S)  # "Generation Token Throughput": 2047 tokens / 63.3083 s per request
    assert gen.value == 32.3338 and gen.scope is Scope.PER_SEQ
    assert not [m for m in ms if m.metric is Metric.TPOT_MS]  # no line of the report is a TPOT


def test_016_latency_report_conditions(db_engine):
    ms = imp(db_engine, "trtllm_bench", GUIDE_016, "h100_sxm5_80gb").measurements
    for m in ms:
        assert (m.load, m.batch) == (Load.CONCURRENT, 1)  # the latency benchmark runs one request at a time
        assert (m.input_len, m.output_len, m.gpus) == (2048, 2048, 4)  # ISL/OSL 2048, TP 4 x PP 1
        assert (m.engine, m.engine_version) == ("tensorrt_llm", "0.16.0")
        assert (m.model_raw, m.model_id) == ("/scratch/Llama-3.3-70B-Instruct/", "llama-3.3-70b")
        # Quantization: None, Dtype: bfloat16, KV Cache Dtype: None
        assert (m.format_raw, m.format_id, m.kv_format) == ("bf16", "bf16", None)
        assert m.hardware_sku == "h100_sxm5_80gb"  # the report names no GPU: the hint is used
    extra = ms[0].extra
    assert (extra["requests"], extra["max_runtime_batch_size"], extra["dtype"]) == ("100", "1", "bfloat16")
    assert extra["total_latency_ms"] == 6345624.0554 and extra["request_throughput_req_s"] == 0.0158
    assert extra["generation_latency_ms"]["AVG"] == 63308.3201  # request latency minus TTFT: kept, not a metric
    assert extra["acceptance_rate"] == 1.0


def _cut_at(text: str, marker: str) -> str:
    return text[: text.index(marker)]


def test_016_truncated_copy_is_refused_with_what_is_expected(db_engine):
    text = text_of("trtllm_bench", GUIDE_016)
    cut = _cut_at(text, "= THROUGHPUT OVERVIEW")  # the copy ends after GENERAL OVERVIEW
    result = import_file(cut.encode(), "latency.txt", engine=db_engine)
    assert result.imported == 0 and result.detected_format == "trtllm_bench_text"
    (rej,) = result.rejected
    assert rej.column == "THROUGHPUT OVERVIEW"
    assert "the report stops after 'GENERAL OVERVIEW' (no THROUGHPUT OVERVIEW, LATENCY OVERVIEW section)" in rej.reason
    assert "a trtllm-bench 0.16 latency report prints GENERAL OVERVIEW" in rej.reason
    assert counts(db_engine) == (0, 0)


@pytest.mark.parametrize(
    ("line", "garbled", "column"),
    [
        ("Average inter-token latency (ms): 30.9274", "Average inter-token latency (ms): 30.9", "average inter-token"),
        ("Total Token Throughput (tokens/sec):\t  32.2742", "Total Token Throughput (tokens/sec):\t  32.27x", "total"),
    ],
)
def test_016_cut_or_edited_figure_is_refused(db_engine, line, garbled, column):
    text = text_of("trtllm_bench", GUIDE_016)
    assert line in text
    result = import_file(text.replace(line, garbled).encode(), "latency.txt", engine=db_engine)
    assert result.imported == 0
    (rej,) = result.rejected
    assert column in rej.column.lower()
    assert "expected a number with 4 decimals such as 32.2742, got" in rej.reason
    assert "the copy looks cut or edited" in rej.reason
    assert counts(db_engine) == (0, 0)


def test_016_missing_line_is_refused(db_engine):
    text = text_of("trtllm_bench", GUIDE_016)
    cut = text.replace("Average time-to-first-token (ms): 147.7502\n", "")
    result = import_file(cut.encode(), "latency.txt", engine=db_engine)
    (rej,) = result.rejected
    assert rej.column == "LATENCY OVERVIEW: average time-to-first-token (ms)"
    assert rej.reason.startswith("the line is missing: a trtllm-bench 0.16 latency report prints")


@pytest.mark.parametrize(
    ("printed", "metric", "flagged"),
    [
        ("64.5484", Metric.TOTAL_TOK_S, False),  # 100 x (2048 + 2048) / 6345.624 s: a version counting prompt tokens
        ("40.0000", Metric.OUTPUT_TOK_S, True),  # neither: the 0.16 meaning, flagged
    ],
)
def test_016_token_throughput_label_checked_against_the_counts(db_engine, printed, metric, flagged):
    text = text_of("trtllm_bench", GUIDE_016).replace(
        "Throughput (tokens/sec):\t  32.2742", f"Throughput (tokens/sec):\t  {printed}"
    )
    ms = import_file(text.encode(), "latency.txt", engine=db_engine).measurements
    m = one(ms, metric=metric)
    assert m.value == float(printed)
    assert any("'Total Token Throughput' 40 is not requests x average output length" in f for f in m.flags) is flagged
