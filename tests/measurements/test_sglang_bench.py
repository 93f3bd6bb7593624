"""SGLang bench_serving: --output-file JSONL (datacrunch-research/h200-benchmarks) and the console summary
(kvcache-ai/ktransformers docs). Expected values read from the files (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Statistic
from measurements.detect import detect_format
from tests.measurements.conftest import FIXTURES, counts, one
from tests.measurements.import_tools_helpers import imp, text_of


def test_online_jsonl_rate_sweep(db_engine):
    result = imp(db_engine, "sglang", "datacrunch_h200_llama_3_3_70b_online_output.jsonl", "h200_sxm_141gb")
    assert result.detected_format == "sglang_serve_jsonl"
    assert {m.row for m in result.measurements} == set(range(1, 8))  # seven request rates, one per line
    first = [m for m in result.measurements if m.row == 1]
    out = one(first, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(537.4142851849319)
    assert (out.load, out.request_rate, out.batch) == (Load.RATE, 1.0, None)
    assert (out.input_len, out.output_len) == (509, 534)  # 152612 / 300 and 160347 / 300
    assert (out.engine, out.hardware_sku) == ("sglang", "h200_sxm_141gb")
    # the JSONL names no model; its file name (upstream: llama_3_3_70b_online_output.jsonl) does, and says so
    assert out.model_id == "llama-3.3-70b" and any("model taken from the file name" in f for f in out.flags)
    assert one(first, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(85.74514742940664)
    assert one(first, metric=Metric.ITL_MS, statistic=Statistic.MEDIAN).value == pytest.approx(13.638956006616354)
    assert one(first, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == pytest.approx(7840.616212638561)
    assert one(result.measurements, metric=Metric.OUTPUT_TOK_S, row=4).request_rate == 8.0


def test_offline_jsonl_is_max_load(db_engine):
    result = imp(db_engine, "sglang", "datacrunch_h200_llama_3_3_70b_offline_output.jsonl", "h200_sxm_141gb")
    out = one(result.measurements, metric=Metric.OUTPUT_TOK_S, row=1)
    assert out.value == pytest.approx(4520.698730654741)
    assert out.load is Load.MAX_LOAD and out.request_rate is None  # "request_rate": Infinity
    assert (out.input_len, out.output_len) == (508, 515)


def test_single_line_file_and_family_name_not_taken_as_model(db_engine):
    result = imp(db_engine, "sglang", "datacrunch_h200_deepseek_dp_mla_output.jsonl", "h200_sxm_141gb")
    assert result.detected_format == "sglang_serve_jsonl" and result.imported == 5
    out = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(12412.394674113431)
    assert out.model_id is None  # "deepseek" in the file name names no size or version: not guessed


def test_console_summary_is_sglang_not_vllm(db_engine):
    text = text_of("sglang", "ktransformers_kimi_k2_thinking_8xL20_decode_console.txt")
    assert detect_format(text) == "sglang_serve_console"
    vllm = (FIXTURES / "vllm_serve_console_pr18566.txt").read_text()
    assert detect_format(vllm) == "vllm_serve_console"  # vLLM's block has no Backend line
    result = imp(db_engine, "sglang", "ktransformers_kimi_k2_thinking_8xL20_decode_console.txt", "NVIDIA L20")
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert (out.value, out.engine, out.load, out.batch) == (45.91, "sglang", Load.MAX_LOAD, None)
    assert (out.input_len, out.output_len) == (10, 512)  # 370 / 37, 18944 / 37
    assert out.hardware_raw == "NVIDIA L20"
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == 46.80
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == 3551.87
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.P95).value == 840.06
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEDIAN).value == 412640.56


def test_console_zero_itl_is_left_out_not_rejected(db_engine):
    result = imp(db_engine, "sglang", "ktransformers_kimi_k2_thinking_8xL20_prefill_console.txt")
    assert result.rejected == [] and counts(db_engine)[0] == 1
    ttft = one(result.measurements, metric=Metric.TTFT_MS, statistic=Statistic.MEAN)
    assert ttft.value == 41316.48 and (ttft.input_len, ttft.output_len) == (1024, 1)
    assert not [m for m in result.measurements if m.metric is Metric.ITL_MS]
    assert ttft.extra["not_stored"]["mean itl_ms"] == 0.0
