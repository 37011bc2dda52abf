"""Understands questions about the digital programme's use cases and finds the rows.

The vocabulary here is about *asking* (who, which year, for residents, with state
funding); the names of use cases, themes and units come from programme.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set

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
MIN_KEYWORD_LENGTH = 3


@dataclass
class ProgrammeQuery:
    """What a question about the programme's use cases asks for."""

    use_case_ids: List[str] = field(default_factory=list)
    years: Set[int] = field(default_factory=set)
    theme_ids: Set[str] = field(default_factory=set)
    unit_ids: Set[str] = field(default_factory=set)
    primary_user: Optional[str] = None
    state_funding_only: bool = False

    @property
    def has_filters(self) -> bool:
        return bool(self.years or self.theme_ids or self.unit_ids or self.primary_user
                    or self.state_funding_only)


def normalise(text: str) -> str:
    return " " + _NON_WORD.sub(" ", text.lower()).strip() + " "


def _contains_any(text: str, stems: Iterable[str]) -> bool:
    return any(stem in text for stem in stems)


def _keywords(entry: Dict[str, Any]) -> List[str]:
    words: List[str] = []
    for language_words in (entry.get("keywords") or {}).values():
        words.extend(normalise(w).strip() for w in language_words or [])
    return [w for w in words if len(w) >= MIN_KEYWORD_LENGTH]


def best_matches(text: str, entries: List[Dict[str, Any]]) -> List[str]:
    """Ids of the entries whose keywords match `text` best (longest keyword wins)."""
    scores: Dict[str, int] = {}
    for entry in entries:
        lengths = [len(k) for k in _keywords(entry) if k in text]
        if lengths:
            scores[entry["id"]] = max(lengths)
    if not scores:
        return []
    top = max(scores.values())
    return [entry_id for entry_id, score in scores.items() if score == top]


def all_matches(text: str, entries: List[Dict[str, Any]]) -> Set[str]:
    return {e["id"] for e in entries if any(k in text for k in _keywords(e))}


def parse_query(text: str, programme: Dict[str, Any]) -> ProgrammeQuery:
    """Read the use case, years, theme, unit, user group and funding asked about."""
    normalised = normalise(text)
    query = ProgrammeQuery(
        use_case_ids=best_matches(normalised, programme["use_cases"]),
        years={int(y) for y in _YEAR.findall(text) if int(y) in PROGRAMME_YEARS},
        theme_ids=all_matches(normalised, programme["themes"]),
        unit_ids=all_matches(normalised, programme["units"]),
        state_funding_only=_contains_any(normalised, _FUNDING_STEMS),
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
        and (not query.theme_ids or case["theme"] in query.theme_ids)
        and (not query.unit_ids or query.unit_ids & set(case["responsible"]))
        and (not query.primary_user or case.get("primary_user") == query.primary_user)
        and (not query.state_funding_only or case.get("state_funding"))
    ]
