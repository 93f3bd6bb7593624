"""The mapping between Measurement and the stored series (both ways), and the migrations that made the tables."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from alembic import command
from sqlalchemy import text

from advisor.measurement import Load, Measurement, Metric, Scope, Statistic
from measurements.service import list_measurements
from store.db import create_db_engine, transaction
from store.measurement_rows import COLUMNS, FIELDS, from_values, to_values
from store.measurement_series import (
    POINT_FIELDS,
    SHARED_FIELDS,
    decode_points,
    encode_points,
    expand,
    from_row,
    group,
    row_values,
)
from store.migrate import _alembic_config, prepare_database
from store.models import BenchmarkUpload, MeasurementSeries


def _every_field_set() -> Measurement:
    return Measurement(
        metric=Metric.TTFT_MS,
        value=123.25,
        hardware_sku="h100_sxm5_80gb",
        hardware_raw="NVIDIA H100 80GB HBM3",
        model_id="llama-3.1-8b",
        model_raw="meta-llama/Llama-3.1-8B-Instruct",
        params_b=8.03,
        format_id="fp8_w8a8",
        format_raw="fp8",
        engine="vllm",
        backend="cuda",
        engine_version="0.11.0",
        gpus=2,
        batch=16,
        load=Load.CONCURRENT,
        request_rate=None,
        input_len=1024,
        output_len=128,
        context_depth=64,
        kv_format="kv_fp8",
        statistic=Statistic.P99,
        scope=Scope.PER_GPU,
        quality_task="",
        quality_reference=None,
        stddev=1.5,
        model_size_gib=8.5,
        source="upload 1",
        row=7,
        label="lab run",
        measured_at=dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC),
        notes="all fields set",
        flags=("format inferred from the model name",),
        extra={"nested": {"a": [1, 2]}, "text": "x"},
    )


def _store(engine, measurements) -> int:
    with transaction(engine) as session:
        up = BenchmarkUpload(
            file_name="f.json",
            content_sha256="b" * 64,
            source_format="test",
            label="",
            size_bytes=1,
            original=b"x",
            n_imported=len(measurements),
            n_rejected=0,
            rejected=[],
        )
        session.add(up)
        session.flush()
        session.execute(MeasurementSeries.__table__.insert(), [row_values(x, up.id) for x in group(measurements)])
        return up.id


def test_every_field_is_a_column_or_a_point_field():
    assert len(FIELDS) == len(COLUMNS) and set(SHARED_FIELDS) | set(POINT_FIELDS) == set(FIELDS)
    names = {c.name for c in MeasurementSeries.__table__.columns}
    shared = {c for f, c in zip(FIELDS, COLUMNS, strict=True) if f in SHARED_FIELDS}
    assert shared | {"extra"} <= names
    assert names - shared == {"id", "upload_id", "extra", "first_seq", "n_points", "points"}


def _sweep(zone: dt.tzinfo = dt.timezone(dt.timedelta(hours=2))) -> list[Measurement]:
    """Rows of one series and of another, interleaved, with every kind of per-point difference: figures, a
    missing stddev and time, a time in another zone, kept fields that differ (text, numbers, nested, absent),
    one that all share, and non-ASCII text."""
    base = _every_field_set()
    out = []
    for i in range(7):
        extra = {"shared": "same", "avg_ns": str(1000 + i), "nested": {"a": [i]}}
        if i % 3 == 0:
            extra["sometimes"] = "ü" * i
        if i == 4:
            extra["number"] = float("inf")  # stored as its text (PostgreSQL's JSON has no Infinity)
        when = None if i == 2 else dt.datetime(2026, 11, 27, 10, i, tzinfo=zone)
        metric = Metric.TTFT_MS if i % 2 else Metric.TPOT_MS
        out.append(
            dataclasses.replace(
                base,
                metric=metric,
                value=100.0 + i,
                stddev=None if i == 3 else i / 4,
                row=10 + i,
                measured_at=when,
                extra=extra,
            )
        )
    return out


def test_series_round_trip_keeps_every_point_and_the_order():
    ms = _sweep()
    series = group(ms)
    assert len(series) == 2 and sum(len(s.points) for s in series) == len(ms)
    back = expand(from_row(row_values(s, 1) | {"id": 1}) for s in series)
    expected = [dataclasses.replace(m, extra={**m.extra, "number": "inf"}) if "number" in m.extra else m for m in ms]
    assert back == expected
    assert [list(m.extra) for m in back] == [list(m.extra) for m in expected]  # the field order as given
    assert back[0].measured_at.utcoffset() == dt.timedelta(0)  # kept as UTC (what PostgreSQL does)


def test_points_layout_is_checked():
    (series,) = group([_every_field_set()])
    blob = encode_points(series.points)
    assert decode_points(blob).value.tolist() == [123.25]
    with pytest.raises(ValueError, match="unknown layout"):
        decode_points(b"XXXX" + blob[4:])


def test_large_series_is_stored_compressed_and_read_back(db_engine):
    ms = [dataclasses.replace(_every_field_set(), row=i + 1, value=1.0 + i, extra={"i": str(i)}) for i in range(5000)]
    (series,) = group(ms)
    assert row_values(series, 1)["points"][:4] == b"FAZ1"
    upload_id = _store(db_engine, ms)
    assert list_measurements(db_engine, upload_id=upload_id) == ms
    assert list_measurements(db_engine, upload_id=upload_id, limit=3) == ms[:3]


def test_original_file_is_kept_exactly(db_engine):
    data = b"build_commit,avg_ts\n" + b"abc,1.5\n" * 50_000
    with transaction(db_engine) as session:
        up = BenchmarkUpload(
            file_name="big.csv",
            content_sha256="e" * 64,
            source_format="x",
            size_bytes=len(data),
            original=data,
            n_imported=0,
            n_rejected=0,
            rejected=[],
        )
        session.add(up)
    with transaction(db_engine) as session:
        stored = session.query(BenchmarkUpload).filter_by(content_sha256="e" * 64).one()
        assert stored.original_codec == "zstd" and len(stored.stored_original) < len(data) / 10
        assert stored.original == data


def test_round_trip_keeps_every_field(db_engine):
    m = _every_field_set()
    quality = Measurement(
        "quality",
        0.61,
        model_id="llama-3.1-8b",
        format_id="int4_gptq_w4a16",
        quality_task="mmlu/acc,none",
        quality_reference=0.68,
        source="upload 1",
        row=8,
    )
    upload_id = _store(db_engine, [m, quality])
    back = list_measurements(db_engine, upload_id=upload_id)
    assert back == [m, quality]
    for field in dataclasses.fields(Measurement):
        assert getattr(back[0], field.name) == getattr(m, field.name), field.name
    assert isinstance(back[0].metric, Metric) and back[0].measured_at.tzinfo is not None


def test_text_longer_than_a_column_is_cut_and_flagged():
    m = dataclasses.replace(_every_field_set(), format_raw="x" * 500)
    values = to_values(m, 1)
    assert len(values["format_raw"]) == 128
    assert "format_raw cut to 128 characters" in values["flags"]
    assert from_values(values).format_raw == "x" * 128


@pytest.mark.parametrize("backend", ["sqlite"])
def test_migration_0002_converts_every_old_row(tmp_path, backend):
    """A database at revision 0001 with one llama-bench, one vLLM serve and one lm-eval row keeps them all."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO benchmark_upload (id, file_name, content_sha256, source_format, label, uploaded_at, "
                "size_bytes, original, n_imported, n_rejected, rejected) VALUES (1, 'a', :sha, 'x', 'old', "
                "'2026-11-27 10:00:00', 1, x'00', 3, 0, '[]')"
            ),
            {"sha": "c" * 64},
        )
        cols = (
            "upload_id, row_number, hardware_raw, hardware_sku, model_raw, model_id, params_b, format_raw, format_id, "
            "engine, engine_version, test, gpus, batch, input_len, output_len, context_depth, prefill_tok_s, "
            "decode_tok_s, stddev_tok_s, ttft_ms, tpot_ms, memory_gb, quality_metric, quality_value, "
            "quality_reference, notes, flags, extra"
        )
        rows = [
            "1, 2, 'RTX 4080', 'rtx_4080', 'q', 'qwen2.5-7b', 7.6, 'Q4_K - Medium', 'gguf_q4_k_m', 'llama_cpp', "
            "'b5163', 'pp512', 1, 1, 512, NULL, 0, 7285.7, NULL, 100.1, NULL, NULL, NULL, '', NULL, NULL, '', '[]', '{}'",
            "1, 3, 'H100', 'h100_sxm5_80gb', 'm', 'llama-3.1-8b', 8.0, '', 'bf16', 'vllm', '', 'serve', 1, 64, 230, "
            "203, NULL, NULL, 6582.87, NULL, 9626.13, 77.86, NULL, '', NULL, NULL, 'n', '[\"f\"]', '{\"k\": 1}'",
            "1, 4, '', NULL, 'm', 'llama-3.1-8b', NULL, '', 'fp8_w8a8', '', '', 'gsm8k', NULL, NULL, NULL, NULL, "
            "NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'gsm8k/exact_match,strict', 0.55, 0.58, '', '[]', '{}'",
        ]
        for r in rows:
            conn.execute(text(f"INSERT INTO benchmark_result ({cols}) VALUES ({r})"))
    applied, _ = prepare_database(engine)
    assert applied[0] == "0002"  # later migrations (0003 custom models, ...) follow it
    got = {(m.row, m.metric, m.statistic): m for m in list_measurements(engine)}
    assert set(got) == {
        (2, Metric.PREFILL_TOK_S, Statistic.NONE),
        (3, Metric.OUTPUT_TOK_S, Statistic.NONE),  # the old decode_tok_s of a serve row was output_throughput
        (3, Metric.TTFT_MS, Statistic.MEAN),
        (3, Metric.TPOT_MS, Statistic.MEAN),
        (4, Metric.QUALITY, Statistic.NONE),
    }
    pp = got[(2, Metric.PREFILL_TOK_S, Statistic.NONE)]
    assert (pp.value, pp.stddev, pp.batch, pp.load, pp.input_len) == (7285.7, 100.1, 1, Load.STATIC, 512)
    serve = got[(3, Metric.OUTPUT_TOK_S, Statistic.NONE)]
    assert (serve.value, serve.batch, serve.load, serve.flags, dict(serve.extra)) == (
        6582.87,
        64,
        Load.CONCURRENT,
        ("f",),
        {"k": 1},
    )
    q = got[(4, Metric.QUALITY, Statistic.NONE)]
    assert (q.value, q.quality_task, q.quality_reference, q.label) == (0.55, "gsm8k/exact_match,strict", 0.58, "old")
    with engine.connect() as conn:
        assert not engine.dialect.has_table(conn, "benchmark_result")


def _alembic(engine, action: str, revision: str) -> None:
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def test_migration_0004_moves_every_row_into_series_and_back(db_engine):
    """At revision 0003 (one row per measurement) two uploads hold interleaved rows of two series, rows sharing
    a row number, and a lone row; 0004 stores them as series and reads back the same measurements in the same
    order; its downgrade gives the rows back. On SQLite and PostgreSQL."""
    import sqlalchemy as sa

    _alembic(db_engine, "downgrade", "0003")
    old = sa.Table("measurement", sa.MetaData(), autoload_with=db_engine)
    first = _sweep(dt.UTC)  # the old table on SQLite kept no UTC offset (a series keeps UTC microseconds)
    second = [dataclasses.replace(_every_field_set(), row=1), dataclasses.replace(_every_field_set(), row=1, value=5.0)]
    with db_engine.begin() as conn:
        for n, ms in ((1, first), (2, second)):
            conn.execute(
                text(
                    "INSERT INTO benchmark_upload (id, file_name, content_sha256, source_format, label, uploaded_at, "
                    "size_bytes, original, n_imported, n_rejected, rejected) VALUES (:id, 'a', :sha, 'x', '', "
                    "'2026-11-27 10:00:00', 1, :data, 1, 0, '[]')"
                ),
                {"id": n, "sha": str(n) * 64, "data": b"x"},
            )
            conn.execute(old.insert(), [to_values(m, n) for m in ms])
    _alembic(db_engine, "upgrade", "head")
    expected = [dataclasses.replace(m, extra={**m.extra, "number": "inf"}) if "number" in m.extra else m for m in first]
    by_row = sorted(expected, key=lambda m: m.row)  # 0003 read rows in row order
    assert list_measurements(db_engine, upload_id=1) == by_row
    assert list_measurements(db_engine, upload_id=2) == second
    with db_engine.connect() as conn:
        assert not db_engine.dialect.has_table(conn, "measurement")
        assert conn.execute(text("SELECT original_codec FROM benchmark_upload WHERE id = 1")).scalar_one() == ""
    _alembic(db_engine, "downgrade", "0003")
    with db_engine.connect() as conn:
        rows = conn.execute(sa.select(old).order_by(old.c.upload_id, old.c.id)).mappings().all()
    assert [from_values(dict(r)) for r in rows] == by_row + second
    _alembic(db_engine, "upgrade", "head")
