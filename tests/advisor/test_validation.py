"""Estimates against the one validation set (bench/validation/published.csv), within the issue's accuracy targets.

The regression gate is on the dev split (the rows the defaults may be tuned on); holdout is reported, not tuned.
"""

import csv
import math
from pathlib import Path

import pytest

from advisor import validation
from advisor.estimate import estimate
from advisor.hardware import HardwareTarget
from advisor.models import get_model
from advisor.validation import TARGET_MDAPE_PCT, calibrate_on_dev, markdown, quantity, read_rows, validate
from advisor.workload import Workload
from hardware_db.catalog import default_catalog

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"
LLAMA_BENCH = SHARED / "fixtures" / "llama-bench" / "rtx4080_b5163.csv"


@pytest.fixture(scope="module")
def report():
    return validate()


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


def test_dev_split_meets_the_targets_and_beats_the_naive_rule(report):
    """Regression gate: fails when dev-split MdAPE rises above the issue's targets (decode 25%, prefill 35%)."""
    decode, n_dec = report.mdape(split="dev", phase="decode")
    prefill, n_pre = report.mdape(split="dev", phase="prefill")
    assert n_dec >= 30 and n_pre >= 15
    assert decode <= TARGET_MDAPE_PCT["decode"], f"dev decode MdAPE {decode:.1f}%"
    assert prefill <= TARGET_MDAPE_PCT["prefill"], f"dev prefill MdAPE {prefill:.1f}%"
    adv, naive, n = report.paired_mdape(split="dev", phase="decode")
    assert n == n_dec and adv < naive
    adv1, naive1, n1 = report.paired_mdape(split="dev", phase="decode", batch1=True)
    assert n1 >= 10 and adv1 < naive1  # also where the rule applies (single stream)


def test_every_metric_is_scored_on_both_splits(report):
    for metric in ("decode_tok_s", "prefill_tok_s", "ttft_ms", "output_tok_s", "output_tok_s_per_gpu", "total_tok_s"):
        for split in ("dev", "holdout"):
            assert report.mdape(split=split, metric=metric)[1] >= 1, (metric, split)


def test_rows_compare_the_metric_they_measured(report):
    by_line = {r.row.line: r for r in report.results}
    # torchao's 'decode toks/s' is vllm bench throughput's total tokens/s: 128 x (32 + 2048) / e2e
    torchao = next(
        r for r in report.results if r.row.metric == "total_tok_s" and r.row.batch == 128 and r.row.input_len == 32
    )
    est = estimate(
        get_model(torchao.row.model),
        torchao.row.format_id,
        HardwareTarget.from_catalog(default_catalog(), torchao.row.hardware),
        Workload(batch=128, input_len=32, output_len=2048),
        "vllm",
    )
    assert quantity(est, torchao.row) == pytest.approx(128 * 2080 / est.speed.e2e_s)
    # TensorRT-LLM 0.6.1 publishes output tokens/s per GPU: the estimate is divided by the GPU count
    per_gpu = next(r for r in report.results if r.row.metric == "output_tok_s_per_gpu" and r.row.gpus == 4)
    assert per_gpu.row.model == "llama-2-70b"
    # max-load rows are scored at a batch the memory estimate chose
    assert all(r.used_batch and r.used_batch > 1 for r in report.results if r.row.batch is None and not r.skipped)
    assert by_line[2].row.metric == "output_tok_s" and by_line[2].row.batch is None


def test_calibration_fits_on_dev_rows_only(report):
    cal = calibrate_on_dev(report)
    dev_lines = {f"published.csv line {r.row.line}" for r in report.select(split="dev")}
    sources = {s for f in cal.factors.values() for s in f.sources}
    assert sources and sources <= dev_lines
    # a dev row's own (phase, sku, engine, format) factor equals its measured / estimated ratio when it is alone
    h100_int8 = next(
        r for r in report.select(split="dev") if r.row.format_id == "int8_w8a16" and r.row.phase == "decode"
    )
    f = cal.factors[("decode", "h100_sxm5_80gb", "vllm", "int8_w8a16")]
    assert f.n == 1 and f.scale == pytest.approx(h100_int8.row.measured / h100_int8.estimated)
    assert math.isclose(f.log_sd, 0.0)


def test_one_validation_set():
    assert not (ROOT / "advisor" / "data" / "validation.toml").exists()
    assert validation.VALIDATION_CSV == ROOT / "bench" / "validation" / "published.csv"
    assert len(read_rows()) >= 90


def test_markdown_reports_splits_naive_and_calibrated(report):
    table = markdown(report, validation.calibrated_on_dev(report))
    assert "| holdout | decode phase |" in table and "| dev | prefill phase |" in table
    assert "naive 0.55 x BW / bytes" in table and "in-sample" in table
    holdout_line = next(line for line in table.splitlines() if line.startswith("| holdout | decode phase |"))
    assert holdout_line.split("|")[-2].strip() not in ("-", "n/a", "in-sample")
