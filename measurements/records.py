"""Plain value types shared by the parsers, the normalizer and the service."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


class UnreadableFile(ValueError):
    """Nothing in the file could be read; the message says why, in words a user can act on."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """One record that was not stored: ``row`` is the 1-based line (CSV, Markdown) or record number
    (JSON, JSONL, SQL ``INSERT``) in the source file; ``column`` is the field at fault ("" = whole row)."""

    row: int
    column: str
    reason: str
    values: dict[str, Any] | None = field(default=None, compare=False)  # the record as given, for the CSV export

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass(slots=True)
class NormalizedRow:
    """One measured configuration mapped to catalog ids; mirrors ``store.models.BenchmarkResult``.

    ``*_raw`` hold the text as given; ``hardware_sku`` / ``model_id`` / ``format_id`` are ``None``
    when the text could not be mapped, and ``flags`` then says so.
    """

    row_number: int
    hardware_raw: str = ""
    hardware_sku: str | None = None
    model_raw: str = ""
    model_id: str | None = None
    params_b: float | None = None
    format_raw: str = ""
    format_id: str | None = None
    engine: str = ""
    engine_version: str = ""
    test: str = ""
    gpus: int | None = None
    batch: int | None = None
    input_len: int | None = None
    output_len: int | None = None
    context_depth: int | None = None
    prefill_tok_s: float | None = None
    decode_tok_s: float | None = None
    stddev_tok_s: float | None = None
    ttft_ms: float | None = None
    tpot_ms: float | None = None
    memory_gb: float | None = None
    quality_metric: str = ""
    quality_value: float | None = None
    quality_reference: float | None = None
    measured_at: dt.datetime | None = None
    notes: str = ""
    flags: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["measured_at"] = self.measured_at.isoformat() if self.measured_at else None
        return out


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as a parser read it: field name -> value (strings for text formats)."""

    row: int
    fields: dict[str, Any]


@dataclass(slots=True)
class ParsedFile:
    """What a parser read from one file, before normalization."""

    source_format: str
    records: list[RawRecord] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # header as given (tabular formats)
