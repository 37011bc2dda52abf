"""Builders of trackers for running actions as the action server would."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.turn import LocalizedAction


def make_tracker(text: str, intent: str, *, language: Optional[str] = None,
                 reliable: bool = True, slots: Optional[Dict[str, Any]] = None,
                 ranking: Optional[List[Dict[str, Any]]] = None,
                 entities: Optional[List[Dict[str, Any]]] = None,
                 metadata: Optional[Dict[str, Any]] = None) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": ranking or [],
        "entities": entities or [],
        "language": {"code": language, "confidence": 0.95, "reliable": reliable}
        if language else None,
        "metadata": metadata or {},
    }
    return Tracker("conversation-1", slots or {}, latest, [], False, None, {}, "action_listen")


class Run:
    """The result of running one action: its messages and events."""

    def __init__(self, action: LocalizedAction, tracker: Tracker) -> None:
        import asyncio

        self.dispatcher = CollectingDispatcher()
        self.events = asyncio.run(action.run(self.dispatcher, tracker, {}))

    @property
    def texts(self) -> List[str]:
        return [m["text"] for m in self.dispatcher.messages if m.get("text")]

    @property
    def buttons(self) -> List[Dict[str, Any]]:
        return [b for m in self.dispatcher.messages for b in m.get("buttons") or []]

    @property
    def controls(self) -> List[Dict[str, Any]]:
        """Control payloads other than the per-turn language notice."""
        return [c for c in self._customs() if c.get("type") != "turn"]

    @property
    def answered_language(self) -> Any:
        notices = [c["language"] for c in self._customs() if c.get("type") == "turn"]
        assert len(notices) == 1, "every turn tells its summary exactly once"
        return notices[0]

    def _customs(self) -> List[Dict[str, Any]]:
        return [m["custom"] for m in self.dispatcher.messages if m.get("custom")]

    def slot(self, name: str) -> Any:
        values = [e["value"] for e in self.events if e.get("event") == "slot"
                  and e.get("name") == name]
        return values[-1] if values else None


@pytest.fixture
def run_action():
    return Run
