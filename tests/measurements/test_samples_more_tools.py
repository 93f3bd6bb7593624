"""More real samples for GenAI-Perf JSON and MLPerf detail logs (issue 14): two GenAI-Perf
``profile_export_genai_perf.json`` files of wellflat/k8s-dev (two GenAI-Perf layouts) and the NVIDIA DGX H100
llama2-70b-99 Server ``mlperf_log_detail.txt`` of MLPerf Inference v4.1. Expected values read by eye from the files
(sources and commits in tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import json

import pytest

from advisor.measurement import Load, Metric, Scope, Statistic
from measurements.service import import_file
from tests.measurements.conftest import one
from tests.measurements.import_tools_helpers import imp, text_of

GAP_SECTIONS = "wellflat_gptoss20b_c1_profile_export_genai_perf.json"  # GenAI-Perf 0.0.13+ input_config
GAP_FLAT = "wellflat_gptoss20b_c1_isl150_osl400_profile_export_genai_perf_0.0.x.json"  # GenAI-Perf <= 0.0.12
MLPERF_SERVER = "nvidia_v4.1_dgx_h100x8_trt_llama2-70b-99_server_mlperf_log_detail.txt"

NO_HARDWARE = "hardware not given (the file names no device: pass --hardware / the hardware override)"
NO_ENGINE = "engine not recorded: GenAI-Perf / AIPerf is a client and does not name the server's engine"
GPT_OSS_FORMAT = "format assumed mxfp4_w4a4: the file names no quantization, gpt-oss-20b is published in mxfp4_w4a4"


# -- GenAI-Perf 0.0.13+ JSON (input_config in sections) -----------------------------------------------------------


def test_genai_perf_sectioned_json_identity_and_conditions(db_engine):
    result = imp(db_engine, "genai_perf", GAP_SECTIONS)
    assert result.detected_format == "genai_perf_json" and not result.rejected
    for m in result.measurements:
        # "model_names": ["openai/gpt-oss-20b"]; "perf_analyzer": {"stimulus": {"concurrency": 1}}
        assert (m.model_raw, m.model_id) == ("openai/gpt-oss-20b", "gpt-oss-20b")
        assert (m.load, m.batch, m.request_rate) == (Load.CONCURRENT, 1, None)
        # input/output_sequence_length avg 152.65714285714284 and 73.51428571428572
        assert (m.input_len, m.output_len, m.gpus) == (153, 74, 1)
        # the file names no GPU (telemetry only by index), no engine (a client) and no quantization
        assert m.hardware_sku is None and NO_HARDWARE in m.flags
        assert m.engine == "" and NO_ENGINE in m.flags
        assert (m.format_raw, m.format_id) == ("", "mxfp4_w4a4") and GPT_OSS_FORMAT in m.flags
        assert not any("load not recorded" in f for f in m.flags)
    extra = result.measurements[0].extra
    assert extra["request_count"] == 35.0 and extra["request_throughput"] == 0.4701030011153585


def test_genai_perf_sectioned_json_figures(db_engine):
    ms = imp(db_engine, "genai_perf", GAP_SECTIONS).measurements
    assert len(ms) == 21
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == 1524.6265132
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.P99).value == 2342.05304546
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEAN).value == 7.7534012  # "inter_token_latency"
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEDIAN).value == 2196.9242019999997
    out = one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.TOTAL)
    assert out.value == 12.095750218698175 and out.statistic is Statistic.NONE
    per_user = one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.PER_SEQ, statistic=Statistic.MEAN)
    assert per_user.value == 129.22766466149542  # "output_token_throughput_per_user"


def test_genai_perf_sectioned_json_with_the_hardware_hint(db_engine):
    # the repo's profile job runs on nvidia.com/gpu.product NVIDIA-A100-SXM4-80GB nodes: the user's hint, not the file
    ms = imp(db_engine, "genai_perf", GAP_SECTIONS, "NVIDIA-A100-SXM4-80GB").measurements
    assert {m.hardware_sku for m in ms} == {"a100_sxm4_80gb"}
    assert not any(NO_HARDWARE in m.flags for m in ms)


@pytest.mark.parametrize(
    ("stimulus", "load", "rate", "flagged"),
    [
        ({"request_rate": 2.5}, Load.RATE, 2.5, False),  # --request-rate runs keep the rate in the same place
        ({}, Load.CONCURRENT, None, True),  # no stimulus at all: said, not guessed
    ],
)
def test_genai_perf_sectioned_json_load_variants(db_engine, stimulus, load, rate, flagged):
    data = json.loads(text_of("genai_perf", GAP_SECTIONS))
    data["input_config"]["perf_analyzer"]["stimulus"] = stimulus
    ms = import_file(json.dumps(data).encode(), GAP_SECTIONS, engine=db_engine).measurements
    m = one(ms, metric=Metric.OUTPUT_TOK_S, scope=Scope.TOTAL)
    assert (m.load, m.request_rate) == (load, rate)
    expected = "load not recorded in this file (the JSON's input_config names none): concurrency not given"
    assert (expected in m.flags) is flagged


# -- GenAI-Perf <= 0.0.12 JSON (flat input_config) -----------------------------------------------------------------


def test_genai_perf_flat_json(db_engine):
    result = imp(db_engine, "genai_perf", GAP_FLAT)
    assert result.detected_format == "genai_perf_json" and not result.rejected
    ms = result.measurements
    assert len(ms) == 16  # no per-user figure: "output_token_throughput_per_request" (tokens / latency) is not one
    assert not [m for m in ms if m.scope is Scope.PER_SEQ]
    for m in ms:
        assert (m.model_raw, m.model_id) == ("openai/gpt-oss-20b", "gpt-oss-20b")  # "model": ["openai/gpt-oss-20b"]
        assert (m.load, m.batch) == (Load.CONCURRENT, 1)  # "concurrency": 1
        assert (m.input_len, m.output_len) == (152, 124)  # avg 152.5 (rounded half to even) and 124.39393939393939
        assert m.hardware_sku is None and NO_HARDWARE in m.flags
        assert m.engine == "" and NO_ENGINE in m.flags
        assert m.format_id == "mxfp4_w4a4" and GPT_OSS_FORMAT in m.flags
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == 2197.1986507727274
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.P90).value == 10.3716945
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.P99).value == 4895.851983649999
    assert one(ms, metric=Metric.OUTPUT_TOK_S).value == 25.824770552328115
    assert ms[0].extra["request_count"] == 66.0


# -- MLPerf Inference v4.1, NVIDIA DGX H100, llama2-70b-99 Server detail log ----------------------------------------


def test_mlperf_v41_server_detail_identity_and_conditions(db_engine):
    result = imp(db_engine, "mlperf", MLPERF_SERVER)
    assert result.detected_format == "mlperf_detail" and not result.rejected
    ms = result.measurements
    assert len(ms) == 16  # tokens/s + mean, median, p90, p95, p99 of TTFT, TPOT and query latency
    for m in ms:
        # Server: RATE at "result_scheduled_samples_per_sec": 75.0967 (target 75)
        assert (m.load, m.batch, m.request_rate) == (Load.RATE, None, 75.0967)
        assert (m.model_id, m.hardware_sku, m.engine, m.engine_version) == ("llama-2-70b", None, "", "")
        assert any(f.startswith("model taken from the file name") for f in m.flags)  # the log names no model
        assert NO_HARDWARE in m.flags
        assert "engine not recorded: the MLPerf loadgen log does not name the inference engine" in m.flags
        # the log names no precision: the model's published format is assumed and said so
        assert m.format_id == "fp16" and any(f.startswith("format assumed fp16") for f in m.flags)
        assert m.gpus == 1 and any(f.startswith("accelerator count not in the log") for f in m.flags)
        assert (m.input_len, m.output_len) == (None, None)  # fixed by the dataset, not in the log
        assert m.measured_at.isoformat() == "2024-07-24T11:08:26+00:00"  # "test_datetime"
    extra = ms[0].extra
    assert (extra["scenario"], extra["mode"], extra["valid"]) == ("Server", "PerformanceOnly", "VALID")
    assert extra["samples_per_second"] == 74.4245 and extra["loadgen_version"] == "4.1 @ 03657abe70"


def test_mlperf_v41_server_detail_figures(db_engine):
    ms = imp(db_engine, "mlperf", MLPERF_SERVER).measurements
    # "result_completed_tokens_per_second": 21605.8 (the summary prints 21605.79)
    assert one(ms, metric=Metric.OUTPUT_TOK_S).value == 21605.8
    # first token: mean 275926440 ns, p99 461278089 ns; time to output token: mean 154960329 ns
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == pytest.approx(275.92644)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.P99).value == pytest.approx(461.278089)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEAN).value == pytest.approx(154.960329)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(156.419276)
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == pytest.approx(44954.547225)


def test_mlperf_v41_server_detail_with_the_system_description_as_hint(db_engine):
    # closed/NVIDIA/systems/DGX-H100_H100-SXM-80GBx8_TRT.json: "accelerator_model_name": "NVIDIA H100-SXM-80GB"
    ms = imp(db_engine, "mlperf", MLPERF_SERVER, "NVIDIA H100-SXM-80GB").measurements
    assert {m.hardware_sku for m in ms} == {"h100_sxm5_80gb"}
