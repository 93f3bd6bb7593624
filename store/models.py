"""User data that must never be lost: benchmark uploads and rows, probe reports, shared reports.

Schema changes go through Alembic migrations in ``store/migrations/versions`` (applied at start
by ``python -m store upgrade``). The curated catalog lives in separate tables
(``hardware_db/tables.py``) that are rebuilt from the data files, never migrated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UserBase(DeclarativeBase):
    pass


class BenchmarkUpload(UserBase):
    __tablename__ = "benchmark_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_format: Mapped[str] = mapped_column(String(64))  # llama_bench_csv, vllm_serve_json, ...
    label: Mapped[str] = mapped_column(String(255), default="")
    hardware_hint: Mapped[str | None] = mapped_column(String(128), nullable=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    size_bytes: Mapped[int] = mapped_column(Integer)
    original: Mapped[bytes] = mapped_column(LargeBinary)  # the file exactly as uploaded
    n_imported: Mapped[int] = mapped_column(Integer, default=0)
    n_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{row, column, reason}]

    rows: Mapped[list[BenchmarkResult]] = relationship(
        back_populates="upload", cascade="all, delete-orphan", order_by="BenchmarkResult.row_number"
    )


class BenchmarkResult(UserBase):
    """One measured configuration; metrics that a source does not give stay NULL."""

    __tablename__ = "benchmark_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("benchmark_upload.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # 1-based row/record in the source file
    # As given in the file, and as mapped to the catalog (None = could not be mapped; flagged).
    hardware_raw: Mapped[str] = mapped_column(Text, default="")
    hardware_sku: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    model_raw: Mapped[str] = mapped_column(Text, default="")
    model_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    params_b: Mapped[float | None] = mapped_column(Float, nullable=True)
    format_raw: Mapped[str] = mapped_column(String(128), default="")
    format_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    engine: Mapped[str] = mapped_column(String(64), default="")
    engine_version: Mapped[str] = mapped_column(String(128), default="")
    test: Mapped[str] = mapped_column(String(64), default="")  # pp512, tg128, serve, ...
    gpus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    batch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    input_len: Mapped[int | None] = mapped_column(Integer, nullable=True)
    output_len: Mapped[int | None] = mapped_column(Integer, nullable=True)
    context_depth: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prefill_tok_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    decode_tok_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    stddev_tok_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    ttft_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    tpot_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    memory_gb: Mapped[float | None] = mapped_column(Float, nullable=True)
    quality_metric: Mapped[str] = mapped_column(String(128), default="")
    quality_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    quality_reference: Mapped[float | None] = mapped_column(Float, nullable=True)  # full-precision score
    measured_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # "hardware not in catalog", ...
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # fields kept as given

    upload: Mapped[BenchmarkUpload] = relationship(back_populates="rows")


class ProbeReportRecord(UserBase):
    __tablename__ = "probe_report"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    label: Mapped[str] = mapped_column(String(255), default="")
    origin: Mapped[str] = mapped_column(String(16))  # cli | server | upload
    hostname: Mapped[str] = mapped_column(String(255), default="")
    schema_version: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class SharedReport(UserBase):
    """An immutable snapshot behind an unguessable id (at least 128 random bits)."""

    __tablename__ = "shared_report"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    title: Mapped[str] = mapped_column(String(255), default="")
    catalog_version: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
