"""The assistant's three languages and short-text language detection (lingua)."""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"

_LINGUA_TO_CODE = {Language.FINNISH: "fi", Language.SWEDISH: "sv", Language.ENGLISH: "en"}

# A message flips the conversation language only when the guess is reliable:
# "ok", "hei", "tack" are too short to say anything about the resident's language.
MIN_WORDS_TO_SWITCH = 2
MIN_LETTERS_SINGLE_WORD = 9
MIN_CONFIDENCE_TO_SWITCH = 0.6
MIN_CONFIDENCE_SINGLE_WORD = 0.9

FUNCTION_WORD_WEIGHT = 0.4
# Names that read the same in every language and only confuse the detector.
NEUTRAL_NAMES = frozenset("porvoo porvoon borgå kompassi omaolo kela fpa suomi.fi".split())
# Frequent short words that belong to one of the three languages only (not "en", "ja",
# "on", "i", which two of them share).
FUNCTION_WORDS: Dict[str, frozenset[str]] = {
    "fi": frozenset("""ei mä mun mulle minä minun meidän meiän sinä sä sun te he se ne tämä
        tää että kun jos mutta tai myös vai vielä miten mitä mikä missä mistä mihin milloin
        kuka ketä onko voiko voinko saako onks voiks kanssa ilman pitää pitäisi olen ole oli
        olla kiitos hei moi""".split()),
    "sv": frozenset("""och är jag int inte det den de dom ett hur vad var vem när varför med
        till från för på av om kan ska skulle har hade vill jo nå sen också eller men tack
        hej mig dig min mitt vår våra finns""".split()),
    "en": frozenset("""the is are am was were my your our their this that these those what
        where when who how why which can could would should will do does did have has had
        for of to at with from about please and or but it me you we they not there
        any some""".split()),
}

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class LanguageGuess:
    """The most likely language of one message and whether it may switch the conversation."""

    code: str
    confidence: float
    reliable: bool

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


@functools.lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(*_LINGUA_TO_CODE)
        .with_preloaded_language_models()
        .build()
    )


def detect_language(text: str) -> Optional[LanguageGuess]:
    """Guess the language of `text`; None when it has no letters at all."""
    words = _WORD.findall(text)
    if not words:
        return None
    words = [w for w in words if w.lower() not in NEUTRAL_NAMES] or words
    scores = {
        _LINGUA_TO_CODE[value.language]: value.value
        for value in _detector().compute_language_confidence_values(" ".join(words))
    }
    # Residents mix in the other languages' service words ("my tid at hälsostationen",
    # "hoitopaikka for toddler"); the little words of a sentence tell its language.
    lowered = [word.lower() for word in words]
    for code, function_words in FUNCTION_WORDS.items():
        scores[code] += FUNCTION_WORD_WEIGHT * sum(word in function_words for word in lowered)
    code = max(scores, key=lambda c: scores[c])
    confidence = min(1.0, scores[code]) if len(words) > 1 else scores[code]
    return LanguageGuess(code, round(confidence, 4), _is_reliable(words, confidence))


def _is_reliable(words: list[str], confidence: float) -> bool:
    if len(words) >= MIN_WORDS_TO_SWITCH:
        return confidence >= MIN_CONFIDENCE_TO_SWITCH
    return len(words[0]) >= MIN_LETTERS_SINGLE_WORD and confidence >= MIN_CONFIDENCE_SINGLE_WORD


def requested_language(text: str) -> Optional[str]:
    """The language a switch request names ("på svenska", "in English please"), if any."""
    lowered = text.lower()
    positions = {
        code: max(lowered.rfind(stem) for stem in stems)
        for code, stems in _LANGUAGE_NAME_STEMS.items()
    }
    # "from Finnish to Swedish": the language named last is the one wanted.
    code, position = max(positions.items(), key=lambda item: item[1])
    return code if position >= 0 else None


# Stems of each language's name as written in fi, sv and en (and common typos).
_LANGUAGE_NAME_STEMS: Dict[str, tuple[str, ...]] = {
    "sv": ("ruotsi", "ruotsa", "ruotsiks", "svensk", "svenska", "swedish", "swedis", "svedish"),
    "en": ("englan", "enkku", "engelsk", "english", "englis", "inglish", "engl"),
    "fi": ("suome", "suomi", "suomeks", "finsk", "finnish", "finish", "finska"),
}
