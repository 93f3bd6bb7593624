"""vLLM serving results (JSON and console), lm-eval results and the generic CSV."""

from __future__ import annotations

import json

import pytest

from advisor.measurement import Load, Metric, Statistic
from measurements.generic_csv import COLUMNS, TEMPLATE_CSV
from measurements.service import import_file, list_measurements
from tests.measurements.conftest import counts, one

# Numbers printed in the console summary of vLLM PR 18566 (the fixtures' source): (metric, statistic) -> value.
VLLM = {
    (Metric.OUTPUT_TOK_S, Statistic.NONE): 6582.87,
    (Metric.TOTAL_TOK_S, Statistic.NONE): 14029.44,
    (Metric.TTFT_MS, Statistic.MEAN): 9626.13,
    (Metric.TTFT_MS, Statistic.MEDIAN): 9459.70,
    (Metric.TPOT_MS, Statistic.MEAN): 77.86,
    (Metric.ITL_MS, Statistic.P99): 214.35,
}


@pytest.mark.parametrize(
    ("name", "fmt", "row_number"),
    [
        ("vllm_serve_result_pr18566.json", "vllm_serve_json", 1),
        ("vllm_serve_console_pr18566.txt", "vllm_serve_console", 4),
    ],
)
def test_vllm_serve_result_values(db_engine, fixtures, name, fmt, row_number):
    """Every figure of the run is its own measurement (round 1 stored output_throughput as decode_tok_s)."""
    result = import_file((fixtures / name).read_bytes(), name, hardware_hint="h100_sxm5_80gb", engine=db_engine)
    assert result.detected_format == fmt
    stored = list_measurements(db_engine)
    assert len(stored) == result.imported >= len(VLLM)
    for (metric, stat), value in VLLM.items():
        assert one(stored, metric=metric, statistic=stat).value == pytest.approx(value), (metric, stat)
    for m in stored:
        assert m.row == row_number
        assert (m.engine, m.model_id, m.hardware_sku) == ("vllm", "llama-3.1-8b", "h100_sxm5_80gb")
        assert (m.input_len, m.output_len) == (230, 203)
        assert m.load is Load.MAX_LOAD and m.batch is None  # request rate inf, no concurrency cap
        assert m.model_raw == "meta-llama/Llama-3.1-8B-Instruct"
        assert m.format_id == "bf16"  # no quantization named: the model's published dtype, flagged
        assert any(f.startswith("format assumed bf16") for f in m.flags)


def test_vllm_console_without_model_is_rejected_with_advice(db_engine, fixtures):
    text = (fixtures / "vllm_serve_console_pr18566.txt").read_text()
    summary_only = text[text.index("====") :]
    result = import_file(summary_only.encode(), "summary.txt", engine=db_engine)
    assert result.imported == 0 and result.rejected[0].column == "model_id"
    assert "--save-result JSON" in result.rejected[0].reason
    assert counts(db_engine) == (0, 0)


def test_vllm_quantization_and_concurrency_from_the_json(db_engine, fixtures):
    data = json.loads((fixtures / "vllm_serve_result_pr18566.json").read_text())
    data.update(model_id="RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8", max_concurrency=64, tokenizer_id="")
    result = import_file(json.dumps(data).encode(), "fp8.json", engine=db_engine)
    m = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert (m.model_id, m.format_id, m.batch, m.load) == ("llama-3.1-8b", "fp8_w8a8", 64, Load.CONCURRENT)
    assert "format fp8_w8a8 inferred from the model name" in m.flags


def test_lm_eval_results(db_engine, fixtures):
    result = import_file((fixtures / "lm_eval_ghost8b_gsm8k.json").read_bytes(), "r.json", engine=db_engine)
    assert result.detected_format == "lm_eval_json" and result.imported == 2
    got = {(m.metric, m.quality_task, m.value, m.extra["stderr"]) for m in result.measurements}
    assert got == {
        (Metric.QUALITY, "gsm8k_cot_zeroshot/exact_match,strict-match", 0.576194086429113, 0.013611632008810354),
        (Metric.QUALITY, "gsm8k_cot_zeroshot/exact_match,flexible-extract", 0.6641394996209249, 0.01300922471426737),
    }
    m = result.measurements[0]
    assert m.model_raw == "lamhieu/ghost-8b-beta-disl-0x5" and m.model_id is None  # a fine-tune, not in catalog
    assert m.hardware_sku is None and not any("hardware" in f for f in m.flags)  # quality needs no hardware


def test_lm_eval_model_args_give_model_and_format(db_engine, fixtures):
    data = json.loads((fixtures / "lm_eval_ghost8b_gsm8k.json").read_text())
    data["config"] = {
        "model": "vllm",
        "model_args": "pretrained=RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16,dtype=auto",
    }
    data["results"]["gsm8k_cot_zeroshot"]["word_perplexity,none"] = "N/A"
    result = import_file(json.dumps(data).encode(), "q.json", engine=db_engine)
    assert {(m.model_id, m.format_id, m.engine) for m in result.measurements} == {
        ("llama-3.1-8b", "int4_gptq_w4a16", "vllm")
    }
    assert [r.to_dict() for r in result.rejected] == [
        {"row": 3, "column": "results.gsm8k_cot_zeroshot.word_perplexity", "reason": "value is N/A (not computed)"}
    ]


def test_generic_template_imports(db_engine):
    assert TEMPLATE_CSV.splitlines()[0].split(",") == COLUMNS
    result = import_file(TEMPLATE_CSV.encode(), "template.csv", engine=db_engine)
    assert result.detected_format == "generic_csv", result.rejected
    # row 2 holds decode_tok_s and ttft_ms (two measurements), row 3 a quality score
    assert [(m.row, m.metric) for m in result.measurements] == [
        (2, Metric.DECODE_TOK_S),
        (2, Metric.TTFT_MS),
        (3, Metric.QUALITY),
    ]
    decode, ttft, quality = result.measurements
    assert (decode.hardware_sku, decode.model_id, decode.format_id, decode.engine) == (
        "h100_sxm5_80gb",
        "llama-3.1-8b",
        "fp8_w8a8",
        "vllm",
    )
    assert (decode.batch, decode.input_len, decode.output_len, decode.value, ttft.value) == (32, 1024, 128, 2500, 45)
    assert (quality.model_id, quality.format_id, quality.quality_task) == ("llama-3.1-8b", "gguf_q4_k_m", "mmlu/acc")
    assert (quality.value, quality.quality_reference) == (0.65, 0.68)


def test_generic_missing_required_fields(db_engine):
    header = ",".join(COLUMNS)
    blank = ",".join([""] * len(COLUMNS))
    rows = [blank, "h100_sxm5_80gb,llama-3.1-8b" + "," * (len(COLUMNS) - 2)]
    result = import_file((header + "\n" + "\n".join(rows) + "\n").encode(), "g.csv", engine=db_engine)
    assert [r.to_dict() for r in result.rejected] == [
        {"row": 2, "column": "hardware", "reason": "required value is missing"},
        {
            "row": 3,
            "column": "decode_tok_s",
            "reason": "no measurement: fill at least one of prefill_tok_s, decode_tok_s, output_tok_s, "
            "total_tok_s, ttft_ms, tpot_ms, itl_ms, e2e_ms, memory_gb, quality_value",
        },
    ]
    assert counts(db_engine) == (0, 0)


def test_vllm_json_array_keeps_objects_and_rejects_the_rest_by_position():
    from measurements.records import UnreadableFile
    from measurements.vllm_bench import parse

    parsed = parse(json.dumps([{"model_id": "a"}, 3, {"model_id": "b"}]), "vllm_serve_json")
    assert [(r.row, r.fields["model_id"]) for r in parsed.records] == [(1, "a"), (3, "b")]
    assert [(r.row, r.reason) for r in parsed.rejections] == [(2, "expected a JSON object, found int")]
    with pytest.raises(UnreadableFile, match="no benchmark results"):
        parse("[]", "vllm_serve_json")


@pytest.mark.parametrize(("key", "value", "found"), [("config", "hf", "str"), ("n-shot", [5], "list")])
def test_lm_eval_sections_of_the_wrong_shape_get_a_message(db_engine, fixtures, key, value, found):
    data = json.loads((fixtures / "lm_eval_ghost8b_gsm8k.json").read_text())
    data[key] = value
    result = import_file(json.dumps(data).encode(), "lm.json", engine=db_engine)
    assert (result.imported, result.upload_id) == (0, None)
    assert result.message == f"lm-eval results JSON: '{key}' must be an object, found {found}"
