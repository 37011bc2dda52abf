"""Every user message of the test stories is understood as the story labels it.

`rasa test core` checks the actions of tests/stories but not how the model reads the
messages; this test checks that half, so a wrong prediction of either kind fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]


def labelled_messages() -> List[Tuple[str, str]]:
    pairs = []
    for path in sorted((ROOT / "tests/stories").glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            pairs += [(step["user"].strip(), step["intent"]) for step in story["steps"]
                      if "user" in step]
    return pairs


def test_story_messages_are_understood_as_labelled(classifier) -> None:
    pairs = labelled_messages()
    assert len(pairs) >= 10
    predictions = classifier.classify_batch([text for text, _ in pairs])
    wrong = [(text, intent, got.intent) for (text, intent), got in
             zip(pairs, predictions, strict=True) if got.intent != intent]
    assert not wrong, wrong
