"""The service desk's own lines to residents, in fi, sv and en (texts.yml)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict

import yaml

LANGUAGES = ("fi", "sv", "en")
TEXTS_FILE = Path(__file__).with_name("texts.yml")
# The topic catalogue: the contract that names the departments (and routes topics to them).
CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "data" / "topics.yml"


@functools.lru_cache(maxsize=1)
def _texts() -> Dict[str, Dict[str, str]]:
    data: Dict[str, Dict[str, str]] = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    return data


def text(key: str, language: str, **values: Any) -> str:
    """The line `key` in `language` (Finnish when the language is unknown)."""
    entry = _texts()[key]
    return entry.get(language, entry["fi"]).format(**values)


def department_name(department: str, language: str) -> str:
    return text(f"dept_{department}", language)


def catalogue_departments() -> tuple[str, ...]:
    """The department ids of the topic catalogue."""
    catalogue = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return tuple(catalogue["departments"])
