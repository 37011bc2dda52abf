"""The service desk's own lines to residents, in fi, sv and en (texts.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from servicedesk.core.i18n import TextFile

LANGUAGES = ("fi", "sv", "en")
TEXTS_FILE = Path(__file__).with_name("texts.yml")
# The topic catalogue: the contract that names the departments (and routes topics to them).
CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "data" / "topics.yml"


TEXTS = TextFile(TEXTS_FILE)


def text(key: str, language: str, **values: Any) -> str:
    """The line `key` in `language` (Finnish when the language is unknown)."""
    return TEXTS.text(key, language, **values)


def department_name(department: str, language: str) -> str:
    return text(f"dept_{department}", language)


def catalogue_departments() -> tuple[str, ...]:
    """The department ids of the topic catalogue."""
    catalogue = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return tuple(catalogue["departments"])
