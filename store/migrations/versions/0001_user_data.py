"""User data: benchmark uploads and results, probe reports, shared reports.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "benchmark_upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("source_format", sa.String(64), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("hardware_hint", sa.String(128), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("original", sa.LargeBinary(), nullable=False),
        sa.Column("n_imported", sa.Integer(), nullable=False),
        sa.Column("n_rejected", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=False),
    )
    op.create_table(
        "benchmark_result",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("benchmark_upload.id", ondelete="CASCADE"), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("hardware_raw", sa.Text(), nullable=False),
        sa.Column("hardware_sku", sa.String(64), nullable=True),
        sa.Column("model_raw", sa.Text(), nullable=False),
        sa.Column("model_id", sa.String(64), nullable=True),
        sa.Column("params_b", sa.Float(), nullable=True),
        sa.Column("format_raw", sa.String(128), nullable=False),
        sa.Column("format_id", sa.String(64), nullable=True),
        sa.Column("engine", sa.String(64), nullable=False),
        sa.Column("engine_version", sa.String(128), nullable=False),
        sa.Column("test", sa.String(64), nullable=False),
        sa.Column("gpus", sa.Integer(), nullable=True),
        sa.Column("batch", sa.Integer(), nullable=True),
        sa.Column("input_len", sa.Integer(), nullable=True),
        sa.Column("output_len", sa.Integer(), nullable=True),
        sa.Column("context_depth", sa.Integer(), nullable=True),
        sa.Column("prefill_tok_s", sa.Float(), nullable=True),
        sa.Column("decode_tok_s", sa.Float(), nullable=True),
        sa.Column("stddev_tok_s", sa.Float(), nullable=True),
        sa.Column("ttft_ms", sa.Float(), nullable=True),
        sa.Column("tpot_ms", sa.Float(), nullable=True),
        sa.Column("memory_gb", sa.Float(), nullable=True),
        sa.Column("quality_metric", sa.String(128), nullable=False),
        sa.Column("quality_value", sa.Float(), nullable=True),
        sa.Column("quality_reference", sa.Float(), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
    )
    op.create_index("ix_benchmark_result_upload_id", "benchmark_result", ["upload_id"])
    op.create_index("ix_benchmark_result_hardware_sku", "benchmark_result", ["hardware_sku"])
    op.create_index("ix_benchmark_result_model_id", "benchmark_result", ["model_id"])
    op.create_index("ix_benchmark_result_format_id", "benchmark_result", ["format_id"])
    op.create_table(
        "probe_report",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
    )
    op.create_table(
        "shared_report",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("catalog_version", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shared_report")
    op.drop_table("probe_report")
    op.drop_table("benchmark_result")
    op.drop_table("benchmark_upload")
