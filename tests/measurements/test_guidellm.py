"""GuideLLM benchmarks.json (schema 2, guidellm 0.8.0.dev18): the report fixture of llm-d/llm-d-benchmark, a real
GuideLLM run against its mock server at two constant rates. Expected values read from the file
(tests/fixtures/imports/SOURCES.md). Only one public GuideLLM output was found; see the report."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Statistic
from tests.measurements.conftest import one
from tests.measurements.import_tools_helpers import imp

NAME = "llmd_fixture_guidellm_0.8.0dev18_mock_benchmarks.json"


def test_one_record_per_rate(db_engine):
    result = imp(db_engine, "guidellm", NAME, "rtx_4090")
    assert result.detected_format == "guidellm_json"
    ms = result.measurements
    first = one(ms, metric=Metric.OUTPUT_TOK_S, row=1)
    assert first.value == pytest.approx(3.1950675815128577)
    assert (first.load, first.request_rate, first.batch) == (Load.RATE, 2.0, None)  # strategy constant, rate 2.0
    assert (first.input_len, first.output_len) == (72, 8)  # prompt_token_count mean 71.5, output 8.0
    assert (first.model_raw, first.model_id, first.engine) == ("e2e-mock-model", None, "")
    assert first.extra["guidellm_version"] == "0.8.0.dev18"
    second = one(ms, metric=Metric.OUTPUT_TOK_S, row=2)
    assert (second.value, second.request_rate) == (pytest.approx(6.377131566888984), 4.0)


def test_latency_distributions(db_engine):
    ms = [m for m in imp(db_engine, "guidellm", NAME).measurements if m.row == 1]
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == pytest.approx(11.481165885925293)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(11.276006698608398)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEAN).value == pytest.approx(2.4421364068984985)
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.MEAN).value == pytest.approx(1.1508464813232422)
    # request_latency is in seconds in the file
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == pytest.approx(19.78909969329834)
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == pytest.approx(31.75098409128402)
