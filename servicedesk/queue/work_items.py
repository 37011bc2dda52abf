"""Transitions of a work item: waiting -> claimed -> answered -> closed.

Each transition is one conditional UPDATE, so two staff acting at once cannot both win:
the database decides, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import update
from sqlalchemy.orm import Session

from servicedesk.core.types import utcnow
from servicedesk.models import Handoff


def claim(session: Session, *, handoff_id: int, assignee: str) -> bool:
    """Take a waiting item; False when someone else already took it."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == "waiting")
        .values(status="claimed", assignee=assignee, claimed_at=utcnow())
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)


def close(session: Session, *, handoff_id: int, assignee: str, resolution: str) -> bool:
    """Close an item its holder has claimed or answered."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.assignee == assignee,
               Handoff.status.in_(("claimed", "answered")))
        .values(status="closed", resolution=resolution, closed_at=utcnow())
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)


def transfer(session: Session, *, handoff_id: int, department: str,
             assignee: Optional[str] = None) -> bool:
    """Move an open item to another department's queue, waiting again."""
    conditions = [Handoff.id == handoff_id, Handoff.status.in_(("waiting", "claimed",
                                                                "answered"))]
    if assignee is not None:
        conditions.append(Handoff.assignee == assignee)
    result = session.execute(
        update(Handoff).where(*conditions)
        .values(department=department, status="waiting", assignee=None, claimed_at=None)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)
