"""City-service answers: short, with sourced facts that fit the question, and one link."""

from __future__ import annotations

import re

import pytest

from actions.dialogue import ActionMore
from actions.knowledge import knowledge, source_note
from actions.services import ActionAnswerService, asked_aspects
from connectors.telegram_outbox import plain_links
from tests.actions.conftest import make_tracker

CITY_TOPICS = list(knowledge().load("services"))
LINK = re.compile(r"→ \[([^\]]+)\]\((https://[^)]+)\)")
SOURCE = re.compile(r"\(([a-z0-9.-]+\.[a-z]{2,}), (\d{4})\)")


def answer(run_action, text: str, topic: str, language: str):
    return run_action(ActionAnswerService(), make_tracker(text, topic, language=language))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("topic", CITY_TOPICS)
def test_every_answer_has_sourced_facts_and_one_link(run_action, topic: str,
                                                     language: str) -> None:
    run = answer(run_action, "?", topic, language)
    text = run.texts[0]
    assert len(LINK.findall(text)) == 1, text
    assert SOURCE.search(text), f"{topic}/{language}: no fact with its source and year"
    assert len(text) <= 900, f"{topic}/{language} is {len(text)} characters"
    assert run.slot("last_topic") == topic


@pytest.mark.parametrize(("text", "topic", "language", "needle"), [
    ("milloin päiväkotipaikkaa pitää hakea", "daycare", "fi", "4 kuukautta"),
    ("when is the main library open", "library", "en", "Mon–Thu 10–19"),
    ("vad är adressen till huvudbiblioteket", "library", "sv", "Papinkatu 20"),
    ("paljonko pysäköintivirhemaksu on", "parking", "fi", "50 €"),
    ("what is the phone number of the dental clinic booking", "health_appointment", "en",
     "019 5600 401"),
])
def test_a_question_about_one_thing_gets_that_fact(run_action, text: str, topic: str,
                                                  language: str, needle: str) -> None:
    run = answer(run_action, text, topic, language)
    assert needle in run.texts[0]
    assert len(run.texts[0]) < 450


def test_aspects_are_read_without_diacritics() -> None:
    assert asked_aspects("milloin kirjasto on auki") >= {"hours", "deadline"}
    assert asked_aspects("vad kostar det") == {"fee"}
    assert asked_aspects("mika on osoite") == {"address"}
    assert asked_aspects("kerro kirjastosta") == set()


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("topic", ["health_appointment", "health_advice", "family_services",
                                   "social_services", "elderly_services"])
def test_county_services_say_who_runs_them(run_action, topic: str, language: str) -> None:
    text = answer(run_action, "?", topic, language).texts[0]
    assert knowledge().line("runs_wellbeing_county", language) in text


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_tell_me_more_gives_every_fact(run_action, language: str) -> None:
    first = answer(run_action, "?", "library", language)
    assert first.slot("more") == "service:library"
    assert [b["payload"] for b in first.buttons] == ["/more"]
    more = run_action(ActionMore(), make_tracker("kerro lisää", "more", language=language,
                                                 slots={"more": "service:library"}))
    facts = knowledge().service("library")["facts"]
    assert more.texts[0].count("• ") == len(facts)
    assert more.slot("more") is None


def test_tell_me_more_with_nothing_left_says_so(run_action) -> None:
    run = run_action(ActionMore(), make_tracker("tell me more", "more", language="en"))
    assert run.texts == [knowledge().line("nothing_more", "en")]


def test_a_fact_without_a_source_says_where_to_check() -> None:
    kb = knowledge()
    entry = {**kb.fact_entry("library_main_hours"), "source": None}
    assert source_note(entry) == ""
    kb_facts = kb.load("facts")
    kb_facts["_unsourced"] = entry
    try:
        shown = kb.fact("_unsourced", "fi")
    finally:
        del kb_facts["_unsourced"]
    assert shown.endswith(entry["where_to_check"]["fi"])


def test_telegram_gets_links_as_plain_text() -> None:
    assert plain_links("→ [Hae](https://www.porvoo.fi/a/)") == "→ Hae: https://www.porvoo.fi/a/"
