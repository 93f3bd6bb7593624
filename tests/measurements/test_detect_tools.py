"""Detection of the tool files by content (tests/fixtures/imports), and refusals that explain themselves and store
nothing (issue 14, item 5). Every input is a real file, or a real file cut at a line."""

from __future__ import annotations

import pytest

from measurements import importers
from measurements.detect import SOURCE_FORMATS, detect_format
from measurements.service import import_file
from tests.measurements.conftest import counts
from tests.measurements.import_tools_helpers import IMPORTS, imp, text_of

EXPECTED = {
    "sglang/datacrunch_h200_llama_3_3_70b_online_output.jsonl": "sglang_serve_jsonl",
    "sglang/datacrunch_h200_deepseek_dp_mla_output.jsonl": "sglang_serve_jsonl",
    "sglang/ktransformers_kimi_k2_thinking_8xL20_decode_console.txt": "sglang_serve_console",
    "genai_perf/aiperf_gptoss20b_c100_profile_export_aiperf.csv": "genai_perf_csv",
    "genai_perf/aiperf_gptoss20b_c100_profile_export_aiperf.json": "genai_perf_json",
    "genai_perf/cloudai_doc_dynamo_profile_export_genai_perf.csv": "genai_perf_csv",
    "guidellm/llmd_fixture_guidellm_0.8.0dev18_mock_benchmarks.json": "guidellm_json",
    "trtllm_bench/gpurecipes_a3ultra_h200x8_llama31_405b_fp8_throughput_log.txt": "trtllm_bench_text",
    "trtllm_bench/trtllm_docs_perf_benchmarking_llama31_8b_fp8_throughput_0.17.0.txt": "trtllm_bench_text",
    "trtllm_bench/trtllm_docs_perf_benchmarking_qwen2vl_2b_pytorch_throughput_sample_output.txt": "trtllm_bench_text",
    "trtllm_bench/trtllm_docs_tuning_guide_llama33_70b_tp4_latency_0.16.0.txt": "trtllm_bench_text",
    "optimum_benchmark/derekliu_a100_llama31_8b_awq_int4_benchmark.json": "optimum_benchmark_json",
    "optimum_benchmark/derekliu_h100_llama31_70b_fbgemm_fp8_benchmark.json": "optimum_benchmark_json",
    "mlperf/amd_8xmi300x_llama2-70b-99_server_mlperf_log_summary.txt": "mlperf_summary",
    "mlperf/v5.0test_gh_action_cpu_pt2.6_llama2-70b-99_offline_mlperf_log_detail.txt": "mlperf_detail",
    "llmperf/vllm_yi34b_4xa10g_c16_summary.json": "llmperf_summary",
    "llmperf/vllm_yi34b_4xa10g_c16_individual_responses.json": "llmperf_responses",
    "optimum_benchmark/pytxi_bge_t4_pr287_benchmark.json": "optimum_benchmark_json",
    "optimum_benchmark/pytxi_bge_t4_pr287_benchmark_report.json": "optimum_benchmark_json",
    "vllm_latency_throughput/vllm_ascend_nightly_2025-02-18_latency_llama8B_tp1.json": "vllm_latency_json",
    "vllm_latency_throughput/vllm_ascend_nightly_2025-02-18_throughput_llama8B_tp1.json": "vllm_throughput_json",
    "vllm_nightly/vllm_ascend_nightly_2025-02-27_serving_llama8B_tp1_qps_16.json": "vllm_serve_json",
}


@pytest.mark.parametrize(("path", "fmt"), sorted(EXPECTED.items()))
def test_detected_from_content_not_name(path, fmt):
    text = (IMPORTS / path).read_text(encoding="utf-8")
    assert detect_format(text, "upload.bin") == fmt  # a file name that says nothing


def test_every_tool_format_is_registered():
    assert set(importers.FORMATS) <= set(SOURCE_FORMATS)
    assert all(importers.module_for(f) is not None for f in importers.FORMATS)


def _accepted_listed(message: str) -> None:
    for phrase in (
        "llama-bench output",
        "SGLang bench_serving",
        "GenAI-Perf / AIPerf",
        "GuideLLM benchmarks.json",
        "trtllm-bench",
        "MLPerf Inference",
        "LLMPerf",
        "optimum-benchmark",
        "vLLM bench latency",
    ):
        assert phrase in message, phrase


def test_bracket_text_that_is_not_json_nor_a_known_log(db_engine):
    log = text_of("trtllm_bench", "gpurecipes_a3ultra_h200x8_llama31_405b_fp8_throughput_log.txt")
    start = log.index("[TensorRT-LLM] TensorRT-LLM version: 0.16.0")
    cut = log[start : log.index("= PERFORMANCE OVERVIEW")]  # the log before its results
    result = import_file(cut.encode(), "run.log", engine=db_engine)
    assert result.imported == 0 and result.detected_format == ""
    assert "'run.log' begins with '[' but is not JSON (not valid JSON at line 1" in result.message
    assert "first line: '[TensorRT-LLM] TensorRT-LLM version: 0.16.0'" in result.message
    _accepted_listed(result.message)
    assert counts(db_engine) == (0, 0)


def test_summary_csv_derived_from_another_tool(db_engine):
    result = imp(db_engine, "", "derived_csv_dstack_throughput_comparsion.csv")
    assert result.imported == 0
    assert "summary table derived from another tool's results" in result.message
    assert "requests_per_second, tokens_per_second" in result.message  # the figure columns it found
    assert "map its columns to the generic schema" in result.message
    _accepted_listed(result.message)
    assert counts(db_engine) == (0, 0)


def test_unknown_text_names_what_it_looked_like(db_engine):
    result = imp(db_engine, "optimum_benchmark", "pytxi_bge_t4_pr287_benchmark_report.md")
    assert result.imported == 0
    assert "unrecognized file 'pytxi_bge_t4_pr287_benchmark_report.md' (text beginning '# load:')" in result.message
    _accepted_listed(result.message)
    assert counts(db_engine) == (0, 0)


def test_unknown_json_names_its_keys(db_engine):
    result = imp(db_engine, "mlperf", "amd_systems_8xMI300X_2xEPYC_9575F.json")
    assert "JSON of an unknown shape (an object with keys accelerator_frequency, " in result.message
    assert counts(db_engine) == (0, 0)


def test_refused_file_leaves_earlier_uploads_untouched(db_engine):
    ok = imp(db_engine, "llmperf", "vllm_yi34b_4xa10g_c16_summary.json")
    before = counts(db_engine)
    assert before == (1, ok.imported)
    refused = imp(db_engine, "mlperf", "thienlm_sdxl_h100_offline_mlperf_log_summary.txt")
    assert refused.imported == 0 and refused.upload_id is None
    assert counts(db_engine) == before
