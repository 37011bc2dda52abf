"""Staff users, their sessions, internal notes and the editable department settings."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Text

from servicedesk.core.types import UTCDateTime, utcnow
from servicedesk.models import Base

ROLES = ("staff", "manager", "admin")


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(128), nullable=False, default="")
    password_hash = Column(String(255), nullable=False)
    # staff < manager (adds statistics) < admin (users, departments, hours, targets).
    role = Column(String(16), nullable=False, default="staff")
    # The departments whose queues a staff member works (managers and admins see all).
    departments = Column(JSON, nullable=False, default=list)
    language = Column(String(2), nullable=False, default="fi")
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class StaffSession(Base):
    """A log-in; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_staff_sessions_user_id", "user_id"),)


class HandoffNote(Base):
    """An internal note on a work item; the resident never sees it."""

    __tablename__ = "handoff_notes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False)
    author = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_handoff_notes_handoff_id", "handoff_id"),)


class DepartmentSettings(Base):
    """An admin's edit of a department's hours, queue limit and targets.

    Overrides servicedesk/queue/service_levels.yml, key by key.
    """

    __tablename__ = "department_settings"

    department = Column(String(32), primary_key=True)
    config = Column(JSON, nullable=False)
    updated_by = Column(String(64), nullable=False)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)
