"""sweep items and the stale flag

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch_op:
        batch_op.add_column(sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "sweep_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sweep_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("downloaded", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sweep_id"], ["sweeps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sweep_id", "resource_id"),
    )
    op.create_index("ix_sweep_items_state", "sweep_items", ["sweep_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_sweep_items_state", table_name="sweep_items")
    op.drop_table("sweep_items")
    with op.batch_alter_table("resources") as batch_op:
        batch_op.drop_column("stale")
