"""Questions about the digital programme get exact answers in the asker's language."""

from __future__ import annotations

import re

import pytest

from actions.knowledge import knowledge
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
    assert "The programme has 2 such use cases" in answer


def test_units_filter(run_action) -> None:
    answer = ask(run_action, "vad gör utvecklingsenheten år 2023", "programme_projects", "sv")
    count = int(re.search(r"har (\d+) sådana", answer).group(1))
    expected = sum(1 for row in seed_rows() if 2023 in row["years"]
                   and "Kehitysyksikkö" in row["responsible"])
    assert count == expected


@pytest.mark.parametrize(("intent", "needle"), [
    ("programme_participation", "74"), ("programme_participation", "86"),
    ("programme_governance", "Digi & ICT"), ("programme_themes", "3."),
    ("programme_enablers", "D."), ("programme_legislation", "Digital Europe"),
    ("programme_overview", "2020")])
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_general_questions_get_a_short_summary(run_action, intent: str, needle: str,
                                               language: str) -> None:
    answer = ask(run_action, "?", intent, language)
    assert needle in answer
    assert len(answer) <= 450


def run_of(run_action, text: str, intent: str, language: str):
    return run_action(ActionAnswerProgramme(), make_tracker(text, intent, language=language))


@pytest.mark.parametrize(("text", "intent", "language", "needle", "section"), [
    ("milloin kaupunkistrategia hyväksyttiin", "programme_overview", "fi", "2018",
     "Unelmien Porvoo 2030"),
    ("hur ofta sammanträder ledningsgruppen", "programme_governance", "sv", "sex gånger",
     "Uppföljning"),
    ("how much does the EU invest in Digital Europe", "programme_legislation", "en",
     "nine billion", "State and EU"),
    ("kuinka moni kuntalainen vastasi kyselyyn", "programme_participation", "fi", "86",
     "valmistelu"),
])
def test_prose_questions_get_the_answering_sentences_and_their_section(
        run_action, text: str, intent: str, language: str, needle: str, section: str) -> None:
    run = run_of(run_action, text, intent, language)
    answer = run.texts[0]
    assert needle in answer
    assert section.lower() in answer.splitlines()[-1].lower()
    assert len(answer) <= 400
    assert str(run.slot("more")).startswith("programme:section:")


def test_tell_me_more_gives_the_whole_section(run_action) -> None:
    from actions.dialogue import ActionMore

    first = run_of(run_action, "how often does the steering group meet", "programme_governance",
                   "en")
    more = run_action(ActionMore(), make_tracker("tell me more", "more", language="en",
                                                 slots={"more": first.slot("more")}))
    assert len(more.texts[0]) > len(first.texts[0])
    assert first.texts[0].splitlines()[0] in more.texts[0] or "six times" in more.texts[0]


def test_which_use_case_runs_every_year(run_action) -> None:
    every = [row for row in seed_rows() if row["years"] == [2020, 2021, 2022, 2023]]
    answer = ask(run_action, "mikä käyttötapaus toteutetaan joka vuosi", "programme_projects",
                 "fi")
    assert len(every) == 1
    assert "2020, 2021, 2022, 2023" in answer


@pytest.mark.parametrize(("text", "language"), [
    ("kuinka monta käyttötapausta sai valtion tukea", "fi"),
    ("hur många användningsfall har fått statligt stöd", "sv"),
    ("how many use cases got state funding", "en")])
def test_counts_of_state_funded_use_cases_are_exact(run_action, text: str,
                                                    language: str) -> None:
    expected = sum(1 for row in seed_rows() if row["star"])
    answer = ask(run_action, text, "programme_projects", language)
    assert re.search(rf"\b{expected}\b", answer.splitlines()[0])
    assert len(answer) <= 600


@pytest.mark.parametrize(("text", "language"), [
    ("kuka vastaa chatboottista", "fi"),      # misspelt and inflected
    ("kuka vastaa chatbotista", "fi"),
    ("vem ansvarar for chatboten", "sv"),    # without å/ä/ö
    ("who's in charge of the chat bot thing", "en")])
def test_named_use_cases_are_recognised_when_misspelt(run_action, text: str,
                                                      language: str) -> None:
    answer = ask(run_action, text, "programme_projects", language)
    assert "2020, 2021" in answer


@pytest.mark.parametrize(("text", "language"), [
    ("what is the best pizza recipe in the programme", "en"),
    ("mikä on paras pizzaresepti digiohjelmassa", "fi")])
def test_no_passage_answers_so_it_says_it_is_unsure(run_action, text: str,
                                                     language: str) -> None:
    run = run_of(run_action, text, "programme_overview", language)
    assert run.texts == [knowledge().line("fallback_suggest", language)]
    assert "/human_handoff" in [b["payload"] for b in run.buttons]
    turn = next(c for c in run._customs() if c.get("type") == "turn")
    assert turn["understood"] is False


def test_passages_are_aligned_in_three_languages() -> None:
    data = knowledge().load("programme_passages")
    for section in data["sections"]:
        assert all(section["title"].get(lang) for lang in ("fi", "sv", "en")), section["id"]
        for passage in section["passages"]:
            counts = {lang: len(passage[lang]) for lang in ("fi", "sv", "en")}
            assert len(set(counts.values())) == 1, (passage["id"], counts)


def programme_rows() -> list:
    return knowledge().load("programme")["use_cases"]


@pytest.mark.parametrize(("text", "language", "wanted"), [
    ("how many use cases for residents under knowledge-based decisions run in 2021",
     "en", {"theme": "knowledge_based_decisions", "user": "residents", "year": 2021}),
    ("kuinka monta henkilöstölle suunnattua käyttötapausta on vuonna 2022",
     "fi", {"user": "staff", "year": 2022}),
    ("hur många användningsfall med statligt stöd har utvecklingsenheten",
     "sv", {"funded": True, "unit": "development_unit"}),
    ("how many use cases of the service quality theme got state funding",
     "en", {"theme": "service_quality_efficiency", "funded": True}),
])
def test_conditions_combine_and_counts_are_exact(run_action, text: str, language: str,
                                                 wanted: dict) -> None:
    expected = [row for row in programme_rows()
                if ("theme" not in wanted or row["theme"] == wanted["theme"])
                and ("user" not in wanted or row.get("primary_user") == wanted["user"])
                and ("year" not in wanted or wanted["year"] in row["years"])
                and ("funded" not in wanted or row.get("state_funding"))
                and ("unit" not in wanted or wanted["unit"] in row["responsible"])]
    answer = ask(run_action, text, "programme_projects", language)
    first_line = answer.splitlines()[0]
    assert re.search(rf"\b{len(expected)}\b", first_line), (first_line, len(expected))


@pytest.mark.parametrize(("text", "language"), [
    ("is the chatbot for residents or for staff", "en"),
    ("under which theme is the online shop", "en"),
    ("minkä teeman alla on verkkokauppa", "fi")])
def test_questions_about_one_use_case_get_its_row(run_action, text: str, language: str) -> None:
    answer = ask(run_action, text, "programme_projects", language)
    theme = {"en": "Theme:", "fi": "Teema:"}[language]
    assert theme in answer and len(answer) <= 400
