"""The published-measurement validation set (bench/validation/published.csv) and its scoring helpers."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

from advisor.models import default_models, get_model

from .test_models import FORMAT_IDS

ROOT = Path(__file__).resolve().parents[2]
CSV_PATH = ROOT / "bench" / "validation" / "published.csv"
COLUMNS = [
    "hardware_sku",
    "model_id",
    "format_id",
    "engine",
    "engine_version",
    "gpus",
    "batch",
    "input_len",
    "output_len",
    "measured_decode_tok_s",
    "measured_prefill_tok_s",
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
    assert len(ROWS) >= 30


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['hardware_sku']}-{r['model_id']}-{r['format_id']}")
def test_row_is_complete_and_sourced(row):
    assert row["source"].startswith("https://") or row["source"].startswith("shared/fixtures/")
    assert row["checked"] == "2026-11-27"
    assert row["model_id"] in default_models()
    assert row["format_id"] in FORMAT_IDS
    assert row["engine"] in ENGINES
    assert row["split"] in {"dev", "holdout"}
    assert int(row["gpus"]) >= 1
    values = [row["measured_decode_tok_s"], row["measured_prefill_tok_s"]]
    assert any(values), "a row needs at least one measured throughput"
    assert all(float(v) > 0 for v in values if v)
    for key in ("batch", "input_len", "output_len"):
        assert row[key] == "" or int(row[key]) >= 1
    assert row["metric_notes"].strip()


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
            for k in ("hardware_sku", "model_id", "format_id", "engine_version", "batch", "input_len", "output_len")
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
    assert float(row["measured_decode_tok_s"]) == 4309.8  # torchao: int8 weight-only decodes at 0.652x bf16
    row = find(hardware_sku="rtx_4080", model_id="qwen2.5-7b")
    assert float(row["measured_prefill_tok_s"]) == pytest.approx(7285.676949)
    row = find(hardware_sku="mi300x", batch="1")
    assert float(row["measured_decode_tok_s"]) == 36


def test_mdape_and_naive_rule():
    acc = _load_accuracy()
    assert acc.ape(110.0, 100.0) == pytest.approx(10.0)
    assert acc.ape(None, 100.0) is None
    value, n = acc.mdape([(110.0, 100.0), (50.0, 100.0), (100.0, 100.0), (None, 5.0)])
    assert (value, n) == (10.0, 3)  # median of 10, 50, 0
    spec = get_model("llama-3.1-8b")
    # 0.55 x 3350 GB/s / (8.03 B x 2 bytes) = 114.7 tok/s
    assert acc.naive_decode_tok_s(3350, 1, spec, 2.0) == pytest.approx(0.55 * 3350 / 16.06)
    moe = get_model("qwen3-30b-a3b")
    assert acc.naive_decode_tok_s(1000, 1, moe, 1.0) == pytest.approx(0.55 * 1000 / 3.3)


def test_accuracy_reads_every_row():
    acc = _load_accuracy()
    rows = acc.read_rows(CSV_PATH)
    assert len(rows) == len(ROWS)
    first = rows[0]
    assert first.index == 2 and first.gpus >= 1
    assert any(r.batch is None for r in rows)  # max-load rows exist and parse as None


def test_adapter_reads_nested_estimate_results():
    from types import SimpleNamespace

    acc = _load_accuracy()
    speed = SimpleNamespace(decode_tok_s=800.0, decode_tok_s_per_seq=100.0, output_tok_s=600.0, prefill_tok_s=5000.0)
    result = SimpleNamespace(speed=speed, memory=SimpleNamespace(fits=False))
    assert acc.decode_from(result, 8) == 800.0
    assert acc.decode_from(result, 8, end_to_end=True) == 600.0
    assert acc.prefill_from(result) == 5000.0
    assert acc.fits_from(result) is False
    per_seq_only = SimpleNamespace(decode_tok_s_per_seq=50.0)
    assert acc.decode_from(per_seq_only, 4) == 200.0


def test_adapter_matches_parameter_names():
    acc = _load_accuracy()
    seen = {}

    def fake_estimate(model, fmt, hardware, workload=None, engine=None):
        seen.update(model=model, fmt=fmt, hardware=hardware, workload=workload, engine=engine)
        return {"decode_tok_s": 1.0}

    out = acc.call_estimator(fake_estimate, target="T", spec="S", format_id="bf16", engine="vllm", workload="W")
    assert out == {"decode_tok_s": 1.0}
    assert seen == {"model": "S", "fmt": "bf16", "hardware": "T", "workload": "W", "engine": "vllm"}
