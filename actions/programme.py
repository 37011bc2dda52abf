"""Answers about the city's digital programme 2020-2023, from data/knowledge/programme.yml."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from actions.knowledge import pick
from actions.programme_query import (
    ProgrammeQuery,
    best_matches,
    filter_use_cases,
    normalise,
    parse_query,
)
from actions.turn import LocalizedAction, Turn

# Lists longer than this are cut, with a note of how many were left out.
MAX_LISTED_USE_CASES = 12


class ProgrammeAnswers:
    """Composes answers from the programme data in one language."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.language = turn.language
        self.data: Dict[str, Any] = turn.kb.load("programme")

    def text(self, entry: Any) -> str:
        return pick(entry, self.language)

    def phrase(self, key: str, **values: Any) -> str:
        return self.turn.kb.phrase(key, self.language, **values)

    def overview(self) -> str:
        o = self.data["overview"]
        return self.phrase(
            "overview", name=self.text(o["name"]), updated=o["updated"],
            definition=self.text(o["definition"]), strategy=self.text(o["strategy"]),
        )

    def themes(self) -> str:
        lines = [self.phrase("themes_intro")]
        lines += [f"{t['number']}. {self.text(t['name'])}: {self.text(t['goal'])}"
                  for t in self.data["themes"]]
        return "\n".join(lines)

    def theme(self, theme_id: str) -> str:
        theme = self._by_id("themes", theme_id)
        count = sum(1 for c in self.data["use_cases"] if c["theme"] == theme_id)
        return "\n".join([
            f"{theme['number']}. {self.text(theme['name'])}: {self.text(theme['goal'])}",
            self.phrase("theme_use_case_count", count=count),
        ])

    def enablers(self) -> str:
        lines = [self.phrase("enablers_intro")]
        lines += [f"{e['letter']}. {self.text(e['short'])} – {self.text(e['name'])}"
                  for e in self.data["enablers"]]
        return "\n".join(lines)

    def enabler(self, enabler_id: str) -> str:
        e = self._by_id("enablers", enabler_id)
        return "\n".join([
            f"{e['letter']}. {self.text(e['short'])} – {self.text(e['name'])}: "
            f"{self.text(e['description'])}",
            self.phrase("measures_heading"), *self._bullets(e["measures"]),
            self.phrase("metrics_heading"), *self._bullets(e["metrics"]),
            self.phrase("responsible_label", responsible=self.text(e["responsible"])),
        ])

    def governance(self) -> str:
        g = self.data["governance"]
        parts = ("lead", "steering_group", "meetings_note", "decision", "updates", "funding")
        return " ".join(self.text(g[part]) for part in parts)

    def participation(self) -> str:
        p = self.data["participation"]
        return "\n".join([self.text(p["purpose"]), *(f"- {self.text(part['text'])}"
                                                     for part in p["parts"])])

    def legislation(self) -> str:
        lines = [self.phrase("legislation_intro")]
        lines += [f"- {self.text(law['name'])}: {self.text(law['note'])}"
                  for law in self.data["legislation"]]
        return "\n".join(lines)

    def projects(self, query: ProgrammeQuery) -> str:
        if query.use_case_ids:
            return "\n\n".join(self.use_case(self._by_id("use_cases", i))
                               for i in query.use_case_ids)
        if query.has_filters:
            return self.use_case_list(filter_use_cases(query, self.data["use_cases"]))
        return self.projects_summary()

    def use_case(self, case: Dict[str, Any]) -> str:
        theme = self._by_id("themes", case["theme"])
        return self.phrase(
            "use_case_detail",
            name=self.text(case["name"]),
            years=self.years(case["years"]),
            responsible=self.text(case["responsible_text"]),
            theme=self.text(theme["name"]),
            user=self.phrase(f"user_{case.get('primary_user') or 'not_stated'}"),
            funding=self.phrase("funding_yes" if case.get("state_funding") else "funding_no"),
        )

    def use_case_list(self, cases: List[Dict[str, Any]]) -> str:
        if not cases:
            return self.phrase("no_use_cases_found")
        lines = [self.phrase("use_case_list_header", count=len(cases))]
        for case in cases[:MAX_LISTED_USE_CASES]:
            star = " *" if case.get("state_funding") else ""
            lines.append(f"- {self.text(case['name'])} ({self.years(case['years'])}; "
                         f"{self.text(case['responsible_text'])}){star}")
        if len(cases) > MAX_LISTED_USE_CASES:
            lines.append(self.phrase("more_use_cases", count=len(cases) - MAX_LISTED_USE_CASES))
        if any(case.get("state_funding") for case in cases):
            lines.append(self.phrase("star_note"))
        return "\n".join(lines)

    def projects_summary(self) -> str:
        cases = self.data["use_cases"]
        per_theme = ", ".join(
            f"{self.text(t['name'])} {sum(1 for c in cases if c['theme'] == t['id'])}"
            for t in self.data["themes"]
        )
        funded = sum(1 for c in cases if c.get("state_funding"))
        return self.phrase("use_case_summary", total=len(cases), per_theme=per_theme,
                           funded=funded)

    def years(self, years: List[int]) -> str:
        return ", ".join(str(y) for y in years)

    def _bullets(self, entry: Dict[str, List[str]]) -> List[str]:
        return [f"- {item}" for item in entry[self.language]]

    def _by_id(self, section: str, item_id: str) -> Dict[str, Any]:
        return next(item for item in self.data[section] if item["id"] == item_id)


class ActionAnswerProgramme(LocalizedAction):
    """Answers every programme_* topic; questions naming a use case or year go to the rows."""

    def name(self) -> str:
        return "action_answer_programme"

    def respond(self, turn: Turn) -> None:
        turn.last_topic = turn.intent
        answers = ProgrammeAnswers(turn)
        text = str((turn.tracker.latest_message or {}).get("text") or "")
        turn.say(answer_programme_question(answers, turn.intent, text))


def answer_programme_question(answers: ProgrammeAnswers, intent: str, text: str) -> str:
    """The answer to `text`, understood as `intent` (one of the programme_* topics)."""
    query = parse_query(text, answers.data)
    if intent == "programme_projects" or query.use_case_ids or query.years:
        return answers.projects(query)
    if intent == "programme_themes" and len(query.theme_ids) == 1:
        return answers.theme(next(iter(query.theme_ids)))
    if intent == "programme_enablers":
        matched = best_matches(normalise(text), answers.data["enablers"])
        return answers.enabler(matched[0]) if len(matched) == 1 else answers.enablers()
    simple: Dict[str, Callable[[], str]] = {
        "programme_overview": answers.overview,
        "programme_themes": answers.themes,
        "programme_governance": answers.governance,
        "programme_participation": answers.participation,
        "programme_legislation": answers.legislation,
    }
    return simple.get(intent, answers.overview)()

