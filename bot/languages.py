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
    values = _detector().compute_language_confidence_values(" ".join(words))
    best = values[0]
    code = _LINGUA_TO_CODE[best.language]
    return LanguageGuess(code, round(best.value, 4), _is_reliable(words, best.value))


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
