"""LLMPerf results: ray-project/llmperf's published Yi-1.5-34B runs on 4x A10G (vLLM at 16 concurrent requests,
TGI at 1): the summary JSON and the individual responses of each run. Expected values read from the files
(tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Scope, Statistic
from tests.measurements.conftest import one
from tests.measurements.import_tools_helpers import imp

VLLM_SUMMARY = "vllm_yi34b_4xa10g_c16_summary.json"


def test_summary_concurrency_16(db_engine):
    result = imp(db_engine, "llmperf", VLLM_SUMMARY, "NVIDIA A10G")
    assert result.detected_format == "llmperf_summary"
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.TOTAL)
    assert out.value == pytest.approx(124.29275563556878)
    assert (out.load, out.batch, out.input_len, out.output_len) == (Load.CONCURRENT, 16, 550, 150)
    assert out.model_raw == "01-ai/Yi-1.5-34B-Chat" and out.model_id is None  # not in the catalog: flagged
    assert out.hardware_raw == "NVIDIA A10G"
    assert out.measured_at.isoformat() == "2024-06-12T16:21:16+00:00"  # "timestamp": 1718209276
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == pytest.approx(5367.653323758857)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(6561.932362000334)
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.P99).value == pytest.approx(18989.224514590898)
    itl = one(ms, metric=Metric.ITL_MS, statistic=Statistic.MEAN)
    assert itl.value == pytest.approx(113.50145435953386) and any("first token included" in f for f in itl.flags)
    per_seq = one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.PER_SEQ, statistic=Statistic.MEAN)
    assert per_seq.value == pytest.approx(8.363242277576312)


def test_summary_concurrency_1(db_engine):
    ms = imp(db_engine, "llmperf", "tgi_yi34b_4xa10g_c1_summary.json").measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.TOTAL)
    assert (out.load, out.batch) == (Load.CONCURRENT, 1)
    assert out.value == pytest.approx(21.67082775521886)  # results_mean_output_throughput_token_per_s


@pytest.mark.parametrize(
    ("responses", "summary"),
    [
        ("vllm_yi34b_4xa10g_c16_individual_responses.json", VLLM_SUMMARY),
        ("tgi_yi34b_4xa10g_c1_individual_responses.json", "tgi_yi34b_4xa10g_c1_summary.json"),
    ],
)
def test_individual_responses_agree_with_the_summary(db_engine, responses, summary):
    """The responses file is summarised the way LLMPerf summarises it: the means equal the summary's."""
    from_responses = imp(db_engine, "llmperf", responses).measurements
    from_summary = imp(db_engine, "llmperf", summary).measurements
    for metric in (Metric.TTFT_MS, Metric.E2E_MS, Metric.ITL_MS):
        a = one(from_responses, metric=metric, statistic=Statistic.MEAN)
        b = one(from_summary, metric=metric, statistic=Statistic.MEAN)
        assert a.value == pytest.approx(b.value, rel=1e-9), metric
    assert one(from_responses, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).batch is None  # not in that file
