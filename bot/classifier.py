"""A character n-gram topic classifier for short, inflected, three-language messages.

TF-IDF over character n-grams inside word boundaries (accents folded, so "paivakoti"
meets "päiväkoti") and a linear SVM with calibrated probabilities. Measured on the
held-out set it beats DIET here and trains in seconds: docs/nlu-pipeline.md.
"""

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)
# Types a saved model may contain; anything else refuses to load (skops, no pickle).
TRUSTED_MODULE_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class CharNgramIntentClassifier(GraphComponent, IntentClassifier):
    """Predicts the intent (topic) of a message with its ranking."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_ngram": 1, "max_ngram": 5, "C": 1.0, "calibration_folds": 3,
                "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, pipeline: Optional[Pipeline] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CharNgramIntentClassifier":
        return cls(config, model_storage, resource)

    def _new_pipeline(self) -> Pipeline:
        return Pipeline([
            ("ngrams", TfidfVectorizer(
                analyzer="char_wb", lowercase=True, strip_accents="unicode",
                sublinear_tf=True,
                ngram_range=(self.config["min_ngram"], self.config["max_ngram"]))),
            ("svm", CalibratedClassifierCV(LinearSVC(C=self.config["C"]),
                                           cv=self.config["calibration_folds"])),
        ])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        texts = [m.get(TEXT) for m in examples]
        # An array, not a list: sklearn's calibration compares labels element-wise.
        intents = np.array([m.get(INTENT) for m in examples])
        self.pipeline = self._new_pipeline().fit(texts, intents)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.pipeline is None:
            return messages
        texts = [message.get(TEXT) or "" for message in messages]
        probabilities = self.pipeline.predict_proba(texts)
        labels = self.pipeline.classes_
        for message, row in zip(messages, probabilities, strict=True):
            order = row.argsort()[::-1][: self.config["ranking_length"]]
            ranking = [{"name": str(labels[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.pipeline, model_dir / "classifier.skops")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any
             ) -> "CharNgramIntentClassifier":
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / "classifier.skops"
                untrusted = sio.get_untrusted_types(file=path)
                refused = [t for t in untrusted if not t.startswith(TRUSTED_MODULE_PREFIXES)]
                if refused:
                    raise ValueError(f"refusing to load types {refused}")
                pipeline = sio.load(path, trusted=untrusted)
        except ValueError as error:
            logger.warning("no trained classifier could be loaded: %s", error)
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, pipeline)
