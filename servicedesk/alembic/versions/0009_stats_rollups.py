"""statistics: resident messages per Helsinki day, channels of work items, ratings and
not-understood messages

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_message_days",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("messages", sa.Integer, nullable=False),
    )
    op.create_index("ix_stats_message_days_day", "stats_message_days", ["day"])
    op.create_table(
        "stats_handoff_channels",
        sa.Column("handoff_id", sa.Integer,
                  sa.ForeignKey("handoffs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
    )
    op.create_index("ix_stats_handoff_channels_channel", "stats_handoff_channels",
                    ["channel", "handoff_id"])
    op.create_table(
        "stats_rating_channels",
        sa.Column("rating_id", sa.Integer,
                  sa.ForeignKey("ratings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
    )
    op.create_index("ix_stats_rating_channels_channel", "stats_rating_channels",
                    ["channel", "rating_id"])
    op.create_table(
        "stats_fallback_channels",
        sa.Column("message_id", sa.Integer,
                  sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
    )
    op.create_index("ix_stats_fallback_channels_channel", "stats_fallback_channels",
                    ["channel", "message_id"])
    # The next refresh builds the new tables in full (no stamp yet for them).


def downgrade() -> None:
    op.drop_index("ix_stats_fallback_channels_channel", table_name="stats_fallback_channels")
    op.drop_table("stats_fallback_channels")
    op.drop_index("ix_stats_rating_channels_channel", table_name="stats_rating_channels")
    op.drop_table("stats_rating_channels")
    op.drop_index("ix_stats_handoff_channels_channel", table_name="stats_handoff_channels")
    op.drop_table("stats_handoff_channels")
    op.drop_index("ix_stats_message_days_day", table_name="stats_message_days")
    op.drop_table("stats_message_days")
