"""Fallback, handoff to a person, yes/no answers to offers, and the satisfaction rating."""

from __future__ import annotations

from typing import Any, Dict, List

from actions.turn import Button, LocalizedAction, Turn

# How many fallbacks in a row before the assistant offers a person.
FALLBACKS_BEFORE_OFFER = 2
SUGGESTIONS_ON_FALLBACK = 2
# Intents that are not topics and are never suggested after a fallback.
NOT_SUGGESTED = {"nlu_fallback", "affirm", "deny", "switch_language", "greet", "goodbye",
                 "thanks", "out_of_scope", "rate", "request_rating"}
RATINGS = range(1, 6)


def hand_off(turn: Turn, reason: str) -> None:
    """Tell the resident what happens next and emit the handoff control payload."""
    department = turn.kb.department_of(turn.last_topic)
    turn.say_line("handoff_announce", department=turn.kb.department_name(department, turn.language))
    payload: Dict[str, Any] = {
        "type": "handoff",
        "department": department,
        "reason": reason,
        "topic": turn.last_topic,
        "language": turn.language,
    }
    turn.control(payload)


class ActionHandoff(LocalizedAction):
    """The resident asked for a person."""

    def name(self) -> str:
        return "action_handoff"

    def respond(self, turn: Turn) -> None:
        hand_off(turn, "asked")


class ActionFallback(LocalizedAction):
    """Low confidence: a passage of the knowledge base that answers, else an honest "unsure"."""

    def name(self) -> str:
        return "action_fallback"

    def respond(self, turn: Turn) -> None:
        from actions.long_tail import answer_from_search

        if answer_from_search(turn):
            return
        turn.fallback_count = float(turn.tracker.get_slot("fallback_count") or 0) + 1
        if turn.fallback_count >= FALLBACKS_BEFORE_OFFER:
            turn.understood = False
            turn.offer = "handoff"
            turn.say_line("fallback_offer_person", turn.yes_no_buttons())
            return
        say_unsure(turn)


def say_unsure(turn: Turn) -> None:
    """Says plainly that the assistant is not sure; offers the two likeliest topics and a person."""
    turn.understood = False
    person = turn.button("button_talk_to_person", "/human_handoff")
    turn.say_line("fallback_suggest", [*likeliest_topic_buttons(turn), person])


def likeliest_topic_buttons(turn: Turn) -> List[Button]:
    ranking = (turn.tracker.latest_message or {}).get("intent_ranking") or []
    known = turn.kb.topics()
    topics = [
        entry["name"] for entry in ranking
        if entry.get("name") in known and entry["name"] not in NOT_SUGGESTED
        and known[entry["name"]].get("group") != "conversation"
    ][:SUGGESTIONS_ON_FALLBACK]
    return turn.topic_buttons(topics)


class ActionAffirm(LocalizedAction):
    """"Yes": accepts a pending offer of a person, otherwise just acknowledges."""

    def name(self) -> str:
        return "action_affirm"

    def respond(self, turn: Turn) -> None:
        if turn.tracker.get_slot("offer") == "handoff":
            reason = "fallback" if turn.tracker.get_slot("fallback_count") else "sensitive"
            hand_off(turn, reason)
        else:
            turn.say_line("acknowledge")


class ActionDeny(LocalizedAction):
    """"No": declines a pending offer, otherwise just acknowledges."""

    def name(self) -> str:
        return "action_deny"

    def respond(self, turn: Turn) -> None:
        declined = turn.tracker.get_slot("offer") == "handoff"
        turn.say_line("handoff_declined" if declined else "acknowledge")


class ActionRequestRating(LocalizedAction):
    """After a person closed the conversation: ask for a satisfaction rating."""

    def name(self) -> str:
        return "action_request_rating"

    def respond(self, turn: Turn) -> None:
        buttons = [{"title": str(n), "payload": f'/rate{{"rating": "{n}"}}'} for n in RATINGS]
        turn.say_line("rating_prompt", buttons)


class ActionRate(LocalizedAction):
    """Stores a rating of 1-5 (as a control payload for the service desk)."""

    def name(self) -> str:
        return "action_rate"

    def respond(self, turn: Turn) -> None:
        entities = (turn.tracker.latest_message or {}).get("entities") or []
        values = [e.get("value") for e in entities if e.get("entity") == "rating"]
        rating = _as_rating(values[0] if values else None)
        if rating is None:
            turn.say_line("rating_invalid")
            return
        turn.say_line("rating_thanks")
        turn.control({"type": "rating", "rating": rating})


def _as_rating(value: Any) -> int | None:
    try:
        rating = int(str(value))
    except ValueError:
        return None
    return rating if rating in RATINGS else None
