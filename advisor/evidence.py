"""Measured results as plain values, the advisor's view of the benchmark store.

The app and the CLI read stored benchmark rows from the database and hand them to the advisor
as ``Measurement`` objects; the advisor never touches the database itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    hardware_sku: str | None
    model_id: str | None
    params_b: float | None
    format_id: str | None
    engine: str = ""
    gpus: int = 1
    batch: int | None = None
    input_len: int | None = None
    output_len: int | None = None
    prefill_tok_s: float | None = None
    decode_tok_s: float | None = None
    ttft_ms: float | None = None
    tpot_ms: float | None = None
    memory_gb: float | None = None
    quality_metric: str = ""
    quality_value: float | None = None
    quality_reference: float | None = None
    source: str = ""  # "upload 12, row 3" or a URL
    label: str = ""
