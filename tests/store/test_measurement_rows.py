"""The one mapping between Measurement and the measurement table, and the migration that created the table."""

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
from store.migrate import _alembic_config, prepare_database
from store.models import BenchmarkUpload, MeasurementRecord


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
        session.execute(MeasurementRecord.__table__.insert(), [to_values(m, up.id) for m in measurements])
        return up.id


def test_every_field_has_a_column():
    assert len(FIELDS) == len(COLUMNS)
    names = {c.name for c in MeasurementRecord.__table__.columns}
    assert set(COLUMNS) <= names and names - set(COLUMNS) == {"id", "upload_id"}


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
