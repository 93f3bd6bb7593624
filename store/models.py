"""User data that must never be lost: benchmark uploads and rows, probe reports, shared reports.

Schema changes go through Alembic migrations in ``store/migrations/versions`` (applied at start
by ``python -m store upgrade``). The curated catalog lives in separate tables
(``store/catalog_tables.py``) that are rebuilt from the data files, never migrated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
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
    #: the file's bytes as stored: exactly as uploaded when ``original_codec`` is "", else compressed with it
    #: (``store.compression``); ``original`` gives the uploaded bytes either way
    stored_original: Mapped[bytes] = mapped_column("original", LargeBinary)
    original_codec: Mapped[str] = mapped_column(String(16), default="")
    n_imported: Mapped[int] = mapped_column(Integer, default=0)
    n_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{row, column, reason}]

    series: Mapped[list[MeasurementSeries]] = relationship(
        back_populates="upload", cascade="all, delete-orphan", order_by="MeasurementSeries.id"
    )

    @property
    def original(self) -> bytes:
        """The file exactly as uploaded."""
        from store.compression import decompress

        return decompress(self.stored_original, self.original_codec or "")

    @original.setter
    def original(self, data: bytes) -> None:
        from store.compression import compress

        self.original_codec, self.stored_original = compress(data)


class MeasurementSeries(UserBase):
    """Stored ``advisor.measurement.Measurement``s of one upload that share every field but the per-point ones
    (row, value, stddev, measured_at, the kept fields that differ), one row per series: the shared fields are
    columns (queried and filtered as before), the points one binary column (the mapping both ways:
    ``store.measurement_series``). A 100,000-row llama-bench sweep is a few series rows, not 100,000 rows."""

    __tablename__ = "measurement_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("benchmark_upload.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(32), index=True)
    statistic: Mapped[str] = mapped_column(String(16), default="")
    scope: Mapped[str] = mapped_column(String(16), default="total")
    load: Mapped[str] = mapped_column(String(16), default="static")
    request_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    # As given in the file, and as mapped to the catalog (None = could not be mapped; flagged).
    hardware_raw: Mapped[str] = mapped_column(Text, default="")
    hardware_sku: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    model_raw: Mapped[str] = mapped_column(Text, default="")
    model_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    params_b: Mapped[float | None] = mapped_column(Float, nullable=True)
    format_raw: Mapped[str] = mapped_column(String(128), default="")
    format_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    engine: Mapped[str] = mapped_column(String(64), default="")
    backend: Mapped[str] = mapped_column(String(32), default="")
    engine_version: Mapped[str] = mapped_column(String(128), default="")
    gpus: Mapped[int] = mapped_column(Integer, default=1)
    batch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    input_len: Mapped[int | None] = mapped_column(Integer, nullable=True)
    output_len: Mapped[int | None] = mapped_column(Integer, nullable=True)
    context_depth: Mapped[int] = mapped_column(Integer, default=0)
    kv_format: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quality_task: Mapped[str] = mapped_column(String(255), default="")
    quality_reference: Mapped[float | None] = mapped_column(Float, nullable=True)
    model_size_gib: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # "hardware not in catalog", ...
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # kept fields every point shares
    first_seq: Mapped[int] = mapped_column(Integer)  # the first point's place in the upload's measurements
    n_points: Mapped[int] = mapped_column(Integer)
    points: Mapped[bytes] = mapped_column(LargeBinary)  # store.measurement_series.encode_points

    upload: Mapped[BenchmarkUpload] = relationship(back_populates="series")


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


class CustomModel(UserBase):
    """A model given by its config.json (fetched from the Hub or uploaded), kept so advice and links reopen it.

    ``sha256`` is of the canonical JSON of the config (and of hf_quant_config.json when there is one), so the same
    config pasted with other whitespace is one row; ``(sha256, hf_repo)`` is unique.
    """

    __tablename__ = "custom_models"
    __table_args__ = (UniqueConstraint("sha256", "hf_repo", name="uq_custom_models_sha256_repo"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))  # "hf" | "upload"
    hf_repo: Mapped[str] = mapped_column(String(255), default="")  # "" for an upload
    revision: Mapped[str] = mapped_column(String(255), default="")  # as asked ("main", a tag, a commit)
    commit_hash: Mapped[str] = mapped_column(String(40), default="")  # what the Hub resolved it to
    config_json: Mapped[str] = mapped_column(Text)  # the config.json, canonical JSON text
    quant_config_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # hf_quant_config.json (ModelOpt)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
