"""e-mail and web form: reference numbers, mail thread ids, outbox, attachments

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

UTCDateTime = sa.DateTime(timezone=True)

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def _conversation() -> sa.Column:
    return sa.Column("conversation_id", sa.String(64),
                     sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "email_contacts",
        sa.Column("conversation_id", sa.String(64),
                  sa.ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(320), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("form_token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "email_message_ids",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _conversation(),
        sa.Column("message_id_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_email_message_ids_conversation_id", "email_message_ids",
                    ["conversation_id"])
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _conversation(),
        sa.Column("source_message_id", sa.Integer,
                  sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=True),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("mail_message_id", sa.String(255), nullable=False),
        sa.Column("in_reply_to", sa.String(255), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_email_outbox_status_next_attempt", "email_outbox",
                    ["status", "next_attempt_at"])
    op.create_table(
        "email_attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _conversation(),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_email_attachments_conversation_id", "email_attachments",
                    ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_email_attachments_conversation_id", table_name="email_attachments")
    op.drop_table("email_attachments")
    op.drop_index("ix_email_outbox_status_next_attempt", table_name="email_outbox")
    op.drop_table("email_outbox")
    op.drop_index("ix_email_message_ids_conversation_id", table_name="email_message_ids")
    op.drop_table("email_message_ids")
    op.drop_table("email_contacts")
