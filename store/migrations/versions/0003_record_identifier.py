"""resources.record_identifier: find a record's units with an index, not a LIKE scan

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch_op:
        batch_op.add_column(sa.Column("record_identifier", sa.String(length=1000), nullable=True))
    # A unit's identifier is "<record identifier>#<file path>" (sweeps.units); a record's own unit
    # has no "#".
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE resources SET record_identifier = CASE WHEN instr(identifier, '#') > 0 "
                   "THEN substr(identifier, 1, instr(identifier, '#') - 1) ELSE identifier END")
    else:
        op.execute("UPDATE resources SET record_identifier = split_part(identifier, '#', 1)")
    op.create_index("ix_resources_record", "resources", ["source_id", "record_identifier"])


def downgrade() -> None:
    op.drop_index("ix_resources_record", table_name="resources")
    with op.batch_alter_table("resources") as batch_op:
        batch_op.drop_column("record_identifier")
