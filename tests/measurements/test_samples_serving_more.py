"""More real serving-benchmark outputs (issue 14), imported through ``measurements.service.import_file``; expected
values read by eye from the files (sources in tests/fixtures/imports/SOURCES.md).

vLLM ``benchmark_serving.py`` / ``vllm bench serve`` ``--save-result`` JSON:
- nerdalert/vllm-bench-automation (llm-d benchmark jobs, vLLM main cloned late May 2025): nine runs appended one JSON
  object per line, ``--metadata gpu=4xNVIDIA_L40S ...`` keys mixed into each object, ``max_concurrency`` null, the
  ``request_goodput:`` key (sic) of that vLLM version, no per-request lists.
- dstackai/benchmarks ``comparison/pd_ratio`` (September 2025, ``vllm bench serve``): the ``endpoint_type`` /
  ``label`` layout without ``backend``; the server was SGLang prefill/decode disaggregation (1 prefill + 3 decode
  workers, TP 2 each, 8x H200), which the file does not record.

SGLang ``bench_serving`` console summary (second source after kvcache-ai/ktransformers): two code blocks of
sgl-project/sgl-cookbook (SGLang 0.5.6, TP 8 on 8 GPUs per the page; the block itself names neither model, device
nor TP, so the model comes from the file name, the device from the hint, and ``gpus`` stays 1).
"""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Statistic
from measurements.detect import detect_format
from tests.measurements.conftest import one
from tests.measurements.import_tools_helpers import imp, text_of

LLMD = "nerdalert_llmd_4xL40S_llama32_3b_vllm_main_2025-05-30_rate_sweep_results.json"
PD = "dstack_8xh200_gptoss120b_sglang_pd_1p3d_vllm_bench_serve_conc32_in2048_out128.json"
SGL_LLAMA = "sglcookbook_llama3.1_70b_8xA100_sglang0.5.6_c16_in1000_out1000_console.txt"
SGL_GPTOSS = "sglcookbook_gpt-oss-120b_8xB200_sglang0.5.6_c100_sharegpt_console.txt"


def test_llmd_appended_results_with_metadata_device(db_engine):
    assert detect_format(text_of("vllm_serve", LLMD), "upload.bin") == "vllm_serve_jsonl"
    result = imp(db_engine, "vllm_serve", LLMD, "h100_sxm5_80gb")
    assert result.rejected == [] and result.imported == 99  # 9 lines x (2 throughputs + mean/median/p99 of 3)
    first = [m for m in result.measurements if m.row == 1]
    out = one(first, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(2258.212337970085)  # "output_throughput"
    assert (out.load, out.request_rate, out.batch) == (Load.RATE, 10.0, None)  # "request_rate": 10.0
    assert (out.input_len, out.output_len) == (999, 270)  # 299700 and 80945 tokens over 300 completed
    assert (out.model_raw, out.model_id, out.format_id) == ("meta-llama/Llama-3.2-3B-Instruct", "llama-3.2-3b", "bf16")
    assert any(f.startswith("format assumed bf16") for f in out.flags)
    # --metadata gpu=4xNVIDIA_L40S: the device and its count come from the file, the hint is not used
    assert (out.engine, out.hardware_raw, out.hardware_sku, out.gpus) == ("vllm", "4xNVIDIA_L40S", "l40s", 4)
    assert any("4 devices from '4xNVIDIA_L40S'" in f for f in out.flags)
    assert any("was not used" in f for f in out.flags)
    assert out.measured_at.isoformat() == "2025-05-30T19:47:38+00:00"  # "date": "20250530-194738"
    assert out.extra["deployment"] == "no-features"  # the llm-d variant, kept with the run
    assert one(first, metric=Metric.TOTAL_TOK_S).value == pytest.approx(10619.275253401978)
    assert one(first, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == pytest.approx(54.59561144333596)
    assert one(first, metric=Metric.ITL_MS, statistic=Statistic.P99).value == pytest.approx(34.48662216016601)
    inf = one(result.measurements, metric=Metric.OUTPUT_TOK_S, row=3)
    assert inf.value == pytest.approx(8321.230575856995) and inf.load is Load.MAX_LOAD  # "request_rate": "inf"
    assert (inf.input_len, inf.output_len) == (999, 267)  # 899100 / 900, 240165 / 900
    last = one(result.measurements, metric=Metric.OUTPUT_TOK_S, row=9)
    assert last.value == pytest.approx(11011.349280220396) and last.extra["deployment"] == "kvcache"


def test_vllm_bench_serve_against_sglang_server_is_flagged(db_engine):
    assert detect_format(text_of("vllm_serve", PD), "upload.bin") == "vllm_serve_json"
    result = imp(db_engine, "vllm_serve", PD, "h200_sxm_141gb")
    assert result.rejected == [] and result.imported == 11
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(2810.071918899746)
    assert (out.load, out.batch, out.request_rate) == (Load.CONCURRENT, 32, None)  # "max_concurrency": 32
    assert (out.input_len, out.output_len) == (2046, 62)  # 1023101 and 31091 tokens over 500 completed
    assert (out.model_raw, out.model_id, out.format_id) == ("openai/gpt-oss-120b", "gpt-oss-120b", "mxfp4_w4a4")
    assert (out.hardware_sku, out.gpus) == ("h200_sxm_141gb", 1)  # from the hint: the file names no device, no TP
    # "endpoint_type": "openai" names an API, not the server (SGLang here): vllm is assumed and the record says so
    assert out.engine == "vllm"
    assert any("'openai' is an OpenAI-compatible API and does not name the server" in f for f in out.flags)
    assert out.measured_at.isoformat() == "2025-09-23T03:39:04+00:00"  # "date": "20250923-033904"
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == pytest.approx(95280.15619725197)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(211.54864649997762)
    assert one(ms, metric=Metric.TPOT_MS, statistic=Statistic.P99).value == pytest.approx(9.749148004004837)


def test_sglang_cookbook_console_a100_hint_is_ambiguous(db_engine):
    assert detect_format(text_of("sglang", SGL_LLAMA)) == "sglang_serve_console"
    result = imp(db_engine, "sglang", SGL_LLAMA, "NVIDIA A100")  # the page: "NVIDIA A100 GPU (8x)", no memory size
    assert result.rejected == [] and result.imported == 14
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert (out.value, out.engine, out.load, out.batch) == (513.48, "sglang", Load.CONCURRENT, 16)
    assert (out.input_len, out.output_len) == (496, 510)  # 39668 / 80, 40805 / 80
    assert (out.model_id, out.format_id) == ("llama-3.1-70b", "bf16")
    assert any(f.startswith("model taken from the file name") for f in out.flags)
    assert (out.hardware_raw, out.hardware_sku) == ("NVIDIA A100", None)  # 40 or 80 GB: not guessed
    assert any("hardware hint" in f for f in out.flags)
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == 1012.65
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == 264.84
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.P99).value == 98.32
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEDIAN).value == 14130.48


def test_sglang_cookbook_console_b200(db_engine):
    result = imp(db_engine, "sglang", SGL_GPTOSS, "NVIDIA B200")
    assert result.detected_format == "sglang_serve_console" and result.rejected == []
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert (out.value, out.engine, out.load, out.batch) == (7773.26, "sglang", Load.CONCURRENT, 100)
    assert (out.input_len, out.output_len) == (297, 192)  # 297156 / 1000, 192432 / 1000
    assert (out.model_id, out.format_id) == ("gpt-oss-120b", "mxfp4_w4a4")
    assert (out.hardware_sku, out.gpus) == ("b200", 1)  # TP 8 is on the page, not in the block
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == 19776.83
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN).value == 31.53
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.P95).value == 25.35
    assert one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN).value == 2208.97
