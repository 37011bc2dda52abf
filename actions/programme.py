"""Answers about the city's digital programme 2020-2023.

Two sources, both in data/knowledge: the use-case tables as structured rows
(programme.yml: theme, primary user, years, responsible unit, state funding), answered by
filtering and counting; and the programme's prose split into passages in fi, sv and en
(programme_passages.yml), answered with the sentence(s) of the best passage and the
section they come from. Every answer is short; "tell me more" gives the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Dict, List, Optional, Tuple

from actions.knowledge import pick
from actions.programme_query import (
    ProgrammeQuery,
    best_matches,
    filter_use_cases,
    normalise,
    parse_query,
)
from actions.text_search import SearchIndex, best_sentences, stem, terms, words
from actions.turn import LocalizedAction, Turn

# Intents whose questions naming a use case are about its row; under the other programme
# topics a named use case may be an example in the prose.
ROW_INTENTS = {"programme_projects", "programme_themes", "programme_overview"}
DETAILED_TERMS = 3            # a question this detailed is searched in the prose first
LISTED_USE_CASES = 4          # in a short answer; "tell me more" lists them all
MAX_NAME_CHARS = 80           # longer use-case names are cut at a word in short lists
OTHER_TOPIC_FACTOR = 1.6      # passages of other topics need this much more score
MIN_PASSAGE_SCORE = 2.5       # below this, no passage answers the question
# Words that only say the question is about the programme (never evidence for a passage).
GENERIC_WORDS = frozenset("""
digiohjelma digiohjelman digiohjelmassa digiohjelmaan digiohjelmasta ohjelma ohjelman
ohjelmassa ohjelmaan digitalisaatio digitalisaatiota digitaalinen kerro kerrotko tietoa
kertoa mitä jotain asiaa
digiprogrammet digiprogram digitaliseringsprogrammet digitaliseringsprogram programmet
program berätta information något om
digital programme program programme digitalisation tell about something info
teema teemat teemoja teemaa mahdollistaja mahdollistajat mahdollistajia ovat
tema teman temana möjliggörare möjliggörarna
theme themes enabler enablers
""".split())

Passage = Dict[str, Any]


@dataclass
class ProgrammeReply:
    text: str
    more: Optional[str] = None       # what "tell me more" shows ("programme:<key>")
    understood: bool = True


class ProgrammeAnswers:
    """Composes answers from the programme data in one language."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.language = turn.language
        self.data: Dict[str, Any] = turn.kb.load("programme")

    def text(self, entry: Any) -> str:
        return pick(entry, self.language)

    def phrase(self, key: str, **values: Any) -> str:
        return self.turn.kb.phrase(key, self.language, **values)

    # --- the tables -------------------------------------------------------------------

    def use_case(self, case: Dict[str, Any]) -> str:
        theme = self._by_id("themes", case["theme"])
        return self.phrase(
            "use_case_detail",
            name=self.text(case["name"]),
            years=self.years(case["years"]),
            responsible=self.text(case["responsible_text"]),
            theme=self.text(theme["name"]),
            user=self.phrase(f"user_{case.get('primary_user') or 'not_stated'}"),
            funding=self.phrase("funding_yes" if case.get("state_funding") else "funding_no"),
        )

    def use_case_list(self, cases: List[Dict[str, Any]], *, short: bool) -> str:
        if not cases:
            return self.phrase("no_use_cases_found")
        shown = cases[:LISTED_USE_CASES] if short else cases
        lines = [self.phrase("use_case_list_header", count=len(cases))]
        for case in shown:
            star = " *" if case.get("state_funding") else ""
            name = self.text(case["name"])
            if short:
                lines.append(f"- {cut(name)} ({self.years(case['years'])}){star}")
            else:
                lines.append(f"- {name} ({self.years(case['years'])}; "
                             f"{self.text(case['responsible_text'])}){star}")
        if short and len(cases) > len(shown):
            lines.append(self.phrase("more_use_cases", count=len(cases) - len(shown)))
        if any(case.get("state_funding") for case in shown):
            lines.append(self.phrase("star_note"))
        return "\n".join(lines)

    def projects_summary(self) -> str:
        cases = self.data["use_cases"]
        per_theme = ", ".join(
            f"{self.text(t['name'])} {sum(1 for c in cases if c['theme'] == t['id'])}"
            for t in self.data["themes"]
        )
        funded = sum(1 for c in cases if c.get("state_funding"))
        return self.phrase("use_case_summary", total=len(cases), per_theme=per_theme,
                           funded=funded)

    def table_answer(self, query: ProgrammeQuery) -> ProgrammeReply:
        if query.use_case_ids and not query.how_many:
            cases = [self._by_id("use_cases", i) for i in query.use_case_ids[:2]]
            return ProgrammeReply("\n\n".join(self.use_case(c) for c in cases))
        if not query.has_filters:
            return ProgrammeReply(self.projects_summary())
        cases = filter_use_cases(query, self.data["use_cases"])
        if len(cases) == 1 and not query.how_many:
            return ProgrammeReply(self.use_case(cases[0]))
        more = f"programme:list:{query_key(query)}" if len(cases) > LISTED_USE_CASES else None
        return ProgrammeReply(self.use_case_list(cases, short=True), more=more)

    # --- short summaries of a topic ---------------------------------------------------

    def overview(self) -> str:
        o = self.data["overview"]
        return self.phrase("overview_short", name=self.text(o["name"]), updated=o["updated"],
                           strategy_year=2018)

    def themes(self) -> str:
        names = "; ".join(f"{t['number']}. {self.text(t['name'])}" for t in self.data["themes"])
        return self.phrase("themes_short", names=names)

    def theme(self, theme_id: str) -> str:
        theme = self._by_id("themes", theme_id)
        count = sum(1 for c in self.data["use_cases"] if c["theme"] == theme_id)
        goal = first_sentence(self.text(theme["goal"]))
        return "\n".join([f"{theme['number']}. {self.text(theme['name'])}: {goal}",
                          self.phrase("theme_use_case_count", count=count)])

    def enablers(self) -> str:
        names = "; ".join(f"{e['letter']}. {self.text(e['name'])}" for e in self.data["enablers"])
        return self.phrase("enablers_short", names=names)

    def enabler(self, enabler_id: str) -> str:
        e = self._by_id("enablers", enabler_id)
        description = first_sentence(self.text(e["description"]))
        responsible = self.phrase("responsible_label", responsible=self.text(e["responsible"]))
        return f"{e['letter']}. {self.text(e['name'])}: {description} {responsible}"

    def enabler_full(self, enabler_id: str) -> str:
        e = self._by_id("enablers", enabler_id)
        return "\n".join([
            f"{e['letter']}. {self.text(e['name'])}: {self.text(e['description'])}",
            self.phrase("measures_heading"), *self._bullets(e["measures"]),
            self.phrase("metrics_heading"), *self._bullets(e["metrics"]),
            self.phrase("responsible_label", responsible=self.text(e["responsible"])),
        ])

    def summary(self, intent: str) -> ProgrammeReply:
        """The short answer of a programme topic asked about in general."""
        if intent == "programme_themes":
            return ProgrammeReply(self.themes(), more="programme:themes")
        if intent == "programme_enablers":
            return ProgrammeReply(self.enablers(), more="programme:enablers")
        if intent == "programme_projects":
            return ProgrammeReply(self.projects_summary())
        composed = {
            "programme_governance": (self.governance, "governance"),
            "programme_participation": (self.participation, "preparation"),
            "programme_legislation": (self.legislation, "state_and_eu"),
        }
        compose, section = composed.get(intent, (self.overview, "strategy"))
        return ProgrammeReply(compose(), more=f"programme:section:{section}")

    def governance(self) -> str:
        g = self.data["governance"]
        return " ".join([first_sentence(self.text(g["lead"])),
                         first_sentence(self.text(g["steering_group"])),
                         self.text(g["meetings_note"]), self.text(g["decision"])])

    def participation(self) -> str:
        p = self.data["participation"]
        purpose = self.text(p["purpose"]).split(". ")
        when = purpose[1] if len(purpose) > 1 else purpose[0]
        return " ".join([when.rstrip(".") + ":", "; ".join(
            self.text(part["text"]).rstrip(".") for part in p["parts"]) + "."])

    def legislation(self) -> str:
        names = ", ".join(self.text(law["name"]) for law in self.data["legislation"])
        return f"{self.phrase('legislation_intro')} {names}."

    # --- the prose --------------------------------------------------------------------

    def passages(self) -> List[Passage]:
        """Every passage, with its section's title in this language."""
        return passage_index(self.turn.kb.load("programme_passages"), self.language).items()

    def section_passages(self, section_id: str) -> List[Passage]:
        return [p for p in self.passages() if p["section"] == section_id]

    def search(self, question: str, intent: str) -> Optional[Tuple[Passage, float]]:
        index = passage_index(self.turn.kb.load("programme_passages"), self.language)
        generic = generic_terms(self.language)
        specific = " ".join(w for w in words(question) if stem(w, self.language) not in generic)
        best: Optional[Tuple[Passage, float]] = None
        needed = min_matched_terms(len(set(terms(specific, self.language))))
        for hit in index.search(specific, limit=12):
            if hit.matched < needed:
                continue
            # Passages of the understood topic need less evidence than the others.
            own_topic = hit.item["topic"] == intent
            score = hit.score / (1.0 if own_topic else OTHER_TOPIC_FACTOR)
            if score >= MIN_PASSAGE_SCORE and (best is None or score > best[1]):
                best = (hit.item, score)
        return best

    def passage_answer(self, passage: Passage, question: str) -> ProgrammeReply:
        sentences = passage[self.language]
        chosen = best_sentences(question, sentences, self.language)
        more = f"programme:section:{passage['section']}"
        return ProgrammeReply(self.passage_text(passage, chosen), more=more)

    def passage_text(self, passage: Passage, chosen: Any) -> str:
        sentences = passage[self.language]
        body = " ".join(sentences[i] for i in chosen)
        return "\n".join([body, self.phrase("passage_source", section=passage["title"])])

    def section_text(self, section_id: str) -> str:
        passages = self.section_passages(section_id)
        if not passages:
            return self.overview()
        title = passages[0]["title"]
        body = "\n".join(" ".join(p[self.language]) for p in passages)
        return "\n".join([body, self.phrase("passage_source", section=title)])

    # --- helpers ----------------------------------------------------------------------

    def years(self, years: List[int]) -> str:
        return ", ".join(str(y) for y in years)

    def _bullets(self, entry: Dict[str, List[str]]) -> List[str]:
        return [f"- {item}" for item in entry[self.language]]

    def _by_id(self, section: str, item_id: str) -> Dict[str, Any]:
        return next(item for item in self.data[section] if item["id"] == item_id)


def answer_programme_question(answers: ProgrammeAnswers, intent: str, text: str) -> ProgrammeReply:
    """The answer to `text`, understood as `intent` (one of the programme_* topics)."""
    language = answers.language
    query = parse_query(text, answers.data, language)
    about_rows = (intent == "programme_projects" or query.asks_about_use_cases) and not (
        query.other_years)  # "in 2019" is before the programme: a question about its prose
    if (query.use_case_ids and intent in ROW_INTENTS) or (
            about_rows and (query.how_many or query.has_filters)):
        return answers.table_answer(query)
    enablers = best_matches(normalise(text), answers.data["enablers"], language)
    if intent == "programme_enablers" and len(enablers) == 1 and asks_who(text):
        return ProgrammeReply(answers.enabler(enablers[0]),
                              more=f"programme:enabler:{enablers[0]}")
    specific_terms = set(terms(text, language)) - generic_terms(language)
    detailed = len(specific_terms) >= DETAILED_TERMS
    found = answers.search(text, intent) if detailed else None
    if found is not None:
        return answers.passage_answer(found[0], text)
    if intent == "programme_themes" and len(query.theme_ids) == 1:
        theme_id = next(iter(query.theme_ids))
        return ProgrammeReply(answers.theme(theme_id), more="programme:themes")
    if intent == "programme_enablers" and len(enablers) == 1:
        return ProgrammeReply(answers.enabler(enablers[0]),
                              more=f"programme:enabler:{enablers[0]}")
    if query.use_case_ids:
        return answers.table_answer(query)
    if not specific_terms:
        return answers.summary(intent)
    if not detailed:  # a detailed question was searched above already
        found = answers.search(text, intent)
    if found is None:
        return ProgrammeReply(answers.summary(intent).text, understood=False)
    return answers.passage_answer(found[0], text)


@cache
def generic_terms(language: str) -> frozenset[str]:
    return frozenset(t for w in GENERIC_WORDS for t in terms(w, language))


_WHO = ("vastaa", "vastuu", "vastuussa", "ansvar", "responsible", "in charge", "who leads")


def asks_who(text: str) -> bool:
    """Whether a question asks who is responsible."""
    return any(word in normalise(text) for word in map(normalise, _WHO))


def min_matched_terms(query_terms: int) -> int:
    """How many of a question's content words a passage must contain to answer it."""
    if query_terms <= 2:
        return 1
    return max(2, math.ceil(query_terms * 0.4))


def more_text(answers: ProgrammeAnswers, key: str) -> str:
    """The "tell me more" text for `key` (after "programme:")."""
    kind, _, rest = key.partition(":")
    if kind == "list":
        query = query_from_key(rest)
        return answers.use_case_list(filter_use_cases(query, answers.data["use_cases"]),
                                     short=False)
    if kind == "themes":
        return "\n".join(answers.theme(t["id"]) for t in answers.data["themes"])
    if kind == "enablers":
        return "\n\n".join(answers.enabler(e["id"]) for e in answers.data["enablers"])
    if kind == "enabler":
        return answers.enabler_full(rest)
    return answers.section_text(rest)


def query_key(query: ProgrammeQuery) -> str:
    """A compact, slot-sized description of a use-case filter."""
    parts = [",".join(str(y) for y in sorted(query.years)), ",".join(sorted(query.theme_ids)),
             ",".join(sorted(query.unit_ids)), query.primary_user or "",
             "1" if query.state_funding_only else "", "1" if query.every_year else ""]
    return ";".join(parts)


def query_from_key(key: str) -> ProgrammeQuery:
    years, themes, units, user, funded, every = (key.split(";") + [""] * 6)[:6]
    return ProgrammeQuery(years={int(y) for y in years.split(",") if y},
                          theme_ids={t for t in themes.split(",") if t},
                          unit_ids={u for u in units.split(",") if u},
                          primary_user=user or None, state_funding_only=funded == "1",
                          every_year=every == "1")


def all_passages(data: Dict[str, Any]) -> List[Passage]:
    """Every passage with its section's id, topic and title."""
    return [{**passage, "section": section["id"],
             "topic": passage.get("topic") or section["topic"], "title_all": section["title"]}
            for section in data["sections"] for passage in section["passages"]]


_INDEXES: Dict[Tuple[int, str], SearchIndex[Passage]] = {}


def passage_index(data: Dict[str, Any], language: str) -> SearchIndex[Passage]:
    """The passages of `language`, indexed once per loaded version of the file."""
    key = (id(data), language)
    if key not in _INDEXES:
        if len(_INDEXES) > 12:  # earlier versions of the file
            _INDEXES.clear()
        entries = []
        for passage in all_passages(data):
            shown = {**passage, "title": passage["title_all"][language]}
            text = " ".join(passage[language]) + " " + shown["title"]
            entries.append((shown, text))
        _INDEXES[key] = SearchIndex.build(language, entries)
    return _INDEXES[key]


def passage_by_id(answers: ProgrammeAnswers, passage_id: str) -> Passage:
    index = passage_index(answers.turn.kb.load("programme_passages"), answers.language)
    return next(item for item in index.items() if item["id"] == passage_id)


def first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


@lru_cache(maxsize=1024)
def cut(name: str) -> str:
    if len(name) <= MAX_NAME_CHARS:
        return name
    return name[:MAX_NAME_CHARS].rsplit(" ", 1)[0] + " …"


class ActionAnswerProgramme(LocalizedAction):
    """Answers every programme_* topic: from the use-case rows or the prose passages."""

    def name(self) -> str:
        return "action_answer_programme"

    def respond(self, turn: Turn) -> None:
        from actions.handoff import say_unsure

        turn.last_topic = turn.intent
        answers = ProgrammeAnswers(turn)
        reply = answer_programme_question(answers, turn.intent, turn.text)
        if not reply.understood:
            say_unsure(turn)
            return
        buttons = []
        if reply.more:
            turn.more = reply.more
            buttons.append(turn.button("button_more", "/more"))
        turn.say(reply.text, buttons)
