"""Editors change answers without retraining or restarting: files are re-read on change."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from actions.knowledge import DEFAULT_KNOWLEDGE_DIR, KnowledgeBase


def test_an_edited_answer_is_used_at_the_next_message(tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, directory)
    shutil.copy(DEFAULT_KNOWLEDGE_DIR.parent / "topics.yml", tmp_path / "topics.yml")
    kb = KnowledgeBase(directory)
    before = kb.line("thanks_reply", "sv")

    dialogue = directory / "dialogue.yml"
    dialogue.write_text(dialogue.read_text(encoding="utf-8").replace(
        before.splitlines()[0], "Varsågod – ny text från redaktören."), encoding="utf-8")
    stat = dialogue.stat()
    os.utime(dialogue, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    assert kb.line("thanks_reply", "sv").startswith("Varsågod – ny text från redaktören.")


def test_an_edited_fact_is_shown_with_its_source_on_the_next_message(tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, directory)
    kb = KnowledgeBase(directory)
    assert kb.fact("library_main_hours", "en").startswith("Main library opening hours: Mon")
    assert kb.fact("library_main_hours", "en").endswith("(porvoo.fi, 2026)")

    facts = directory / "facts.yml"
    text = facts.read_text(encoding="utf-8")
    start = text.index("library_main_hours:")
    end = text.index("confirmed:", start)
    block = text[start:end]
    edited = re.sub(r"source: .*", "source: https://www.porvoo.fi/kirjasto/", block)
    edited = re.sub(r"(value:\n(?:    .*\n)*?)    en: .*", r"\1    en: Mon-Fri 9-16", edited)
    edited = re.sub(r"as_of: .*", "as_of: '2025-08-01'", edited)
    facts.write_text(text[:start] + edited + text[end:], encoding="utf-8")
    stat = facts.stat()
    os.utime(facts, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    assert kb.fact("library_main_hours", "en") == (
        "Main library opening hours: Mon-Fri 9-16 (porvoo.fi, 2025)")
