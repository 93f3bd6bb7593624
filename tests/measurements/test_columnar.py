"""A llama-bench CSV read by column (``measurements.columnar``) gives exactly what the record-by-record path gives:
the same measurements in the same order, the same rejections and message, the same stored rows, on the real
llama-bench CSVs in the fixtures and on damaged copies of a sweep built from a real file (bench/bench_import.py).
Where the columns can't be trusted (blank lines, a line break in a cell, a byte-order mark, ...) the file takes
the record path, and the result is the same again.
"""

from __future__ import annotations

import pytest

from bench.bench_import import make_csv
from measurements import columnar, service
from measurements.service import import_file, list_measurements
from tests.measurements.conftest import FIXTURES, SHARED_LLAMA

REAL = [
    SHARED_LLAMA / "rtx4080_b5163.csv",
    FIXTURES / "llama_bench_new_schema.csv",
    FIXTURES / "llama_bench_b1275_readme.csv",
]


def _both(data: bytes, monkeypatch, db_engine, *, expect_columns: bool | None = None):
    """The import by column (any size) and by record, of the same bytes, into the same database."""
    taken = []
    real = columnar.read_sweep

    def spy(*args, **kw):
        out = real(*args, **kw, min_bytes=0)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(service, "read_sweep", spy)
    by_column = import_file(data, "sweep.csv", engine=db_engine)
    stored_column = (
        list_measurements(db_engine, upload_id=by_column.upload_id) if by_column.upload_id is not None else []
    )
    if by_column.upload_id is not None:
        service.delete_upload(by_column.upload_id, engine=db_engine)
    monkeypatch.setattr(service, "read_sweep", lambda *a, **k: None)
    by_record = import_file(data, "sweep.csv", engine=db_engine)
    stored_record = (
        list_measurements(db_engine, upload_id=by_record.upload_id) if by_record.upload_id is not None else []
    )
    if expect_columns is not None:
        assert taken == [expect_columns]
    assert list(by_column.measurements) == [
        m.__class__(**{**_fields(m), "source": _fields(by_column.measurements[0])["source"]})
        for m in by_record.measurements
    ] or not by_record.measurements
    assert [r.to_dict() for r in by_column.rejected] == [r.to_dict() for r in by_record.rejected]
    assert by_column.message.replace(f"upload {by_column.upload_id}", "upload N") == by_record.message.replace(
        f"upload {by_record.upload_id}", "upload N"
    )
    assert [_fields(m, "source") for m in stored_column] == [_fields(m, "source") for m in stored_record]
    assert len(stored_column) == by_column.imported
    return by_column, by_record


def _fields(m, *leave_out: str) -> dict:
    return {name: getattr(m, name) for name in m.__dataclass_fields__ if name not in leave_out}


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files_read_by_column_equal_the_record_path(path, monkeypatch, db_engine):
    data = path.read_bytes()
    by_column, _ = _both(data, monkeypatch, db_engine)
    assert by_column.imported > 0 or by_column.rejected or "nothing imported" in by_column.message


def test_the_bench_sweep_is_read_by_column_and_equal(monkeypatch, db_engine):
    by_column, _ = _both(make_csv(3000), monkeypatch, db_engine, expect_columns=True)
    assert by_column.imported == 3000 and not by_column.rejected
    assert len(by_column.measurements.series) == 2  # pp512 and tg128


def _damaged(edits: dict[tuple[int, str], str], n: int = 400) -> bytes:
    text = make_csv(n).decode()
    lines = text.splitlines()
    header = [h.strip('"') for h in lines[0].split(",")]
    for (line, column), value in edits.items():
        cells = lines[line].split(",")
        cells[header.index(column)] = value
        lines[line] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    "edits",
    [
        {(5, "avg_ts"): '"inf"', (9, "avg_ts"): '""', (12, "avg_ts"): '" 5.5"', (20, "avg_ts"): '"1_0"'},
        {(7, "avg_ts"): '"-3"', (8, "avg_ts"): '"0"', (30, "avg_ts"): "7.25e2", (31, "avg_ts"): '"nan"'},
        {(6, "stddev_ts"): '"x"', (10, "stddev_ts"): '""', (11, "stddev_ts"): '"1e999"'},
        {(4, "test_time"): '"2025-02-30T00:00:00Z"', (5, "test_time"): '"yesterday"', (6, "test_time"): '""'},
        {(8, "test_time"): '"2025-04-24T24:00:00Z"', (9, "test_time"): '"2025-04-24 11:57:09"'},
        {(3, "model_type"): '"qwen2 7B Q8_0"', (40, "model_type"): '"qwen2 7B Q8_0"'},  # a third series
        {(2, "n_prompt"): '"x"', (4, "n_prompt"): '"x"'},  # a series whose template is refused
        {(3, "avg_ns"): '"not a number"', (5, "n_threads"): '"99"'},  # kept fields that differ
    ],
    ids=["avg_ts", "avg_ts-2", "stddev", "time", "time-2", "model", "refused-series", "kept"],
)
def test_damaged_sweeps_read_by_column_equal_the_record_path(edits, monkeypatch, db_engine):
    by_column, by_record = _both(_damaged(edits), monkeypatch, db_engine, expect_columns=True)
    assert by_record.imported + len(by_record.rejected) == 400


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("\n", "\n\n", 7),  # blank lines
        lambda t: t.replace('"llama.cpp"', '"llama\ncpp"', 1) if '"llama.cpp"' in t else t[:500] + "\n" + t[500:],
        lambda t: "\ufeff" + t,  # a byte-order mark
        lambda t: t.replace("\n", "\r", 3),  # bare CRs
        lambda t: t.rsplit("\n", 3)[0] + "\n" + '"a","b"\n',  # a ragged row
    ],
    ids=["blank-lines", "newline-in-cell", "bom", "bare-cr", "ragged"],
)
def test_files_the_columns_cannot_be_trusted_with_take_the_record_path(change, monkeypatch, db_engine):
    data = change(make_csv(300).decode()).encode()
    _both(data, monkeypatch, db_engine, expect_columns=False)


def test_windows_line_ends_are_read_by_column(monkeypatch, db_engine):
    data = make_csv(300).replace(b"\n", b"\r\n")
    by_column, _ = _both(data, monkeypatch, db_engine, expect_columns=True)
    assert by_column.imported == 300


def test_large_file_is_read_by_column_without_help(db_engine):
    result = import_file(make_csv(2000), "big.csv", engine=db_engine)
    assert len(make_csv(2000)) >= columnar.MIN_BYTES
    assert hasattr(result.measurements, "series") and result.imported == 2000


def test_a_large_import_shows_its_head_and_every_series_without_building_the_rest(db_engine):
    data = make_csv(3000).replace(b'"qwen2 7B Q4_K - Medium"', b'"qwen2 7B Q8_0"', 1)  # one row of a third series
    result = import_file(data, "big.csv", engine=db_engine)
    shown = result.to_dict(max_rows=10)
    assert shown["measurements_total"] == 3000 and len(result.measurements.series) >= 3
    rows = [r["row_number"] for r in shown["measurements"]]
    assert rows[:10] == list(range(2, 12)) and rows == sorted(rows)
    assert len(rows) == 10 + sum(1 for s in result.measurements.series if int(s.points.seq[0]) > rows[9])
    stored = list_measurements(db_engine, upload_id=result.upload_id)
    assert [service.measurement_dict(m) for m in stored if m.row in set(rows)] == shown["measurements"]
