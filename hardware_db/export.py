"""Flatten the curated catalog to one row per SKU, for CSV / JSON download and ``python -m hardware_db export``.

Columns (in this order; the same names in CSV and JSON):

* ``id``, ``name``, ``vendor``, ``architecture`` (architecture id), ``kind`` (gpu/cpu/npu/tpu),
  ``segment``, ``form_factor``
* ``compute_capability`` -- NVIDIA "major.minor" (the SKU's override, else its architecture's); empty elsewhere
* ``isa`` -- AMD gfx target / CPU ISA level (the SKU's, else its architecture's)
* ``memory_gb`` (vendor GB, or GiB where the vendor says so), ``memory_type``,
  ``memory_bandwidth_gbps`` (decimal GB/s), ``interconnect_gbps``, ``tdp_w``, ``cores``, ``release_year``
* ``dense_tflops_<fmt>`` -- dense peak, TFLOPS for floats and TOPS for ints, for
  fmt in fp32 tf32 fp16 bf16 fp8 int8 int4 fp6 fp4
* ``sparse_tflops_<fmt>`` -- the 2:4 structured-sparsity peak where the vendor gives one
* ``support_<key>`` -- the support level (native / weight_only / emulated / unsupported / unknown) of the SKU
  for each math format above and each block-scaled format mxfp8 mxfp6 mxfp4 nvfp4; the SKU's own claim
  overrides its architecture's; no claim -> ``unknown``
* ``fp8_encoding`` -- ``ocp`` or ``fnuz`` for the effective fp8 claim; empty when none
* ``unpublished`` -- formats that run natively but have no published peak, ``fmt: reason`` joined by `` | ``
* ``aliases`` -- names NVML / torch / lscpu report, joined by `` | ``
* ``source`` (primary datasheet URL), ``checked`` (ISO date), ``catalog_version`` (schema version + data hash)

Unknown numbers are empty cells in CSV and ``null`` in JSON; nothing is filled in or computed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hardware_db.catalog import Catalog, default_catalog
from hardware_db.schema import BlockScaling, MathFormat
from safeio.csvsafe import rows_to_csv

if TYPE_CHECKING:
    import pandas as pd

MATH_FORMATS: tuple[str, ...] = tuple(m.value for m in MathFormat)
BLOCK_FORMATS: tuple[str, ...] = tuple(b.value for b in BlockScaling)

COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "vendor",
    "architecture",
    "kind",
    "segment",
    "form_factor",
    "compute_capability",
    "isa",
    "memory_gb",
    "memory_type",
    "memory_bandwidth_gbps",
    "interconnect_gbps",
    "tdp_w",
    "cores",
    "release_year",
    *(f"dense_tflops_{f}" for f in MATH_FORMATS),
    *(f"sparse_tflops_{f}" for f in MATH_FORMATS),
    *(f"support_{f}" for f in MATH_FORMATS),
    *(f"support_{b}" for b in BLOCK_FORMATS),
    "fp8_encoding",
    "unpublished",
    "aliases",
    "source",
    "checked",
    "catalog_version",
)

_JOIN = " | "


def export_rows(catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """One dict per SKU, keys = ``COLUMNS``, sorted by vendor then id. Unknown values are None."""
    catalog = catalog if catalog is not None else default_catalog()
    rows: list[dict[str, Any]] = []
    for sku in sorted(catalog.skus.values(), key=lambda s: (s.vendor, s.id)):
        arch = catalog.architectures[sku.architecture]
        row: dict[str, Any] = {
            "id": sku.id,
            "name": sku.name,
            "vendor": sku.vendor,
            "architecture": sku.architecture,
            "kind": arch.kind.value,
            "segment": sku.segment.value,
            "form_factor": sku.form_factor or None,
            "compute_capability": catalog.compute_capability(sku.id),
            "isa": sku.isa or arch.isa,
            "memory_gb": sku.memory_gb,
            "memory_type": sku.memory_type or None,
            "memory_bandwidth_gbps": sku.memory_bandwidth_gbps,
            "interconnect_gbps": sku.interconnect_gbps,
            "tdp_w": sku.tdp_w,
            "cores": sku.cores,
            "release_year": sku.release_year,
        }
        for f in MATH_FORMATS:
            row[f"dense_tflops_{f}"] = sku.dense_tflops.get(f)
        for f in MATH_FORMATS:
            row[f"sparse_tflops_{f}"] = sku.sparse_tflops.get(f)
        for key in (*MATH_FORMATS, *BLOCK_FORMATS):
            row[f"support_{key}"] = catalog.support_level(sku.id, key).value
        fp8 = catalog.support(sku.id, "fp8")
        row["fp8_encoding"] = fp8.encoding.value if fp8 is not None and fp8.encoding is not None else None
        row["unpublished"] = _JOIN.join(f"{k}: {v}" for k, v in sku.unpublished.items()) or None
        row["aliases"] = _JOIN.join(sku.aliases) or None
        row["source"] = sku.source
        row["checked"] = sku.checked.isoformat()
        row["catalog_version"] = catalog.version
        rows.append(row)
    return rows


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def export_csv(catalog: Catalog | None = None) -> str:
    """The rows as CSV text (header = ``COLUMNS``; empty cell = unknown; text cells that a spreadsheet
    would run as a formula are prefixed with ``'``)."""
    rows = ([_cell(row[c]) for c in COLUMNS] for row in export_rows(catalog))
    return rows_to_csv(COLUMNS, rows, lineterminator="\n")


def export_json(catalog: Catalog | None = None) -> str:
    """The rows as a JSON array of objects (``null`` = unknown), one object per SKU."""
    return json.dumps(export_rows(catalog), indent=1, ensure_ascii=False) + "\n"


def export_dataframe(catalog: Catalog | None = None) -> pd.DataFrame:
    """The rows as a pandas DataFrame with ``COLUMNS`` in order (imports pandas on call)."""
    import pandas as pd

    return pd.DataFrame(export_rows(catalog), columns=list(COLUMNS))


__all__ = [
    "BLOCK_FORMATS",
    "COLUMNS",
    "MATH_FORMATS",
    "export_csv",
    "export_dataframe",
    "export_json",
    "export_rows",
]
