"""What every action shares: the conversation's language and the slots of one turn."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import LANGUAGES, KnowledgeBase, knowledge

DEFAULT_LANGUAGE = "fi"

Button = Dict[str, str]


def conversation_language(tracker: Tracker) -> str:
    """The language to answer in.

    A reliably detected language wins (the resident switched by writing in it); a short
    or uncertain message keeps the language already in use; a new conversation starts
    in the language its channel asked for, else in the best guess.
    """
    message = tracker.latest_message or {}
    detected = message.get("language") or {}
    current = tracker.get_slot("language")
    requested = (message.get("metadata") or {}).get("language")
    if detected.get("reliable") and detected.get("code") in LANGUAGES:
        return str(detected["code"])
    for candidate in (current, requested, detected.get("code")):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT_LANGUAGE


class Turn:
    """One reply being composed: its language, the dispatcher and slot changes."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.language = language
        self.kb: KnowledgeBase = knowledge()
        self.offer: Optional[str] = None
        self.fallback_count = 0.0
        self.last_topic: Optional[str] = tracker.get_slot("last_topic")
        # What "tell me more" shows next (e.g. "service:daycare"); cleared by other answers.
        self.more: Optional[str] = None
        self.understood = True
        # The topic answered when it is not the intent (found by the long-tail search).
        self.answered_topic: Optional[str] = None

    @property
    def intent(self) -> str:
        return str((self.tracker.latest_message or {}).get("intent", {}).get("name") or "")

    @property
    def text(self) -> str:
        return str((self.tracker.latest_message or {}).get("text") or "")

    def line(self, key: str, **values: Any) -> str:
        return self.kb.line(key, self.language, **values)

    def say(self, text: str, buttons: Optional[List[Button]] = None) -> None:
        self.dispatcher.utter_message(text=text, buttons=buttons or [])

    def say_line(self, key: str, buttons: Optional[List[Button]] = None, **values: Any) -> None:
        self.say(self.line(key, **values), buttons)

    def control(self, payload: Dict[str, Any]) -> None:
        """A control payload for the service desk (handoff, rating); never shown as text."""
        self.dispatcher.utter_message(json_message=payload)

    def summary(self) -> Dict[str, Any]:
        """What the service desk logs of this turn: topic, confidence, language."""
        intent = (self.tracker.latest_message or {}).get("intent") or {}
        return {"type": "turn", "intent": self.answered_topic or intent.get("name"),
                "confidence": intent.get("confidence"), "language": self.language,
                "understood": self.understood}

    def button(self, title_key: str, payload: str) -> Button:
        return {"title": self.line(title_key), "payload": payload}

    def topic_buttons(self, topics: List[str]) -> List[Button]:
        """A button per topic: its title in the conversation language, its intent payload."""
        return [{"title": self.kb.title(topic, self.language), "payload": f"/{topic}"}
                for topic in topics]

    def yes_no_buttons(self) -> List[Button]:
        return [self.button("button_yes", "/affirm"), self.button("button_no", "/deny")]

    def slot_events(self) -> List[EventType]:
        """SlotSet events for the slots this turn changed."""
        wanted = {
            "language": self.language,
            "offer": self.offer,
            "fallback_count": self.fallback_count,
            "last_topic": self.last_topic,
            "more": self.more,
        }
        return [
            SlotSet(name, value)
            for name, value in wanted.items()
            if self.tracker.get_slot(name) != value
        ]


class LocalizedAction(Action, metaclass=ABCMeta):
    """An action that answers in the conversation's language."""

    @abstractmethod
    def respond(self, turn: Turn) -> None:
        """Compose the reply of this turn."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        turn = Turn(dispatcher, tracker, conversation_language(tracker))
        self.respond(turn)
        turn.control(turn.summary())
        return turn.slot_events()
