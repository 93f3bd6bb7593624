"""Import, store and read back measured benchmark results.

``import_file`` is the one door in: size limit -> duplicate check (SHA-256 of the bytes) -> text
decoding -> format detection -> parsing -> per-row validation and normalization -> one transaction
that stores the upload (with the original bytes) and its valid rows. Normalizing and storing go
``BATCH_RECORDS`` records at a time inside that one transaction, so a failure in any batch rolls back
the upload and every batch before it. Nothing is written when no row is valid, when the file can't be
read, or when the same bytes were imported before.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import json
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor.context import Context
from advisor.measurement import Measurement
from measurements.columnar import read_sweep
from measurements.detect import detect_format, normalizer_for, parse_text
from measurements.fields import FieldError
from measurements.records import RawRecord, Rejection, UnreadableFile
from measurements.rowbuild import ImportContext
from safeio.csvsafe import rows_to_csv
from safeio.text import decode_text
from store.db import get_engine, session_factory, transaction
from store.measurement_rows import COLUMNS, FIELDS, to_values
from store.measurement_series import Series, SeriesMeasurements, expand, from_row, group, row_values
from store.models import BenchmarkUpload, MeasurementSeries

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
    measurements: Sequence[Measurement]  # a list, or the stored series' measurements built on first use
    upload_id: int | None
    message: str
    file_name: str = ""
    content_sha256: str = ""
    size_bytes: int = 0
    columns: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> list[Measurement]:
        """The stored measurements that carry a flag (something unmapped or assumed)."""
        return [m for m in self.measurements if m.flags]

    @property
    def readable(self) -> bool:
        """False when nothing could be read (CLI exit status 1)."""
        return self.imported > 0 or self.duplicates > 0

    def to_dict(self, *, with_rows: bool = True, max_rows: int | None = None) -> dict[str, Any]:
        """JSON-ready; with ``max_rows``, ``measurements`` holds the first ``max_rows`` and the first of every
        stored series after them (``measurements_total`` says how many were imported)."""
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
            rows = self.measurements
            if max_rows is not None and len(rows) > max_rows:
                rows = rows.head(max_rows) if isinstance(rows, SeriesMeasurements) else list(rows[:max_rows])
            out["measurements"] = [measurement_dict(m) for m in rows]
            out["measurements_total"] = len(self.measurements)
        return out


def measurement_dict(m: Measurement) -> dict[str, Any]:
    """A JSON-ready view of one measurement (enums as their tokens, the time as ISO 8601)."""
    out = {c: v for c, v in to_values(m, 0).items() if c != "upload_id"}
    out["measured_at"] = m.measured_at.isoformat() if m.measured_at else None
    return out


#: Records normalized and stored at a time, inside the upload's one transaction: what an import holds besides
#: the file, its records and the rows it returns is one batch's rows and their parameter tuples, and the parsed
#: records are released batch by batch (bench/bench_import.py --near-limit measures it).
BATCH_RECORDS = 4_000

Progress = Callable[[int, int], None]


def _insert_series(session: Session, series: list[Series], upload_id: int) -> None:
    """Insert series rows in the session's transaction (``store.measurement_series.row_values``)."""
    if series:
        session.execute(MeasurementSeries.__table__.insert(), [row_values(x, upload_id) for x in series])


_I_SOURCE = FIELDS.index("source")


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
    ctx: Context | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Read, validate, normalize and store one uploaded file (see the module docstring).

    ``progress(done, total)``, when given, is called as the work advances: ``total`` is twice the number of
    records read (normalizing them, then storing the rows), ``done`` how much of it is finished; the last call
    has ``done == total``. It is for a progress bar and must not raise."""
    with _gc_paused():
        return _import_file(
            data,
            file_name,
            label=label,
            hardware_hint=hardware_hint,
            engine=engine,
            max_bytes=max_bytes,
            ctx=ctx,
            progress=progress,
        )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while an import runs (and back on after, if it was on). An import makes
    hundreds of thousands of records, rows and parameter tuples, none in a reference cycle, and the collector
    would walk all of them again at each of its ~400 passes (a tenth of a 100,000-row import's CPU time,
    bench/RESULTS.md issue 14); what it would free is freed by reference counting as before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_file(
    data: bytes,
    file_name: str,
    *,
    label: str,
    hardware_hint: str | None,
    engine: Engine | None,
    max_bytes: int | None,
    ctx: Context | None,
    progress: Progress | None,
) -> ImportResult:
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
    ictx = ImportContext.build(hardware_hint, ctx, label=label[:255])
    sweep = read_sweep(data, file_name, ictx)  # a large llama-bench CSV read by column, else None
    if sweep is not None:
        source_format, records, rejected, swept = "llama_bench_csv", sweep.records, [], sweep.series
        ident["columns"] = sweep.columns
        n_records = sweep.n_rows
    else:
        try:
            text, _encoding = decode_text(data)
            source_format = detect_format(text, file_name)
            parsed = parse_text(text, source_format, file_name)
        except UnreadableFile as exc:
            return _failed(str(exc), **ident)
        del text  # the records hold what is needed: the decoded copy of the file goes now
        records, rejected, swept = parsed.records, list(parsed.rejections), []
        ident["columns"] = parsed.columns
        del parsed
        n_records = len(records)
    ticker = _Ticker(progress, n_records)
    if swept:
        ticker.normalized(n_records - len(records), swept)
    batches = _normalized_batches(records, normalizer_for(source_format), ictx, rejected, ticker)
    first = next((batch for batch in batches if batch), None)  # nothing is written before a record is valid
    if first is None and not swept:
        rejected.sort(key=lambda r: r.row)
        what = f"all {len(rejected)} record(s) were rejected" if rejected else "no benchmark results found in the file"
        return _failed(f"nothing imported: {what}", detected_format=source_format, rejected=rejected, **ident)
    rows: list[Measurement] = []
    stored: list[Series] = []
    try:
        with transaction(db) as session:  # one transaction: the upload and every batch, or nothing
            upload = BenchmarkUpload(
                file_name=file_name[:255],
                content_sha256=sha,
                source_format=source_format,
                label=label[:255],
                hardware_hint=(hardware_hint or None) and hardware_hint[:128],
                size_bytes=size,
                original=data,
                n_imported=0,
                n_rejected=0,
                rejected=[],
            )
            session.add(upload)
            session.flush()
            upload_id = upload.id
            source = f"upload {upload_id}"
            if swept:
                for x in swept:
                    x.template[_I_SOURCE] = source
                _insert_series(session, swept, upload_id)
                stored.extend(swept)
            seq = 0
            for batch in itertools.chain([first] if first else [], batches):
                _stamp_source(batch, source)
                series = group(batch, first_seq=seq, by_row=bool(swept))  # beside a sweep: ordered by row
                seq += len(batch)
                _insert_series(session, series, upload_id)
                ticker.stored()
                rows.extend(batch)
                stored.extend(series)
            rejected.sort(key=lambda r: r.row)
            n_rows = sum(len(x.points) for x in stored)
            upload.n_imported, upload.n_rejected = n_rows, len(rejected)
            upload.rejected = [r.to_dict() for r in rejected]
    except IntegrityError:
        existing = _find_upload(db, sha)  # the same file committed by a concurrent upload
        if existing is None:
            raise
        return _duplicate(existing, ident)
    ticker.finish()
    result: Sequence[Measurement] = SeriesMeasurements(stored) if swept else rows
    flagged = result.n_flagged() if swept else sum(1 for r in rows if r.flags)
    n_from = len(result.rows()) if swept else len({m.row for m in rows})
    message = f"imported {len(result)} measurement(s) from {n_from} record(s) as upload {upload_id}"
    if rejected:
        message += f"; rejected {len(rejected)} record(s)"
    if flagged:
        message += f"; {flagged} measurement(s) flagged (kept as given where they could not be mapped)"
    return ImportResult(source_format, len(result), 0, rejected, result, upload_id, message, **ident)


def _normalized_batches(
    records: list[Any],
    normalize: Callable[[RawRecord, ImportContext], list[Measurement]],
    ictx: ImportContext,
    rejected: list[Rejection],
    ticker: _Ticker,
) -> Iterator[list[Measurement]]:
    """The measurements of ``BATCH_RECORDS`` records at a time (an empty list when a whole batch was rejected);
    refused records go to ``rejected``. Each batch's records are released from ``records`` once normalized, so
    the parsed file is let go as the rows are built instead of after all of them."""
    step = max(1, BATCH_RECORDS)
    for start in range(0, len(records), step):
        end = min(len(records), start + step)
        out: list[Measurement] = []
        for i in range(start, end):
            record: RawRecord = records[i]
            records[i] = None
            try:
                out.extend(normalize(record, ictx))
            except FieldError as exc:
                rejected.append(Rejection(record.row, exc.column, exc.reason, record.fields))
            except ValueError as exc:  # a Measurement refused a value (non-finite, not positive)
                rejected.append(Rejection(record.row, "", str(exc), record.fields))
            except OverflowError:  # an importer rounded Infinity / 1e400 to a whole number
                reason = "a number is out of range (Infinity or 1e400)"
                rejected.append(Rejection(record.row, "", reason, record.fields))
        ticker.normalized(end - start, out)
        yield out


class _Ticker:
    """``progress(done, total)`` on the ``2 * n_records`` scale: a record counts once when normalized and once
    when its rows are stored (a rejected record's second half when its batch is stored)."""

    def __init__(self, progress: Progress | None, n_records: int) -> None:
        self.progress, self.total, self.done = progress, 2 * n_records, 0
        self._pending = 0  # records normalized whose batch is not stored yet

    def normalized(self, n: int, rows: list[Measurement]) -> None:
        self.done += n
        if rows:
            self._pending += n
        else:  # nothing of this batch to store: its second half is done too
            self.done += n
        self._tick()

    def stored(self) -> None:
        self.done += self._pending
        self._pending = 0
        self._tick()

    def finish(self) -> None:
        self.done = self.total
        self._tick()

    def _tick(self) -> None:
        if self.progress:
            self.progress(min(self.done, self.total), self.total)


def _stamp_source(rows: list[Measurement], source: str) -> None:
    """Write the upload's provenance on measurements this import just built (the upload id is known only once
    the upload row is flushed). They have not been handed to anyone yet, so setting the frozen field in place is
    safe, and it spares a copy of every row (``dataclasses.replace`` was a sixth of the import time)."""
    for m in rows:
        if m.source != source:
            object.__setattr__(m, "source", source)


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


def list_measurements(
    engine: Engine | None = None,
    *,
    hardware_sku: str | None = None,
    model_id: str | None = None,
    format_id: str | None = None,
    inference_engine: str | None = None,
    upload_id: int | None = None,
    metric: str | None = None,
    limit: int | None = None,
) -> list[Measurement]:
    """Stored measurements, in upload and row order, filtered by any of the given ids."""
    table = MeasurementSeries.__table__
    stmt = select(table)
    for column, value in (
        ("hardware_sku", hardware_sku),
        ("model_id", model_id),
        ("format_id", format_id),
        ("engine", inference_engine),
        ("upload_id", upload_id),
        ("metric", metric),
    ):
        if value is not None:
            stmt = stmt.where(table.c[column] == value)
    stmt = stmt.order_by(table.c.upload_id, table.c.first_seq, table.c.id)
    out: list[Measurement] = []
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(stmt).mappings()
        for _upload, of_upload in itertools.groupby(rows, key=operator.itemgetter("upload_id")):
            out.extend(expand(from_row(dict(r)) for r in of_upload))
            if limit and len(out) >= limit:
                break
    return out[:limit] if limit else out


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
    """Delete an upload and its rows in one transaction: the rows by one DELETE on ``upload_id`` (the ORM
    cascade would load every row first: seconds for a file at the upload limit), then the upload."""
    with transaction(engine or get_engine()) as session:
        upload = session.get(BenchmarkUpload, upload_id)
        if upload is None:
            return False
        table = MeasurementSeries.__table__
        session.execute(table.delete().where(table.c.upload_id == upload_id))
        session.delete(upload)  # its series collection was never loaded: nothing left to cascade
        return True


def measurements_csv(measurements: Iterable[Measurement]) -> str:
    """Measurements as CSV, one column per stored field (spreadsheet formulas neutralized)."""
    rows = []
    for m in measurements:
        values = measurement_dict(m)
        rows.append([v if not isinstance(v, list | dict) else json.dumps(v, default=str) for v in values.values()])
    header = [c for c in COLUMNS]
    return rows_to_csv(header, rows)
