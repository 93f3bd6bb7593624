"""Custom models: a config.json fetched from the Hugging Face Hub or uploaded, stored so that advice and shared
links for it reopen without fetching it again (issue 15, item 4).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_models",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("hf_repo", sa.String(255), nullable=False),
        sa.Column("revision", sa.String(255), nullable=False),
        sa.Column("commit_hash", sa.String(40), nullable=False),
        sa.Column("config_json", sa.Text(), nullable=False),
        sa.Column("quant_config_json", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sha256", "hf_repo", name="uq_custom_models_sha256_repo"),
    )
    op.create_index("ix_custom_models_sha256", "custom_models", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_custom_models_sha256", table_name="custom_models")
    op.drop_table("custom_models")
