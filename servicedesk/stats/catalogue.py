"""What the statistics know from the topic catalogue: topics, their departments and
titles, and which topics are sensitive (their small numbers are suppressed)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple

import yaml

from servicedesk.texts import catalogue_departments

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_FILE = ROOT / "data" / "topics.yml"
SERVICES_FILE = ROOT / "data" / "knowledge" / "services.yml"
TITLES_FILE = ROOT / "data" / "knowledge" / "topic_titles.yml"
# The catalogue groups whose topics are subjects of contact (not greetings or thanks).
SUBJECT_GROUPS = ("city_services", "digital_programme")


def _load(path: Path) -> dict:
    data: dict = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@functools.lru_cache(maxsize=1)
def subject_topics() -> Tuple[str, ...]:
    """Topic ids residents ask about (city services and the digital programme)."""
    catalogue = _load(CATALOGUE_FILE)
    return tuple(topic for group in SUBJECT_GROUPS for topic in catalogue[group])


@functools.lru_cache(maxsize=1)
def topic_departments() -> Dict[str, str]:
    """Every catalogue topic with a department -> that department."""
    catalogue = _load(CATALOGUE_FILE)
    return {topic: entry["department"]
            for group in (*SUBJECT_GROUPS, "conversation")
            for topic, entry in catalogue[group].items() if entry.get("department")}


def topics_of(department: str) -> Tuple[str, ...]:
    return tuple(sorted(t for t, d in topic_departments().items() if d == department))


@functools.lru_cache(maxsize=1)
def departments() -> Tuple[str, ...]:
    """The catalogue's department ids (read once: servicedesk.texts parses the file)."""
    return catalogue_departments()


@functools.lru_cache(maxsize=1)
def sensitive_topics() -> FrozenSet[str]:
    """Topics where a person is the right answer (child welfare, social services):
    `offer_person: true` in the answers file."""
    services = _load(SERVICES_FILE)
    return frozenset(topic for topic, entry in services.items() if entry.get("offer_person"))


@functools.lru_cache(maxsize=1)
def sensitive_departments() -> FrozenSet[str]:
    """Departments that handle a sensitive topic."""
    mapping = topic_departments()
    return frozenset(mapping[t] for t in sensitive_topics() if t in mapping)


@functools.lru_cache(maxsize=1)
def _titles() -> Dict[str, Dict[str, str]]:
    return _load(TITLES_FILE)


def topic_title(topic: Optional[str], language: str) -> str:
    entry = _titles().get(topic or "")
    return entry.get(language, entry["fi"]) if entry else (topic or "–")
