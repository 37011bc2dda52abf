"""The training and held-out data cover every topic in every language."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Set

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED_CATALOGUE = ROOT.parent / "shared" / "topics.yml"
LANGUAGES = ("fi", "sv", "en")
MIN_TRAINING_EXAMPLES = 20
MIN_HELDOUT_EXAMPLES = 5


def catalogue_topics() -> List[str]:
    catalogue = yaml.safe_load((ROOT / "data/topics.yml").read_text(encoding="utf-8"))
    return [t for g in ("city_services", "digital_programme", "conversation") for t in catalogue[g]]


def examples(paths: List[Path]) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = defaultdict(list)
    for path in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            found[block["intent"]] += [line.strip()[2:] for line in block["examples"].splitlines()
                                       if line.strip().startswith("- ")]
    return found


def normalised(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def test_catalogue_copy_matches_the_shared_catalogue() -> None:
    if SHARED_CATALOGUE.exists():
        assert (ROOT / "data/topics.yml").read_text() == SHARED_CATALOGUE.read_text()


def test_every_topic_has_enough_training_examples_in_every_language() -> None:
    for lang in LANGUAGES:
        paths = sorted((ROOT / "data/nlu" / lang).glob("*.yml"))
        counts = {i: len(e) for i, e in examples(paths).items()}
        for topic in catalogue_topics():
            assert counts.get(topic, 0) >= MIN_TRAINING_EXAMPLES, f"{lang}/{topic}"


def test_every_topic_has_held_out_examples_in_every_language() -> None:
    for lang in LANGUAGES:
        counts = {i: len(e) for i, e in examples([ROOT / f"tests/nlu/heldout/{lang}.yml"]).items()}
        for topic in catalogue_topics():
            assert counts.get(topic, 0) >= MIN_HELDOUT_EXAMPLES, f"{lang}/{topic}"


HARD_KINDS = ("typos", "no_diacritics", "colloquial", "long_question_last", "indirect",
              "code_mixed", "oos_near_miss")
MIN_HARD_EXAMPLES_PER_KIND = 15


def hard_examples(lang: str) -> Dict[str, List[List[str]]]:
    data = yaml.safe_load((ROOT / f"tests/nlu/hard/{lang}.yml").read_text(encoding="utf-8"))
    assert data["language"] == lang
    return {kind: data.get(kind) or [] for kind in HARD_KINDS}


def test_held_out_examples_are_never_training_examples() -> None:
    training: Set[str] = {normalised(t) for texts in
                          examples(sorted((ROOT / "data/nlu").glob("*/*.yml"))).values()
                          for t in texts}
    heldout = [t for texts in examples(sorted((ROOT / "tests/nlu/heldout").glob("*.yml"))).values()
               for t in texts]
    heldout += [text for lang in LANGUAGES for rows in hard_examples(lang).values()
                for _intent, text in rows]
    leaked = [t for t in heldout if normalised(t) in training]
    assert not leaked, leaked[:10]


def test_the_hard_set_has_every_kind_in_every_language() -> None:
    topics = set(catalogue_topics())
    for lang in LANGUAGES:
        for kind, rows in hard_examples(lang).items():
            assert len(rows) >= MIN_HARD_EXAMPLES_PER_KIND, f"{lang}/{kind}: {len(rows)}"
            assert all(intent in topics for intent, _text in rows), f"{lang}/{kind}"
            if kind == "oos_near_miss":
                assert {intent for intent, _ in rows} == {"out_of_scope"}, lang


def test_no_text_is_labelled_with_two_intents() -> None:
    labels: Dict[str, Set[str]] = defaultdict(set)
    for intent, texts in examples(sorted((ROOT / "data/nlu").glob("*/*.yml"))).items():
        for text in texts:
            labels[normalised(text)].add(intent)
    conflicts = {t: i for t, i in labels.items() if len(i) > 1}
    assert not conflicts, list(conflicts.items())[:10]


def test_every_intent_of_the_domain_has_a_rule() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    ruled = Counter()
    for path in (ROOT / "data/rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            ruled.update(step["intent"] for step in rule["steps"] if "intent" in step)
    assert set(domain["intents"]) <= set(ruled)
