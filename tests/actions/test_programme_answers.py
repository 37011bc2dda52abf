"""Questions about the digital programme get exact answers in the asker's language."""

from __future__ import annotations

import re

import pytest

from actions.programme import ActionAnswerProgramme
from tests.actions.conftest import make_tracker
from tests.actions.test_programme_data import seed_rows


def ask(run_action, text: str, intent: str, language: str) -> str:
    run = run_action(ActionAnswerProgramme(), make_tracker(text, intent, language=language))
    return "\n".join(run.texts)


@pytest.mark.parametrize(("text", "language"), [
    ("kuka vastaa chatbotista?", "fi"), ("vem ansvarar för chatboten", "sv"),
    ("who is responsible for the chatbot", "en")])
def test_who_is_responsible_for_a_named_use_case(run_action, text: str, language: str) -> None:
    answer = ask(run_action, text, "programme_projects", language)
    responsible = {"fi": "Hallintojohto ja Kehitysyksikkö", "sv": "Förvaltningsledningen",
                   "en": "Administration"}[language]
    assert responsible.lower() in answer.lower()
    assert "2020, 2021" in answer


def test_whether_something_is_planned(run_action) -> None:
    answer = ask(run_action, "is the city going to have an online shop?", "programme_projects",
                 "en")
    assert "Years: 2022" in answer


def test_what_is_done_in_a_year_counts_exactly(run_action) -> None:
    expected = sum(1 for row in seed_rows() if 2022 in row["years"])
    answer = ask(run_action, "mitä digiohjelmassa tehdään vuonna 2022?", "programme_projects", "fi")
    assert f"{expected} tällaista käyttötapausta" in answer


def test_state_funded_use_cases_for_residents(run_action) -> None:
    answer = ask(run_action, "which use cases for residents got state funding",
                 "programme_projects", "en")
    listed = [line for line in answer.splitlines() if line.startswith("- ")]
    # The residents' tables star two rows: remote art teaching and library web payments.
    assert len(listed) == 2 and all(line.endswith("*") for line in listed)


def test_units_filter(run_action) -> None:
    answer = ask(run_action, "vad gör utvecklingsenheten år 2023", "programme_projects", "sv")
    count = int(re.search(r"har (\d+) sådana", answer).group(1))
    expected = sum(1 for row in seed_rows() if 2023 in row["years"]
                   and "Kehitysyksikkö" in row["responsible"])
    assert count == expected


@pytest.mark.parametrize(("intent", "needle"), [
    ("programme_participation", "74"), ("programme_participation", "86"),
    ("programme_governance", "Digi"), ("programme_themes", "3."),
    ("programme_enablers", "D."), ("programme_legislation", "Digital Europe"),
    ("programme_overview", "2020")])
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_other_programme_topics(run_action, intent: str, needle: str, language: str) -> None:
    assert needle in ask(run_action, "?", intent, language)
