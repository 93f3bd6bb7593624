"""Measurements stored by series: ``measurement_series`` replaces ``measurement`` (one row per measurement).

A series is the measurements of one upload that share every field but the per-point ones (row, value, stddev,
time, the kept fields that differ); its shared fields stay columns, its points are one binary column
(``store.measurement_series``). Every stored ``measurement`` row is copied into a series of its upload, in the
upload's row order, with every field kept; reading back gives the same measurements in the same order. Uploaded
files get ``original_codec`` ("" = stored as uploaded, the case of every file stored before this revision).

This migration uses the application's own mapping (``store.measurement_series``) so that the points are
written exactly as the application reads them; a later layout gets its own magic and reader there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_INDEXED = ("upload_id", "metric", "hardware_sku", "model_id", "format_id")
_PER_POINT = ("row_number", "value", "stddev", "measured_at")


def _old_columns() -> list[sa.Column]:
    """The ``measurement`` table exactly as revision 0002 created it."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_rev0002", Path(__file__).with_name("0002_measurement.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._columns()


def _series_columns() -> list[sa.Column]:
    cols = [c for c in _old_columns() if c.name not in _PER_POINT]
    return [
        *cols,
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("n_points", sa.Integer(), nullable=False),
        sa.Column("points", sa.LargeBinary(), nullable=False),
    ]


def _utc(value):
    if isinstance(value, str):  # SQLite through a bare table: the stored text
        value = dt.datetime.fromisoformat(value)
    return value


def upgrade() -> None:
    from store.measurement_rows import from_values
    from store.measurement_series import group, row_values

    op.add_column("benchmark_upload", sa.Column("original_codec", sa.String(16), nullable=False, server_default=""))
    series = op.create_table("measurement_series", *_series_columns())
    for name in _INDEXED:
        op.create_index(f"ix_measurement_series_{name}", "measurement_series", [name])
    bind = op.get_bind()
    old = sa.Table("measurement", sa.MetaData(), *_old_columns())
    uploads = [r[0] for r in bind.execute(sa.select(old.c.upload_id).distinct().order_by(old.c.upload_id))]
    for upload_id in uploads:
        stmt = sa.select(old).where(old.c.upload_id == upload_id).order_by(old.c.row_number, old.c.id)
        measurements = []
        for row in bind.execute(stmt).mappings():
            values = dict(row)
            values["measured_at"] = _utc(values["measured_at"])
            measurements.append(from_values(values))
        rows = [row_values(s, upload_id) for s in group(measurements)]
        if rows:
            bind.execute(series.insert(), rows)
    for name in _INDEXED:
        op.drop_index(f"ix_measurement_{name}", table_name="measurement")
    op.drop_table("measurement")


def downgrade() -> None:
    from store.measurement_rows import to_values
    from store.measurement_series import expand, from_row

    old = op.create_table("measurement", *_old_columns())
    for name in _INDEXED:
        op.create_index(f"ix_measurement_{name}", "measurement", [name])
    bind = op.get_bind()
    series = sa.Table("measurement_series", sa.MetaData(), *_series_columns())
    uploads = [r[0] for r in bind.execute(sa.select(series.c.upload_id).distinct().order_by(series.c.upload_id))]
    for upload_id in uploads:
        stmt = sa.select(series).where(series.c.upload_id == upload_id).order_by(series.c.id)
        measurements = expand(from_row(dict(r)) for r in bind.execute(stmt).mappings())
        if measurements:
            bind.execute(old.insert(), [to_values(m, upload_id) for m in measurements])
    for name in _INDEXED:
        op.drop_index(f"ix_measurement_series_{name}", table_name="measurement_series")
    op.drop_table("measurement_series")
    from store.compression import decompress

    upload = sa.table(
        "benchmark_upload", sa.column("id"), sa.column("original", sa.LargeBinary), sa.column("original_codec")
    )
    compressed = bind.execute(sa.select(upload).where(upload.c.original_codec != "")).mappings().all()
    for r in compressed:  # revision 0003 stores every file as uploaded
        data = decompress(r["original"], r["original_codec"])
        bind.execute(upload.update().where(upload.c.id == r["id"]).values(original=data, original_codec=""))
    # a plain ALTER TABLE (SQLite >= 3.35): batch mode would copy and drop benchmark_upload, and the drop would
    # cascade to the measurement rows just written
    op.drop_column("benchmark_upload", "original_codec")
