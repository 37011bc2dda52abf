"""work items: kind, assignee and resolution of a handoff

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False,
                                   server_default="live_chat"))
        batch.add_column(sa.Column("assignee", sa.String(64), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("resolution")
        batch.drop_column("assignee")
        batch.drop_column("kind")
