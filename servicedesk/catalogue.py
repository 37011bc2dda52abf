"""The topic catalogue (data/topics.yml) as the service desk reads it: topics, their
departments and titles, and which topics are sensitive (a person is offered; the
statistics suppress their small numbers)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple

import yaml

from servicedesk.texts import catalogue_departments

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_FILE = ROOT / "data" / "topics.yml"
SERVICES_FILE = ROOT / "data" / "knowledge" / "services.yml"
TITLES_FILE = ROOT / "data" / "knowledge" / "topic_titles.yml"
# The catalogue groups whose topics are subjects of contact (not greetings or thanks).
SUBJECT_GROUPS = ("city_services", "digital_programme")


def _load(path: Path) -> dict:
    data: dict = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@functools.lru_cache(maxsize=1)
def subject_groups() -> Dict[str, Tuple[str, ...]]:
    """The subject groups' topic ids, in catalogue order."""
    catalogue = _load(CATALOGUE_FILE)
    return {group: tuple(catalogue[group]) for group in SUBJECT_GROUPS}


@functools.lru_cache(maxsize=1)
def subject_topics() -> Tuple[str, ...]:
    """Topic ids residents ask about (city services and the digital programme)."""
    return tuple(topic for topics in subject_groups().values() for topic in topics)


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
