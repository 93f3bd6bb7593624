"""Estimates against real recorded measurements, within the issue's accuracy targets."""

import csv
from pathlib import Path

import pytest

from advisor.estimate import estimate
from advisor.hardware import HardwareTarget
from advisor.models import get_model
from advisor.validation import markdown, validate
from advisor.workload import Workload
from hardware_db.catalog import default_catalog

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
LLAMA_BENCH = SHARED / "fixtures" / "llama-bench" / "rtx4080_b5163.csv"


@pytest.mark.skipif(not LLAMA_BENCH.exists(), reason="shared fixtures not present")
def test_llama_bench_rtx4080_qwen7b_q4km_within_targets():
    rows = list(csv.DictReader(LLAMA_BENCH.open()))
    pp = next(float(r["avg_ts"]) for r in rows if r["n_prompt"] == "512" and r["n_gen"] == "0")
    tg = next(float(r["avg_ts"]) for r in rows if r["n_prompt"] == "0" and r["n_gen"] == "128")
    target = HardwareTarget.from_catalog(default_catalog(), "rtx_4080")
    model = get_model("qwen2.5-7b")
    pre = estimate(model, "gguf_q4_k_m", target, Workload(batch=1, input_len=512, output_len=0), "llama_cpp")
    dec = estimate(model, "gguf_q4_k_m", target, Workload(batch=1, input_len=1, output_len=128), "llama_cpp")
    assert pre.speed.prefill_tok_s == pytest.approx(pp, rel=0.35)
    assert dec.speed.decode_tok_s == pytest.approx(tg, rel=0.25)
    # and beats the 0.55 x bandwidth / size rule on decode
    rule = 0.55 * 716.8e9 / (model.params_b * 1e9 * 4.8944 / 8)
    assert abs(dec.speed.decode_tok_s - tg) < abs(rule - tg)


def test_validation_set_meets_targets_and_beats_the_rule():
    report = validate()
    assert report.count("decode") >= 15 and report.count("prefill") >= 8
    assert report.mape("decode") <= 0.25
    assert report.mape("prefill") <= 0.35
    assert report.mape("decode") < report.mape("decode", rule=True)
    assert report.mape("decode", in_sample=False) <= 0.25
    assert report.count("serving") >= 10 and report.mape("serving") <= 0.35
    table = markdown(report)
    assert "| decode |" in table and "discussions" not in table
    for r in report.rows:
        assert r.source.startswith("https://")
