"""RTX Ada workstation SKUs (issue 13): the datasheet figures, and the tensor peaks still unpublished.

Datasheet text as read on 2026-12-07 (NVIDIA datasheets, table "Specifications"; transcription stored in
atineoSE/coding-model-seeks-gpu pipeline/pipeline/sources/rtx{6000,5000}ada_specs.md, source
https://resources.nvidia.com/en-us-briefcase-for-datasheets/):

RTX 6000 Ada (https://www.nvidia.com/content/dam/en-zz/Solutions/design-visualization/rtx-6000/
proviz-print-rtx6000-datasheet-web-2504660.pdf):
    "GPU memory 48GB GDDR6" / "Memory interface 384-bit" / "Memory bandwidth 960 GB/s"
    "Single-precision performance 91.1 TFLOPS(3)" / "Tensor performance 1457.0 TFLOPS(4)"
    "Power consumption Total board power: 300 W"
    (3) "Peak rates based on GPU Boost Clock."
    (4) "Effective FP8 teraFLOPS (TFLOPS) using the new sparsity feature."
RTX 5000 Ada:
    "GPU Memory 32GB GDDR6" / "Memory Interface 256 bit" / "Memory Bandwidth 576GB/s"
    "Single-Precision Performance 65.3 TFLOPS(3)" / "Tensor Performance 1044.4 TFLOPS(4)"
    "Power Consumption Total board power: 250W"
    (4) "Effective FP8 teraFLOPS (TFLOPS) using sparsity."

Neither datasheet prints an FP16, BF16, TF32 or INT8 tensor peak, and no primary NVIDIA text with them
could be read, so those stay in ``unpublished``. Fill them (and change this test) only from a primary
NVIDIA table read in full, e.g. the Ada ProViz whitepaper v1.1.
"""

from __future__ import annotations

import pytest

from hardware_db.catalog import load_catalog

DATASHEET = {
    # sku: (memory_gb, memory_bandwidth_gbps, tdp_w, fp32 dense, fp8 sparse)
    "rtx_6000_ada": (48, 960, 300, 91.1, 1457.0),
    "rtx_5000_ada": (32, 576, 250, 65.3, 1044.4),
}
STILL_UNPUBLISHED = ("tf32", "fp16", "bf16", "int8", "int4")
SKUS = ("rtx_6000_ada", "rtx_5000_ada", "rtx_4000_ada")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.mark.parametrize("sku_id", sorted(DATASHEET))
def test_datasheet_figures(catalog, sku_id):
    memory_gb, bandwidth_gbps, tdp_w, fp32, fp8_sparse = DATASHEET[sku_id]
    sku = catalog.skus[sku_id]
    assert (sku.memory_gb, sku.memory_bandwidth_gbps, sku.tdp_w) == (memory_gb, bandwidth_gbps, tdp_w)
    assert sku.memory_type == "GDDR6"
    assert sku.dense_tflops["fp32"] == fp32
    assert sku.sparse_tflops["fp8"] == fp8_sparse
    # The datasheet figure is FP8 with 2:4 sparsity; the dense peak is half of it.
    assert sku.dense_tflops["fp8"] == pytest.approx(fp8_sparse / 2)


@pytest.mark.parametrize("sku_id", SKUS)
def test_tensor_peaks_without_a_primary_source_stay_unpublished(catalog, sku_id):
    sku = catalog.skus[sku_id]
    for fmt in STILL_UNPUBLISHED:
        assert fmt not in sku.dense_tflops, f"{sku_id}.{fmt}: a peak was added; quote its primary source here"
        assert sku.unpublished.get(fmt), f"{sku_id}.{fmt}: neither a peak nor an unpublished reason"
