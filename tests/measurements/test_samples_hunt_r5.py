"""Issue 14, "import what teams actually produce", round 5: real GuideLLM output found in public repositories
(sources and commits in tests/fixtures/imports/SOURCES.md).

- thesteve0/local-llm-benchmark: GuideLLM 0.6.0 ``--outputs json,csv`` of single-user synchronous runs against
  Ramalama (llama.cpp) serving unsloth GGUF models on a Framework Desktop (AMD Ryzen AI MAX+ 395, per the repo's
  models/*.md); the benchmarks.csv and benchmarks.json of one run, and the CSV of a second model.
- danielkorat/guidellm-bench: GuideLLM 0.5.0.dev0 benchmarks.json of a synchronous run against vLLM on 4 Intel XPUs
  (Qwen/Qwen3-30B-A3B, ``--quantization fp8``, TP 4, per the server log next to it).
- LambdaLabsML/vllm-benchmark: a vLLM ``benchmark_serving.py --save-result`` JSON of September 2024 on 1x A100 80GB
  SXM (transcribed from the index text: the repository is too large to fetch; see SOURCES.md).

Expected values are read by eye from the files."""

from __future__ import annotations

import csv
import io
import json

import pytest

from advisor.measurement import Load, Metric, Statistic
from measurements.detect import detect_format
from measurements.guidellm import _csv_percentiles
from measurements.service import import_file
from tests.measurements.conftest import counts, one
from tests.measurements.import_tools_helpers import imp, text_of

GEMMA = "thesteve0_ramalama_aimax395_gemma4_26b_a4b_q8_0_guidellm0.6.0_sync_benchmarks"
QWEN36_CSV = "thesteve0_ramalama_aimax395_qwen3.6_35b_a3b_q8_0_guidellm0.6.0_sync_benchmarks.csv"
XPU_JSON = "danielkorat_intel_xpu_vllm_qwen3_30b_a3b_tp4_fp8_guidellm0.5.0dev0_sync_benchmarks.json"


def _figures(result) -> dict[str, float]:
    return {f"{m.metric.value} {m.statistic.value}": m.value for m in result.measurements}


def test_guidellm_06_csv_is_read(db_engine):
    assert detect_format(text_of("guidellm", f"{GEMMA}.csv"), "upload.bin") == "guidellm_csv"
    result = imp(db_engine, "guidellm", f"{GEMMA}.csv")
    assert result.detected_format == "guidellm_csv" and result.rejected == []
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(77.43273808011925)  # Token Throughput / Successful Output Tokens/Sec / Mean
    assert out.row == 4  # the one benchmark row, after the three header rows
    assert (out.load, out.batch, out.request_rate) == (Load.CONCURRENT, 1, None)  # Benchmark / Strategy synchronous
    assert (out.input_len, out.output_len) == (99, 1969)  # Token Metrics Input / Output Tokens Mean
    assert out.model_raw == "unsloth/gemma-4-26B-A4B-it-GGUF"  # Run Info / Backend {"model": ...}
    assert out.engine == "" and out.hardware_sku is None
    assert out.measured_at.isoformat().startswith("2026-06-11T09:10:21")  # Timings / Start Time
    assert any("local time" in f for f in out.flags)
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == pytest.approx(81.32600424057217)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == pytest.approx(20656.05330467224)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(23.40506562852448)
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.P99).value == pytest.approx(12.920996401368118)
    e2e = one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN)
    assert e2e.value == pytest.approx(46108.335971832275)  # Request Latency / Successful Sec / Mean 46.108 s
    assert out.extra["guidellm_version"] == "0.6.0"  # Runtime Info / Metadata
    assert out.extra["requests"] == {"successful": 1, "incomplete": 0, "errored": 0, "total": 1}


def test_csv_and_json_of_the_same_run_give_the_same_figures(db_engine):
    from_csv = imp(db_engine, "guidellm", f"{GEMMA}.csv")
    from_json = imp(db_engine, "guidellm", f"{GEMMA}.json")
    assert from_json.detected_format == "guidellm_json"
    csv_figures, json_figures = _figures(from_csv), _figures(from_json)
    assert len(csv_figures) == len(from_csv.measurements) == 22
    assert csv_figures == pytest.approx(json_figures)
    # guidellm 0.6 leaves args.model null; the JSON's benchmark backend names the model (as the CSV does)
    assert {m.model_raw for m in from_json.measurements} == {"unsloth/gemma-4-26B-A4B-it-GGUF"}


def test_csv_percentile_list_positions_match_the_json():
    """GuideLLM writes [min, p001, p01, p05, p10, p25, p75, p90, p95, p99, max]: checked on every successful
    distribution of the real row against the JSON of the same run (Output Tokens/Sec and Requests/Sec vary)."""
    rows = list(csv.reader(io.StringIO(text_of("guidellm", f"{GEMMA}.csv"))))
    bench = json.loads(text_of("guidellm", f"{GEMMA}.json"))["benchmarks"][0]["metrics"]
    keys = {
        ("Token Throughput", "Successful Output Tokens/Sec"): "output_tokens_per_second",
        ("Server Throughput", "Successful Requests/Sec"): "requests_per_second",
        ("Time to First Token", "Successful ms"): "time_to_first_token_ms",
        ("Request Latency", "Successful Sec"): "request_latency",
    }
    seen = 0
    for group, name, stat, cell in zip(*rows, strict=True):
        if stat == "Percentiles" and (group, name) in keys:
            want = bench[keys[group, name]]["successful"]["percentiles"]
            got = _csv_percentiles(cell, name)
            assert got == pytest.approx({p: want[p] for p in ("p90", "p95", "p99")})
            seen += 1
    assert seen == len(keys)
    # the varying one, read by eye: p75..p99 = 0.04337610451224712, p25 = 0.0 (the list's 6th item)
    assert bench["requests_per_second"]["successful"]["percentiles"]["p90"] == pytest.approx(0.04337610451224712)


def test_guidellm_06_csv_quantization_from_the_gguf_file_name(db_engine):
    result = imp(db_engine, "guidellm", QWEN36_CSV)
    assert result.rejected == []
    out = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(201.6969580391995)
    assert out.model_raw == "unsloth/Qwen3.6-35B-A3B-GGUF/Qwen3.6-35B-A3B-Q8_0.gguf"
    assert out.format_id == "gguf_q8_0" and any("inferred from the model name" in f for f in out.flags)
    assert (out.input_len, out.output_len) == (91, 3200)
    ttft = one(result.measurements, metric=Metric.TTFT_MS, statistic=Statistic.P90)
    assert ttft.value == pytest.approx(46441.418409347534)


def _rows(name: str) -> list[str]:
    return text_of("guidellm", name).splitlines(keepends=True)


def test_header_only_csv_is_refused_and_nothing_stored(db_engine):
    text = "".join(_rows(f"{GEMMA}.csv")[:3])  # the real file cut after its header rows
    result = import_file(text.encode(), "benchmarks.csv", engine=db_engine)
    assert result.imported == 0 and "no benchmark rows" in result.message
    assert counts(db_engine) == (0, 0)


def test_misaligned_row_is_refused_with_the_reason(db_engine):
    head, row = _rows(f"{GEMMA}.csv")[:3], _rows(f"{GEMMA}.csv")[3]
    cells = next(csv.reader(io.StringIO(row)))
    del cells[30]  # one distribution column fewer, as when a later benchmark had other request statuses
    buf = io.StringIO()
    csv.writer(buf).writerow(cells)
    result = import_file(("".join(head) + buf.getvalue()).encode(), "benchmarks.csv", engine=db_engine)
    assert result.imported == 0 and len(result.rejected) == 1
    assert result.rejected[0].row == 4 and "do not line up" in result.rejected[0].reason
    assert counts(db_engine)[1] == 0


def test_a_strategy_the_csv_cannot_describe_is_refused(db_engine):
    text = text_of("guidellm", f"{GEMMA}.csv").replace(",synchronous,", ",concurrent,", 1)
    result = import_file(text.encode(), "benchmarks.csv", engine=db_engine)
    assert result.imported == 0 and len(result.rejected) == 1
    assert result.rejected[0].column == "Benchmark / Strategy" and "benchmarks.json" in result.rejected[0].reason


def test_guidellm_05_json_of_a_named_model_on_intel_xpu(db_engine):
    result = imp(db_engine, "guidellm", XPU_JSON)
    assert result.detected_format == "guidellm_json" and result.rejected == []
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(25.859765493102046)  # output_tokens_per_second.successful.mean
    assert out.model_raw == "Qwen/Qwen3-30B-A3B" and out.model_id == "qwen3-30b-a3b"  # args.model
    assert (out.load, out.batch) == (Load.CONCURRENT, 1)  # strategy synchronous
    assert (out.input_len, out.output_len) == (92, 1024)  # prompt_token_count 92.05, output_token_count 1024.0
    assert out.measured_at.isoformat().startswith("2026-03-02T17:44:08")  # start_time 1772473448.503905
    # the run used vLLM --quantization fp8 (server log), which the JSON does not record: the format is an assumption
    assert any(f.startswith("format assumed") for f in out.flags)
    assert out.extra["requests"] == {"successful": 19, "errored": 0, "incomplete": 0, "total": 19}
    assert out.extra["guidellm_version"] == "0.5.0.dev0"
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.P90).value == pytest.approx(71.49863243103027)
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == pytest.approx(39601.165972257906)
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.MEDIAN).value == pytest.approx(39.0606662977709)


LAMBDA = "lambdalabs_1xA100-80GB-SXM_llama3_8b_instruct_2024-09-07_prompt10_save_result.json"


def test_vllm_save_result_of_september_2024_with_input_throughput_and_beam_search_keys(db_engine):
    """LambdaLabsML/vllm-benchmark: ``benchmark_serving.py --save-result`` of 10 ShareGPT prompts at request rate
    inf, "date" 20240907-082900, with the keys of that period (``input_throughput``, ``best_of``,
    ``use_beam_search``, ``std_*``; no ``total_token_throughput``) plus ``*_latency_ms``, which no upstream vLLM
    benchmark_serving.py in the index writes (kept as given, not mapped)."""
    assert detect_format(text_of("vllm_serve", LAMBDA), "upload.bin") == "vllm_serve_json"
    result = imp(db_engine, "vllm_serve", LAMBDA)
    assert result.detected_format == "vllm_serve_json" and result.rejected == []
    ms = result.measurements
    assert len(ms) == 10  # output_throughput + mean/median/p99 of ttft, tpot, itl
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(227.03837146571024)
    assert out.model_raw == "meta-llama/Meta-Llama-3-8B-Instruct" and out.engine == "vllm"
    assert (out.load, out.batch, out.request_rate) == (Load.MAX_LOAD, None, None)  # "request_rate": "inf"
    assert (out.input_len, out.output_len) == (137, 194)  # 1369 / 10, 1945 / 10 tokens per request
    assert out.measured_at.isoformat().startswith("2024-09-07T08:29:00")
    assert out.extra["use_beam_search"] is False and out.extra["input_throughput"] == pytest.approx(159.80232932470813)
    assert out.extra["mean_latency_ms"] == pytest.approx(2407.0737529546022)
    assert not [m for m in ms if m.metric == Metric.E2E_MS]
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == pytest.approx(139.22520615160465)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(11.955695146418893)
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.P99).value == pytest.approx(118.05999144911766)
