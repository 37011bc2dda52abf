"""Answers about city services, from data/knowledge/services.yml and facts.yml.

An answer is short: the gist in one or two sentences, the (at most three) facts that fit
the question best, each with its source and date, who runs the service when it is not the
city, and the single most useful link. A question about one thing ("when is the library
open?") gets just the facts about that thing. "Tell me more" gives all of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from actions.knowledge import KnowledgeBase, pick
from actions.text_search import fold, overlap
from actions.turn import LocalizedAction, Turn

FACTS_SHOWN = 3
FOCUSED_FACTS_SHOWN = 2
MIN_COMPOUND_STEM = 5
# Words (folded, prefixes) that ask about one aspect of a service, in fi, sv and en.
ASPECT_WORDS: Dict[str, tuple[str, ...]] = {
    "hours": ("aukio", "auki", "avoinna", "aukea", "sulkeut", "kiinni", "oppet", "oppnar",
              "stanger", "oppettid", "open", "hours", "close"),
    "address": ("osoite", "osoitteen", "missa", "sijait", "sijainti", "adress", "ligger",
                "belag", "address", "where", "located", "location"),
    "phone": ("puhelin", "numero", "soita", "soitta", "telefon", "nummer", "ring", "phone",
              "number", "call"),
    "email": ("sahkoposti", "email", "e-mail", "e-post", "epost", "meili", "mail"),
    "fee": ("maksu", "maksaa", "hinta", "hinnat", "kustann", "euro", "ilmai", "paljonko",
            "palkka", "palkan", "avgift", "kostar", "kostnad", "pris", "gratis", "betal",
            "lon ", "fee", "price", "cost", "pay", "charge", "free", "salary", "wage"),
    "deadline": ("milloin", "mennessa", "maaraaika", "viimeistaan", "hakuaika", "etukateen",
                 "kauanko", "kuinka kauan", "kesto", "nar ", "senast", "tidsfrist",
                 "ansokningstid", "i forvag", "hur lange", "deadline", "when", "latest",
                 "in advance", "how long"),
}


_ASPECT_TEXT = re.compile(r"[^\w-]+")


@dataclass
class ServiceAnswer:
    text: str
    has_more: bool


def asked_aspects(question: str) -> set[str]:
    """The aspects (hours, address, ...) a question asks about."""
    folded = " " + " ".join(_ASPECT_TEXT.sub(" ", fold(question)).split()) + " "
    found = set()
    for aspect, stems in ASPECT_WORDS.items():
        # Long stems also end compounds ("pysäköintivirhemaksu"); short ones begin words.
        if any((stem if len(stem) >= MIN_COMPOUND_STEM else f" {stem}") in folded
               for stem in stems):
            found.add(aspect)
    return found


class ServiceAnswers:
    """Composes the answer of one city-service topic in one language."""

    def __init__(self, kb: KnowledgeBase, language: str) -> None:
        self.kb = kb
        self.language = language

    def entry(self, topic: str) -> Dict[str, Any]:
        entry = self.kb.service(topic)
        if entry is None:
            raise LookupError(f"service answer {topic!r}")
        return entry

    def answer(self, topic: str, question: str) -> ServiceAnswer:
        entry = self.entry(topic)
        fact_ids: List[str] = list(entry.get("facts") or [])
        aspects = asked_aspects(question)
        focused = [f for f in fact_ids if self.kb.fact_entry(f).get("aspect") in aspects]
        if focused:
            ranked = self._ranked(focused, question)[:FOCUSED_FACTS_SHOWN]
            lines = [f"{self.kb.title(topic, self.language)}:"]
        else:
            ranked = self._ranked(fact_ids, question)[:FACTS_SHOWN]
            lines = [pick(entry["answer"], self.language).strip()]
        lines += [f"• {self.kb.fact(f, self.language)}" for f in ranked]
        lines += self._provider_and_link(entry)
        return ServiceAnswer("\n".join(lines), has_more=bool(focused) or
                             len(fact_ids) > len(ranked))

    def full(self, topic: str) -> str:
        """Everything the knowledge base has on `topic`: the "tell me more" answer."""
        entry = self.entry(topic)
        lines = [pick(entry["answer"], self.language).strip()]
        lines += [f"• {self.kb.fact(f, self.language)}" for f in entry.get("facts") or []]
        lines += self._provider_and_link(entry)
        return "\n".join(lines)

    def _ranked(self, fact_ids: List[str], question: str) -> List[str]:
        """Facts in the editors' order, those sharing the most words with the question first."""
        def shared(fact_id: str) -> int:
            fact = self.kb.fact(fact_id, self.language)
            return overlap(question, fact, self.language)
        return sorted(fact_ids, key=lambda f: -shared(f))

    def _provider_and_link(self, entry: Dict[str, Any]) -> List[str]:
        lines = []
        runs = entry.get("runs") or "city"
        if runs != "city":
            lines.append(self.kb.line(f"runs_{runs}", self.language))
        link = link_of(entry, self.language)
        if link:
            lines.append(f"→ [{link['label']}]({link['url']})")
        return lines


def link_of(entry: Dict[str, Any], language: str) -> Optional[Dict[str, str]]:
    links = entry.get("link") or {}
    link = links.get(language) or links.get("fi")
    return dict(link) if isinstance(link, dict) and link.get("url") else None


class ActionAnswerService(LocalizedAction):
    """Answers a city-service topic; offers a person where a person is the right answer."""

    def name(self) -> str:
        return "action_answer_service"

    def respond(self, turn: Turn) -> None:
        self.answer(turn, turn.intent)

    @staticmethod
    def answer(turn: Turn, topic: str) -> None:
        turn.last_topic = topic
        answer = ServiceAnswers(turn.kb, turn.language).answer(topic, turn.text)
        entry = turn.kb.service(topic) or {}
        buttons = []
        if answer.has_more:
            turn.more = f"service:{topic}"
            buttons.append(turn.button("button_more", "/more"))
        turn.say(answer.text, buttons)
        if entry.get("offer_person"):
            turn.offer = "handoff"
            turn.say_line("sensitive_offer", turn.yes_no_buttons())
