"""Questions no topic covers well: a ranked search over every knowledge text.

When the classifier is unsure, the message is searched in the city-service answers and
their facts and in the programme's passages (BM25 over stems, actions/text_search.py).
The best hit answers only when it is clearly good: enough score and at least two of the
question's content words; otherwise the assistant says it is not sure.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

from actions.knowledge import KnowledgeBase, pick
from actions.text_search import SearchIndex, terms
from actions.turn import Turn

MIN_SCORE = 6.0
# A use-case name found in a message the classifier was unsure of must be this long
# ("sähköinen allekirjoitus"), so that a stray short keyword does not answer.
MIN_USE_CASE_LETTERS = 12
MIN_MATCHED_TERMS = 2

Target = Tuple[str, str]  # ("service", topic) or ("passage", passage id)

_INDEXES: Dict[Tuple[int, int, int, str], SearchIndex[Target]] = {}


def knowledge_index(kb: KnowledgeBase, language: str) -> SearchIndex[Target]:
    services = kb.load("services")
    facts = kb.load("facts")
    passages = kb.load("programme_passages")
    key = (id(services), id(facts), id(passages), language)
    if key not in _INDEXES:
        if len(_INDEXES) > 12:  # earlier versions of the files
            _INDEXES.clear()
        entries = [(("service", topic), _service_text(kb, topic, entry, language))
                   for topic, entry in services.items()]
        entries += [(("passage", passage["id"]), " ".join(passage[language]))
                    for section in passages["sections"] for passage in section["passages"]]
        _INDEXES[key] = SearchIndex.build(language, entries)
    return _INDEXES[key]


def _service_text(kb: KnowledgeBase, topic: str, entry: Dict[str, Any], language: str) -> str:
    parts = [kb.title(topic, language), pick(entry["answer"], language)]
    parts += [kb.fact(fact_id, language) for fact_id in entry.get("facts") or []]
    return " ".join(parts)


def answer_from_programme_rows(turn: Turn) -> bool:
    """A question that names a use case of the digital programme, or counts its use cases
    by theme, year, unit or user, is answered from the rows whatever the classifier said."""
    from actions.programme import ProgrammeAnswers
    from actions.programme_query import parse_query

    answers = ProgrammeAnswers(turn)
    query = parse_query(turn.text, answers.data, turn.language)
    named = bool(query.use_case_ids) and query.matched_letters >= MIN_USE_CASE_LETTERS
    counted = query.asks_about_use_cases and (query.how_many or query.has_filters)
    if not (named or counted):
        return False
    reply = answers.table_answer(query)
    turn.answered_topic = turn.last_topic = "programme_projects"
    turn.more = reply.more
    turn.say(reply.text, [turn.button("button_more", "/more")] if reply.more else [])
    return True


def answer_from_search(turn: Turn) -> bool:
    """Answers from the best knowledge text when it is good enough; True when it did."""
    question = turn.text
    if answer_from_programme_rows(turn):
        return True
    if len(set(terms(question, turn.language))) < MIN_MATCHED_TERMS:
        return False
    hits = knowledge_index(turn.kb, turn.language).search(question, limit=1)
    if not hits or hits[0].score < MIN_SCORE or hits[0].matched < MIN_MATCHED_TERMS:
        return False
    kind, target = hits[0].item
    turn.say_line("search_intro")
    if kind == "service":
        from actions.services import ActionAnswerService

        turn.answered_topic = target
        ActionAnswerService.answer(turn, target)
    else:
        from actions.programme import ProgrammeAnswers, passage_by_id

        answers = ProgrammeAnswers(turn)
        passage = passage_by_id(answers, target)
        turn.answered_topic = passage["topic"]
        reply = answers.passage_answer(passage, question)
        turn.more = reply.more
        turn.say(reply.text, [turn.button("button_more", "/more")])
    return True
