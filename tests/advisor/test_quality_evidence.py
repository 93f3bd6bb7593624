"""Lint the shipped quality evidence (advisor/data/quality/evidence.csv), one rule per test, and check what
``advisor.quality.model_quality`` makes of it for the datacenter formats of issue 16."""

from __future__ import annotations

import csv
import math
import re
from datetime import date
from decimal import Decimal

import pytest

from advisor.context import default_context
from advisor.quality import (
    EVIDENCE_COLUMNS,
    EVIDENCE_PATH,
    LOWER_IS_BETTER,
    load_evidence,
    model_quality,
    parse_evidence,
)

CTX = default_context()
TEXT = EVIDENCE_PATH.read_text(encoding="utf-8")
#: (csv line number, raw row) — line 1 is the header.
ROWS = list(enumerate(csv.DictReader(TEXT.splitlines()), start=2))

#: Real models that have no file in advisor/data/models/ but whose published figures are kept as family evidence.
#: A new id here must be a deliberate decision; once a catalog file exists for one, it must leave this set.
OUT_OF_CATALOG = {
    "granite-4.0-tiny",
    "mistral-7b-v0.1",
    "qwen2-0.5b",
    "qwen2-1.5b",
    "qwen2-7b",
    "qwen2-72b",
    "qwen3-vl-8b",
}
SIXTEEN_BIT = {"bf16", "fp16"}


def _bad(pred) -> list[str]:
    return [f"line {n}: {r['model_id']} {r['format_id']} {r['task']}" for n, r in ROWS if pred(r)]


def test_file_has_the_schema_columns_and_parses():
    assert tuple(csv.DictReader(TEXT.splitlines()).fieldnames or ()) == EVIDENCE_COLUMNS
    figures = parse_evidence(TEXT, known_formats=set(CTX.formats))
    assert len(figures) == len(ROWS) >= 395


def test_every_source_url_is_https():
    assert _bad(lambda r: not re.fullmatch(r"https://[^\s/]+/\S+", r["source_url"].strip())) == []


def test_every_checked_is_an_iso_date_not_in_the_future():
    def wrong(r):
        try:
            return date.fromisoformat(r["checked"].strip()) > date(2026, 12, 31)
        except ValueError:
            return True

    assert _bad(wrong) == []


def test_every_row_has_a_source_locator():
    assert _bad(lambda r: len(r["source_locator"].strip()) < 8) == []


def test_every_format_id_is_in_formats_toml():
    assert _bad(lambda r: r["format_id"].strip() not in CTX.formats) == []


def test_every_model_id_is_in_the_catalog_or_declared_out_of_catalog():
    assert _bad(lambda r: r["model_id"].strip() not in CTX.models and r["model_id"].strip() not in OUT_OF_CATALOG) == []


def test_out_of_catalog_ids_really_are_out_of_the_catalog():
    assert sorted(OUT_OF_CATALOG & set(CTX.models)) == []


def test_params_b_is_near_the_catalog_model():
    """Publishers print nominal sizes (7 for 6.74B, 7 for Qwen2.5's 7.61B), so allow 10%; 70 for an 8B is an error."""

    def wrong(r):
        m = CTX.models.get(r["model_id"].strip())
        if m is None or not r["params_b"].strip():
            return False
        return abs(float(r["params_b"]) / m.params_b - 1.0) > 0.10

    assert _bad(wrong) == []


def test_rows_of_one_model_share_one_params_b():
    """published_quality picks the nearest size among a model's rows: two sizes for one model would split them."""
    sizes: dict[str, set[str]] = {}
    for _, r in ROWS:
        if r["params_b"].strip():
            sizes.setdefault(r["model_id"].strip(), set()).add(r["params_b"].strip())
    assert {k: sorted(v) for k, v in sizes.items() if len(v) > 1} == {}


def test_direction_matches_the_metric():
    """Perplexity-like metrics are lower-is-better; everything scored as accuracy/pass@k/score is higher-is-better."""

    def wrong(r):
        hib = r["higher_is_better"].strip() == "true"
        metric = r["metric"].strip()
        if metric in LOWER_IS_BETTER or metric == "kl_divergence":
            return hib
        if re.match(r"(accuracy|exact_match|pass@\d+|score|strict_prompt_accuracy)$", metric):
            return not hib
        return False

    assert _bad(wrong) == []


def test_values_are_finite_and_positive_where_a_baseline_exists():
    def wrong(r):
        vals = [r["quantized_value"]] + ([r["baseline_value"]] if r["baseline_value"].strip() else [])
        return any(not math.isfinite(float(v)) or float(v) < 0 for v in vals) or (
            r["baseline_value"].strip() and float(r["baseline_value"]) == 0
        )

    assert _bad(wrong) == []


def _half_ulp(text: str) -> float:
    exp = Decimal(text.strip()).as_tuple().exponent
    return 0.5 * 10.0 ** int(exp)


def test_recovery_matches_quantized_over_baseline_within_printed_rounding():
    """recovery_pct is the publisher's figure; it must equal quantized / baseline (higher-is-better) or
    baseline / quantized (lower-is-better) once the rounding of the printed numbers is allowed for (Red Hat's
    cards truncate some recoveries, e.g. Scout W4A16 GSM8k 90.90 / 90.45 printed 100.4)."""

    def wrong(r):
        if not r["recovery_pct"].strip():
            return False
        b, q, rec = float(r["baseline_value"]), float(r["quantized_value"]), float(r["recovery_pct"])
        db, dq = _half_ulp(r["baseline_value"]), _half_ulp(r["quantized_value"])
        if r["higher_is_better"].strip() == "true":
            lo, hi = (q - dq) / (b + db), (q + dq) / (b - db)
        else:
            lo, hi = (b - db) / (q + dq), (b + db) / (q - dq)
        slack = 2 * _half_ulp(r["recovery_pct"]) + 1e-9  # one printed digit: rounded or truncated
        return not (100 * lo - slack <= rec <= 100 * hi + slack)

    assert _bad(wrong) == []


def test_a_baseline_that_is_not_16_bit_is_said_so_in_the_notes():
    """DeepSeek's reference weights are FP8: a row whose model is published below 16 bits must name its baseline."""

    def wrong(r):
        m = CTX.models.get(r["model_id"].strip())
        native = getattr(m, "native_dtype", None) if m is not None else None
        if native is None or native in SIXTEEN_BIT or not r["baseline_value"].strip():
            return False
        return "baseline" not in r["notes"].lower() or "fp8" not in r["notes"].lower()

    assert _bad(wrong) == []


def test_no_row_is_repeated():
    keys = [
        (r["model_raw"], r["format_id"], r["method"], r["task"], r["metric"], r["source_url"], r["source_locator"])
        for _, r in ROWS
    ]
    assert len(keys) == len(set(keys))


def test_datacenter_formats_have_published_figures():
    """Issue 16: the datacenter formats were rated from a handful of figures."""
    count = {f: sum(1 for x in load_evidence() if x.format_id == f and x.loss_pct is not None) for f in CTX.formats}
    assert count["fp8_w8a8"] >= 60
    assert count["int8_w8a8"] >= 30
    assert count["nvfp4_w4a4"] >= 40
    assert count["int4_gptq_w4a16"] >= 60


# ------------------------------------------------------------------------------------------------------------
# What the engine makes of it
# ------------------------------------------------------------------------------------------------------------


def _q(model_id: str, format_id: str):
    return model_quality(CTX.model(model_id), CTX.formats[format_id])


def test_nvfp4_deepseek_r1_comes_from_nvidias_own_cards_with_about_one_percent_loss():
    q = _q("deepseek-r1", "nvfp4_w4a4")
    assert q.match == "same model", q.basis
    assert q.n_figures >= 10
    assert q.ppl_increase_pct is not None and abs(q.ppl_increase_pct) <= 1.0, q.basis
    assert q.level == "very_low"
    assert q.source.startswith("https://huggingface.co/nvidia/DeepSeek-R1")


def test_nvfp4_deepseek_v3_comes_from_the_same_family_with_about_one_percent_loss():
    """NVIDIA's DeepSeek-V3-0324-FP4 table could not be read; DeepSeek-R1 (same architecture, catalog family
    deepseek-v3) and V3.2 carry it, instead of the format table's uncalibrated torchao Llama-8B +9.8%."""
    q = _q("deepseek-v3", "nvfp4_w4a4")
    assert q.match in ("same model", "same family"), q.basis
    assert q.ppl_increase_pct is not None and abs(q.ppl_increase_pct) <= 1.0, q.basis
    assert q.level == "very_low"


#: The worst class each is expected in: FP8 loses "very low" (ModelOpt's own level); INT8 W8A8 and INT4 W4A16 "low".
WORST = {"fp8_w8a8": "very_low", "int8_w8a8": "low", "int4_gptq_w4a16": "low"}
ORDER = ["very_low", "low", "medium", "high"]


@pytest.mark.parametrize(
    ("model_id", "format_id"),
    [
        ("llama-3.1-70b", "fp8_w8a8"),
        ("llama-3.1-405b", "fp8_w8a8"),
        ("llama-3.1-70b", "int8_w8a8"),
        ("llama-3.1-405b", "int8_w8a8"),
        ("llama-3.1-405b", "int4_gptq_w4a16"),
        ("qwen3-235b-a22b", "fp8_w8a8"),
        ("qwen3-30b-a3b", "int4_gptq_w4a16"),
        ("llama-3.3-70b", "fp8_w8a8"),
        ("llama-4-scout-17b-16e", "fp8_w8a8"),
    ],
)
def test_datacenter_formats_on_big_models_come_from_the_same_model(model_id, format_id):
    q = _q(model_id, format_id)
    assert q.match == "same model", q.basis
    assert q.level in ORDER[: ORDER.index(WORST[format_id]) + 1], q.basis
    assert q.source.startswith("https://huggingface.co/RedHatAI/"), q.source


def test_fp8_on_llama_31_70b_is_redhats_same_model_recovery():
    q = _q("llama-3.1-70b", "fp8_w8a8")
    assert q.match == "same model"
    assert "llama-3.1-70b" in q.basis and "70.6B" in q.basis
    assert q.n_figures >= 7
    assert q.low_pct is not None and q.high_pct is not None and q.low_pct <= q.ppl_increase_pct <= q.high_pct


def test_nvfp4_on_llama_31_8b_now_includes_redhats_calibrated_release():
    q = _q("llama-3.1-8b", "nvfp4_w4a4")
    assert q.match == "same model"
    assert q.n_figures >= 20, q.basis
