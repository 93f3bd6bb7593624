"""vLLM benchmarks/benchmark_serving.py --save-result JSON in the late-2024 key layout (vLLM 0.6.3.post2.dev308:
``date`` first, ``best_of``, ``total_token_throughput`` and ``std_*`` present, no ``input_throughput``,
``burstiness`` or ``max_concurrency``; the per-request ``input_lens`` / ``ttfts`` / ``itls`` / ``generated_texts``
lists kept): dstack's 8x H100 SXM5 run of Llama-3.1-405B-FP8 at 16 req/s (dstackai/benchmarks; the vLLM version
and GPUs are in that comparison's README). Expected values read from the file (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Statistic
from measurements.detect import detect_format
from tests.measurements.conftest import one
from tests.measurements.import_tools_helpers import imp, text_of

NAME = "dstack_8xh100_llama31_405b_fp8_vllm0.6.3_qps16_save_result.json"


def test_late_2024_save_result_layout(db_engine):
    assert detect_format(text_of("vllm_serve", NAME), "upload.bin") == "vllm_serve_json"
    result = imp(db_engine, "vllm_serve", NAME, "h100_sxm5_80gb")
    assert result.detected_format == "vllm_serve_json" and result.rejected == []
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(1198.8884495761356)  # output_throughput
    assert (out.load, out.request_rate, out.batch) == (Load.RATE, 16.0, None)  # "request_rate": 16.0
    assert (out.input_len, out.output_len) == (215, 121)  # 215196 and 120689 tokens over 1000 completed
    assert out.model_raw == "meta-llama/Llama-3.1-405B-FP8"
    assert (out.model_id, out.format_id) == ("llama-3.1-405b", "fp8_w8a8")  # FP8 from the model name, flagged
    assert any("inferred from the model name" in f for f in out.flags)
    assert (out.engine, out.hardware_sku) == ("vllm", "h100_sxm5_80gb")
    assert out.measured_at.isoformat() == "2024-11-09T15:05:47+00:00"  # "date": "20241109-150547"
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == pytest.approx(3336.581187066595)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(403.31627649993607)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEAN).value == pytest.approx(106.53889521346393)
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.P99).value == pytest.approx(290.83847719986807)
    assert len(ms) == 11  # 2 throughputs + mean/median/p99 of TTFT, TPOT, ITL (std_* not stored)
