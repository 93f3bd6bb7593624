"""The data-lint rules can fail: each is run on a catalog with one planted error and must flag it."""

from __future__ import annotations

import datetime as dt

import pytest

from hardware_db.catalog import Catalog
from hardware_db.schema import SupportClaim
from tests.hardware_db import test_data_lint as lint

CHECKED = dt.date(2026, 11, 27)
SRC = "https://example.org/datasheet"


def _with_sku(base: Catalog, sku_id: str, *, like: str = "h100_sxm5_80gb", **update) -> Catalog:
    sku = base.skus[like].model_copy(update={"id": sku_id, **update})
    skus = {k: v for k, v in base.skus.items() if k != like} | {sku_id: sku}
    files = dict(base.files) | {f"sku:{sku_id}": base.files[f"sku:{like}"]}
    return Catalog(version=base.version, architectures=base.architectures, skus=skus, engines=base.engines, files=files)


@pytest.mark.parametrize(
    ("rule", "update"),
    [
        (lint.test_dense_never_equals_sparse, {"dense_tflops": {"fp16": 1979.0}, "sparse_tflops": {"fp16": 1979.0}}),
        (lint.test_sparse_is_twice_dense, {"dense_tflops": {"fp16": 989.5}, "sparse_tflops": {"fp16": 1500.0}}),
        (lint.test_sparse_only_with_dense, {"dense_tflops": {}, "sparse_tflops": {"fp16": 1979.0}}),
        (lint.test_fp16_bf16_doubling_is_flagged, {"dense_tflops": {"fp16": 1979.0, "bf16": 989.5}}),
        (lint.test_native_format_has_dense_peak_or_unpublished_reason, {"dense_tflops": {"fp16": 989.5}}),
        (lint.test_throughput_only_for_formats_that_run, {"dense_tflops": {"int4": 3958.0}}),
        (lint.test_tflops_sane, {"dense_tflops": {"fp8": 60000.0}}),
        (
            lint.test_fp8_support_claims_carry_an_encoding,
            {"support": {"fp8": SupportClaim(level="native", source=SRC, checked=CHECKED)}},
        ),
        (
            lint.test_encoding_only_on_fp8,
            {"support": {"int8": SupportClaim(level="native", encoding="ocp", source=SRC, checked=CHECKED)}},
        ),
        (lint.test_every_sku_has_source_and_checked, {"checked": dt.date(2009, 1, 1)}),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_rule_flags_planted_error(fixture_catalog, rule, update):
    bad = _with_sku(fixture_catalog, "planted", **update)
    with pytest.raises(AssertionError, match="planted"):
        rule(bad)


@pytest.mark.parametrize(("field", "value"), [("memory_gb", 2000.0), ("memory_bandwidth_gbps", 5.0), ("tdp_w", 4000.0)])
def test_units_rule_flags_planted_error(fixture_catalog, field, value):
    bad = _with_sku(fixture_catalog, "planted", **{field: value})
    low, high = {"memory_gb": (1, 1000), "memory_bandwidth_gbps": (10, 20000), "tdp_w": (5, 3000)}[field]
    with pytest.raises(AssertionError, match="planted"):
        lint.test_units_sane(bad, field, low, high)


def test_rtx50_rule_flags_wrong_compute_capability(fixture_catalog):
    # the published error: RTX 5090 listed as sm_100 / or filed under an older family
    bad = _with_sku(fixture_catalog, "rtx_5090", like="rtx_4080", name="NVIDIA GeForce RTX 5090")
    with pytest.raises(AssertionError, match="rtx_5090: 8.9"):
        lint.test_rtx50_is_compute_capability_12_0(bad)
    override = _with_sku(
        fixture_catalog,
        "rtx_5090",
        like="rtx_4080",
        name="NVIDIA GeForce RTX 5090",
        architecture="nvidia_blackwell_consumer",
        compute_capability="10.0",
    )
    with pytest.raises(AssertionError, match="rtx_5090: 10.0"):
        lint.test_rtx50_is_compute_capability_12_0(override)


def test_rtx50_rule_accepts_12_0_and_ignores_rtx_5000_ada(fixture_catalog):
    good = _with_sku(
        fixture_catalog,
        "rtx_5090",
        like="rtx_4080",
        name="NVIDIA GeForce RTX 5090",
        architecture="nvidia_blackwell_consumer",
    )
    ada = _with_sku(good, "rtx_5000_ada", like="rtx_4080_super", name="NVIDIA RTX 5000 Ada Generation")
    lint.test_rtx50_is_compute_capability_12_0(ada)


def test_nvidia_compute_capability_rule(fixture_catalog):
    bad = _with_sku(fixture_catalog, "planted", like="mi300x", vendor="nvidia")
    with pytest.raises(AssertionError, match="planted"):
        lint.test_nvidia_skus_have_a_compute_capability(bad)
