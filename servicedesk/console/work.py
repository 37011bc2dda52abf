"""What the console shows of the work queue: items with their service-level clocks, and
one item with its transcript, notes and the context a person needs."""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.email_models import WrittenContact
from servicedesk.console.models import HandoffNote
from servicedesk.core.types import utcnow
from servicedesk.models import Conversation, Handoff, Message
from servicedesk.queue import service_hours

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "data" / "knowledge"
OPEN_STATUSES = ("waiting", "claimed", "answered")
RESOLUTIONS = ("answered", "referred", "case_opened", "feedback", "no_response", "not_city")
# Share of the target after which a waiting item is shown as urgent.
WARNING_SHARE = 0.75


@functools.lru_cache(maxsize=1)
def canned_replies() -> List[Dict[str, str]]:
    data: List[Dict[str, str]] = yaml.safe_load(
        (KNOWLEDGE_DIR / "canned_replies.yml").read_text(encoding="utf-8"))
    return data


def service_level(handoff: Handoff, now: datetime) -> Dict[str, Any]:
    """The item's clock: service time used against its target, counted in service hours."""
    hours = service_hours.department_hours(handoff.department)
    target = service_hours.target(handoff.department, handoff.kind, handoff.priority)
    answered_at = handoff.first_response_at
    used = hours.service_time_between(handoff.created_at, answered_at or now)
    remaining_minutes = int((target - used).total_seconds() // 60)
    if answered_at is not None:
        state = "met" if used <= target else "missed"
    elif used > target:
        state = "overdue"
    else:
        state = "warning" if used >= target * WARNING_SHARE else "ok"
    due = hours.add_service_time(handoff.created_at, target)
    return {"state": state, "target_minutes": int(target.total_seconds() // 60),
            "remaining_minutes": remaining_minutes,
            "due_at": due.isoformat() if due else None}


def item_view(handoff: Handoff, channel: str, now: datetime) -> Dict[str, Any]:
    return {
        "id": handoff.id,
        "conversation_id": handoff.conversation_id,
        "department": handoff.department,
        "kind": handoff.kind,
        "reason": handoff.reason,
        "topic": handoff.topic,
        "language": handoff.language,
        "channel": channel,
        "priority": handoff.priority,
        "status": handoff.status,
        "assignee": handoff.assignee,
        "contact_details": handoff.contact_details,
        "created_at": handoff.created_at.isoformat(),
        "waiting_minutes": int((now - handoff.created_at).total_seconds() // 60),
        "service_level": service_level(handoff, now),
    }


def open_items(session: Session, departments: Sequence[str],
               now: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """Open work items of these departments, oldest first."""
    now = now or utcnow()
    rows = session.execute(
        select(Handoff, Conversation.channel)
        .join(Conversation, Conversation.id == Handoff.conversation_id)
        .where(Handoff.department.in_(list(departments)),
               Handoff.status.in_(OPEN_STATUSES))
        .order_by(Handoff.created_at, Handoff.id)).all()
    return [item_view(handoff, channel, now) for handoff, channel in rows]


def transcript(session: Session, conversation_id: str) -> List[Dict[str, Any]]:
    """Every message, with what the assistant understood of the resident's."""
    messages = session.execute(
        select(Message).where(Message.conversation_id == conversation_id)
        .order_by(Message.id)).scalars()
    return [{"id": m.id, "sender": m.sender, "text": m.text,
             "created_at": m.created_at.isoformat(), "topic": m.topic,
             "confidence": m.confidence, "language": m.language, "outcome": m.outcome}
            for m in messages]


def notes(session: Session, handoff_id: int) -> List[Dict[str, Any]]:
    rows = session.execute(select(HandoffNote).where(HandoffNote.handoff_id == handoff_id)
                           .order_by(HandoffNote.id)).scalars()
    return [{"id": n.id, "author": n.author, "text": n.text,
             "created_at": n.created_at.isoformat()} for n in rows]


def recognised_topics(messages: List[Dict[str, Any]]) -> List[str]:
    """The topics the assistant recognised in the conversation, in order, once each."""
    seen: List[str] = []
    for message in messages:
        topic = message["topic"]
        if topic and topic != "nlu_fallback" and topic not in seen:
            seen.append(topic)
    return seen


def item_detail(session: Session, handoff: Handoff,
                now: Optional[datetime] = None) -> Dict[str, Any]:
    conversation = session.get(Conversation, handoff.conversation_id)
    messages = transcript(session, handoff.conversation_id)
    written = session.get(WrittenContact, handoff.conversation_id)
    return {**item_view(handoff, conversation.channel, now or utcnow()),
            "reference": written.reference if written else None,
            "written_contact": ({"address": written.address, "name": written.name,
                                 "phone": written.phone, "subject": written.subject}
                                if written else None),
            "conversation_language": conversation.language,
            "mode": conversation.mode,
            "resolution": handoff.resolution,
            "messages": messages,
            "recognised_topics": recognised_topics(messages),
            "notes": notes(session, handoff.id)}
