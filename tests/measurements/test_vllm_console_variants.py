"""vLLM serving console summaries as published: backslash-continued commands, ``Namespace(...)`` lines, several
runs in one log, ``Traffic request rate`` / ``Maximum request concurrency: None``. Real files
(tests/fixtures/benchmarks/SOURCES.md); expected values read from them."""

from __future__ import annotations

from advisor.measurement import Load, Metric, Statistic
from measurements.service import import_file
from tests.measurements.conftest import one


def _import(db_engine, fixtures, name):
    result = import_file((fixtures / name).read_bytes(), name, engine=db_engine)
    assert result.detected_format == "vllm_serve_console", result.message
    assert result.rejected == [], result.rejected
    return result


def test_backslash_continued_command_names_the_model(db_engine, fixtures):
    """``benchmark_serving.py --backend vllm \\`` / ``--port 8081 ... --model Qwen2-7B-Instruct ...`` over two
    lines: the model is on the continuation line."""
    result = _import(db_engine, fixtures, "dennislee_a100_qwen2_7b_tp2_serving_console.txt")
    out = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert (out.value, out.model_raw, out.engine) == (218.04, "Qwen2-7B-Instruct", "vllm")
    assert (out.input_len, out.output_len) == (1024, 1024)  # 10239 / 10 and 10240 / 10, rounded
    ttft = one(result.measurements, metric=Metric.TTFT_MS, statistic=Statistic.MEAN)
    assert ttft.value == 2111.51


def test_second_command_with_a_cut_last_argument(db_engine, fixtures):
    result = _import(db_engine, fixtures, "dennislee_a100x4_gptoss120b_serving_console.txt")
    out = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert (out.value, out.model_raw, out.model_id) == (129.04, "gpt-oss-120b", "gpt-oss-120b")
    assert out.input_len == round(511459 / 500)
    assert one(result.measurements, metric=Metric.TTFT_MS, statistic=Statistic.MEAN).value == 91005.74


def test_three_runs_with_namespace_lines_and_rates(db_engine, fixtures):
    """``run-bench.sh --request-rates 10,30,inf``: three summaries, each after its own ``Namespace(...)``."""
    result = _import(db_engine, fixtures, "nerdalert_llmd_l40s_llama32_3b_3runs_console.txt")
    outs = sorted((m for m in result.measurements if m.metric is Metric.OUTPUT_TOK_S), key=lambda m: m.row)
    assert [(m.row, m.value) for m in outs] == [(47, 2249.25), (109, 5914.31), (171, 11481.02)]
    assert [(m.load, m.request_rate, m.batch) for m in outs] == [
        (Load.RATE, 10.0, None),
        (Load.RATE, 30.0, None),
        (Load.MAX_LOAD, None, None),  # "Traffic request rate: inf", "Maximum request concurrency: None"
    ]
    assert {(m.model_raw, m.model_id, m.engine) for m in outs} == {
        ("meta-llama/Llama-3.2-3B-Instruct", "llama-3.2-3b", "vllm")
    }
    assert outs[0].input_len == round(299700 / 300)
    ttft = [m.value for m in result.measurements if m.metric is Metric.TTFT_MS and m.statistic is Statistic.MEAN]
    assert sorted(ttft) == [54.58, 73.23, 902.25]
