"""The console's interface texts (texts.yml) and how a page picks its language."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from fastapi import Request

from servicedesk.core.i18n import Entries, TextFile, Translator
from servicedesk.texts import LANGUAGES

TEXTS_FILE = Path(__file__).with_name("texts.yml")
LANGUAGE_COOKIE = "console_lang"


CONSOLE_TEXTS = TextFile(TEXTS_FILE)


def console_texts() -> Entries:
    return CONSOLE_TEXTS.entries


def translator(language: str) -> Translator:
    """t(key, **values): the console text `key` in `language`."""
    return CONSOLE_TEXTS.translator(language)


def page_language(request: Request, preferred: Optional[str] = None) -> str:
    """?lang= first, then the language cookie, then the user's own, then Finnish."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE),
                      preferred):
        if candidate in LANGUAGES:
            return str(candidate)
    return "fi"
