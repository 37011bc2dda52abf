"""Text files in fi, sv and en: `key: {fi: ..., sv: ..., en: ...}`, read once.

A line is picked in the asked language, Finnish when the language is unknown, and
filled with `str.format` values when some are given.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, Dict

import yaml

Entries = Dict[str, Dict[str, str]]
Translator = Callable[..., str]


class TextFile:
    def __init__(self, *paths: Path) -> None:
        """Several files merge into one book; a later file's key wins."""
        self.paths = paths

    @functools.cached_property
    def entries(self) -> Entries:
        merged: Entries = {}
        for path in self.paths:
            merged.update(yaml.safe_load(path.read_text(encoding="utf-8")))
        return merged

    def text(self, key: str, language: str, **values: Any) -> str:
        entry = self.entries[key]
        line = entry.get(language, entry["fi"])
        return line.format(**values) if values else line

    def translator(self, language: str) -> Translator:
        """t(key, **values): a line of this book in `language`."""
        return functools.partial(self.text, language=language)
