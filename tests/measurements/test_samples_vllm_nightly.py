"""vLLM nightly-benchmark aggregates (``benchmark_results.json`` / ``benchmark_results.md`` written by
``convert-results-json-to-markdown.py``): surajssd/llm-k8s's runs of vLLM's upstream serving suite against
Llama-3.3-70B-Instruct on Azure ND96asr_v4 (one VM at TP8, two VMs at TP4 x PP2 over InfiniBand; their GPU column
holds the VM size), and vLLM-Ascend's own aggregate (Potabk/vllm-ascend, Qwen2.5-7B and Qwen2.5-VL-7B, no GPU
column). Expected values read from the files (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import json

import pytest

from advisor.measurement import Load, Metric, Statistic
from measurements.detect import detect_format
from measurements.service import import_file
from measurements.vllm_nightly import _figure_columns
from tests.measurements.conftest import counts, one
from tests.measurements.import_tools_helpers import imp, text_of

TOOL = "vllm_nightly"
TP8 = "surajssd_aks_ND96asr_v4x1_Llama-3.3-70B-Instruct_tp8_pp1_benchmark_results"
TP4PP2 = "surajssd_aks_ND96asr_v4x2_IB_Llama-3.3-70B-Instruct_tp4_pp2_benchmark_results"
ASCEND = "potabk_vllm_ascend_2025-05-07_benchmark_results"


def _identity(m, device: str, gpus: int) -> None:
    # an Azure VM size, not a GPU name: mapped through hardware_db/data/cloud_instances.toml (8x A100 SXM4 40GB),
    # kept verbatim in hardware_raw
    assert m.hardware_raw == device and m.hardware_sku == "a100_sxm4_40gb"
    assert not any("hardware not in catalog" in f for f in m.flags)
    assert any("hint" in f and "was not used" in f for f in m.flags)  # the file names a device: hint not used
    assert (m.model_id, m.format_id, m.engine, m.gpus) == ("llama-3.3-70b", "bf16", "vllm", gpus)
    assert any("model taken from the file name" in f for f in m.flags)  # test names like tp8_pp1_qps_01


@pytest.mark.parametrize("ext", ["json", "md"])
def test_tp8_single_vm(db_engine, ext):
    fmt = f"vllm_nightly_{ext}"
    assert detect_format(text_of(TOOL, f"{TP8}.{ext}"), "upload.bin") == fmt  # from the content
    result = imp(db_engine, TOOL, f"{TP8}.{ext}", "h100_sxm5_80gb")  # a wrong hint: the file wins
    assert result.detected_format == fmt and result.rejected == []
    ms = result.measurements
    assert len(ms) == 4 * 11  # 4 rows x (output, total, mean/median/p99 of TTFT, TPOT, ITL)
    first = 1 if ext == "json" else 30  # record number / line of the tp8_pp1_qps_01 row
    out = one(ms, metric=Metric.OUTPUT_TOK_S, row=first)
    _identity(out, "Standard_ND96asr_v4", 8)  # GPU "1xStandard_ND96asr_v4 x 1"; tp8 x pp1
    assert (out.load, out.request_rate, out.batch) == (Load.RATE, 1.0, None)  # qps_01
    assert out.value == pytest.approx(208.17717816867716 if ext == "json" else 208.177)
    ttft = one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN, row=first)
    assert ttft.value == pytest.approx(56.37217849994158 if ext == "json" else 56.3722)
    inf = one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN, row=first + 3)  # tp8_pp1_qps_inf
    assert inf.load is Load.MAX_LOAD and inf.request_rate is None
    assert inf.value == pytest.approx(360.36056903502185 if ext == "json" else 360.361)
    itl = one(ms, metric=Metric.ITL_MS, statistic=Statistic.P99, row=first)
    assert itl.value == pytest.approx(42.95781370012719 if ext == "json" else 42.9578)
    assert out.extra["Tput (req/s)"] in (0.9745666315653629, "0.974567") and out.extra["# of req."] in (200, "200")


@pytest.mark.parametrize("ext", ["json", "md"])
def test_tp4_pp2_two_vms_over_infiniband(db_engine, ext):
    result = imp(db_engine, TOOL, f"{TP4PP2}.{ext}", "h100_sxm5_80gb")  # a wrong hint: the file wins
    assert result.detected_format == f"vllm_nightly_{ext}" and result.rejected == []
    ms = result.measurements
    first = 1 if ext == "json" else 30
    ttft = one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN, row=first)  # tp4_pp2_optimized_IB_qps_01
    _identity(ttft, "Standard_ND96asr_v4-GPUDirect-RDMA-Infiniband", 8)  # tp4 x pp2
    assert (ttft.load, ttft.request_rate) == (Load.RATE, 1.0)
    assert ttft.value == pytest.approx(110.08901771998353 if ext == "json" else 110.089)
    p99 = one(ms, metric=Metric.TTFT_MS, statistic=Statistic.P99, row=first)
    assert p99.value == pytest.approx(229.352112778979 if ext == "json" else 229.352)
    out = one(ms, metric=Metric.OUTPUT_TOK_S, row=first + 3)  # tp4_pp2_optimized_IB_qps_inf
    assert out.load is Load.MAX_LOAD and out.value == pytest.approx(933.9248 if ext == "json" else 933.925, rel=1e-6)


@pytest.mark.parametrize("ext", ["json", "md"])
def test_vllm_ascend_aggregate_medians_and_hint(db_engine, ext):
    result = imp(db_engine, TOOL, f"{ASCEND}.{ext}", "Ascend 910B")
    assert result.detected_format == f"vllm_nightly_{ext}" and result.rejected == []
    ms = result.measurements
    assert len(ms) == 8 * 4  # output tok/s and median TTFT, TPOT, ITL per row
    first = 1 if ext == "json" else 12
    out = one(ms, metric=Metric.OUTPUT_TOK_S, row=first)  # serving_qwen2_5_7B_tp1_qps_1
    assert out.value == pytest.approx(207.0973909480555 if ext == "json" else 207.097)
    assert (out.model_raw, out.model_id, out.format_id) == ("qwen2.5-7B", "qwen2.5-7b", "bf16")  # from the test name
    assert (out.hardware_raw, out.hardware_sku, out.engine, out.gpus) == ("Ascend 910B", None, "vllm", 1)
    assert (out.load, out.request_rate) == (Load.RATE, 1.0)  # Request rate (req/s) 1
    ttft = one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN, row=first)  # "TTFT (ms)" = median_ttft_ms
    assert ttft.value == pytest.approx(94.12808157503605 if ext == "json" else 94.1281)
    inf = one(ms, metric=Metric.TTFT_MS, row=first + 3)  # serving_qwen2_5_7B_tp1_qps_inf, rate "inf"
    assert inf.load is Load.MAX_LOAD and inf.value == pytest.approx(3082.936432212591 if ext == "json" else 3082.94)
    vl = one(ms, metric=Metric.TTFT_MS, row=first + 7)  # serving_qwen2_5vl_7B_tp1_qps_inf
    assert vl.value == pytest.approx(14326.23878493905 if ext == "json" else 14326.2)
    assert (vl.model_raw, vl.model_id) == ("qwen2_5vl_7B", None)  # Qwen2.5-VL-7B is not in the catalog
    assert any("model not in catalog" in f for f in vl.flags)


def test_json_and_markdown_of_one_run_agree(db_engine):
    def figures(ext):
        ms = imp(db_engine, TOOL, f"{TP8}.{ext}").measurements
        return sorted((m.metric.value, m.statistic.value, m.request_rate or 0.0, m.value) for m in ms)

    for (*key_j, v_j), (*key_m, v_m) in zip(figures("json"), figures("md"), strict=True):
        assert key_j == key_m and v_m == pytest.approx(v_j, rel=1e-5)  # the tables hold 6 significant digits


def test_vllm_upstream_column_names_map_to_metrics():
    # vLLM's convert-results-json-to-markdown.py names median_tpot_ms / p99_tpot_ms just "Median" / "P99"
    cols = ["Test name", "GPU", "Tput (req/s)", "Total Token Tput (tok/s)", "Mean TPOT (ms)", "Median", "P99"]
    assert [(c, m.value, s.value) for c, m, s in _figure_columns(cols)] == [
        ("Total Token Tput (tok/s)", "total_tok_s", ""),
        ("Mean TPOT (ms)", "tpot_ms", "mean"),
        ("Median", "tpot_ms", "median"),
        ("P99", "tpot_ms", "p99"),
    ]


@pytest.mark.parametrize(
    ("text", "name", "phrase"),
    [
        (json.dumps([{"Test name": "serving_x_tp1_qps_1", "Score": 3}]), "benchmark_results.json", "Test name, Score"),
        ("| Test name | Notes |\n|---|---|\n| serving_x_tp1 | ok |\n", "benchmark_results.md", "Test name, Notes"),
    ],
)
def test_near_miss_names_what_it_saw_and_what_is_accepted(db_engine, text, name, phrase):
    result = import_file(text.encode(), name, engine=db_engine)
    assert result.imported == 0
    assert "vLLM-style test rows" in result.message and phrase in result.message
    assert "Output Tput (tok/s)" in result.message  # what is accepted
    assert counts(db_engine) == (0, 0)
