"""The one mapping between ``advisor.measurement.Measurement`` and the ``measurement_series`` table, both ways.

A series is what a sweep repeats: the measurements of one upload that share every field but the per-point ones.
The shared fields are the row's columns (``store.measurement_rows.to_values`` of the first measurement, so text
is cut to the column widths and flagged exactly as for one measurement); the points are one binary column:

- ``seq``: the point's place in the upload's measurements (reading back keeps the import's order),
- ``row``, ``value``, ``stddev`` (may be None), ``measured_at`` (may be None; kept as UTC microseconds),
- the kept fields (``extra``) whose values differ between points, each a column of cells: text as given, or
  the JSON text of any other value, and whether the point has the field at all. Fields every point has with
  the same value are the row's ``extra`` column; the order of the names is kept.

``Points`` holds them as arrays; the importer of a large CSV fills them straight from its columns
(``measurements.columnar``), every other import from its measurements (``group``). ``expand`` gives the
measurements back: a round trip keeps every field (tests/store/test_measurement_series.py, SQLite and
PostgreSQL).

The binary layout (version 1): ``b"FAS1"`` (or ``b"FAZ1"`` and the Zstandard frame of the rest, for a series
over ``store.compression.COMPRESS_FROM_BYTES``), a 4-byte little-endian header length, the header (JSON: the point
count, the arrays in order with dtype and byte length, the extra columns and the name order), then the arrays'
bytes. A later layout gets a new magic and its own reader; stored series are never rewritten silently.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.measurement import Measurement, measurement_like, measurement_values
from store.compression import ZSTD, compress, decompress
from store.measurement_rows import FIELDS, from_values, json_safe, to_values

MAGIC = b"FAS1"
MAGIC_ZSTD = b"FAZ1"  # the same layout, compressed (``store.compression``): a large series
#: Measurement fields that vary within a series (in the points); every other field is a column of the row.
POINT_FIELDS = ("row", "value", "stddev", "measured_at", "extra")
SHARED_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f not in POINT_FIELDS)
_shared_key = operator.attrgetter(*SHARED_FIELDS)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
TEXT, JSON = "text", "json"


@dataclass
class CellColumn:
    """One kept field that differs between points: ``kind`` TEXT (cells are the values) or JSON (cells are the
    JSON text of the values); ``present`` False where a point lacks the field (None: every point has it). The
    cells are UTF-8 bytes with their offsets (``offsets[i]:offsets[i + 1]`` is point i's cell)."""

    kind: str
    offsets: np.ndarray  # int64, n + 1
    data: bytes
    present: np.ndarray | None = None  # bool, n

    @classmethod
    def from_cells(cls, kind: str, cells: list[str], present: np.ndarray | None = None) -> CellColumn:
        encoded = [c.encode("utf-8") for c in cells]
        offsets = np.zeros(len(cells) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        return cls(kind, offsets, b"".join(encoded), present)

    def values(self) -> list[Any]:
        """The point values (``_MISSING`` where a point lacks the field)."""
        text = self.data.decode("utf-8")
        if len(text) == len(self.data):  # ASCII: byte offsets are character offsets
            o = self.offsets.tolist()
            cells = [text[a:b] for a, b in zip(o, o[1:], strict=False)]
        else:
            o = self.offsets.tolist()
            cells = [self.data[a:b].decode("utf-8") for a, b in zip(o, o[1:], strict=False)]
        if self.kind == JSON:
            cells = [json.loads(c) if c else None for c in cells]
        if self.present is not None:
            cells = [c if p else _MISSING for c, p in zip(cells, self.present.tolist(), strict=True)]
        return cells


_MISSING = object()


@dataclass
class Points:
    """The per-point fields of one series, as arrays of equal length."""

    seq: np.ndarray  # int64
    row: np.ndarray  # int64
    value: np.ndarray  # float64
    stddev: np.ndarray  # float64
    stddev_null: np.ndarray  # bool: the point has no stddev
    measured_us: np.ndarray  # int64 UTC microseconds
    measured_null: np.ndarray  # bool
    extra_names: list[str] = field(default_factory=list)  # every kept field name, in the records' order
    cells: dict[str, CellColumn] = field(default_factory=dict)  # the names whose values differ

    def __len__(self) -> int:
        return len(self.value)


@dataclass
class Series:
    """One series: the shared fields as one measurement's field values (``template``: ``measurement_values`` of
    a measurement the constructor built and checked), the shared kept fields, and the points."""

    template: list[Any]
    shared_extra: dict[str, Any]
    points: Points

    @property
    def first(self) -> Measurement:
        return measurement_like(self.template, {}, dict(self.template[_I_EXTRA]))

    def measurements(self) -> list[Measurement]:
        p = self.points
        rows, values = p.row.tolist(), p.value.tolist()
        stddevs = [None if null else s for s, null in zip(p.stddev.tolist(), p.stddev_null.tolist(), strict=True)]
        whens = [
            None if null else _EPOCH + us * _US
            for us, null in zip(p.measured_us.tolist(), p.measured_null.tolist(), strict=True)
        ]
        columns = [(name, col.values()) for name, col in p.cells.items()]
        base = {name: self.shared_extra.get(name) for name in p.extra_names}  # the names in the records' order
        out = []
        template = self.template
        for i in range(len(values)):
            extra = base.copy()
            for name, col in columns:
                v = col[i]
                if v is _MISSING:
                    del extra[name]
                else:
                    extra[name] = v
            changes = {"row": rows[i], "value": values[i], "stddev": stddevs[i], "measured_at": whens[i]}
            out.append(measurement_like(template, changes, extra))
        return out


_I_EXTRA = FIELDS.index("extra")


# ---------------------------------------------------------------- measurements -> series


def group(measurements: Iterable[Measurement], first_seq: int = 0, *, by_row: bool = False) -> list[Series]:
    """The measurements as series, in order of first appearance; ``seq`` counts from ``first_seq``, or is the
    measurement's row with ``by_row`` (records of one measurement each, stored beside series read by column)."""
    by_key: dict[tuple, list[tuple[int, Measurement]]] = {}
    for seq, m in enumerate(measurements, start=first_seq):
        by_key.setdefault(_shared_key(m), []).append((m.row if by_row else seq, m))
    return [_series(items) for items in by_key.values()]


def _series(items: list[tuple[int, Measurement]]) -> Series:
    ms = [m for _s, m in items]
    n = len(ms)
    names: dict[str, None] = {}
    for m in ms:
        names.update(dict.fromkeys(m.extra))
    shared: dict[str, Any] = {}
    cells: dict[str, CellColumn] = {}
    first = ms[0].extra
    for name in names:
        values = [m.extra.get(name, _MISSING) for m in ms]
        v0 = first.get(name, _MISSING)
        if v0 is not _MISSING and all(v is v0 or (type(v) is type(v0) and v == v0) for v in values):
            shared[name] = v0
            continue
        present = np.array([v is not _MISSING for v in values], dtype=bool)
        given = [v for v in values if v is not _MISSING]
        if all(type(v) is str for v in given):
            kind, text = TEXT, [v if v is not _MISSING else "" for v in values]
        else:
            kind = JSON
            text = [json.dumps(json_safe(v)) if v is not _MISSING else "" for v in values]
        cells[name] = CellColumn.from_cells(kind, text, None if present.all() else present)
    when = [m.measured_at for m in ms]
    null = np.array([w is None for w in when], dtype=bool)
    us = np.array([0 if w is None else (w - _EPOCH) // _US for w in when], dtype=np.int64)
    points = Points(
        seq=np.fromiter((s for s, _m in items), dtype=np.int64, count=n),
        row=np.fromiter((m.row for m in ms), dtype=np.int64, count=n),
        value=np.fromiter((m.value for m in ms), dtype=np.float64, count=n),
        stddev=np.fromiter((0.0 if m.stddev is None else m.stddev for m in ms), dtype=np.float64, count=n),
        stddev_null=np.fromiter((m.stddev is None for m in ms), dtype=bool, count=n),
        measured_us=us,
        measured_null=null,
        extra_names=list(names),
        cells=cells,
    )
    template = measurement_values(ms[0])
    template[_I_EXTRA] = shared
    return Series(template, shared, points)


# ---------------------------------------------------------------- series <-> table rows


def row_values(series: Series, upload_id: int) -> dict[str, Any]:
    """The ``measurement_series`` column values of one series of upload ``upload_id``."""
    first = series.first
    values = to_values(first, upload_id)
    for name in POINT_FIELDS:
        values.pop("row_number" if name == "row" else name, None)
    values["extra"] = json_safe(dict(series.shared_extra))
    p = series.points
    values["first_seq"] = int(p.seq[0]) if len(p) else 0
    values["n_points"] = len(p)
    values["points"] = encode_points(p)
    return values


def from_row(values: dict[str, Any]) -> Series:
    """A stored series from its row's column values (a mapping with the column names)."""
    points = decode_points(values["points"])
    shared = dict(values["extra"] or {})
    if len(points) == 0:
        raise ValueError("a stored series without points")
    flat = {k: v for k, v in values.items() if k not in ("points", "first_seq", "n_points", "id", "upload_id")}
    flat.update(row_number=int(points.row[0]), value=float(points.value[0]), stddev=None, measured_at=None)
    flat["extra"] = shared
    first = from_values(flat)  # the constructor checks the shared fields once
    template = measurement_values(first)
    template[_I_EXTRA] = shared
    return Series(template, shared, points)


def expand(series: Iterable[Series]) -> list[Measurement]:
    """Every point of the series as a measurement, in ``seq`` order."""
    keyed: list[tuple[int, Measurement]] = []
    for s in series:
        keyed.extend(zip(s.points.seq.tolist(), s.measurements(), strict=True))
    keyed.sort(key=operator.itemgetter(0))
    return [m for _s, m in keyed]


class SeriesMeasurements(Sequence[Measurement]):
    """The measurements of some series, built on first use (a 100,000-point import need not build them)."""

    def __init__(self, series: list[Series]) -> None:
        self.series = series
        self._n = sum(len(s.points) for s in series)
        self._items: list[Measurement] | None = None

    def _all(self) -> list[Measurement]:
        if self._items is None:
            self._items = expand(self.series)
        return self._items

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        return self._all()[i]

    def __iter__(self) -> Iterator[Measurement]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    def head(self, n: int) -> list[Measurement]:
        """The first ``n`` measurements and the first of every series beyond them, in order, without building
        the rest: enough to show a large import and every distinct thing it stored."""
        if self._items is not None or self._n <= n:
            items = self._all()
            if self._n <= n:
                return list(items)
        seqs = np.sort(np.concatenate([s.points.seq for s in self.series]))
        last = seqs[n - 1] if n > 0 else seqs[0] - 1
        keyed: list[tuple[int, Measurement]] = []
        for s in self.series:
            keep = s.points.seq <= last
            keep[0] = True
            part = Series(s.template, s.shared_extra, _subset(s.points, keep))
            keyed.extend(zip(part.points.seq.tolist(), part.measurements(), strict=True))
        keyed.sort(key=operator.itemgetter(0))
        return [m for _s, m in keyed]

    def n_flagged(self) -> int:
        return sum(len(s.points) for s in self.series if s.template[_I_FLAGS])

    def rows(self) -> set[int]:
        out: set[int] = set()
        for s in self.series:
            out.update(s.points.row.tolist())
        return out


_I_FLAGS = FIELDS.index("flags")


def _subset(p: Points, keep: np.ndarray) -> Points:
    cells = {}
    for name, col in p.cells.items():
        idx = np.flatnonzero(keep)
        parts = [col.data[col.offsets[i] : col.offsets[i + 1]] for i in idx.tolist()]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in parts], out=offsets[1:])
        cells[name] = CellColumn(col.kind, offsets, b"".join(parts), None if col.present is None else col.present[keep])
    return Points(
        seq=p.seq[keep],
        row=p.row[keep],
        value=p.value[keep],
        stddev=p.stddev[keep],
        stddev_null=p.stddev_null[keep],
        measured_us=p.measured_us[keep],
        measured_null=p.measured_null[keep],
        extra_names=p.extra_names,
        cells=cells,
    )


# ---------------------------------------------------------------- the binary points column


def encode_points(p: Points) -> bytes:
    arrays: list[tuple[str, np.ndarray]] = [
        ("seq", p.seq.astype("<i8", copy=False)),
        ("row", p.row.astype("<i8", copy=False)),
        ("value", p.value.astype("<f8", copy=False)),
        ("stddev", p.stddev.astype("<f8", copy=False)),
        ("stddev_null", p.stddev_null.astype("u1", copy=False)),
        ("measured_us", p.measured_us.astype("<i8", copy=False)),
        ("measured_null", p.measured_null.astype("u1", copy=False)),
    ]
    columns = []
    blobs: list[bytes] = []
    for name, col in p.cells.items():
        columns.append({"name": name, "kind": col.kind, "present": col.present is not None})
        arrays.append((f"cells:{name}:offsets", col.offsets.astype("<i8", copy=False)))
        if col.present is not None:
            arrays.append((f"cells:{name}:present", col.present.astype("u1", copy=False)))
    layout = [[name, a.dtype.str, a.nbytes] for name, a in arrays]
    blobs = [a.tobytes() for _n, a in arrays]
    for name, col in p.cells.items():
        layout.append([f"cells:{name}:data", "bytes", len(col.data)])
        blobs.append(col.data)
    header = json.dumps(
        {"n": len(p), "arrays": layout, "cells": columns, "extra_names": p.extra_names}, separators=(",", ":")
    ).encode()
    raw = b"".join([MAGIC, len(header).to_bytes(4, "little"), header, *blobs])
    codec, stored = compress(raw)
    return stored if not codec else MAGIC_ZSTD + stored


def decode_points(blob: bytes) -> Points:
    if blob[:4] == MAGIC_ZSTD:
        blob = decompress(blob[4:], ZSTD)
    if blob[:4] != MAGIC:
        raise ValueError(f"stored points in an unknown layout (magic {blob[:4]!r}, expected {MAGIC!r})")
    size = int.from_bytes(blob[4:8], "little")
    header = json.loads(blob[8 : 8 + size])
    pos = 8 + size
    parts: dict[str, Any] = {}
    for name, dtype, nbytes in header["arrays"]:
        chunk = blob[pos : pos + nbytes]
        parts[name] = chunk if dtype == "bytes" else np.frombuffer(chunk, dtype=dtype)
        pos += nbytes
    cells = {}
    for col in header["cells"]:
        name = col["name"]
        present = parts[f"cells:{name}:present"].astype(bool) if col["present"] else None
        cells[name] = CellColumn(col["kind"], parts[f"cells:{name}:offsets"], parts[f"cells:{name}:data"], present)
    return Points(
        seq=parts["seq"],
        row=parts["row"],
        value=parts["value"],
        stddev=parts["stddev"],
        stddev_null=parts["stddev_null"].astype(bool),
        measured_us=parts["measured_us"],
        measured_null=parts["measured_null"].astype(bool),
        extra_names=list(header["extra_names"]),
        cells=cells,
    )
