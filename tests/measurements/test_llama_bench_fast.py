"""The import's fast paths give what the one-record-at-a-time path gives, on the real llama-bench files:

- ``llama_bench.normalize`` builds a sweep's later rows from a per-upload template
  (``rowbuild.measurement_like``); ``llama_bench._normalize_record`` is the full path every record took before;
- ``store.measurement_series`` stores their measurements as series and gives back the same measurements.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from advisor.measurement import Measurement, Metric
from bench.bench_import import make_csv
from measurements import llama_bench
from measurements.detect import detect_format, normalizer_for, parse_text
from measurements.fields import FieldError
from measurements.records import RawRecord
from measurements.rowbuild import ImportContext, measurement_like, measurement_values
from measurements.service import import_file, list_measurements
from store.measurement_series import expand, from_row, group, row_values
from tests.measurements.conftest import FIXTURES, SHARED_LLAMA

FILES = sorted(FIXTURES.glob("llama_bench_*")) + sorted(SHARED_LLAMA.glob("rtx4080_b5163.*"))


def _records(path: Path):
    text = path.read_text()
    fmt = detect_format(text, path.name)
    return fmt, parse_text(text, fmt, path.name).records


def _full(records, ctx):
    """Each record through the one-record path (what ``normalize`` did for every record before the templates)."""
    out = []
    for r in records:
        try:
            out.append(llama_bench._normalize_record(r, ctx)[0])
        except (FieldError, ValueError) as exc:
            out.append(str(exc))
    return out


def _fast(records, ctx):
    out = []
    for r in records:
        try:
            out.extend(llama_bench.normalize(r, ctx))
        except (FieldError, ValueError) as exc:
            out.append(str(exc))
    return out


@pytest.mark.parametrize("path", [p for p in FILES if not p.name.endswith(".md")], ids=lambda p: p.name)
def test_template_rows_equal_the_full_path_on_real_files(path):
    fmt, records = _records(path)
    assert fmt.startswith("llama_bench_")  # the upstream b1275/new-schema CSVs have no readable row: nothing to do
    # every record twice, the second time under another row number: the second pass is built from the templates
    again = [RawRecord(r.row + 1000, dict(r.fields)) for r in records]
    fast = _fast(records + again, ImportContext.build(None))
    full = _full(records + again, ImportContext.build(None))
    assert fast == full
    assert all(isinstance(m, Measurement) for m in fast)


def test_template_rows_equal_the_full_path_on_the_bench_sweep():
    text = make_csv(300).decode()
    records = parse_text(text, "llama_bench_csv").records
    fast = _fast(records, ImportContext.build(None))
    assert fast == _full(records, ImportContext.build(None))
    assert len({m.value for m in fast}) == 300 and [m.row for m in fast] == list(range(2, 302))
    assert fast[2].extra == {k: v for k, v in records[2].fields.items() if k not in llama_bench._CONSUMED}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("avg_ts", "inf", "avg_ts: expected a finite number"),
        ("avg_ts", "nan", "avg_ts: required value is missing"),  # "nan" is one of the blank spellings
        ("avg_ts", "0", "avg_ts: throughput is 0"),
        ("avg_ts", "-3", "avg_ts: negative value -3"),
        ("avg_ts", "", "avg_ts: required value is missing"),
        ("stddev_ts", "x", "stddev_ts: expected a number"),
        ("test_time", "yesterday", "test_time: expected a date and time"),
    ],
)
def test_a_bad_figure_after_the_template_is_rejected_as_before(field, value, message):
    records = parse_text(make_csv(6).decode(), "llama_bench_csv").records
    records[4].fields[field] = value  # rows 2-5 made the templates; this one reuses one
    fast, full = _fast(records, ImportContext.build(None)), _full(records, ImportContext.build(None))
    assert fast == full
    assert isinstance(fast[4], str) and fast[4].startswith(message)


def test_rejections_in_an_import_name_the_row_and_column_as_before(db_engine):
    lines = make_csv(8).decode().splitlines()
    header = lines[0].split(",")
    cells = lines[6].split(",")
    cells[header.index('"avg_ts"')] = '"inf"'
    lines[6] = ",".join(cells)
    result = import_file("\n".join(lines).encode(), "sweep.csv", engine=db_engine)
    assert result.imported == 7
    assert [(r.row, r.column) for r in result.rejected] == [(7, "avg_ts")]
    assert list_measurements(db_engine, upload_id=result.upload_id) == result.measurements


def test_measurement_like_keeps_the_constructors_checks():
    m = Measurement(metric=Metric.DECODE_TOK_S, value=10.0, row=2, extra={"a": "1"})
    values = measurement_values(m)
    like = measurement_like(values, {"value": 12.5, "row": 3}, {"a": "2"})
    assert like == dataclasses.replace(m, value=12.5, row=3, extra={"a": "2"})
    with pytest.raises(TypeError):
        like.extra["b"] = 1  # read-only, as the constructor makes it
    for bad in (float("nan"), float("inf"), 0.0, -1.0):
        with pytest.raises(ValueError, match="value must be"):
            measurement_like(values, {"value": bad}, {})
    with pytest.raises(ValueError, match="too large"):
        measurement_like(values, {"row": 2**60}, {})
    with pytest.raises(ValueError, match="can't replace 'gpus'"):
        measurement_like(values, {"gpus": 0}, {})


def test_series_keep_every_row_of_the_real_files_and_odd_kept_fields():
    """Every measurement of the real llama-bench files, stored as series and read back, is the same measurement,
    with kept fields that need escaping, that are not text, that differ in their names, and text over a column
    width (cut and flagged, as for one row)."""
    rows = []
    for path in FILES:
        fmt, records = _records(path)
        ctx = ImportContext.build(None)
        normalize = normalizer_for(fmt)
        for r in records:
            rows.extend(normalize(r, ctx))
    base = rows[0]
    odd = [
        dataclasses.replace(base, row=901, extra={"q": 'a "quoted" \\ value', "u": "Grafikkarte für 4 €", "n": "\n\t"}),
        dataclasses.replace(base, row=902, extra={"q": 'a "quoted" \\ value', "u": 7, "n": None}),
        dataclasses.replace(base, row=903, extra={"q": "plain", "u": "2", "n": ["x", 1.5]}),
        dataclasses.replace(base, row=904, extra={}),
        dataclasses.replace(base, row=905, extra={"100%s": "50%", "%%d": "%s"}),
    ]
    series = group(rows + odd)
    back = expand(from_row(row_values(s, 7) | {"id": 1}) for s in series)
    assert back == rows + odd
    (cut,) = expand(from_row(row_values(x, 7) | {"id": 1}) for x in group([dataclasses.replace(base, label="x" * 300)]))
    assert cut.label == "x" * 255 and "label cut to 255 characters" in cut.flags
