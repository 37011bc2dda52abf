"""Actions answer in the resident's language, fall back, hand off and take ratings."""

from __future__ import annotations

import pytest

from actions.dialogue import ActionSmallTalk, ActionSwitchLanguage
from actions.handoff import ActionAffirm, ActionDeny, ActionFallback, ActionHandoff, ActionRate
from actions.knowledge import knowledge
from actions.services import ActionAnswerService
from tests.actions.conftest import make_tracker

RANKING = [{"name": "nlu_fallback", "confidence": 0.9},
           {"name": "library", "confidence": 0.3}, {"name": "greet", "confidence": 0.2},
           {"name": "daycare", "confidence": 0.1}]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_greeting_is_in_the_detected_language(run_action, language: str) -> None:
    run = run_action(ActionSmallTalk(), make_tracker("...", "greet", language=language))
    assert run.texts == [knowledge().line("greet", language)]
    assert run.slot("language") == language
    assert any(b["payload"] == "/human_handoff" for b in run.buttons)


def test_a_short_message_keeps_the_conversation_language(run_action) -> None:
    tracker = make_tracker("ok", "thanks", language="en", reliable=False,
                           slots={"language": "sv"})
    run = run_action(ActionSmallTalk(), tracker)
    assert run.texts == [knowledge().line("thanks_reply", "sv")]
    assert run.slot("language") is None  # unchanged: no event


def test_a_new_conversation_starts_in_the_language_its_channel_asked_for(run_action) -> None:
    tracker = make_tracker("hei", "greet", language="fi", reliable=False,
                           metadata={"language": "sv"})
    assert run_action(ActionSmallTalk(), tracker).slot("language") == "sv"


@pytest.mark.parametrize(("text", "wanted"), [
    ("puhutko ruotsia?", "sv"), ("in English please", "en"), ("på svenska tack", "sv"),
    ("voidaanko jatkaa suomeksi", "fi"), ("can we switch from finnish to swedish", "sv")])
def test_switching_language_on_request(run_action, text: str, wanted: str) -> None:
    run = run_action(ActionSwitchLanguage(), make_tracker(text, "switch_language",
                                                          language="fi"))
    assert run.slot("language") == wanted
    assert run.answered_language == wanted
    assert run.texts == [knowledge().line("language_switched", wanted)]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_service_answer_gives_the_gist_and_facts(run_action, language: str) -> None:
    run = run_action(ActionAnswerService(), make_tracker("x", "contact_info", language=language))
    answer = run.texts[0]
    assert knowledge().service("contact_info")["answer"][language].strip() in answer
    assert answer.count("• ") == 3
    assert run.slot("last_topic") == "contact_info"


def test_sensitive_topic_offers_a_person(run_action) -> None:
    run = run_action(ActionAnswerService(), make_tracker("x", "family_services", language="en"))
    assert run.slot("offer") == "handoff"
    assert [b["payload"] for b in run.buttons] == ["/more", "/affirm", "/deny"]
    accepted = run_action(ActionAffirm(), make_tracker(
        "yes", "affirm", language="en", slots={"offer": "handoff",
                                               "last_topic": "family_services"}))
    assert accepted.controls == [{"type": "handoff", "department": "family",
                                  "reason": "sensitive", "topic": "family_services",
                                  "language": "en"}]


def test_first_fallback_suggests_the_two_likeliest_topics(run_action) -> None:
    run = run_action(ActionFallback(), make_tracker("blah", "nlu_fallback", language="sv",
                                                    ranking=RANKING))
    assert [b["payload"] for b in run.buttons] == ["/library", "/daycare", "/human_handoff"]
    assert run.buttons[0]["title"] == knowledge().title("library", "sv")
    assert run.slot("fallback_count") == 1


def test_second_fallback_offers_a_person_and_yes_hands_off(run_action) -> None:
    run = run_action(ActionFallback(), make_tracker(
        "blah", "nlu_fallback", language="fi", ranking=RANKING, slots={"fallback_count": 1}))
    assert run.slot("offer") == "handoff"
    assert run.texts == [knowledge().line("fallback_offer_person", "fi")]
    accepted = run_action(ActionAffirm(), make_tracker(
        "joo", "affirm", language="fi", slots={"offer": "handoff", "fallback_count": 2}))
    assert accepted.controls[0]["reason"] == "fallback"
    assert accepted.controls[0]["department"] == "kompassi"
    assert accepted.slot("fallback_count") == 0


def test_declining_the_offer_keeps_the_bot(run_action) -> None:
    run = run_action(ActionDeny(), make_tracker("ei", "deny", language="fi",
                                                slots={"offer": "handoff"}))
    assert run.controls == []
    assert run.texts == [knowledge().line("handoff_declined", "fi")]


def test_asking_for_a_person_routes_to_the_last_topic_department(run_action) -> None:
    run = run_action(ActionHandoff(), make_tracker(
        "haluan puhua ihmiselle", "human_handoff", language="fi",
        slots={"last_topic": "library"}))
    assert run.controls[0]["department"] == "culture"
    assert run.controls[0]["reason"] == "asked"
    assert knowledge().department_name("culture", "fi") in run.texts[0]


@pytest.mark.parametrize(("value", "stored"), [("4", 4), ("9", None), ("x", None)])
def test_rating(run_action, value: str, stored) -> None:
    run = run_action(ActionRate(), make_tracker(
        "/rate", "rate", language="en", entities=[{"entity": "rating", "value": value}]))
    expected = [{"type": "rating", "rating": stored}] if stored else []
    assert run.controls == expected
