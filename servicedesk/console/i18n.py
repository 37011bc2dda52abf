"""The console's interface texts (texts.yml) and how a page picks its language."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import yaml
from fastapi import Request

from servicedesk.texts import LANGUAGES

TEXTS_FILE = Path(__file__).with_name("texts.yml")
LANGUAGE_COOKIE = "console_lang"
Translator = Callable[..., str]


@functools.lru_cache(maxsize=1)
def console_texts() -> Dict[str, Dict[str, str]]:
    data: Dict[str, Dict[str, str]] = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    return data


def translator(language: str) -> Translator:
    """t(key, **values): the console text `key` in `language`."""
    texts = console_texts()

    def t(key: str, **values: Any) -> str:
        entry = texts[key]
        return entry.get(language, entry["fi"]).format(**values) if values else entry.get(
            language, entry["fi"])
    return t


def page_language(request: Request, preferred: Optional[str] = None) -> str:
    """?lang= first, then the language cookie, then the user's own, then Finnish."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE),
                      preferred):
        if candidate in LANGUAGES:
            return str(candidate)
    return "fi"
