"""Rasa NLU components of the assistant: language detection and input screening.

Both run inside Rasa's NLU graph, so every channel (the REST channel the service desk uses,
`rasa shell`, `bot classify`) gets the same language and the same handling of unusable
input.
"""

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import rasa_speedups
from bot.languages import detect_language
from bot.other_bodies import names_another_body

rasa_speedups.install()

# The documented length limit of one resident message (characters).
MAX_MESSAGE_CHARS = 2000

LANGUAGE_KEY = "language"
# Topics whose matters another body also handles: income support is Kela's (basic) and the
# wellbeing county's (supplementary), so naming Kela does not move them out of scope.
SHARED_WITH_OTHER_BODIES = {"social_services"}
_HAS_WORD = re.compile(r"[^\W_]", re.UNICODE)


def screen(text: str) -> str | None:
    """The intent that replaces the classifier's for unusable input, or None."""
    stripped = text.strip()
    if not stripped:
        return "empty_message"
    if len(stripped) > MAX_MESSAGE_CHARS:
        return "too_long"
    if not _HAS_WORD.search(stripped):
        return "emoji_only"
    return None


def _is_payload(text: str) -> bool:
    return text.startswith("/")


class _UntrainedComponent(GraphComponent):
    """A component with nothing to train: it only processes messages."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class LanguageDetector(_UntrainedComponent):
    """Adds `language` ({code, confidence, reliable}) to each parsed message."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            guess = None if _is_payload(text) else detect_language(text[:MAX_MESSAGE_CHARS])
            message.set(LANGUAGE_KEY, guess.as_dict() if guess else None, add_to_output=True)
        return messages


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class InputScreen(_UntrainedComponent):
    """Replaces the intent of empty, emoji-only or over-long messages, and of messages
    that name another public body (out of the city's scope, whatever else they say)."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if _is_payload(text):
                continue
            intent = screen(text)
            if intent:
                message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
            elif names_another_body(text) and (
                    (message.get(INTENT) or {}).get("name") not in SHARED_WITH_OTHER_BODIES):
                message.set(INTENT, {"name": "out_of_scope", "confidence": 1.0},
                            add_to_output=True)
        return messages
