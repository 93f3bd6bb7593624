"""vLLM offline benchmarks and nightly per-test results: latency/throughput --output-json of the vLLM-Ascend
nightly suite (nv-action/vllm-benchmarks, two dates), dstack's 4x MI300X throughput run, and the nightly
serving_*.json files (read by the vLLM serve importer). Expected values read from the files
(tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Statistic
from tests.measurements.conftest import one
from tests.measurements.import_tools_helpers import imp

LT = "vllm_latency_throughput"


@pytest.mark.parametrize(
    ("name", "mean", "median", "p99"),
    [
        (
            "vllm_ascend_nightly_2025-02-18_latency_llama8B_tp1.json",
            7.1091228867570555,
            7.112779660150409,
            7.868931790143251,
        ),
        (
            "vllm_ascend_nightly_2025-02-27_latency_llama8B_tp1.json",
            7.419569773475329,
            7.438288155943155,
            7.734547998122871,
        ),
    ],
)
def test_latency_json(db_engine, name, mean, median, p99):
    result = imp(db_engine, LT, name, "Ascend 910B")
    assert result.detected_format == "vllm_latency_json"
    ms = result.measurements
    m = one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN)
    assert m.value == pytest.approx(mean * 1000)
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEDIAN).value == pytest.approx(median * 1000)
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.P99).value == pytest.approx(p99 * 1000)
    assert (m.engine, m.load, m.batch) == ("vllm", Load.STATIC, None)
    assert m.hardware_raw == "Ascend 910B" and m.hardware_sku is None  # not in the catalog: flagged
    assert any("batch size" in f for f in m.flags)


@pytest.mark.parametrize(
    ("name", "tok_s"),
    [
        ("vllm_ascend_nightly_2025-02-18_throughput_llama8B_tp1.json", 1198.996134490826),
        ("vllm_ascend_nightly_2025-02-27_throughput_llama8B_tp1.json", 1190.9743920852),
    ],
)
def test_throughput_json(db_engine, name, tok_s):
    m = one(imp(db_engine, LT, name).measurements, metric=Metric.TOTAL_TOK_S)
    assert m.value == pytest.approx(tok_s) and m.load is Load.MAX_LOAD
    assert m.extra["num_requests"] == 200 and m.extra["total_num_tokens"] == 86204


def test_throughput_json_with_lengths_and_model_in_the_file_name(db_engine):
    name = "dstack_4xmi300x_Meta-Llama-3.1-405B-Instruct-FP8-KV_throughput_req128_in128_out2048_.json"
    m = one(imp(db_engine, LT, name, "mi300x").measurements, metric=Metric.TOTAL_TOK_S)
    assert m.value == pytest.approx(1424.503174121544)
    assert (m.input_len, m.output_len) == (128, 2048)  # "input" / "ouput" (sic) in the file
    assert (m.model_id, m.format_id, m.hardware_sku) == ("llama-3.1-405b", "fp8_w8a8", "mi300x")
    assert any(f.startswith("model taken from the file name") for f in m.flags)


@pytest.mark.parametrize(
    ("name", "load", "rate", "ttft_mean"),
    [
        (
            "vllm_ascend_nightly_2025-02-18_serving_llama8B_tp1_sharegpt_qps_inf.json",
            Load.MAX_LOAD,
            None,
            10484.147438658401,
        ),
        ("vllm_ascend_nightly_2025-02-27_serving_llama8B_tp1_qps_16.json", Load.RATE, 16.0, 334.8013465106487),
    ],
)
def test_nightly_serving_json(db_engine, name, load, rate, ttft_mean):
    result = imp(db_engine, "vllm_nightly", name)
    assert result.detected_format == "vllm_serve_json"
    m = one(result.measurements, metric=Metric.TTFT_MS, statistic=Statistic.MEAN)
    assert m.value == pytest.approx(ttft_mean) and (m.load, m.request_rate) == (load, rate)
    assert m.model_raw.endswith("Meta-Llama-3-8B-Instruct")
