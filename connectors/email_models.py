"""Tables of the e-mail and web-form channels: reference numbers and contact details,
Message-IDs of the mail thread, the outbox of outgoing mail, stored attachments.

Columns marked `info={"personal": True}` are erased by the retention job
(servicedesk/retention.py) when their conversation expires.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Text

from servicedesk.core.types import UTCDateTime, utcnow
from servicedesk.models import Base

PERSONAL = {"personal": True}
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "no_address")


class WrittenContact(Base):
    """One e-mail or web-form contact: its reference number and where to answer."""

    __tablename__ = "email_contacts"

    conversation_id = Column(ForeignKey("conversations.id", ondelete="CASCADE"),
                             primary_key=True)
    # PRV-2026-XXXXXX: in every subject, so that replies find their conversation.
    reference = Column(String(32), nullable=False, unique=True)
    channel = Column(String(16), nullable=False)
    address = Column(String(320), nullable=True, info=PERSONAL)
    name = Column(String(200), nullable=True, info=PERSONAL)
    phone = Column(String(40), nullable=True, info=PERSONAL)
    subject = Column(String(255), nullable=True, info=PERSONAL)
    # The web form's one-time token (its SHA-256): a second submit finds the first contact.
    form_token_hash = Column(String(64), nullable=True, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class MailMessageId(Base):
    """A Message-ID of the conversation's mail thread (in or out), for replies and
    duplicate deliveries; looked up by its SHA-256."""

    __tablename__ = "email_message_ids"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(ForeignKey("conversations.id", ondelete="CASCADE"),
                             nullable=False)
    message_id_hash = Column(String(64), nullable=False, unique=True)
    message_id = Column(String(255), nullable=True, info=PERSONAL)
    direction = Column(String(3), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_email_message_ids_conversation_id", "conversation_id"),)


class OutgoingMail(Base):
    """A mail to send: an acknowledgement or a staff answer, sent once and kept until sent."""

    __tablename__ = "email_outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(ForeignKey("conversations.id", ondelete="CASCADE"),
                             nullable=False)
    # The contact-log message this mail carries (one mail per message).
    source_message_id = Column(ForeignKey("messages.id", ondelete="CASCADE"), nullable=False,
                               unique=True)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    to_address = Column(String(320), nullable=True, info=PERSONAL)
    subject = Column(String(255), nullable=True, info=PERSONAL)
    body = Column(Text, nullable=True, info=PERSONAL)
    mail_message_id = Column(String(255), nullable=False)
    in_reply_to = Column(String(255), nullable=True, info=PERSONAL)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_error = Column(String(64), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_email_outbox_status_next_attempt", "status",
                            "next_attempt_at"),)


class MailAttachment(Base):
    """An attachment kept as opaque bytes (policy "store"); never opened or executed."""

    __tablename__ = "email_attachments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(ForeignKey("conversations.id", ondelete="CASCADE"),
                             nullable=False)
    message_id = Column(ForeignKey("messages.id", ondelete="CASCADE"), nullable=False)
    filename = Column(String(255), nullable=True, info=PERSONAL)
    content_type = Column(String(128), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    data = Column(LargeBinary, nullable=True, info=PERSONAL)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_email_attachments_conversation_id", "conversation_id"),)
