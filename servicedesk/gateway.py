"""The conversation gateway: every resident message is logged once, then routed.

Bot mode: the message goes to Rasa and its replies come back (and are logged).
Human mode: the message goes to the staff of the handoff's department.
A message is committed before it is forwarded, so an outage of Rasa, its action server
or the network loses nothing; the resident is told what happened in their language.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from servicedesk import contacts
from servicedesk.core.db import run_in_transaction
from servicedesk.core.types import utcnow
from servicedesk.events import EventBus, channel_topic, conversation_topic, department_topic
from servicedesk.models import Conversation, Handoff, Message
from servicedesk.queue import service_hours, work_items
from servicedesk.rasa_client import BotTurn, RasaClient, RasaUnavailable
from servicedesk.texts import LANGUAGES, catalogue_departments, department_name, text

logger = logging.getLogger(__name__)

T = TypeVar("T")
GREETING_PAYLOAD = "/greet"
HANDOFF_PAYLOAD = "/human_handoff"
RATING_PAYLOAD = "/request_rating"
DEPARTMENTS = catalogue_departments()
DEFAULT_DEPARTMENT = "kompassi"
# Channels where the resident is present to answer a rating prompt after a staff close.
RATED_CHANNELS = ("webchat", "telegram")


def text_only(text: str) -> str:
    """Typed text as Rasa must read it: never as "/intent{entities}" (which Rasa obeys)."""
    stripped = text.lstrip()
    return "\u2215" + stripped[1:] if stripped.startswith("/") else text


@dataclass
class TurnResult:
    """What the resident gets back for one message."""

    messages: List[Dict[str, Any]]
    state: Dict[str, Any]
    cursor: str


class Gateway:
    def __init__(self, *, sessions: sessionmaker, rasa: RasaClient, bus: EventBus,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.rasa = rasa
        self.bus = bus
        self.clock = clock
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    async def _db(self, work: Callable[[Session], T]) -> T:
        return await run_in_transaction(self.sessions, work)

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def open_conversation(self, *, channel: str, language: str) -> TurnResult:
        """Start a conversation and greet the resident in their language."""
        conversation = await self._db(
            lambda s: contacts.create_conversation(s, channel=channel, language=language))
        try:
            turn = await self.rasa.send(conversation_id=conversation.id,
                                        text=GREETING_PAYLOAD, language=language)
        except RasaUnavailable:
            turn = None
        return await self._db(lambda s: self._record_bot_initiative(
            s, conversation.id, turn, offline_key="welcome_offline"))

    def _record_bot_initiative(self, session: Session, conversation_id: str,
                               turn: Optional[BotTurn],
                               offline_key: Optional[str] = None) -> TurnResult:
        """Log what the bot said unprompted (a greeting, a rating prompt)."""
        conversation = contacts.get_conversation(session, conversation_id)
        if turn is None:
            replies = ([self._add_offline_reply(session, conversation, offline_key)]
                       if offline_key else [])
        else:
            replies = [contacts.add_message(session, conversation, sender="bot", text=r.text,
                                            buttons=r.buttons) for r in turn.replies]
        return self._result(session, conversation, replies)

    async def receive(self, *, conversation_id: str, text: str,
                      payload: Optional[str] = None, payload_checked: bool = False
                      ) -> TurnResult:
        """Log one resident message, route it, and return the replies.

        A `payload` counts only when a button of this conversation offered it (or the
        channel adapter checked it: `payload_checked`); typed text reaches Rasa as text.
        """
        async with self._lock(conversation_id):
            stored = await self._db(lambda s: self._store_resident_message(
                s, conversation_id, text, None if payload_checked else payload))
            message_id, mode, language, department, offered = stored
            if not (payload_checked or offered):
                payload = None
            if mode == "human":
                self._publish_to_staff(department, conversation_id)
                return await self._db(lambda s: self._result(
                    s, contacts.get_conversation(s, conversation_id), []))
            forwarded = payload or text_only(text)
            try:
                turn = await self.rasa.send(conversation_id=conversation_id, text=forwarded,
                                            language=language)
            except RasaUnavailable:
                result = await self._db(lambda s: self._record_unavailable(
                    s, conversation_id, message_id, asked_for_person=forwarded == HANDOFF_PAYLOAD))
            else:
                result = await self._db(lambda s: self._record_turn(s, conversation_id,
                                                                    message_id, turn))
        self._publish_replies(conversation_id, result)
        return result

    def _store_resident_message(self, session: Session, conversation_id: str, text: str,
                                payload: Optional[str]
                                ) -> tuple[int, str, str, Optional[str], bool]:
        message_id, mode, language = contacts.log_resident_message(session, conversation_id,
                                                                   text)
        handoff = contacts.current_handoff(session, conversation_id) if mode == "human" else None
        if handoff is not None:
            contacts.remember_contact_details(handoff, text)
        offered = bool(payload) and contacts.offered_payload(session, conversation_id,
                                                             str(payload))
        return message_id, mode, language, handoff.department if handoff else None, offered

    def _record_turn(self, session: Session, conversation_id: str, message_id: int,
                     turn: BotTurn) -> TurnResult:
        if not turn.controls_any("handoff", "rating"):
            plain = self._record_plain_turn(session, conversation_id, message_id, turn)
            if plain is not None:
                return plain
        conversation = contacts.get_conversation(session, conversation_id)
        if turn.language in LANGUAGES:
            conversation.language = turn.language
        handoff = turn.control("handoff")
        rating = turn.control("rating")
        contacts.record_understanding(
            session, message_id, topic=turn.intent, confidence=turn.confidence,
            language=conversation.language,
            outcome="handoff" if handoff else turn.outcome)
        replies = [contacts.add_message(session, conversation, sender="bot", text=r.text,
                                        buttons=r.buttons) for r in turn.replies]
        if (rating and isinstance(rating.get("rating"), int)
                and contacts.rating_awaited(session, conversation.id)):
            contacts.add_rating(session, conversation, rating["rating"])
        if handoff:
            department = str(handoff.get("department") or DEFAULT_DEPARTMENT)
            replies.append(self._hand_off(
                session, conversation,
                department=department if department in DEPARTMENTS else DEFAULT_DEPARTMENT,
                reason=str(handoff.get("reason") or "asked"), topic=handoff.get("topic")))
        return self._result(session, conversation, replies)

    def _record_plain_turn(self, session: Session, conversation_id: str, message_id: int,
                           turn: BotTurn) -> Optional[TurnResult]:
        """Most turns: the bot answers a conversation that never had a handoff."""
        language = turn.language
        if language not in LANGUAGES:
            return None
        recorded = contacts.record_plain_bot_turn(
            session, conversation_id, message_id, topic=turn.intent,
            confidence=turn.confidence, language=language,
            outcome=turn.outcome,
            replies=[(r.text, r.buttons) for r in turn.replies])
        if recorded is None:
            return None
        views, state = recorded
        return TurnResult(messages=views, state=state,
                          cursor=views[-1]["id"] if views else "")

    def _record_unavailable(self, session: Session, conversation_id: str, message_id: int,
                            *, asked_for_person: bool) -> TurnResult:
        conversation = contacts.get_conversation(session, conversation_id)
        outcome = "handoff" if asked_for_person else "unavailable"
        contacts.record_understanding(session, message_id, topic=None, confidence=None,
                                      language=conversation.language, outcome=outcome)
        if asked_for_person:
            reply = self._hand_off(session, conversation, department=DEFAULT_DEPARTMENT,
                                   reason="unavailable", topic=None)
        else:
            reply = self._add_offline_reply(session, conversation, "rasa_unavailable")
        return self._result(session, conversation, [reply])

    def _add_offline_reply(self, session: Session, conversation: Conversation,
                           key: str) -> Message:
        language = conversation.language
        button = {"title": text("button_talk_to_person", language), "payload": HANDOFF_PAYLOAD}
        return contacts.add_message(session, conversation, sender="system",
                                    text=text(key, language), buttons=[button])

    def _hand_off(self, session: Session, conversation: Conversation, *, department: str,
                  reason: str, topic: Optional[str]) -> Message:
        now = self.clock()
        hours = service_hours.department_hours(department)
        queue_full = (contacts.waiting_live_chats(session, department)
                      >= service_hours.queue_limit(department))
        live = hours.is_open(now) and not queue_full
        handoff = contacts.open_handoff(session, conversation, department=department,
                                        reason=reason, topic=topic,
                                        kind="live_chat" if live else "message")
        language = conversation.language
        if live:
            position = contacts.queue_position(session, handoff)
            notice = text("queue_position", language, position=position,
                          minutes=position * contacts.AVERAGE_HANDLING_MINUTES)
        else:
            due = hours.add_service_time(now, service_hours.target(
                department, "message", handoff.priority))
            notice = text("leave_message_queue_full" if queue_full else "leave_message_closed",
                          language, department=department_name(department, language),
                          due=service_hours.local_due_text(due) if due else "-")
        logger.info("handoff opened: department=%s reason=%s", department, reason)
        self.bus.publish(department_topic(department), {"type": "queue_changed"})
        return contacts.add_message(session, conversation, sender="system", text=notice)

    def _result(self, session: Session, conversation: Conversation,
                replies: List[Message]) -> TurnResult:
        session.flush()  # gives the new messages their ids
        state = contacts.conversation_state(session, conversation)
        last = max((m.id for m in replies), default=None)
        return TurnResult(messages=[contacts.message_view(m) for m in replies], state=state,
                          cursor=str(last) if last is not None else "")

    def _publish_replies(self, conversation_id: str, result: TurnResult) -> None:
        for message in result.messages:
            self._publish_message(conversation_id, result.state["channel"], message)
        self.bus.publish(conversation_topic(conversation_id),
                         {"type": "state", "conversation": result.state})

    def _publish_message(self, conversation_id: str, channel: str,
                         message: Dict[str, Any]) -> None:
        """To the conversation's live subscribers and to its channel's adapter."""
        self.bus.publish(conversation_topic(conversation_id),
                         {"type": "message", "message": message, "cursor": message["id"]})
        self.bus.publish(channel_topic(channel), {"type": "message",
                                                  "conversation_id": conversation_id,
                                                  "message": message})

    def _publish_to_staff(self, department: Optional[str], conversation_id: str) -> None:
        event = {"type": "resident_message", "conversation_id": conversation_id}
        self.bus.publish(department_topic(department or DEFAULT_DEPARTMENT), event)
        self.bus.publish(f"staff:{conversation_id}", event)

    async def post_staff_message(self, *, conversation_id: str, text: str) -> Dict[str, Any]:
        """A staff reply: logged, then pushed live to the resident."""
        def store(session: Session) -> Dict[str, Any]:
            conversation = contacts.get_conversation(session, conversation_id)
            handoff = contacts.current_handoff(session, conversation_id)
            message = contacts.add_message(session, conversation, sender="staff", text=text)
            session.flush()
            if handoff and handoff.first_response_at is None:
                handoff.first_response_at = message.created_at
                handoff.status = "answered"
            return {"message": contacts.message_view(message),
                    "state": contacts.conversation_state(session, conversation)}
        stored = await self._db(store)
        self._publish_message(conversation_id, stored["state"]["channel"], stored["message"])
        self.bus.publish(conversation_topic(conversation_id),
                         {"type": "state", "conversation": stored["state"]})
        return stored["message"]

    async def claim(self, *, handoff_id: int, assignee: str) -> bool:
        """A staff member takes a waiting item; the resident and the queue hear of it."""
        def take(session: Session) -> Optional[Tuple[str, str, TurnResult]]:
            if not work_items.claim(session, handoff_id=handoff_id, assignee=assignee):
                return None
            handoff = session.get(Handoff, handoff_id)
            conversation = contacts.get_conversation(session, handoff.conversation_id)
            notice = contacts.add_message(session, conversation, sender="system",
                                          text=text("staff_joined", conversation.language))
            return (conversation.id, handoff.department,
                    self._result(session, conversation, [notice]))
        taken = await self._db(take)
        if taken is None:
            return False
        conversation_id, department, result = taken
        self._publish_replies(conversation_id, result)
        await self.refresh_queue(department)
        return True

    async def transfer(self, *, handoff_id: int, department: str,
                       assignee: Optional[str] = None) -> bool:
        """Move an open item to another department's queue; the resident is told."""
        def move(session: Session) -> Optional[Tuple[str, str, TurnResult]]:
            before = session.get(Handoff, handoff_id)
            if before is None or department not in DEPARTMENTS:
                return None
            old_department = before.department
            if not work_items.transfer(session, handoff_id=handoff_id, department=department,
                                       assignee=assignee):
                return None
            conversation = contacts.get_conversation(session, before.conversation_id)
            notice = contacts.add_message(
                session, conversation, sender="system",
                text=text("transferred", conversation.language,
                          department=department_name(department, conversation.language)))
            return conversation.id, old_department, self._result(session, conversation,
                                                                  [notice])
        moved = await self._db(move)
        if moved is None:
            return False
        conversation_id, old_department, result = moved
        self._publish_replies(conversation_id, result)
        await self.refresh_queue(old_department)
        await self.refresh_queue(department)
        return True

    async def refresh_queue(self, department: str) -> None:
        """Push the new queue position to every resident waiting for this department."""
        def states(session: Session) -> List[Dict[str, Any]]:
            waiting = session.execute(
                select(Handoff.conversation_id).where(
                    Handoff.department == department, Handoff.status == "waiting",
                    Handoff.kind == "live_chat")).scalars().all()
            return [contacts.conversation_state(session, contacts.get_conversation(session, c))
                    for c in waiting]
        for state in await self._db(states):
            self.bus.publish(conversation_topic(state["conversation_id"]),
                             {"type": "state", "conversation": state})
        self.bus.publish(department_topic(department), {"type": "queue_changed"})

    async def close_by_staff(self, *, handoff_id: int, assignee: str,
                             resolution: str) -> bool:
        """Close a work item; the conversation returns to the bot, which asks for a rating
        (in live channels: a mail or form contact is not sent a rating prompt)."""
        def close(session: Session) -> Optional[Tuple[str, str, str]]:
            if not work_items.close(session, handoff_id=handoff_id, assignee=assignee,
                                    resolution=resolution):
                return None
            handoff = session.get(Handoff, handoff_id)
            conversation = contacts.get_conversation(session, handoff.conversation_id)
            conversation.mode = "bot"
            return conversation.id, conversation.language, conversation.channel
        closed = await self._db(close)
        if closed is None:
            return False
        conversation_id, language, channel = closed
        if channel not in RATED_CHANNELS:
            return True
        async with self._lock(conversation_id):
            try:
                turn: Optional[BotTurn] = await self.rasa.send(
                    conversation_id=conversation_id, text=RATING_PAYLOAD, language=language)
            except RasaUnavailable:
                turn = None
            result = await self._db(
                lambda s: self._record_bot_initiative(s, conversation_id, turn))
        self._publish_replies(conversation_id, result)
        return True

    async def state(self, conversation_id: str) -> Dict[str, Any]:
        return await self._db(lambda s: contacts.conversation_state(
            s, contacts.get_conversation(s, conversation_id)))

    async def history(self, conversation_id: str, after: int) -> TurnResult:
        def read(session: Session) -> TurnResult:
            conversation = contacts.get_conversation(session, conversation_id)
            messages = contacts.messages_after(session, conversation_id, after)
            result = self._result(session, conversation, messages)
            result.cursor = result.cursor or str(after)
            return result
        return await self._db(read)
