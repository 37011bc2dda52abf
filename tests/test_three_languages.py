"""Every answer, button, line and page string exists in Finnish, Swedish and English."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "data" / "knowledge"
LANGUAGES = {"fi", "sv", "en"}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def localized_entries(node: Any, where: str = "") -> Iterator[Tuple[str, dict]]:
    """Every mapping that has at least one language key, with its location."""
    if isinstance(node, dict):
        if LANGUAGES & set(node):
            yield where, node
            return
        for key, value in node.items():
            yield from localized_entries(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from localized_entries(value, f"{where}[{index}]")


TEXT_FILES = [KNOWLEDGE / name for name in (
    "services.yml", "facts.yml", "dialogue.yml", "topic_titles.yml", "programme.yml",
    "programme_phrases.yml", "programme_passages.yml", "other_bodies.yml")] + [
    ROOT / "servicedesk" / "texts.yml"]


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: p.name)
def test_every_text_has_all_three_languages(path: Path) -> None:
    entries = list(localized_entries(load(path)))
    assert entries, f"{path.name} has no localized texts"
    for where, entry in entries:
        missing = {lang for lang in LANGUAGES if not entry.get(lang)}
        assert not missing, f"{path.name}{where} lacks {sorted(missing)}"


def catalogue() -> dict:
    return load(ROOT / "data" / "topics.yml")


def test_every_city_service_topic_has_an_answer() -> None:
    services = load(KNOWLEDGE / "services.yml")
    assert set(services) == set(catalogue()["city_services"])


def test_every_topic_and_dialogue_act_has_a_title() -> None:
    titles = load(KNOWLEDGE / "topic_titles.yml")
    topics = {t for g in ("city_services", "digital_programme", "conversation")
              for t in catalogue()[g]}
    assert topics | {"affirm", "deny", "switch_language"} <= set(titles)


def test_every_department_has_a_name_in_the_assistant_and_the_service_desk() -> None:
    dialogue = load(KNOWLEDGE / "dialogue.yml")
    texts = load(ROOT / "servicedesk" / "texts.yml")
    for department in catalogue()["departments"]:
        assert f"dept_{department}" in dialogue
        assert f"dept_{department}" in texts


def test_every_fact_used_is_defined_and_marked_for_editors() -> None:
    facts = load(KNOWLEDGE / "facts.yml")
    for topic, entry in load(KNOWLEDGE / "services.yml").items():
        for fact in entry.get("facts") or []:
            assert fact in facts, f"{topic} uses undefined fact {fact}"
    for fact_id, fact in facts.items():
        assert "confirmed" in fact and "value" in fact, fact_id


def test_answers_invent_no_phone_numbers_or_addresses() -> None:
    """Concrete local facts live in facts.yml, never inside an answer text."""
    phone = re.compile(r"\+?\d[\d \-]{6,}\d")
    email = re.compile(r"\S+@\S+\.\w+")
    url = re.compile(r"https?://|www\.")
    for topic, entry in load(KNOWLEDGE / "services.yml").items():
        for lang, answer in entry["answer"].items():
            for pattern in (phone, email, url):
                assert not pattern.search(answer), f"{topic}/{lang}: {pattern.pattern}"


def test_widget_strings_exist_in_all_three_languages() -> None:
    source = (ROOT / "servicedesk/webchat/static/widget.js").read_text(encoding="utf-8")
    block = source[source.index("var STRINGS = {"):]
    keys = {}
    for lang in ("fi", "sv", "en"):
        start = block.index(f"    {lang}: {{")
        end = block.index("\n    }", start)
        keys[lang] = set(re.findall(r"^\s{6}(\w+):", block[start:end], re.MULTILINE))
    assert keys["fi"], "no widget strings found"
    assert keys["fi"] == keys["sv"] == keys["en"]


def test_demo_page_has_all_three_languages() -> None:
    template = (ROOT / "servicedesk/webchat/templates/demo.html").read_text(encoding="utf-8")
    assert 'lang == "sv"' in template or "lang == 'sv'" in template
    assert 'lang == "en"' in template or "lang == 'en'" in template


@pytest.mark.parametrize("name", ["dialogue.yml", "topic_titles.yml", "programme_phrases.yml"])
def test_flat_text_files_hold_only_localized_entries(name: str) -> None:
    for key, entry in load(KNOWLEDGE / name).items():
        assert isinstance(entry, dict) and set(entry) >= LANGUAGES, f"{name}: {key}"
