"""Import, store and read back measured benchmark results.

``import_file`` is the one door in: size limit -> duplicate check (SHA-256 of the bytes) -> text
decoding -> format detection -> parsing -> per-row validation and normalization -> one transaction
that stores the upload (with the original bytes) and its valid rows. Nothing is written when no row
is valid, when the file can't be read, or when the same bytes were imported before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor.evidence import Measurement
from measurements.detect import detect_format, normalizer_for, parse_text
from measurements.export import rows_to_csv
from measurements.fields import FieldError
from measurements.records import NormalizedRow, Rejection, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.textio import decode_text
from store.db import get_engine, session_factory, transaction
from store.models import BenchmarkResult, BenchmarkUpload

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_ENV = "FORMAT_ADVISOR_MAX_UPLOAD_MB"


def max_upload_bytes() -> int:
    """The configured upload limit: ``FORMAT_ADVISOR_MAX_UPLOAD_MB`` (MiB) or 20 MiB."""
    raw = os.environ.get(MAX_UPLOAD_ENV, "").strip()
    try:
        return int(float(raw) * 1024 * 1024) if raw else DEFAULT_MAX_UPLOAD_BYTES
    except ValueError:
        return DEFAULT_MAX_UPLOAD_BYTES


@dataclass
class ImportResult:
    detected_format: str  # "" when the file could not be read
    imported: int
    duplicates: int  # rows not stored again because the same file was imported before
    rejected: list[Rejection]
    rows: list[NormalizedRow]
    upload_id: int | None
    message: str
    file_name: str = ""
    content_sha256: str = ""
    size_bytes: int = 0
    columns: list[str] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """False when nothing could be read (CLI exit status 1)."""
        return self.imported > 0 or self.duplicates > 0

    def to_dict(self, *, with_rows: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "detected_format": self.detected_format,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": [r.to_dict() for r in self.rejected],
            "upload_id": self.upload_id,
            "message": self.message,
            "file_name": self.file_name,
            "content_sha256": self.content_sha256,
        }
        if with_rows:
            out["rows"] = [r.to_dict() for r in self.rows]
        return out


# Column widths of store.models.BenchmarkResult (PostgreSQL enforces them).
_WIDTHS = {
    "hardware_sku": 64,
    "model_id": 64,
    "format_raw": 128,
    "format_id": 64,
    "engine": 64,
    "engine_version": 128,
    "test": 64,
    "quality_metric": 128,
}
_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(NormalizedRow))
_get_fields = operator.attrgetter(*_ROW_FIELDS)


def _insert_rows(session: Session, values: list[dict[str, Any]]) -> None:
    """Insert result rows in the session's transaction. On SQLite the rows go to the driver's
    ``executemany`` directly, each value passed through the column type's own SQLite bind processor
    (JSON serialization, datetime format), which is what SQLAlchemy would do, minus its per-row
    overhead: for bench/bench_import.py's 100,000 rows the insert took 2.2-2.5 s against 2.8-3.2 s
    through the Core insert (3 runs each, 2026-11-27, load ~2). Other databases take the Core insert."""
    table = BenchmarkResult.__table__
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name != "sqlite":
        session.execute(table.insert(), values)
        return
    cols = [c for c in table.columns if c.name != "id"]
    names = [c.name for c in cols]
    procs = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
    pairs = list(zip(names, procs, strict=True))
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    params = [tuple(proc(v[name]) if proc else v[name] for name, proc in pairs) for v in values]
    conn.exec_driver_sql(sql, params)


def _row_values(row: NormalizedRow, upload_id: int) -> dict[str, Any]:
    values = dict(zip(_ROW_FIELDS, _get_fields(row), strict=True))
    for name, width in _WIDTHS.items():
        text = values[name]
        if text is not None and len(text) > width:
            values[name] = text[:width]
            row.flags.append(f"{name} cut to {width} characters")
    values["upload_id"] = upload_id
    return values


def _human(n_bytes: int) -> str:
    return f"{n_bytes / 1024 / 1024:.1f} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes:,} bytes"


def _failed(message: str, **kw: Any) -> ImportResult:
    return ImportResult(kw.pop("detected_format", ""), 0, 0, kw.pop("rejected", []), [], None, message, **kw)


def import_file(
    data: bytes,
    file_name: str,
    *,
    label: str = "",
    hardware_hint: str | None = None,
    engine: Engine | None = None,
    max_bytes: int | None = None,
) -> ImportResult:
    """Read, validate, normalize and store one uploaded file (see the module docstring)."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    size = len(data)
    ident = {"file_name": file_name, "size_bytes": size}
    if limit and size > limit:
        return _failed(f"the file is {_human(size)}, over the {_human(limit)} upload limit ({MAX_UPLOAD_ENV})", **ident)
    sha = hashlib.sha256(data).hexdigest()
    ident["content_sha256"] = sha
    db = engine or get_engine()
    existing = _find_upload(db, sha)
    if existing is not None:
        return _duplicate(existing, ident)
    try:
        text, _encoding = decode_text(data)
        source_format = detect_format(text, file_name)
        parsed = parse_text(text, source_format)
    except UnreadableFile as exc:
        return _failed(str(exc), **ident)
    ctx = ImportContext.build(hardware_hint)
    normalize = normalizer_for(source_format)
    rows: list[NormalizedRow] = []
    rejected = list(parsed.rejections)
    for record in parsed.records:
        try:
            rows.append(normalize(record, ctx))
        except FieldError as exc:
            rejected.append(Rejection(record.row, exc.column, exc.reason, record.fields))
    rejected.sort(key=lambda r: r.row)
    ident["columns"] = parsed.columns
    if not rows:
        what = f"all {len(rejected)} record(s) were rejected" if rejected else "no benchmark results found in the file"
        return _failed(f"nothing imported: {what}", detected_format=source_format, rejected=rejected, **ident)
    upload = BenchmarkUpload(
        file_name=file_name[:255],
        content_sha256=sha,
        source_format=source_format,
        label=label[:255],
        hardware_hint=(hardware_hint or None) and hardware_hint[:128],
        size_bytes=size,
        original=data,
        n_imported=len(rows),
        n_rejected=len(rejected),
        rejected=[r.to_dict() for r in rejected],
    )
    try:
        with transaction(db) as session:
            session.add(upload)
            session.flush()
            upload_id = upload.id
            _insert_rows(session, [_row_values(r, upload_id) for r in rows])
    except IntegrityError:
        existing = _find_upload(db, sha)  # the same file committed by a concurrent upload
        if existing is None:
            raise
        return _duplicate(existing, ident)
    flagged = sum(1 for r in rows if r.flags)
    message = f"imported {len(rows)} row(s) as upload {upload_id}"
    if rejected:
        message += f"; rejected {len(rejected)}"
    if flagged:
        message += f"; {flagged} row(s) flagged (kept as given where they could not be mapped)"
    return ImportResult(source_format, len(rows), 0, rejected, rows, upload_id, message, **ident)


def _find_upload(db: Engine, sha: str) -> BenchmarkUpload | None:
    with session_factory(db)() as session:
        return session.scalars(select(BenchmarkUpload).where(BenchmarkUpload.content_sha256 == sha)).first()


def _duplicate(existing: BenchmarkUpload, ident: dict[str, Any]) -> ImportResult:
    when = existing.uploaded_at.strftime("%Y-%m-%d %H:%M UTC") if existing.uploaded_at else "earlier"
    message = (
        f"already imported: the same file (SHA-256 {existing.content_sha256[:12]}...) is upload {existing.id} "
        f"({existing.file_name!r}, {when}); its {existing.n_imported} row(s) were not stored again"
    )
    return ImportResult(existing.source_format, 0, existing.n_imported, [], [], existing.id, message, **ident)


def rejected_csv(result: ImportResult | Iterable[Rejection | dict[str, Any]]) -> str:
    """The rejected records as CSV: row, column, reason, then the record's fields as given
    (formula-like cells neutralized). Accepts an ``ImportResult`` or stored ``upload.rejected``."""
    items = result.rejected if isinstance(result, ImportResult) else list(result)
    rejections = [
        r if isinstance(r, Rejection) else Rejection(int(r["row"]), str(r["column"]), str(r["reason"])) for r in items
    ]
    fields: list[str] = []
    for r in rejections:
        for k in r.values or {}:
            if k not in fields:
                fields.append(k)
    header = ["row", "column", "reason", *fields]
    body = ([r.row, r.column, r.reason, *[_cell((r.values or {}).get(k)) for k in fields]] for r in rejections)
    return rows_to_csv(header, body)


def _cell(value: Any) -> Any:
    return value if not isinstance(value, list | dict) else str(value)


# ---------------------------------------------------------------- reading back

RESULT_COLUMNS = ("id", "upload_id", *_ROW_FIELDS)


def list_results(
    engine: Engine | None = None,
    *,
    hardware_sku: str | None = None,
    model_id: str | None = None,
    format_id: str | None = None,
    inference_engine: str | None = None,
    upload_id: int | None = None,
    test: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Stored rows (one per measurement) with the upload's label, file name and source format."""
    stmt = select(
        BenchmarkResult, BenchmarkUpload.label, BenchmarkUpload.file_name, BenchmarkUpload.source_format
    ).join(BenchmarkUpload, BenchmarkResult.upload_id == BenchmarkUpload.id)
    for column, value in (
        (BenchmarkResult.hardware_sku, hardware_sku),
        (BenchmarkResult.model_id, model_id),
        (BenchmarkResult.format_id, format_id),
        (BenchmarkResult.engine, inference_engine),
        (BenchmarkResult.upload_id, upload_id),
        (BenchmarkResult.test, test),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    stmt = stmt.order_by(BenchmarkResult.upload_id, BenchmarkResult.row_number)
    if limit:
        stmt = stmt.limit(limit)
    records = []
    with session_factory(engine or get_engine())() as session:
        for result, label, file_name, source_format in session.execute(stmt):
            rec = {name: getattr(result, name) for name in RESULT_COLUMNS}
            rec.update(label=label, file_name=file_name, source_format=source_format)
            records.append(rec)
    return pd.DataFrame.from_records(records, columns=[*RESULT_COLUMNS, "label", "file_name", "source_format"])


UPLOAD_COLUMNS = [
    "id",
    "file_name",
    "source_format",
    "label",
    "hardware_hint",
    "uploaded_at",
    "size_bytes",
    "n_imported",
    "n_rejected",
    "content_sha256",
]


def list_uploads(engine: Engine | None = None) -> pd.DataFrame:
    with session_factory(engine or get_engine())() as session:
        uploads = session.scalars(select(BenchmarkUpload).order_by(BenchmarkUpload.id)).all()
        records = [{c: getattr(u, c) for c in UPLOAD_COLUMNS} for u in uploads]
    return pd.DataFrame.from_records(records, columns=UPLOAD_COLUMNS)


def get_upload(upload_id: int, engine: Engine | None = None) -> BenchmarkUpload | None:
    """The upload record with its original bytes and stored rejections (detached from the session)."""
    with session_factory(engine or get_engine())() as session:
        return session.get(BenchmarkUpload, upload_id)


def delete_upload(upload_id: int, engine: Engine | None = None) -> bool:
    with transaction(engine or get_engine()) as session:
        upload = session.get(BenchmarkUpload, upload_id)
        if upload is None:
            return False
        session.delete(upload)
        return True


def _opt(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def results_as_measurements(engine: Engine | None = None, **filters: Any) -> list[Measurement]:
    """Stored rows as the advisor's ``Measurement`` values (for evidence and calibration)."""
    df = list_results(engine, **filters)
    out: list[Measurement] = []
    for rec in df.to_dict("records"):
        out.append(
            Measurement(
                hardware_sku=_opt(rec["hardware_sku"]),
                model_id=_opt(rec["model_id"]),
                params_b=_opt(rec["params_b"]),
                format_id=_opt(rec["format_id"]),
                engine=rec["engine"] or "",
                gpus=int(rec["gpus"]) if _opt(rec["gpus"]) is not None else 1,
                batch=int(rec["batch"]) if _opt(rec["batch"]) is not None else None,
                input_len=int(rec["input_len"]) if _opt(rec["input_len"]) is not None else None,
                output_len=int(rec["output_len"]) if _opt(rec["output_len"]) is not None else None,
                prefill_tok_s=_opt(rec["prefill_tok_s"]),
                decode_tok_s=_opt(rec["decode_tok_s"]),
                ttft_ms=_opt(rec["ttft_ms"]),
                tpot_ms=_opt(rec["tpot_ms"]),
                memory_gb=_opt(rec["memory_gb"]),
                quality_metric=rec["quality_metric"] or "",
                quality_value=_opt(rec["quality_value"]),
                quality_reference=_opt(rec["quality_reference"]),
                source=f"upload {rec['upload_id']}, row {rec['row_number']}",
                label=rec["label"] or "",
            )
        )
    return out
