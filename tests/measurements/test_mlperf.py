"""MLPerf Inference loadgen logs: mlcommons/inference_results_v5.1 (AMD 8x MI300X, llama2-70b-99, Server and
Offline), the v5.0 test-submission repo (CPU runs, summary and detail logs) and a Stable Diffusion XL summary.
Expected values read from the files (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Statistic
from tests.measurements.conftest import counts, one
from tests.measurements.import_tools_helpers import imp

SERVER = "amd_8xmi300x_llama2-70b-99_server_mlperf_log_summary.txt"


def test_server_summary(db_engine):
    result = imp(db_engine, "mlperf", SERVER, "AMD Instinct MI300X")
    assert result.detected_format == "mlperf_summary"
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == 24593.77  # "Completed tokens per second"
    assert (out.load, out.request_rate) == (Load.RATE, 83.90)  # "Scheduled samples per second"
    assert (out.hardware_sku, out.model_id) == ("mi300x", "llama-2-70b")  # model from the file name: flagged
    assert any(f.startswith("model taken from the file name") for f in out.flags)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == pytest.approx(918.456323)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.P99).value == pytest.approx(1914.647645)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEAN).value == pytest.approx(144.594078)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(151.044504)
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == pytest.approx(43579.602295)


def test_offline_summary_has_no_request_latency(db_engine):
    ms = imp(db_engine, "mlperf", "amd_8xmi300x_llama2-70b-99_offline_mlperf_log_summary.txt", "mi300x").measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == 27803.9 and out.load is Load.MAX_LOAD
    assert not [m for m in ms if m.metric is Metric.E2E_MS]  # one query of every sample: not a request latency


def test_detail_log(db_engine):
    result = imp(db_engine, "mlperf", "v5.0test_gh_action_cpu_pt2.6_llama2-70b-99_offline_mlperf_log_detail.txt")
    assert result.detected_format == "mlperf_detail"
    out = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert out.value == 0.412378 and out.model_id == "llama-2-70b" and out.engine_version == ""
    assert out.measured_at.isoformat() == "2025-04-01T05:00:37+00:00"


def test_mixtral_summary(db_engine):
    out = one(
        imp(
            db_engine, "mlperf", "v5.0test_gh_action_cpu_pt2.6_mixtral-8x7b_offline_mlperf_log_summary.txt"
        ).measurements,
        metric=Metric.OUTPUT_TOK_S,
    )
    assert out.model_id == "mixtral-8x7b" and out.load is Load.MAX_LOAD


def test_non_llm_summary_is_refused_and_nothing_stored(db_engine):
    result = imp(db_engine, "mlperf", "thienlm_sdxl_h100_offline_mlperf_log_summary.txt", "h100_sxm5_80gb")
    assert result.imported == 0 and result.detected_format == "mlperf_summary"
    assert "no token throughput" in result.rejected[0].reason and "0.165037 samples/s" in result.rejected[0].reason
    assert counts(db_engine) == (0, 0)
