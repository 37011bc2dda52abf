"""Read-only access to the answer content in data/knowledge.

Files are re-read when they change on disk, so editors' changes apply to the next
message without retraining or restarting anything.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

import yaml

LANGUAGES = ("fi", "sv", "en")
DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "data" / "knowledge"

Localized = Dict[str, str]


class KnowledgeError(LookupError):
    """A key or topic that the knowledge base does not have."""


class KnowledgeBase:
    """Answers, facts, dialogue lines, topic titles and the digital programme."""

    def __init__(self, directory: Optional[Path] = None) -> None:
        self.directory = Path(directory or os.environ.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)
        self._cache: Dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def load(self, name: str) -> Any:
        """The parsed YAML file `name`.yml, re-read when its modification time changes."""
        return self._load_path(self.directory / f"{name}.yml")

    def _load_path(self, path: Path) -> Any:
        mtime = path.stat().st_mtime
        with self._lock:
            cached = self._cache.get(str(path))
            if cached and cached[0] == mtime:
                return cached[1]
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            self._cache[str(path)] = (mtime, data)
            return data

    def line(self, key: str, language: str, **values: Any) -> str:
        """One of the assistant's own lines (dialogue.yml), filled with `values`."""
        entry = self.load("dialogue").get(key)
        if entry is None:
            raise KnowledgeError(f"dialogue line {key!r}")
        return pick(entry, language).format(**values)

    def phrase(self, key: str, language: str, **values: Any) -> str:
        """A phrase used to compose digital-programme answers (programme_phrases.yml)."""
        entry = self.load("programme_phrases").get(key)
        if entry is None:
            raise KnowledgeError(f"programme phrase {key!r}")
        return pick(entry, language).format(**values)

    def title(self, topic: str, language: str) -> str:
        """Short title of a topic, used as a button label."""
        entry = self.load("topic_titles").get(topic)
        if entry is None:
            raise KnowledgeError(f"topic title {topic!r}")
        return pick(entry, language)

    def department_name(self, department: str, language: str) -> str:
        return self.line(f"dept_{department}", language)

    def service(self, topic: str) -> Optional[Dict[str, Any]]:
        """The answer entry of a city-service topic, or None when it is not a service topic."""
        entry: Optional[Dict[str, Any]] = self.load("services").get(topic)
        return entry

    def fact_entry(self, fact_id: str) -> Dict[str, Any]:
        entry: Optional[Dict[str, Any]] = self.load("facts").get(fact_id)
        if entry is None:
            raise KnowledgeError(f"fact {fact_id!r}")
        return entry

    def fact(self, fact_id: str, language: str) -> str:
        """'Label: value (source, year)' for a sourced fact, 'Label: where to check' otherwise."""
        entry = self.fact_entry(fact_id)
        label = pick(entry["label"], language)
        value = entry.get("value")
        if value and entry.get("source"):
            shown = pick(value, language) if isinstance(value, dict) else str(value)
            return f"{label}: {shown} ({source_note(entry)})"
        return f"{label}: {pick(entry['where_to_check'], language)}"

    def topics(self) -> Dict[str, Dict[str, Any]]:
        """The topic catalogue, flattened: topic id -> entry (with its `group`)."""
        catalogue = self.load_catalogue()
        flat: Dict[str, Dict[str, Any]] = {}
        for group in ("city_services", "digital_programme", "conversation"):
            for topic, entry in catalogue[group].items():
                flat[topic] = {**entry, "group": group}
        return flat

    def load_catalogue(self) -> Dict[str, Any]:
        data: Dict[str, Any] = self._load_path(self.directory.parent / "topics.yml")
        return data

    def department_of(self, topic: Optional[str]) -> str:
        """The department a handoff on `topic` goes to (the catalogue's default: kompassi)."""
        entry = self.topics().get(topic or "", {})
        return str(entry.get("department", "kompassi"))


def source_note(entry: Dict[str, Any]) -> str:
    """"porvoo.fi, 2024": the site a fact comes from and the year it was stated or seen."""
    host = urlsplit(str(entry.get("source") or "")).hostname or ""
    if not host:
        return ""
    host = host[4:] if host.startswith("www.") else host
    year = str(entry.get("as_of") or "")[:4]
    return ", ".join(part for part in (host, year) if part)


def pick(entry: Any, language: str) -> str:
    """The text of a {fi, sv, en} entry in `language`."""
    if not isinstance(entry, dict) or not entry.get(language):
        raise KnowledgeError(f"text in {language!r} missing: {entry!r}")
    return str(entry[language])


_shared: Optional[KnowledgeBase] = None


def knowledge() -> KnowledgeBase:
    """The process-wide knowledge base (created on first use, not at import)."""
    global _shared
    if _shared is None:
        _shared = KnowledgeBase()
    return _shared
