"""When the classifier is unsure: a clear hit in the knowledge texts answers, else "unsure"."""

from __future__ import annotations

from actions.handoff import ActionFallback
from actions.knowledge import knowledge
from tests.actions.conftest import make_tracker

RANKING = [{"name": "library", "confidence": 0.3}, {"name": "daycare", "confidence": 0.2}]


def fallback(run_action, text: str, language: str):
    return run_action(ActionFallback(), make_tracker(text, "nlu_fallback", language=language,
                                                     ranking=RANKING))


def summary_of(run) -> dict:
    return next(c for c in run._customs() if c.get("type") == "turn")


def test_a_clear_hit_in_the_facts_answers(run_action) -> None:
    run = fallback(run_action, "Papinkatu pääkirjasto aukioloajat lainaus", "fi")
    assert run.texts[0] == knowledge().line("search_intro", "fi")
    assert "Papinkatu 20" in "\n".join(run.texts) or "10–19" in "\n".join(run.texts)
    assert summary_of(run)["intent"] == "library"
    assert summary_of(run)["understood"] is True


def test_a_named_use_case_is_answered_from_the_programme_rows(run_action) -> None:
    run = fallback(run_action, "Minä vuosina sähköinen allekirjoitus on työn alla?", "fi")
    assert "Vuodet:" in run.texts[0]
    assert summary_of(run)["intent"] == "programme_projects"


def test_no_clear_hit_says_unsure_and_offers_a_person(run_action) -> None:
    run = fallback(run_action, "blurp zorg", "en")
    assert run.texts == [knowledge().line("fallback_suggest", "en")]
    assert [b["payload"] for b in run.buttons] == ["/library", "/daycare", "/human_handoff"]
    assert summary_of(run)["understood"] is False
