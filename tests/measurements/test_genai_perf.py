"""GenAI-Perf / AIPerf profile exports: AIPerf's examples/artifacts/run1 (CSV and JSON of one run) and the
GenAI-Perf CSV in NVIDIA/cloudai's docs. Expected values read from the files (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Scope, Statistic
from tests.measurements.conftest import one
from tests.measurements.import_tools_helpers import imp


def test_aiperf_json(db_engine):
    result = imp(db_engine, "genai_perf", "aiperf_gptoss20b_c100_profile_export_aiperf.json", "h100_sxm5_80gb")
    assert result.detected_format == "genai_perf_json"
    ms = result.measurements
    ttft = one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN)
    assert ttft.value == pytest.approx(2343.219436988764)
    assert (ttft.model_raw, ttft.model_id) == ("openai/gpt-oss-20b", "gpt-oss-20b")
    assert (ttft.load, ttft.batch) == (Load.CONCURRENT, 100)  # loadgen.concurrency
    assert (ttft.input_len, ttft.output_len) == (550, 243)  # avg 550.0 and 242.97
    assert ttft.hardware_sku == "h100_sxm5_80gb" and ttft.engine == ""
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.P99).value == pytest.approx(3833.3894000399996)
    # "Inter Token Latency" is per request (latency - TTFT) / (tokens - 1): TPOT; "Inter Chunk Latency" is the ITL
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEAN).value == pytest.approx(27.763065454471807)
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.MEAN).value == pytest.approx(27.755153106189347)
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEDIAN).value == pytest.approx(9097.345014999999)
    per_user = one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.PER_SEQ, statistic=Statistic.MEAN)
    assert per_user.value == pytest.approx(36.68434853220158)


def test_aiperf_csv_same_run(db_engine):
    result = imp(db_engine, "genai_perf", "aiperf_gptoss20b_c100_profile_export_aiperf.csv")
    assert result.detected_format == "genai_perf_csv"
    ms = result.measurements
    assert one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.TOTAL).value == 2320.72
    ttft = one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN)
    assert ttft.value == 2343.22 and (ttft.input_len, ttft.output_len) == (550, 243)
    assert ttft.load is Load.CONCURRENT and ttft.batch is None  # the CSV keeps no run settings: flagged
    assert any("load not recorded" in f for f in ttft.flags)
    assert ttft.model_id is None


def test_genai_perf_csv_with_thousands_separators(db_engine):
    result = imp(db_engine, "genai_perf", "cloudai_doc_dynamo_profile_export_genai_perf.csv")
    ms = result.measurements
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == 1146.31  # "1,146.31"
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.P99).value == 3457.97
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == 6406.20
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == 261.25 and (out.input_len, out.output_len) == (3000, 174)
