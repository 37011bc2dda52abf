"""Offline use of the trained model: parse messages and map them to catalogue topics."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional

import yaml

from bot.languages import DEFAULT_LANGUAGE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "porvoo.tar.gz"
CATALOGUE = PROJECT_ROOT / "data" / "topics.yml"
CATALOGUE_GROUPS = ("city_services", "digital_programme", "conversation")
# Intents the input screen gives to unusable text; they are no topic of their own.
SCREENED_INTENTS = {"empty_message", "emoji_only", "too_long"}


def catalogue_topics() -> List[str]:
    """The topic ids of the catalogue, in catalogue order."""
    catalogue = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return [topic for group in CATALOGUE_GROUPS for topic in catalogue[group]]


@dataclass
class Classification:
    """What `python -m bot classify` prints for one message."""

    text: str
    language: str
    topic: str
    confidence: float
    intent: str

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


class Classifier:
    """Loads the trained Rasa model once and classifies messages with it."""

    def __init__(self, model_path: Optional[Path] = None) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        logging.getLogger("rasa").setLevel(logging.ERROR)
        from rasa.core.agent import Agent  # heavy: imported only when a model is loaded
        from rasa.utils.log_utils import configure_structlog

        # Rasa's structured debug log would print every message text to stdout.
        configure_structlog(logging.WARNING)

        path = Path(model_path or os.environ.get("RASA_MODEL") or DEFAULT_MODEL)
        if not path.exists():
            raise FileNotFoundError(f"No trained model at {path}: run `make train` first")
        self._agent = Agent.load(str(path))
        self._topics = set(catalogue_topics())

    def classify(self, text: str) -> Classification:
        return self.classify_batch([text])[0]

    def classify_batch(self, texts: List[str]) -> List[Classification]:
        """Classify many messages in one run of the NLU graph (no conversation state)."""
        from rasa.core.channels.channel import UserMessage
        from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
        from rasa.shared.core.trackers import DialogueStateTracker

        processor = self._agent.processor
        if processor is None:
            raise RuntimeError("the model has no processor")
        target = processor.model_metadata.nlu_target
        tracker = DialogueStateTracker("classify", processor.domain.slots)
        results = processor.graph_runner.run(
            inputs={PLACEHOLDER_MESSAGE: [UserMessage(text) for text in texts],
                    PLACEHOLDER_TRACKER: tracker},
            targets=[target])
        return [self.to_classification(text, message.as_dict(only_output_properties=True))
                for text, message in zip(texts, results[target], strict=True)]

    def classify_all(self, texts: Iterable[str], batch_size: int = 64
                     ) -> Iterator[Classification]:
        batch: List[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) >= batch_size:
                yield from self.classify_batch(batch)
                batch = []
        if batch:
            yield from self.classify_batch(batch)

    def to_classification(self, text: str, parse: Dict[str, Any]) -> Classification:
        intent = parse.get("intent") or {}
        name = str(intent.get("name") or "")
        guess = parse.get("language") or {}
        language = str(guess.get("code") or DEFAULT_LANGUAGE)
        if name in SCREENED_INTENTS:
            return Classification(text, language, "out_of_scope", 1.0, name)
        if name in self._topics:
            topic, confidence = name, float(intent.get("confidence") or 0.0)
        else:
            topic, confidence = self._best_topic(parse)
        return Classification(text, language, topic, round(confidence, 4), name)

    def _best_topic(self, parse: Dict[str, Any]) -> tuple[str, float]:
        """The highest-ranked catalogue topic (below a fallback or a dialogue act)."""
        for entry in parse.get("intent_ranking") or []:
            if entry.get("name") in self._topics:
                return str(entry["name"]), float(entry.get("confidence") or 0.0)
        return "out_of_scope", 0.0
