"""The dashboard's texts (texts.yml, fi/sv/en) and how its numbers read in each language."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from servicedesk import catalogue
from servicedesk.console.i18n import TEXTS_FILE as CONSOLE_TEXTS_FILE
from servicedesk.console.i18n import page_language as page_language
from servicedesk.core.i18n import Entries, TextFile, Translator
from servicedesk.texts import department_name

TEXTS_FILE = Path(__file__).with_name("texts.yml")
RATE_COLUMNS = frozenset({"share", "rate", "containment", "fallback_rate", "compliance",
                          "response_rate"})
SECONDS_COLUMNS = frozenset({"median_seconds", "p90_seconds", "mean_seconds",
                             "median_handling_seconds"})


STATS_TEXTS = TextFile(TEXTS_FILE)
# The dashboard's texts over the console's (the page frame), merged once.
PAGE_TEXTS = TextFile(CONSOLE_TEXTS_FILE, TEXTS_FILE)


def stats_texts() -> Entries:
    return STATS_TEXTS.entries


def translator(language: str) -> Translator:
    """t(key, **values): the dashboard's text, else the console's (for the page frame)."""
    return PAGE_TEXTS.translator(language)


def column_header(column: str, language: str) -> str:
    """A table column's header: hours, topic ids (the trend's columns) or a text key."""
    t = translator(language)
    if column.isdigit():
        return t("col_hour", hour=column)
    if column in catalogue.subject_topics():
        return catalogue.topic_title(column, language)
    return t(f"col_{column}")


def number(value: float, language: str, decimals: int = 0) -> str:
    """1 234,5 in Finnish and Swedish, 1,234.5 in English."""
    formatted = f"{value:,.{decimals}f}"
    if language == "en":
        return formatted
    return formatted.replace(",", "\u00a0").replace(".", ",")


def label(column: str, value: Any, language: str) -> Optional[str]:
    """The readable name of a key value (department, topic, reason...), None if not a key."""
    t = translator(language)
    keyed = {"reason": "reason_", "measure": "measure_", "resolution": "resolution_",
             "weekday": "weekday_"}
    if column == "department":
        return t("all_departments") if value == "all" else department_name(str(value), language)
    if column == "topic":
        return catalogue.topic_title(str(value), language)
    if column == "language":
        return t(f"language_{value}") if value in ("fi", "sv", "en") else str(value)
    if column in keyed:
        return t(f"{keyed[column]}{value}")
    return None


def cell(column: str, value: Any, language: str) -> str:
    """A table cell as a person reads it."""
    if value is None:
        return "–"
    named = label(column, value, language)
    if named is not None:
        return named
    t = translator(language)
    if column in RATE_COLUMNS:
        return t("percent", value=number(float(value) * 100, language, 1))
    if column in SECONDS_COLUMNS:
        return t("minutes", value=number(float(value) / 60, language, 1))
    if isinstance(value, float):
        return number(value, language, 2)
    if isinstance(value, int):
        return number(value, language)
    return str(value)
