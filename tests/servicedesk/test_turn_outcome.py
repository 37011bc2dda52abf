"""What the gateway logs of a bot turn: an honest "unsure" counts as not understood."""

from __future__ import annotations

from servicedesk.rasa_client import parse_turn


def turn(summary: dict) -> list:
    return [{"recipient_id": "c", "text": "…"}, {"recipient_id": "c", "custom": summary}]


def test_an_answered_turn_is_answered() -> None:
    parsed = parse_turn(turn({"type": "turn", "intent": "library", "confidence": 0.9,
                              "language": "fi", "understood": True}))
    assert parsed.outcome == "answered"


def test_an_unsure_answer_counts_as_not_understood() -> None:
    parsed = parse_turn(turn({"type": "turn", "intent": "programme_overview",
                              "confidence": 0.8, "language": "en", "understood": False}))
    assert parsed.outcome == "fallback"


def test_a_fallback_intent_counts_as_not_understood() -> None:
    parsed = parse_turn(turn({"type": "turn", "intent": "nlu_fallback", "confidence": 0.2,
                              "language": "sv"}))
    assert parsed.outcome == "fallback"
