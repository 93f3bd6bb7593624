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
import json.encoder
import operator
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor.context import Context
from advisor.measurement import Measurement
from measurements.detect import detect_format, normalizer_for, parse_text
from measurements.fields import FieldError
from measurements.records import RawRecord, Rejection, UnreadableFile
from measurements.rowbuild import ImportContext
from safeio.csvsafe import rows_to_csv
from safeio.text import decode_text
from store.db import get_engine, session_factory, transaction
from store.measurement_rows import COLUMNS, FIELDS, WIDTHS, from_values, to_values
from store.models import BenchmarkUpload, MeasurementRecord

#: A str as JSON text exactly as ``json.dumps`` writes it (ASCII, escapes), in C; TypeError for any other type.
_encode_text = json.encoder.encode_basestring_ascii

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
    measurements: list[Measurement]
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
            out["measurements"] = [measurement_dict(m) for m in self.measurements]
        return out


def measurement_dict(m: Measurement) -> dict[str, Any]:
    """A JSON-ready view of one measurement (enums as their tokens, the time as ISO 8601)."""
    out = {c: v for c, v in to_values(m, 0).items() if c != "upload_id"}
    out["measured_at"] = m.measured_at.isoformat() if m.measured_at else None
    return out


#: Rows per executemany batch (and per progress report while storing).
INSERT_CHUNK = 20_000
#: Records normalized and stored at a time, inside the upload's one transaction: what an import holds besides
#: the file, its records and the rows it returns is one batch's rows and their parameter tuples, and the parsed
#: records are released batch by batch (bench/bench_import.py --near-limit measures it).
BATCH_RECORDS = 4_000

Progress = Callable[[int, int], None]


def _insert_rows(
    session: Session, rows: list[Measurement], upload_id: int, progress: Progress | None = None, base: int = 0
) -> None:
    """Insert measurement rows in the session's transaction, in chunks of INSERT_CHUNK. On SQLite the rows go to
    the driver's ``executemany`` directly, each value passed through the column type's own SQLite bind processor
    (JSON serialization, datetime format), which is what SQLAlchemy would do, minus its per-row overhead
    (bench/bench_import.py measures it); a row with text over a column width takes ``to_values`` (which cuts it and
    flags the cut). Other databases take the Core insert of ``to_values``."""
    table = MeasurementRecord.__table__
    conn = session.connection()
    dialect = conn.dialect
    total = base + len(rows)
    if dialect.name != "sqlite":
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            session.execute(table.insert(), [to_values(m, upload_id) for m in chunk])
            if progress:
                progress(base + start + len(chunk), total)
        return
    by_name = {c.name: c for c in table.columns}
    names = [*COLUMNS, "upload_id"]
    procs = [by_name[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    build = _row_builder(names, procs, upload_id)
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        conn.exec_driver_sql(sql, [build(m) for m in chunk])
        if progress:
            progress(base + start + len(chunk), total)


def _row_builder(names: list[str], procs: list, upload_id: int) -> Callable[[Measurement], tuple]:
    """A function giving one measurement's parameter tuple in ``names`` order: the same values as
    ``to_values`` + the bind processors (enums bind as their token text), read with one ``attrgetter`` call. What
    rows share is worked out once per distinct value: the JSON of a flags tuple, the width check of the text
    columns (identity fields), and the JSON template of ``extra`` for one set of field names (``_ExtraJson``)."""
    get = operator.attrgetter(*FIELDS)
    n_fields = len(FIELDS)
    # metric/statistic/scope/load are StrEnums: str subclasses whose text is the token, which sqlite3 binds as text
    widths = [(i, WIDTHS[c]) for i, c in enumerate(COLUMNS) if c in WIDTHS]
    get_sized = operator.itemgetter(*(i for i, _w in widths))
    fits: set[tuple] = set()  # the text-column values seen within their widths
    i_flags, i_extra = FIELDS.index("flags"), FIELDS.index("extra")
    flag_proc, extra_proc = procs[i_flags], procs[i_extra]
    others = [(i, p) for i, p in enumerate(procs[:n_fields]) if p is not None and i not in (i_flags, i_extra)]
    flags_json: dict[tuple[str, ...], Any] = {}
    extra_json = _ExtraJson(extra_proc)
    upload_proc = procs[n_fields]
    upload_value = upload_proc(upload_id) if upload_proc else upload_id

    def build(m: Measurement) -> tuple:
        values = list(get(m))
        sized = get_sized(values)
        if sized not in fits:
            for i, width in widths:
                v = values[i]
                if v.__class__ is str and len(v) > width:  # rare: the exact cut-and-flag of to_values
                    d = to_values(m, upload_id)
                    return tuple(p(d[n]) if p else d[n] for n, p in zip(names, procs, strict=True))
            fits.add(sized)
        flags = values[i_flags]
        cached = flags_json.get(flags)
        if cached is None:
            cached = flags_json[flags] = flag_proc(list(flags)) if flag_proc else list(flags)
        values[i_flags] = cached
        values[i_extra] = extra_json(values[i_extra])
        for i, proc in others:
            values[i] = proc(values[i])
        values.append(upload_value)
        return tuple(values)

    return build


class _ExtraJson:
    """``extra``'s bind value: the JSON column's own processor, or, for a dict of text values under field names
    seen before, the same JSON text from a ``%`` template of the names (encoded once) filled with each value
    encoded by the json module's C string encoder (what ``json.dumps`` does for text; twice as fast as it for a
    llama-bench row's 20 fields). A template is used only after it gave exactly the processor's text for the
    first dict with those names; a dict with a value that is not text takes the processor."""

    def __init__(self, proc: Callable[[Any], Any] | None) -> None:
        self.proc = proc
        self.templates: dict[tuple, str | None] = {}  # field names -> template (None: not usable for them)

    def __call__(self, extra: Any) -> Any:
        proc = self.proc
        if proc is None:
            return dict(extra)
        names = tuple(extra)
        template = self.templates.get(names, False)
        if template:
            try:
                return template % tuple(map(_encode_text, extra.values()))
            except TypeError:  # a value that is not text (a number or list from JSON)
                return proc(dict(extra))
        value = proc(dict(extra))
        if template is False:
            self.templates[names] = self._template(names, extra, value)
        return value

    @staticmethod
    def _template(names: tuple, extra: Any, expected: Any) -> str | None:
        try:
            template = "{" + ", ".join(_encode_text(n).replace("%", "%%") + ": %s" for n in names) + "}"
            text = template % tuple(map(_encode_text, extra.values()))
        except TypeError:
            return None
        return template if text == expected else None


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
    try:
        text, _encoding = decode_text(data)
        source_format = detect_format(text, file_name)
        parsed = parse_text(text, source_format, file_name)
    except UnreadableFile as exc:
        return _failed(str(exc), **ident)
    del text  # the records hold what is needed: the decoded copy of the file goes now
    ictx = ImportContext.build(hardware_hint, ctx, label=label[:255])
    records, rejected = parsed.records, list(parsed.rejections)
    ident["columns"] = parsed.columns
    del parsed
    n_records = len(records)
    ticker = _Ticker(progress, n_records)
    batches = _normalized_batches(records, normalizer_for(source_format), ictx, rejected, ticker)
    first = next((batch for batch in batches if batch), None)  # nothing is written before a record is valid
    if first is None:
        rejected.sort(key=lambda r: r.row)
        what = f"all {len(rejected)} record(s) were rejected" if rejected else "no benchmark results found in the file"
        return _failed(f"nothing imported: {what}", detected_format=source_format, rejected=rejected, **ident)
    rows: list[Measurement] = []
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
            for batch in itertools.chain([first], batches):
                _stamp_source(batch, f"upload {upload_id}")
                _insert_rows(session, batch, upload_id)
                ticker.stored()
                rows.extend(batch)
            rejected.sort(key=lambda r: r.row)
            upload.n_imported, upload.n_rejected = len(rows), len(rejected)
            upload.rejected = [r.to_dict() for r in rejected]
    except IntegrityError:
        existing = _find_upload(db, sha)  # the same file committed by a concurrent upload
        if existing is None:
            raise
        return _duplicate(existing, ident)
    ticker.finish()
    flagged = sum(1 for r in rows if r.flags)
    n_from = len({m.row for m in rows})
    message = f"imported {len(rows)} measurement(s) from {n_from} record(s) as upload {upload_id}"
    if rejected:
        message += f"; rejected {len(rejected)} record(s)"
    if flagged:
        message += f"; {flagged} measurement(s) flagged (kept as given where they could not be mapped)"
    return ImportResult(source_format, len(rows), 0, rejected, rows, upload_id, message, **ident)


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
    table = MeasurementRecord.__table__
    stmt = select(*(table.c[c] for c in COLUMNS))
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
    stmt = stmt.order_by(table.c.upload_id, table.c.row_number, table.c.id)
    if limit:
        stmt = stmt.limit(limit)
    with (engine or get_engine()).connect() as conn:
        return [from_values(dict(row)) for row in conn.execute(stmt).mappings()]


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
        table = MeasurementRecord.__table__
        session.execute(table.delete().where(table.c.upload_id == upload_id))
        session.delete(upload)  # its rows collection was never loaded: nothing left to cascade
        return True


def measurements_csv(measurements: Iterable[Measurement]) -> str:
    """Measurements as CSV, one column per stored field (spreadsheet formulas neutralized)."""
    rows = []
    for m in measurements:
        values = measurement_dict(m)
        rows.append([v if not isinstance(v, list | dict) else json.dumps(v, default=str) for v in values.values()])
    header = [c for c in COLUMNS]
    return rows_to_csv(header, rows)
