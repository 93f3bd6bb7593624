"""One measurement per row: ``measurement`` replaces ``benchmark_result`` (one row per measured metric).

Every stored ``benchmark_result`` row becomes one ``measurement`` row per metric it held, with what it measured
spelled out: llama-bench ``pp``/``tg`` rows -> prefill_tok_s / decode_tok_s at batch 1 (static); a combined
``pp+tg`` rate (kept in extra.combined_tok_s) -> total_tok_s; vLLM ``serve`` rows -> output_tok_s (the old
``decode_tok_s`` column held output_throughput) and mean TTFT/TPOT, concurrent at ``batch`` when given, else
maximum load; lm-eval / generic quality rows -> quality. Nothing stored is lost: the uploads (with their original
bytes) are untouched, and every row's fields are copied.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("benchmark_upload.id", ondelete="CASCADE"), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("statistic", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("load", sa.String(16), nullable=False),
        sa.Column("request_rate", sa.Float(), nullable=True),
        sa.Column("hardware_raw", sa.Text(), nullable=False),
        sa.Column("hardware_sku", sa.String(64), nullable=True),
        sa.Column("model_raw", sa.Text(), nullable=False),
        sa.Column("model_id", sa.String(64), nullable=True),
        sa.Column("params_b", sa.Float(), nullable=True),
        sa.Column("format_raw", sa.String(128), nullable=False),
        sa.Column("format_id", sa.String(64), nullable=True),
        sa.Column("engine", sa.String(64), nullable=False),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.Column("engine_version", sa.String(128), nullable=False),
        sa.Column("gpus", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=True),
        sa.Column("input_len", sa.Integer(), nullable=True),
        sa.Column("output_len", sa.Integer(), nullable=True),
        sa.Column("context_depth", sa.Integer(), nullable=False),
        sa.Column("kv_format", sa.String(64), nullable=True),
        sa.Column("quality_task", sa.String(255), nullable=False),
        sa.Column("quality_reference", sa.Float(), nullable=True),
        sa.Column("stddev", sa.Float(), nullable=True),
        sa.Column("model_size_gib", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
    ]


def _converted(old: dict, label: str) -> list[dict]:
    """The measurement rows of one old ``benchmark_result`` row."""
    test = old["test"] or ""
    serve = test == "serve"
    extra = dict(old["extra"] or {})
    flags = list(old["flags"] or [])
    base = {
        "upload_id": old["upload_id"],
        "row_number": old["row_number"],
        "request_rate": None,
        "hardware_raw": old["hardware_raw"] or "",
        "hardware_sku": old["hardware_sku"],
        "model_raw": old["model_raw"] or "",
        "model_id": old["model_id"],
        "params_b": old["params_b"],
        "format_raw": old["format_raw"] or "",
        "format_id": old["format_id"],
        "engine": old["engine"] or "",
        "backend": "",
        "engine_version": old["engine_version"] or "",
        "gpus": old["gpus"] or 1,
        "batch": old["batch"],
        "input_len": old["input_len"],
        "output_len": old["output_len"],
        "context_depth": old["context_depth"] or 0,
        "kv_format": None,
        "quality_task": "",
        "quality_reference": None,
        "stddev": None,
        "model_size_gib": None,
        "source": f"upload {old['upload_id']}",
        "label": label or "",
        "measured_at": old["measured_at"],
        "notes": old["notes"] or "",
        "flags": flags,
        "extra": extra,
        "statistic": "",
        "scope": "total",
        "load": "static",
    }
    if serve:
        base["load"] = "concurrent" if old["batch"] else "max_load"
    elif old["engine"] == "llama_cpp" or test.startswith(("pp", "tg")):
        base["batch"] = old["batch"] or 1
    out = []

    def add(metric: str, value, **kw) -> None:
        if value is not None and (metric == "quality" or value > 0):
            out.append({**base, "metric": metric, "value": float(value), **kw})

    add("prefill_tok_s", old["prefill_tok_s"], stddev=old["stddev_tok_s"])
    add("output_tok_s" if serve else "decode_tok_s", old["decode_tok_s"], stddev=None if serve else old["stddev_tok_s"])
    add("ttft_ms", old["ttft_ms"], statistic="mean" if serve else "")
    add("tpot_ms", old["tpot_ms"], statistic="mean" if serve else "")
    add("memory_gb", old["memory_gb"])
    add(
        "quality",
        old["quality_value"],
        quality_task=(old["quality_metric"] or "")[:255],
        quality_reference=old["quality_reference"],
    )
    combined = extra.get("combined_tok_s")
    if isinstance(combined, int | float) and not isinstance(combined, bool):
        add("total_tok_s", combined, stddev=old["stddev_tok_s"])
    return out


def upgrade() -> None:
    op.create_table("measurement", *_columns())
    op.create_index("ix_measurement_upload_id", "measurement", ["upload_id"])
    op.create_index("ix_measurement_metric", "measurement", ["metric"])
    op.create_index("ix_measurement_hardware_sku", "measurement", ["hardware_sku"])
    op.create_index("ix_measurement_model_id", "measurement", ["model_id"])
    op.create_index("ix_measurement_format_id", "measurement", ["format_id"])
    bind = op.get_bind()
    meta = sa.MetaData()
    old = sa.Table("benchmark_result", meta, autoload_with=bind)
    uploads = sa.Table("benchmark_upload", meta, autoload_with=bind)
    new = sa.Table("measurement", meta, autoload_with=bind)
    labels = dict(bind.execute(sa.select(uploads.c.id, uploads.c.label)).all())
    rows = bind.execute(sa.select(old).order_by(old.c.id)).mappings().all()
    batch: list[dict] = []
    for row in rows:
        batch += _converted(dict(row), labels.get(row["upload_id"], ""))
        if len(batch) >= 5000:
            bind.execute(new.insert(), batch)
            batch = []
    if batch:
        bind.execute(new.insert(), batch)
    op.drop_table("benchmark_result")


def downgrade() -> None:
    raise NotImplementedError("0002 is one-way: the old one-row-many-metrics table cannot say what a row measured")
