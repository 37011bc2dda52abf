"""Understands questions about the digital programme's use cases and finds the rows.

The vocabulary here is about *asking* (who, which year, for residents, with state
funding); the names of use cases, themes and units come from programme.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from actions.text_search import fold, overlap, terms

PROGRAMME_YEARS = (2020, 2021, 2022, 2023)
_YEAR = re.compile(r"\b(20[12]\d)\b")
_NON_WORD = re.compile(r"[^\w&]+", re.UNICODE)

# Stems that mark the user group or state funding, in fi, sv and en.
_RESIDENT_STEMS = ("asukk", "asukas", "kuntalai", "kaupunkilai", "invånar", "resident", "citizen")
_STAFF_STEMS = ("henkilöstö", "henkilökun", "työntekij", "personal", "anställd", "staff",
                "employee", "workers")
_FUNDING_STEMS = ("valtio", "valtion", "kannustin", "rahoitu", "tähdellä", "tähti", "statlig",
                  "staten", "statsstöd", "stimulans", "state fund", "state aid", "funded",
                  "funding", "starred", "grant", "subsid")
_EVERY_YEAR = ("joka vuosi", "jokaisena vuonna", "joka vuonna", "kaikkina vuosina",
               "koko ohjelmakauden", "koko kauden", "vuosittain", "varje år", "alla år",
               "hela perioden", "every year", "all years", "each year", "all four years",
               "whole period")
_HOW_MANY = ("kuinka monta", "montako", "kuinka paljon", "lukumäär", "hur många", "antal",
             "how many", "number of", "count")
_USE_CASE_WORDS = ("käyttötapau", "use case", "användningsfall")
_ONLY = ("ainoastaan", "pelkästään", "vain", "enbart", "endast", "bara", "only")
MIN_KEYWORD_LENGTH = 3
MIN_FOREIGN_KEYWORD_LENGTH = 8
MIN_NAME_WORDS = 3        # a question sharing this many words with a use-case name names it
NAME_COVERAGE_LETTERS = 40  # a question holding a whole name weighs as a 40-letter keyword
# Shorter keywords match whole words only; longer ones also begin longer words.
MIN_PREFIX_LENGTH = 4
# Words of a keyword at least this long may be misspelt (one slip in about six letters).
MIN_FUZZY_LENGTH = 6
FUZZY_RATIO = 0.84


@dataclass
class ProgrammeQuery:
    """What a question about the programme's use cases asks for."""

    use_case_ids: List[str] = field(default_factory=list)
    matched_letters: int = 0          # how much of the text the best use case's keywords cover
    years: Set[int] = field(default_factory=set)
    theme_ids: Set[str] = field(default_factory=set)
    unit_ids: Set[str] = field(default_factory=set)
    primary_user: Optional[str] = None
    state_funding_only: bool = False
    every_year: bool = False
    only_years: bool = False          # "only in 2023": no other year
    other_years: bool = False         # a year outside 2020-2023 is named
    how_many: bool = False
    asks_about_use_cases: bool = False

    @property
    def has_filters(self) -> bool:
        return bool(self.years or self.theme_ids or self.unit_ids or self.primary_user
                    or self.state_funding_only or self.every_year)


def normalise(text: str) -> str:
    """Lower case, accents folded, words separated by single spaces, padded with spaces."""
    return " " + _NON_WORD.sub(" ", fold(text)).strip() + " "


@lru_cache(maxsize=4096)
def _normalised_keyword(keyword: str) -> str:
    return normalise(keyword).strip()


def mentions(text: str, keyword: str) -> bool:
    """Whether normalised `text` contains `keyword`: exactly, or misspelt or inflected.

    Each word of the keyword is a stem ("päiväkod") that must begin a word of the text; a
    long word may differ by a typing error or two ("chatbotista" ~ "chatbootista").
    """
    key = _normalised_keyword(keyword)
    if not key:
        return False
    if len(key) < MIN_PREFIX_LENGTH:  # "sää" must not match "saako"
        return f" {key} " in text
    if " " + key in text:
        return True
    key_words = key.split()
    if all(len(w) < MIN_FUZZY_LENGTH for w in key_words):
        return False
    text_words = text.split()
    for start in range(len(text_words) - len(key_words) + 1):
        window = text_words[start:start + len(key_words)]
        if all(_word_matches(k, t) for k, t in zip(key_words, window, strict=True)):
            return True
    return False


def _word_matches(stem: str, word: str) -> bool:
    if word.startswith(stem):
        return True
    if len(stem) < MIN_FUZZY_LENGTH:
        return False
    head = word[:len(stem) + 1]
    return SequenceMatcher(None, stem, head).ratio() >= FUZZY_RATIO


def _contains_any(text: str, stems: Iterable[str]) -> bool:
    return any(fold(stem) in text for stem in stems)


def _keywords(entry: Dict[str, Any], language: Optional[str] = None) -> List[str]:
    """The entry's keywords in `language`, and the long ones of the other languages (names
    such as "kompassi" are shared; short stems are not: Swedish "respons" is no English
    "responsible")."""
    words: List[str] = []
    for keyword_language, language_words in (entry.get("keywords") or {}).items():
        own = language is None or keyword_language == language
        words.extend(k for k in map(_normalised_keyword, language_words or [])
                     if own or len(k) >= MIN_FOREIGN_KEYWORD_LENGTH)
    return list(dict.fromkeys(w for w in words if len(w) >= MIN_KEYWORD_LENGTH))


def best_matches(text: str, entries: List[Dict[str, Any]],
                 language: Optional[str] = None) -> List[str]:
    """Ids of the entries whose keywords match `text` best (most matched letters win)."""
    return _best(text, entries, language)[0]


def _best(text: str, entries: List[Dict[str, Any]],
          language: Optional[str]) -> Tuple[List[str], int]:
    scores: Dict[str, int] = {}
    for entry in entries:
        lengths = [len(k) for k in _keywords(entry, language) if mentions(text, k)]
        shared, name_terms = _name_overlap(text, entry, language)
        if lengths or shared >= MIN_NAME_WORDS:
            # How much of the entry's own name the question holds tells apart two entries
            # that share keywords ("sähköinen ajanvaraus ... työterveyteen").
            scores[entry["id"]] = max(lengths, default=0) + round(
                NAME_COVERAGE_LETTERS * shared / max(name_terms, 1))
    if not scores:
        return [], 0
    top = max(scores.values())
    return [entry_id for entry_id, score in scores.items() if score == top], top


def _name_overlap(text: str, entry: Dict[str, Any],
                  language: Optional[str]) -> Tuple[int, int]:
    """(name words the text has, words in the name), in `language`."""
    name = (entry.get("name") or {}).get(language or "")
    if not (name and language):
        return 0, 0
    return overlap(text, name, language), len(set(terms(name, language)))


def all_matches(text: str, entries: List[Dict[str, Any]],
                language: Optional[str] = None) -> Set[str]:
    return {e["id"] for e in entries
            if any(mentions(text, k) for k in _keywords(e, language))}


def parse_query(text: str, programme: Dict[str, Any],
                language: Optional[str] = None) -> ProgrammeQuery:
    """Read the use case, years, theme, unit, user group and funding asked about."""
    normalised = normalise(text)
    use_case_ids, letters = _best(normalised, programme["use_cases"], language)
    query = ProgrammeQuery(
        use_case_ids=use_case_ids,
        matched_letters=letters,
        years={int(y) for y in _YEAR.findall(text) if int(y) in PROGRAMME_YEARS},
        other_years=any(int(y) not in PROGRAMME_YEARS for y in _YEAR.findall(text)),
        theme_ids=all_matches(normalised, programme["themes"], language),
        unit_ids=all_matches(normalised, programme["units"], language),
        state_funding_only=_contains_any(normalised, _FUNDING_STEMS),
        every_year=_contains_any(normalised, map(normalise, _EVERY_YEAR)),
        only_years=_contains_any(normalised, map(normalise, _ONLY)),
        how_many=_contains_any(normalised, map(normalise, _HOW_MANY)),
        asks_about_use_cases=_contains_any(normalised, _USE_CASE_WORDS),
    )
    residents = _contains_any(normalised, _RESIDENT_STEMS)
    staff = _contains_any(normalised, _STAFF_STEMS)
    if residents != staff:
        query.primary_user = "residents" if residents else "staff"
    return query


UseCase = Dict[str, Any]


def filter_use_cases(query: ProgrammeQuery, use_cases: List[UseCase]) -> List[UseCase]:
    """The use cases that meet every filter of `query`, in the programme's order."""
    return [
        case for case in use_cases
        if (not query.years or query.years & set(case["years"]))
        and (not query.years or not query.only_years or set(case["years"]) <= query.years)
        and (not query.theme_ids or case["theme"] in query.theme_ids)
        and (not query.unit_ids or query.unit_ids & set(case["responsible"]))
        and (not query.primary_user or case.get("primary_user") == query.primary_user)
        and (not query.state_funding_only or case.get("state_funding"))
        and (not query.every_year or set(case["years"]) == set(PROGRAMME_YEARS))
    ]
