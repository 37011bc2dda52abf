"""Every fact the assistant shows has a public source and a date, in three languages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "data" / "knowledge"
LANGUAGES = ("fi", "sv", "en")
ASPECTS = {"address", "hours", "phone", "email", "fee", "deadline", "rule", "link",
           "organisation", "other"}
MIN_SOURCED_FACTS = 3
MAX_VALUE_CHARS = 160


def load(name: str) -> Any:
    return yaml.safe_load((KNOWLEDGE / name).read_text(encoding="utf-8"))


FACTS: Dict[str, Dict[str, Any]] = load("facts.yml")
SERVICES: Dict[str, Dict[str, Any]] = load("services.yml")


def is_sourced(fact: Dict[str, Any]) -> bool:
    return bool(fact.get("value")) and str(fact.get("source") or "").startswith("http")


@pytest.mark.parametrize("fact_id", sorted(FACTS))
def test_every_fact_has_a_source_or_says_it_has_none(fact_id: str) -> None:
    fact = FACTS[fact_id]
    assert is_sourced(fact) or fact.get("no_public_source") or not fact.get("value"), fact_id
    assert fact.get("aspect") in ASPECTS, fact_id
    assert isinstance(fact.get("confirmed"), bool), fact_id
    for language in LANGUAGES:
        assert fact["label"].get(language), f"{fact_id}: label in {language}"
        assert fact["where_to_check"].get(language), f"{fact_id}: where_to_check in {language}"
        if isinstance(fact.get("value"), dict):
            assert fact["value"].get(language), f"{fact_id}: value in {language}"
    if is_sourced(fact):
        as_of = str(fact["as_of"])
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", as_of), fact_id
        assert 2010 <= int(as_of[:4]) <= date.today().year, fact_id
        assert fact.get("as_of_basis") in ("stated", "seen"), fact_id


@pytest.mark.parametrize("fact_id", sorted(FACTS))
def test_facts_are_short_and_carry_no_placeholders(fact_id: str) -> None:
    value = FACTS[fact_id].get("value") or ""
    values = value.values() if isinstance(value, dict) else [value]
    for text in values:
        assert len(str(text)) <= MAX_VALUE_CHARS, fact_id
        assert "{" not in str(text) and "}" not in str(text), fact_id


@pytest.mark.parametrize("topic", sorted(SERVICES))
def test_every_topic_has_three_sourced_facts_or_says_why_not(topic: str) -> None:
    entry = SERVICES[topic]
    sourced = [f for f in entry["facts"] if is_sourced(FACTS[f])]
    assert len(sourced) >= MIN_SOURCED_FACTS or entry.get("notes"), topic


@pytest.mark.parametrize("topic", sorted(SERVICES))
def test_every_topic_has_a_link_in_each_language(topic: str) -> None:
    link = SERVICES[topic]["link"]
    for language in LANGUAGES:
        assert link[language]["url"].startswith("https://"), (topic, language)
        assert 0 < len(link[language]["label"]) <= 60, (topic, language)


@pytest.mark.parametrize("topic", sorted(SERVICES))
def test_answers_hold_no_local_facts(topic: str) -> None:
    """Numbers, addresses and links belong in facts.yml, where they carry a source."""
    for language in LANGUAGES:
        text = SERVICES[topic]["answer"][language]
        assert not re.search(r"\d{3}|https?://|@", text), (topic, language)
        assert len(text) <= 300, (topic, language)


def test_county_runs_health_social_family_and_elderly_services() -> None:
    county = {t for t, e in SERVICES.items() if e.get("runs") == "wellbeing_county"}
    assert county == {"health_appointment", "health_advice", "family_services",
                      "social_services", "elderly_services"}


def test_other_public_bodies_have_an_address_and_keywords_in_each_language() -> None:
    bodies = load("other_bodies.yml")["bodies"]
    assert {"kela", "tax", "police", "traficom", "ajovarma", "employment", "weather",
            "wellbeing_county"} <= set(bodies)
    for body_id, body in bodies.items():
        for language in LANGUAGES:
            assert body["name"][language] and body["handles"][language], body_id
            url = body["url"][language] if isinstance(body["url"], dict) else body["url"]
            assert url.startswith("https://"), body_id
            assert len(body["keywords"][language]) >= 5, (body_id, language)


def test_the_answer_evaluation_asks_enough_questions_in_every_language() -> None:
    from bot.answer_evaluation import load_questions

    questions = load_questions(ROOT / "tests" / "answers")
    per_set = {name: [q for q in questions if q.set_name == name]
               for name in ("programme", "city_services")}
    assert len(per_set["programme"]) >= 60 and len(per_set["city_services"]) >= 30
    for group in per_set.values():
        assert {q.language for q in group} == set(LANGUAGES)
        assert all(q.text.strip() and q.expect.strip() for q in group)


def test_every_city_question_asks_for_a_fact_the_knowledge_has() -> None:
    """A right answer is possible: the expected text is a sourced fact's value."""
    from bot.answer_evaluation import load_questions

    def values(language: str) -> str:
        return " ".join(str(f["value"][language] if isinstance(f["value"], dict) else f["value"])
                        for f in FACTS.values() if is_sourced(f)).lower()

    for q in load_questions(ROOT / "tests" / "answers"):
        if q.set_name == "city_services":
            assert q.expect.lower() in values(q.language), (q.text, q.expect)
