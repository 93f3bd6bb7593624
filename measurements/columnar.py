"""A large llama-bench CSV read by column: the same measurements as the record-by-record path, at read_csv speed.

A llama-bench sweep repeats everything but the figures of each test. Here the file is parsed by pyarrow's CSV
reader (every cell as text, as the ``csv`` module gives it), the rows are grouped by every column but the
per-test figures (``PER_ROW``), and each group's first row goes through ``llama_bench._normalize_record`` (every
field validated, the measurement built and checked by its constructor): the template of its series. The other
rows of the group take only their figures, checked as whole columns with the rules the record path applies to
them (``avg_ts`` a positive finite number, ``stddev_ts`` a finite number >= 0 or blank, ``test_time`` an ISO 8601
UTC time or blank), written in the plainest spelling only. A row whose figures are spelled any other way, and
every row of a group whose template is refused, is handed back as a record for the record path
(``SweepRead.records``), which gives it exactly the measurement or the rejection it always gave.

It applies only where the result cannot differ from the record path's: a UTF-8 llama-bench CSV (detected from
its header) without a byte-order mark or NUL bytes, with one line per row (no blank lines, no line breaks
inside cells), a header without repeated names, and a sample of its lines parsed the same by the ``csv``
module. Anything else returns None and takes the record path. tests/measurements/test_columnar.py checks the
equivalence on every real llama-bench CSV in the fixtures and on damaged copies of them.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

import numpy as np

from advisor.measurement import Measurement, measurement_values
from measurements import llama_bench
from measurements.detect import detect_format
from measurements.fields import FieldError
from measurements.records import RawRecord
from measurements.rowbuild import ImportContext
from safeio.limits import DEFAULT_LIMITS, Limits
from store.measurement_rows import FIELDS
from store.measurement_series import TEXT, CellColumn, Points, Series

#: Files smaller than this take the record path (it is as fast there, and the column set-up costs more).
MIN_BYTES = 256 * 1024
#: The per-test figures: a sweep's rows differ in these; every other column is a condition of the series.
PER_ROW = ("avg_ts", "stddev_ts", "test_time", "avg_ns", "stddev_ns", "samples_ns", "samples_ts")
#: Lines compared with the ``csv`` module's reading before the columns are trusted (first, last, random).
SAMPLE_LINES = 200

_NUMBER = r"^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
_ISO_UTC = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
_PREFIX_BYTES = 64 * 1024


@dataclass
class SweepRead:
    """What the column reader made of a file: ``series`` (templates built, points filled; the template's
    ``source`` is set by the service once the upload has an id) and ``records``, the rows left to the record
    path, with the header ``columns`` and the number of data rows."""

    columns: list[str]
    series: list[Series]
    records: list[RawRecord]
    n_rows: int


def read_sweep(
    data: bytes, file_name: str, ictx: ImportContext, *, limits: Limits = DEFAULT_LIMITS, min_bytes: int = MIN_BYTES
) -> SweepRead | None:
    """The sweep read by column, or None where only the record path may read the file (see the module text)."""
    if len(data) < min_bytes or len(data) > limits.max_text_chars:
        return None
    header = _header(data, file_name, limits)
    if header is None:
        return None
    table = _table(data, header)
    if table is None or table.num_rows > limits.max_records or not _sample_matches(data, table, header):
        return None
    return _read(table, header, ictx)


def _header(data: bytes, file_name: str, limits: Limits) -> list[str] | None:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return None
    cut = data[:_PREFIX_BYTES]
    cut = cut[: cut.rfind(b"\n") + 1] if len(data) > _PREFIX_BYTES else cut
    try:
        prefix = cut.decode("utf-8")
    except UnicodeDecodeError:
        return None
    stripped = prefix.lstrip()
    if len(stripped) < min(4096, len(data)) - (len(prefix) - len(stripped)) or stripped.startswith(("{", "[")):
        return None  # detection reads the first 4,096 characters: the prefix must hold them
    try:
        if detect_format(prefix, file_name) != "llama_bench_csv":
            return None
    except Exception:  # noqa: BLE001 - whatever detection refuses, the record path says it
        return None
    first = prefix[: prefix.find("\n") + 1] if "\n" in prefix else prefix
    if first != prefix.lstrip()[: len(first)]:
        return None  # the header is not on line 1
    try:
        header = [h.strip() for h in next(csv.reader([first.rstrip("\r\n")]))]
    except (csv.Error, StopIteration):
        return None
    if len(set(header)) != len(header) or len(header) > limits.max_columns or "avg_ts" not in header:
        return None
    return header


def _table(data: bytes, header: list[str]):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(header))]  # pyarrow keeps them apart; the real names are ``header``
    try:
        return pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):  # ragged rows, bad UTF-8, ...: the record path says which
        return None


def _sample_matches(data: bytes, table, header: list[str]) -> bool:
    """One line per data row after the header (no blank line, no line break inside a cell, no bare CR), and the
    first and last lines and lines at seeded random places, read by the ``csv`` module as the record path reads
    them, equal the columns' cells."""
    import pyarrow as pa

    n = table.num_rows
    if n == 0 or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return False
    lines = _sample_lines(data, n)
    if lines is None:
        return False
    picks = sorted(lines)
    sample = table.take(pa.array(picks, type=pa.int64())).to_pylist()
    names = table.column_names
    for i, given in zip(picks, sample, strict=True):
        start, end = lines[i]
        try:
            cells = next(csv.reader(io.StringIO(data[start:end].decode("utf-8").rstrip("\r"))))
        except (csv.Error, StopIteration, UnicodeDecodeError):
            return False
        if cells != [given[c] for c in names]:
            return False
    return True


def _sample_lines(data: bytes, n_rows: int) -> dict[int, tuple[int, int]] | None:
    """``{data row: (start, end) byte offsets of its line}`` for the sampled rows (row 0 is line 2), or None when
    the file has not exactly one line per data row after the header. The random rows are found in one pass:
    the newlines are counted (``bytes.count``, in C) between sorted random byte offsets."""
    size = len(data)
    header_end = data.find(b"\n") + 1
    if header_end == 0:
        return None
    out: dict[int, tuple[int, int]] = {}

    def line_from(start: int) -> tuple[int, int]:
        end = data.find(b"\n", start)
        return start, size if end < 0 else end

    rng = random.Random(n_rows)
    random_rows: dict[int, int] = {}
    row, last = 0, header_end  # ``row``: newlines between the header's end and ``last``
    for off in sorted(rng.randrange(header_end, size) for _ in range(SAMPLE_LINES // 2)) if size > header_end else ():
        row += data.count(b"\n", last, off)
        last = off
        random_rows[row] = off
    n_lines = 1 + row + data.count(b"\n", last) + (0 if data.endswith(b"\n") else 1)
    if n_lines != n_rows + 1:
        return None
    for row, off in random_rows.items():
        out[row] = line_from(data.rfind(b"\n", 0, off) + 1)
    pos = header_end
    for row in range(min(n_rows, SAMPLE_LINES // 2)):  # the first rows
        out[row] = line_from(pos)
        pos = out[row][1] + 1
    end = size - 1 if data.endswith(b"\n") else size
    for row in range(n_rows - 1, max(-1, n_rows - 1 - SAMPLE_LINES // 2), -1):  # the last rows, backwards
        start = data.rfind(b"\n", 0, end) + 1
        out[row] = (start, end)
        end = start - 1
    return out


def _read(table, header: list[str], ictx: ImportContext) -> SweepRead:
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    col = {name: table.column(i) for i, name in enumerate(header)}  # chunked: pyarrow reads blocks in parallel
    lines = np.arange(2, n + 2, dtype=np.int64)  # the record path's row: the line number (header = line 1)

    # the figures, clean where spelled as the record path would take them without a second look
    avg_text = col["avg_ts"]
    avg_ok = pc.fill_null(pc.match_substring_regex(avg_text, _NUMBER), False).to_numpy(zero_copy_only=False)
    avg = pc.cast(pc.if_else(avg_ok, avg_text, pa.scalar("0")), pa.float64()).to_numpy()
    clean = avg_ok & np.isfinite(avg) & (avg > 0)
    stddev = np.zeros(n)
    stddev_null = np.ones(n, dtype=bool)
    if "stddev_ts" in col:
        text = col["stddev_ts"]
        blank = pc.equal(text, "").to_numpy(zero_copy_only=False)
        ok = pc.match_substring_regex(text, _NUMBER).to_numpy(zero_copy_only=False)
        stddev = pc.cast(pc.if_else(ok, text, pa.scalar("0")), pa.float64()).to_numpy()
        clean &= blank | (ok & np.isfinite(stddev))
        stddev_null = blank
    measured_us = np.zeros(n, dtype=np.int64)
    measured_null = np.ones(n, dtype=bool)
    if "test_time" in col:
        text = col["test_time"].combine_chunks()
        blank = pc.equal(text, "").to_numpy(zero_copy_only=False)
        ok, measured_us = _utc_microseconds(text)
        clean &= blank | ok
        measured_null = blank

    # the series: one per distinct combination of every other column
    conditions = [name for name in header if name not in PER_ROW]
    key = np.zeros(n, dtype=np.int64)
    width = 1
    for name in conditions:
        column = col[name]
        if n == 0 or pc.all(pc.equal(column, column[0])).as_py():
            continue  # one value in every row (the common case): nothing to tell apart
        encoded = pc.dictionary_encode(column.combine_chunks())
        k = len(encoded.dictionary)
        if k > 1:
            if width * k >= 2**62:  # too many combinations for one number: renumber what was seen so far
                _u, key = np.unique(key, return_inverse=True)
                width = int(key.max()) + 1
            key = key * k + encoded.indices.to_numpy(zero_copy_only=False)
            width *= k
    _u, first_index, group = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first_index, kind="stable")  # series in order of first appearance

    series: list[Series] = []
    slow = ~clean
    whole = {name: col[name].combine_chunks() for name in header if name in PER_ROW}
    varying = [name for name in header if name in PER_ROW and name not in ("avg_ts", "stddev_ts", "test_time")]
    for g in order:
        members = np.flatnonzero(group == g)
        good = members[clean[members]]
        if len(good) == 0:
            continue
        template = _template(int(good[0]), header, col, ictx)
        if template is None:  # a condition the record path refuses: every row of the group gets its message
            slow[members] = True
            continue
        m, kept = template
        kept_varying = [name for name in kept if name in varying]
        take = pa.array(good)
        cells = {name: _cells(whole[name].take(take)) for name in kept_varying}
        values = measurement_values(m)
        shared = {name: m.extra[name] for name in kept if name not in kept_varying}
        values[_I_EXTRA] = shared
        points = Points(
            seq=lines[good],
            row=lines[good],
            value=avg[good],
            stddev=stddev[good],
            stddev_null=stddev_null[good],
            measured_us=measured_us[good],
            measured_null=measured_null[good],
            extra_names=list(kept),
            cells=cells,
        )
        series.append(Series(values, shared, points))

    records = [_record(int(i), header, col) for i in np.flatnonzero(slow)]
    return SweepRead(header, series, records, n)


def _utc_microseconds(text) -> tuple[np.ndarray, np.ndarray]:
    """``(ok, microseconds since 1970 UTC)`` of ``YYYY-MM-DDTHH:MM:SSZ`` cells: ok only for a real calendar time
    (what ``datetime.fromisoformat`` accepts: month 1-12, a day the month has, hour < 24, minute and second < 60)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = _fixed_width_fields(text)
    if fields is not None:  # every cell 20 bytes long: the digits read straight from the bytes
        shaped, (year, month, day, hour, minute, second) = fields
    else:
        matched = pc.fill_null(pc.match_substring_regex(text, _ISO_UTC), False)
        fixed = pc.if_else(matched, text, pa.scalar("1970-01-01T00:00:00Z"))

        def part(start: int, stop: int) -> np.ndarray:
            return pc.cast(pc.utf8_slice_codeunits(fixed, start, stop), pa.int64()).to_numpy()

        shaped = matched.to_numpy(zero_copy_only=False)
        year, month, day = part(0, 4), part(5, 7), part(8, 10)
        hour, minute, second = part(11, 13), part(14, 16), part(17, 19)
    ok = shaped & (month >= 1) & (month <= 12) & (year >= 1)
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    first_day = months.astype("datetime64[D]")
    month_days = ((months + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    ok &= (day >= 1) & (day <= month_days) & (hour < 24) & (minute < 60) & (second < 60)
    days = first_day.astype(np.int64) + day - 1
    seconds = days * 86400 + hour * 3600 + minute * 60 + second
    return ok, np.where(ok, seconds * 1_000_000, 0)


_ISO_SEPARATORS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: "Z"}
_ISO_FIELDS = ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19))


def _fixed_width_fields(text) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """``(shaped, [year, month, day, hour, minute, second])`` read from the bytes of a string array whose every
    cell is 20 bytes (``YYYY-MM-DDTHH:MM:SSZ``); None for any other array. ``shaped``: the cell has digits and
    separators where that layout has them."""
    if len(text) == 0 or text.null_count:
        return None
    _validity, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    if int(offsets[-1] - offsets[0]) != 20 * len(text) or not np.all(np.diff(offsets) == 20):
        return None
    raw = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, 20)
    shaped = np.ones(len(text), dtype=bool)
    for pos, char in _ISO_SEPARATORS.items():
        shaped &= raw[:, pos] == ord(char)
    digits = raw - np.uint8(ord("0"))  # uint8: a byte below "0" wraps round to above 9
    values = []
    for start, stop in _ISO_FIELDS:
        block = digits[:, start:stop]
        shaped &= np.all(block <= 9, axis=1)
        number = np.zeros(len(text), dtype=np.int64)
        for k in range(stop - start):
            number = number * 10 + block[:, k].astype(np.int64)
        values.append(number)
    return shaped, values


def _template(i: int, header: list[str], col: dict, ictx: ImportContext) -> tuple[Measurement, tuple[str, ...]] | None:
    record = _record(i, header, col)
    try:
        return llama_bench._normalize_record(record, ictx)
    except (FieldError, ValueError, OverflowError):
        return None


def _record(i: int, header: list[str], col: dict) -> RawRecord:
    return RawRecord(i + 2, {name: col[name][i].as_py() for name in header})


def _cells(arr) -> CellColumn:
    """A text column of points from a pyarrow string array (its offsets and UTF-8 bytes, as they are)."""
    import pyarrow as pa

    arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
    _validity, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    return CellColumn(TEXT, offsets - start, data_buf.to_pybytes()[start:end] if data_buf is not None else b"")


_I_EXTRA = FIELDS.index("extra")
