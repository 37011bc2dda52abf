"""Editors change answers without retraining or restarting: files are re-read on change."""

from __future__ import annotations

import os
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


def test_unconfirmed_facts_say_where_to_check_and_confirmed_ones_their_value(
        tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, directory)
    kb = KnowledgeBase(directory)
    unconfirmed = kb.fact("kompassi_opening_hours", "fi")
    assert unconfirmed.endswith(kb.load("facts")["kompassi_opening_hours"]["where_to_check"]["fi"])

    facts = directory / "facts.yml"
    text = facts.read_text(encoding="utf-8")
    start = text.index("kompassi_opening_hours:")
    block_end = text.index("confirmed: false", start) + len("confirmed: false")
    block = text[start:block_end].replace("value: null", 'value: "ma-pe 9-16"').replace(
        "confirmed: false", "confirmed: true")
    facts.write_text(text[:start] + block + text[block_end:], encoding="utf-8")
    stat = facts.stat()
    os.utime(facts, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    assert kb.fact("kompassi_opening_hours", "fi").endswith(": ma-pe 9-16")
