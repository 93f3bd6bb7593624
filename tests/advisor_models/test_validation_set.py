"""The published-measurement validation set (bench/validation/published.csv) and its scoring helpers."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

from advisor.models import get_model
from advisor.validation import METRICS, PHASES, all_models

from .test_models import FORMAT_IDS

ROOT = Path(__file__).resolve().parents[2]
CSV_PATH = ROOT / "bench" / "validation" / "published.csv"
COLUMNS = [
    "hardware_sku",
    "model_id",
    "format_id",
    "engine",
    "engine_version",
    "kernel_engine",
    "gpus",
    "batch",
    "input_len",
    "output_len",
    "kv_format",
    "weight_gib",
    "phase",
    "metric",
    "measured",
    "metric_notes",
    "source",
    "checked",
    "split",
]
ENGINES = {"vllm", "tensorrt_llm", "sglang", "llama_cpp", "mlx", "transformers", "onnxruntime", "openvino"}


def _rows() -> list[dict[str, str]]:
    with CSV_PATH.open(newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()


def _load_accuracy():
    spec = importlib.util.spec_from_file_location("validation_accuracy", ROOT / "bench" / "validation" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_header_and_size():
    with CSV_PATH.open(newline="") as fh:
        assert next(csv.reader(fh)) == COLUMNS
    assert len(ROWS) >= 90


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['hardware_sku']}-{r['model_id']}-{r['metric']}")
def test_row_is_complete_and_sourced(row):
    assert row["source"].startswith("https://") or row["source"].startswith("shared/fixtures/")
    assert row["checked"] == "2026-11-27"
    assert row["model_id"] in all_models()
    assert row["format_id"] in FORMAT_IDS
    assert row["engine"] in ENGINES
    assert row["kernel_engine"] == "" or row["kernel_engine"] in ENGINES
    assert row["kv_format"] in ("", "kv_fp8", "kv_int8", "kv_nvfp4")
    assert row["split"] in {"dev", "holdout"}
    assert row["metric"] in METRICS and row["phase"] in PHASES
    assert int(row["gpus"]) >= 1
    assert float(row["measured"]) > 0
    assert row["weight_gib"] == "" or float(row["weight_gib"]) > 0
    for key in ("batch", "input_len", "output_len"):
        assert row[key] == "" or int(row[key]) >= 1
    assert row["metric_notes"].strip()
    if row["metric"] in ("output_tok_s", "output_tok_s_per_gpu", "total_tok_s"):
        assert row["input_len"] and row["output_len"], "a throughput over the whole run needs both lengths"


def test_split_follows_the_documented_hash_rule():
    for row in ROWS:
        key = "|".join(
            row[k] for k in ("hardware_sku", "model_id", "format_id", "engine", "input_len", "output_len", "batch")
        )
        expected = "holdout" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 3 == 0 else "dev"
        assert row["split"] == expected, key


def test_holdout_is_about_a_third():
    holdout = sum(r["split"] == "holdout" for r in ROWS)
    assert 0.25 <= holdout / len(ROWS) <= 0.45


def test_rows_are_unique():
    keys = [
        tuple(
            r[k]
            for k in (
                "hardware_sku",
                "model_id",
                "format_id",
                "engine_version",
                "gpus",
                "batch",
                "input_len",
                "output_len",
                "metric",
            )
        )
        for r in ROWS
    ]
    assert len(keys) == len(set(keys))


def test_known_values_transcribed():
    def find(**match):
        hits = [r for r in ROWS if all(r[k] == v for k, v in match.items())]
        assert len(hits) == 1, match
        return hits[0]

    row = find(hardware_sku="h100_sxm5_80gb", format_id="int8_w8a16", batch="128")
    assert float(row["measured"]) == 4309.8  # torchao: int8 weight-only decodes at 0.652x bf16
    assert row["metric"] == "total_tok_s"  # parse_log.py reads vllm bench throughput's total tokens/s
    row = find(hardware_sku="rtx_4080", model_id="qwen2.5-7b", metric="prefill_tok_s")
    assert float(row["measured"]) == pytest.approx(7285.676949)
    row = find(hardware_sku="mi300x", batch="1")
    assert float(row["measured"]) == 36 and row["metric"] == "output_tok_s"
    row = find(hardware_sku="h100_sxm5_80gb", model_id="llama-2-7b", batch="768")
    assert float(row["measured"]) == 19694 and row["metric"] == "output_tok_s_per_gpu"
    row = find(hardware_sku="a100_sxm4_80gb", model_id="llama-2-70b", input_len="2048", metric="ttft_ms")
    assert float(row["measured"]) == 377
    row = find(hardware_sku="h100_sxm5_80gb", model_id="llama-3.1-8b", input_len="1000", output_len="1000")
    assert float(row["measured"]) == 15220 and row["batch"] == ""  # TensorRT-LLM max load


def test_mdape_and_naive_rule():
    from advisor import validation

    assert validation.ape(110.0, 100.0) == pytest.approx(10.0)
    assert validation.ape(None, 100.0) is None
    value, n = validation.mdape([10.0, 50.0, 0.0, None])
    assert (value, n) == (10.0, 3)  # median of 10, 50, 0
    spec = get_model("llama-3.1-8b")
    # 0.55 x 3350 GB/s / (8.03 B x 2 bytes) = 114.7 tok/s
    assert validation.naive_decode_tok_s(3350, 1, spec, 2.0) == pytest.approx(0.55 * 3350 / 16.06)
    moe = get_model("qwen3-30b-a3b")
    assert validation.naive_decode_tok_s(1000, 1, moe, 1.0) == pytest.approx(0.55 * 1000 / 3.3)


def test_reader_reads_every_row():
    from advisor.validation import read_rows

    rows = read_rows(CSV_PATH)
    assert len(rows) == len(ROWS)
    first = rows[0]
    assert first.line == 2 and first.gpus >= 1
    assert any(r.batch is None for r in rows)  # max-load rows exist and parse as None


def test_accuracy_script_prints_the_table(capsys):
    acc = _load_accuracy()
    assert acc.main([]) == 0
    out = capsys.readouterr().out
    assert "| holdout | decode phase |" in out and "advisor calibrated on dev" in out
