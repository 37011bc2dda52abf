"""Small talk: greeting, help, thanks, goodbye, "are you a bot?", out of scope, language."""

from __future__ import annotations

from typing import List

from actions.turn import Button, LocalizedAction, Turn
from bot.languages import requested_language
from bot.screening import MAX_MESSAGE_CHARS

# Suggestions under the greeting and help: a few common topics and a person.
SUGGESTED_TOPICS = ("daycare", "health_appointment", "library", "programme_overview")

SMALL_TALK_LINES = {
    "greet": "greet",
    "help": "help",
    "thanks": "thanks_reply",
    "goodbye": "goodbye",
    "bot_challenge": "bot_challenge",
    "out_of_scope": "out_of_scope",
    "empty_message": "empty_message",
    "emoji_only": "emoji_only",
    "too_long": "too_long",
}


def suggestion_buttons(turn: Turn) -> List[Button]:
    buttons = turn.topic_buttons(list(SUGGESTED_TOPICS))
    buttons.append(turn.button("button_talk_to_person", "/human_handoff"))
    return buttons


class ActionSmallTalk(LocalizedAction):
    """Answers the conversation intents that need one line of the assistant's own."""

    def name(self) -> str:
        return "action_small_talk"

    def respond(self, turn: Turn) -> None:
        key = SMALL_TALK_LINES.get(turn.intent, "acknowledge")
        buttons = suggestion_buttons(turn) if key in ("greet", "help", "out_of_scope") else None
        turn.say_line(key, buttons, limit=MAX_MESSAGE_CHARS)


class ActionSwitchLanguage(LocalizedAction):
    """Switches the conversation to the language the resident named."""

    def name(self) -> str:
        return "action_switch_language"

    def respond(self, turn: Turn) -> None:
        text = str((turn.tracker.latest_message or {}).get("text") or "")
        wanted = requested_language(text)
        if wanted is None:
            turn.say_line("language_unknown")
            return
        turn.language = wanted
        turn.say_line("language_switched")
