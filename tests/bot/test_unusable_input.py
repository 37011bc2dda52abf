"""Empty, emoji-only, over-long and mixed-language messages never break understanding."""

from __future__ import annotations

import pytest

from actions.dialogue import ActionSmallTalk
from actions.knowledge import knowledge
from bot.nlu import catalogue_topics
from bot.screening import MAX_MESSAGE_CHARS
from tests.actions.conftest import Run, make_tracker


@pytest.mark.parametrize(("text", "intent"), [
    ("", "empty_message"), ("   \t ", "empty_message"), ("😀🎉👍", "emoji_only"),
    ("?!?!", "emoji_only"), ("a" * (MAX_MESSAGE_CHARS + 1), "too_long")])
def test_unusable_input_gets_its_own_intent(classifier, text: str, intent: str) -> None:
    assert classifier.classify(text).intent == intent


def test_mixed_language_message_is_understood(classifier) -> None:
    result = classifier.classify("hej, voinko varata ajan hammaslääkärille please")
    assert result.topic in catalogue_topics()
    assert result.language in ("fi", "sv", "en")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_too_long_reply_names_the_limit(language: str) -> None:
    run = Run(ActionSmallTalk(), make_tracker("x", "too_long", language=language))
    assert run.texts == [knowledge().line("too_long", language, limit=MAX_MESSAGE_CHARS)]
    assert str(MAX_MESSAGE_CHARS) in run.texts[0]
