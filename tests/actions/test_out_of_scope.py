"""Out of scope: the assistant names the public body that does handle the matter."""

from __future__ import annotations

import pytest

from actions.dialogue import ActionSmallTalk
from actions.knowledge import knowledge
from tests.actions.conftest import make_tracker


def name_of(body: str, language: str) -> str:
    return str(knowledge().load("other_bodies")["bodies"][body]["name"][language])


@pytest.mark.parametrize(("text", "language", "body"), [
    ("miten haen uutta passia", "fi", "police"),
    ("var ansöker jag om pass", "sv", "police"),
    ("how do I renew my passport", "en", "police"),
    ("milloin kela maksaa asumistuen", "fi", "kela"),
    ("hur ansöker jag om bostadsbidrag", "sv", "kela"),
    ("what's the weather forecast for tomorrow", "en", "weather"),
    ("sataako huomenna", "fi", "weather"),
    ("miten muutan verokorttia", "fi", "tax"),
    ("where do I book a driving test", "en", "ajovarma"),
])
def test_another_bodys_matter_is_referred_there_with_its_address(
        run_action, text: str, language: str, body: str) -> None:
    run = run_action(ActionSmallTalk(), make_tracker(text, "out_of_scope", language=language))
    answer = run.texts[0]
    assert name_of(body, language) in answer
    assert "](https://" in answer
    assert "/human_handoff" in [b["payload"] for b in run.buttons]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_plain_out_of_scope_gets_the_general_line(run_action, language: str) -> None:
    run = run_action(ActionSmallTalk(), make_tracker("kerro vitsi", "out_of_scope",
                                                     language=language))
    assert run.texts[0] == knowledge().line("out_of_scope", language)
