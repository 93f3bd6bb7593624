"""Data lint over the REAL shipped catalog: one rule per test (browser-compat-data style).

Each failure message lists every offending file/field, so one run shows all the work to do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from hardware_db.catalog import DATA_DIR, Catalog, load_catalog
from hardware_db.schema import DeviceKind, MathFormat, Sku, Support, SupportClaim

MIN_SKUS = 80
RTX50_CC = "12.0"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _claims(catalog: Catalog):
    """Every support claim: (where, key, claim)."""
    for arch in catalog.architectures.values():
        for key, claim in arch.support.items():
            yield f"architecture {arch.id}", key, claim
    for sku in catalog.skus.values():
        for key, claim in sku.support.items():
            yield f"sku {sku.id}", key, claim


def _is_url(text: str) -> bool:
    return text.startswith(("https://", "http://")) and "." in text.split("//", 1)[1] and " " not in text


def _ok_date(d: dt.date) -> bool:
    return dt.date(2015, 1, 1) <= d <= dt.date(2027, 12, 31)


# --------------------------------------------------------------------------- identity and references


def test_ids_unique():
    for kind, pattern in (
        ("sku", "skus/**/*.toml"),
        ("architecture", "architectures/*.toml"),
        ("engine", "engines/*.toml"),
    ):
        stems = Counter(p.stem for p in DATA_DIR.glob(pattern))
        dupes = sorted(s for s, n in stems.items() if n > 1)
        assert not dupes, f"duplicate {kind} ids: {dupes}"


def test_references_resolve(catalog):
    missing = [
        f"sku {s.id} -> {s.architecture}" for s in catalog.skus.values() if s.architecture not in catalog.architectures
    ]
    for engine in catalog.engines.values():
        for p in engine.paths:
            missing += [f"engine {engine.id} -> {a}" for a in p.architectures if a not in catalog.architectures]
    assert not missing, f"unresolved references: {missing}"


# --------------------------------------------------------------------------- sourcing


def test_every_sku_has_source_and_checked(catalog):
    bad = [s.id for s in catalog.skus.values() if not _is_url(s.source) or not _ok_date(s.checked)]
    bad += [
        f"{s.id}.field_sources.{f}"
        for s in catalog.skus.values()
        for f, fs in s.field_sources.items()
        if not _is_url(fs.source) or not _ok_date(fs.checked)
    ]
    assert not bad, f"missing/odd source URL or checked date: {bad}"


def test_every_support_claim_has_source_and_checked(catalog):
    bad = [
        f"{where}.support.{key}"
        for where, key, c in _claims(catalog)
        if not _is_url(c.source) or not _ok_date(c.checked)
    ]
    assert not bad, f"support claims without a source URL / checked date: {bad}"


def test_field_sources_name_real_fields(catalog):
    allowed = {"memory_gb", "memory_bandwidth_gbps", "tdp_w", "interconnect_gbps"}
    allowed |= {f"{t}.{m.value}" for t in ("dense_tflops", "sparse_tflops") for m in MathFormat}
    bad = [f"{s.id}: {f}" for s in catalog.skus.values() for f in s.field_sources if f not in allowed]
    assert not bad, f"field_sources keys that name no field: {bad}"


def test_fp8_support_claims_carry_an_encoding(catalog):
    bad = [
        f"{where}.support.fp8 ({c.level})"
        for where, key, c in _claims(catalog)
        if key == "fp8" and c.level in (Support.NATIVE, Support.EMULATED, Support.WEIGHT_ONLY) and c.encoding is None
    ]
    assert not bad, f"fp8 claims without encoding (ocp/fnuz): {bad}"


def test_encoding_only_on_fp8(catalog):
    bad = [f"{where}.support.{key}" for where, key, c in _claims(catalog) if key != "fp8" and c.encoding is not None]
    assert not bad, f"encoding set on a non-fp8 claim: {bad}"


# --------------------------------------------------------------------------- throughput consistency


def test_native_format_has_dense_peak_or_unpublished_reason(catalog):
    bad = []
    for sku in catalog.skus.values():
        for fmt in MathFormat:
            if (
                catalog.support_level(sku.id, fmt.value) is Support.NATIVE
                and fmt.value not in sku.dense_tflops
                and fmt.value not in sku.unpublished
            ):
                bad.append(f"{sku.id}.{fmt.value}")
    assert not bad, f"native formats with neither dense_tflops nor an unpublished reason: {bad}"


def test_throughput_only_for_formats_that_run(catalog):
    bad = [
        f"{s.id}.dense_tflops.{k} ({catalog.support_level(s.id, k)})"
        for s in catalog.skus.values()
        for k in s.dense_tflops
        if catalog.support_level(s.id, k) in (Support.UNSUPPORTED, Support.WEIGHT_ONLY)
    ]
    assert not bad, f"dense peaks for formats the catalog says do not run natively: {bad}"


def test_dense_never_equals_sparse(catalog):
    bad = [
        f"{s.id}.{k}: dense {s.dense_tflops[k]} == sparse {v}"
        for s in catalog.skus.values()
        for k, v in s.sparse_tflops.items()
        if k in s.dense_tflops and s.dense_tflops[k] == v
    ]
    assert not bad, f"dense == sparse (a sparse figure copied into dense?): {bad}"


def _mentions_half_rate(*texts: str) -> bool:
    low = " ".join(texts).lower()
    return "half rate" in low or "half-rate" in low or "half the fp16 rate" in low


def test_fp16_bf16_doubling_is_flagged(catalog):
    # FP16 and BF16 run at the same matrix rate on every family except where a note says "half rate"
    # (AMD CDNA1 BF16). Exactly 2x between them is the classic sparse-figure-in-dense mistake.
    bad = []
    for s in catalog.skus.values():
        fp16, bf16 = s.dense_tflops.get("fp16"), s.dense_tflops.get("bf16")
        if fp16 is None or bf16 is None:
            continue
        arch = catalog.architectures[s.architecture]
        notes = [s.notes, arch.notes] + [
            c.notes for c in (catalog.support(s.id, "bf16"), catalog.support(s.id, "fp16")) if c
        ]
        if (fp16 == 2 * bf16 or bf16 == 2 * fp16) and not _mentions_half_rate(*notes):
            bad.append(f"{s.id}: fp16 {fp16} vs bf16 {bf16}")
    assert not bad, f"fp16/bf16 dense exactly 2x apart without a 'half rate' note (sparse value?): {bad}"


#: (sku, format) pairs whose vendor-printed sparse peak is knowingly not 2x dense, with the reason.
SPARSE_RATIO_EXCEPTIONS = {
    ("b300", "fp4"): "Blackwell Ultra raised dense NVFP4 1.5x over B200; NVIDIA prints 144 | 108 PF (sparse | dense)",
    ("gb300", "fp4"): "same as B300: NVIDIA prints FP4 sparse | dense, not a 2:1 pair",
}


def test_sparse_is_twice_dense(catalog):
    # 2% tolerance for vendor rounding (L40S prints 362.05 dense | 733 sparse FP16).
    bad = [
        f"{s.id}.{k}: sparse {v} vs dense {s.dense_tflops[k]}"
        for s in catalog.skus.values()
        for k, v in s.sparse_tflops.items()
        if k in s.dense_tflops
        and (s.id, k) not in SPARSE_RATIO_EXCEPTIONS
        and abs(v - 2 * s.dense_tflops[k]) > 0.02 * v
    ]
    assert not bad, f"2:4 sparse peak is not 2x the dense peak (within 2%): {bad}"


def test_sparse_only_with_dense(catalog):
    bad = [f"{s.id}.{k}" for s in catalog.skus.values() for k in s.sparse_tflops if k not in s.dense_tflops]
    assert not bad, f"sparse peak without its dense peak (halve the vendor's sparse figure): {bad}"


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("memory_bandwidth_gbps", 10, 20000), ("memory_gb", 1, 1000), ("tdp_w", 5, 3000), ("release_year", 2015, 2027)],
)
def test_units_sane(catalog, field, low, high):
    bad = [
        f"{s.id}: {getattr(s, field)}"
        for s in catalog.skus.values()
        if getattr(s, field) is not None and not low <= getattr(s, field) <= high
    ]
    assert not bad, f"{field} outside [{low}, {high}]: {bad}"


def test_tflops_sane(catalog):
    bad = [
        f"{s.id}.{t}.{k}: {v}"
        for s in catalog.skus.values()
        for t in ("dense_tflops", "sparse_tflops")
        for k, v in getattr(s, t).items()
        if not 0 < v < 50000
    ]
    assert not bad, f"throughput outside (0, 50000) TFLOPS: {bad}"


def test_architecture_release_year_sane(catalog):
    bad = [f"{a.id}: {a.release_year}" for a in catalog.architectures.values() if not 2015 <= a.release_year <= 2027]
    assert not bad


# --------------------------------------------------------------------------- NVIDIA specifics


def test_nvidia_skus_have_a_compute_capability(catalog):
    bad = [
        s.id
        for s in catalog.skus.values()
        if s.vendor == "nvidia"
        and catalog.architecture_of(s.id).kind is DeviceKind.GPU
        and catalog.compute_capability(s.id) is None
    ]
    assert not bad, f"NVIDIA SKUs without compute capability (architecture or override): {bad}"


def _is_rtx50(sku: Sku) -> bool:
    """GeForce RTX 5050..5090 (not the RTX 5000 Ada workstation card)."""
    return bool(re.match(r"^rtx_50[5-9]0", sku.id) or re.search(r"RTX 50[5-9]0\b", sku.name))


def test_rtx50_is_compute_capability_12_0(catalog):
    # Regression: RTX 50 (GB20x) is sm_120, not sm_100 as some public tables claim.
    rtx50 = [s for s in catalog.skus.values() if _is_rtx50(s)]
    if not rtx50:
        pytest.skip("no RTX 50 SKU in the catalog yet")
    bad = [f"{s.id}: {catalog.compute_capability(s.id)}" for s in rtx50 if catalog.compute_capability(s.id) != RTX50_CC]
    assert not bad, f"RTX 50 SKUs must be compute capability {RTX50_CC}: {bad}"
    assert {s.architecture for s in rtx50} == {"nvidia_blackwell_consumer"}


def test_blackwell_consumer_architecture_is_12_0(catalog):
    arch = catalog.architectures.get("nvidia_blackwell_consumer")
    if arch is None:
        pytest.skip("nvidia_blackwell_consumer not in the catalog yet")
    assert arch.compute_capability == RTX50_CC


def test_compute_capability_only_for_nvidia(catalog):
    bad = [a.id for a in catalog.architectures.values() if a.compute_capability and a.vendor != "nvidia"]
    assert not bad, f"compute_capability on non-NVIDIA architectures: {bad}"


# --------------------------------------------------------------------------- coverage


def test_catalog_has_at_least_80_skus(catalog):
    assert len(catalog.skus) >= MIN_SKUS, f"only {len(catalog.skus)} SKUs"


@pytest.mark.parametrize(
    ("sku_id", "arch"),
    [
        ("m4_max", "apple_m4"),
        ("tpu_v6e", "google_tpu_v6e"),
        ("tpu_v7", "google_tpu_v7"),
        ("inferentia2", "aws_inferentia2"),
        ("trainium2", "aws_trainium2"),
    ],
)
def test_apple_google_aws_present(catalog, sku_id, arch):
    assert catalog.skus[sku_id].architecture == arch


def test_apple_google_aws_anchor_values(catalog):
    # Spot checks against the vendor pages (values, not counts).
    s = catalog.skus
    assert (s["tpu_v6e"].dense_tflops["bf16"], s["tpu_v6e"].dense_tflops["int8"]) == (918, 1836)
    assert (s["tpu_v7"].dense_tflops["fp8"], s["tpu_v7"].memory_gb) == (4614, 192)
    assert (s["trainium2"].dense_tflops["fp8"], s["trainium2"].dense_tflops["bf16"]) == (1299, 667)
    assert s["inferentia2"].dense_tflops["fp8"] == s["inferentia2"].dense_tflops["bf16"] == 190
    assert (s["m4_max"].memory_gb, s["m4_max"].memory_bandwidth_gbps) == (128, 546)
    assert catalog.support_level("tpu_v6e", "fp8") is Support.EMULATED
    assert catalog.support_level("m2_ultra", "int8") is Support.UNKNOWN  # no Apple source: left unknown


def test_support_claim_type(catalog):
    assert all(isinstance(c, SupportClaim) for _, _, c in _claims(catalog))


def test_data_dir_is_the_shipped_one():
    assert Path(DATA_DIR).name == "data" and (DATA_DIR / "architectures" / "nvidia_hopper.toml").exists()


def test_engine_aliases_name_one_engine_each():
    from hardware_db.catalog import default_catalog

    owner: dict[str, str] = {}
    clashes = []
    for e in default_catalog().engines.values():
        for alias in {e.id, *e.aliases}:
            key = alias.strip().lower()
            if key in owner and owner[key] != e.id:
                clashes.append((alias, owner[key], e.id))
            owner[key] = e.id
    assert clashes == []
