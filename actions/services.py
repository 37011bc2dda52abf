"""Answers about city services, from data/knowledge/services.yml."""

from __future__ import annotations

from actions.turn import LocalizedAction, Turn


class ActionAnswerService(LocalizedAction):
    """Answers a city-service topic; offers a person where a person is the right answer."""

    def name(self) -> str:
        return "action_answer_service"

    def respond(self, turn: Turn) -> None:
        topic = turn.intent
        turn.last_topic = topic
        turn.say(turn.kb.service_answer(topic, turn.language))
        entry = turn.kb.service(topic) or {}
        if entry.get("offer_person"):
            turn.offer = "handoff"
            turn.say_line("sensitive_offer", turn.yes_no_buttons())
