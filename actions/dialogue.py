"""Small talk: greeting, help, thanks, goodbye, "are you a bot?", out of scope, language."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from actions.knowledge import pick
from actions.programme_query import mentions, normalise
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
        if turn.intent == "out_of_scope" and refer_to_other_body(turn):
            return
        key = SMALL_TALK_LINES.get(turn.intent, "acknowledge")
        buttons = suggestion_buttons(turn) if key in ("greet", "help", "out_of_scope") else None
        turn.say_line(key, buttons, limit=MAX_MESSAGE_CHARS)


def refer_to_other_body(turn: Turn) -> bool:
    """Out of scope, but another public body handles it: say which, with its address."""
    body = other_body_for(turn.kb.load("other_bodies")["bodies"], turn.text)
    if body is None:
        return False
    name = pick(body["name"], turn.language)
    lines = [turn.line("out_of_scope_body", name=name,
                       handles=pick(body["handles"], turn.language))]
    url = pick(body["url"], turn.language) if isinstance(body["url"], dict) else str(body["url"])
    lines.append(f"→ [{name}]({url})")
    if body.get("phone"):
        lines.append(turn.line("phone_label", phone=body["phone"]))
    turn.say("\n".join(lines), suggestion_buttons(turn))
    return True


def other_body_for(bodies: Dict[str, Dict[str, Any]], text: str) -> Optional[Dict[str, Any]]:
    """The public body whose matters `text` names most clearly (longest keyword), if any."""
    normalised = normalise(text)
    best: Optional[Dict[str, Any]] = None
    best_length = 0
    for body in bodies.values():
        words = [*(body.get("names") or []),
                 *(k for keywords in (body.get("keywords") or {}).values() for k in keywords)]
        for word in (w.rstrip("*") for w in words):
            if len(word) > best_length and mentions(normalised, word):
                best, best_length = body, len(word)
    return best


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


class ActionMore(LocalizedAction):
    """"Tell me more": the rest of the previous answer."""

    def name(self) -> str:
        return "action_more"

    def respond(self, turn: Turn) -> None:
        from actions.programme import ProgrammeAnswers, more_text
        from actions.services import ServiceAnswers

        kind, _, key = str(turn.tracker.get_slot("more") or "").partition(":")
        if kind == "service" and turn.kb.service(key):
            turn.say(ServiceAnswers(turn.kb, turn.language).full(key))
        elif kind == "programme":
            turn.say(more_text(ProgrammeAnswers(turn), key))
        else:
            turn.say_line("nothing_more", suggestion_buttons(turn))
