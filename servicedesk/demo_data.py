"""Synthetic contacts for the dashboard: `python -m servicedesk.demo_data` (`make demo-data`).

A year (by default) of conversations in all channels and languages, with the residents'
questions taken from the assistant's own training data, not-understood messages (some
with made-up personal data, to show the masking), handoffs with service-level times
counted in the real service hours, staff answers, resolutions and ratings. Volumes follow
weekdays, hours of the day, seasons and Finnish holidays. Nothing here is real: names,
numbers and addresses are invented.

Fast enough for millions of rows: rows are built as tuples in batches and written with
COPY on PostgreSQL and executemany in one transaction on SQLite.
"""

from __future__ import annotations

import argparse
import base64
import io
import math
import os
import random
import sys
import time as clock
from bisect import bisect
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import text
from sqlalchemy.engine import Engine

from servicedesk import catalogue
from servicedesk.core.db import make_engine, migrate
from servicedesk.core.settings import get_settings
from servicedesk.queue import service_hours
from servicedesk.schema import metadata
from servicedesk.stats import facts
from servicedesk.stats.sql import HELSINKI
from servicedesk.texts import department_name
from servicedesk.texts import text as desk_text

ROOT = Path(__file__).resolve().parents[1]
UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BATCH = 20_000
LANGUAGES = ("fi", "sv", "en")
LANGUAGE_WEIGHTS = (72, 22, 6)
CHANNELS = ("webchat", "telegram", "email", "webform")
CHANNEL_WEIGHTS = (62, 12, 16, 10)
WEEKDAY_WEIGHTS = (1.25, 1.15, 1.1, 1.05, 0.9, 0.45, 0.5)
MONTH_WEIGHTS = (1.1, 1.05, 1.05, 1.0, 0.95, 0.8, 0.6, 1.05, 1.15, 1.05, 1.0, 0.75)
WORKDAY_HOURS = (1, 1, 1, 1, 1, 2, 4, 10, 18, 22, 22, 19, 17, 19, 20, 17, 13, 10, 10, 11,
                 12, 10, 6, 3)
WEEKEND_HOURS = (2, 1, 1, 1, 1, 1, 2, 3, 6, 10, 13, 14, 13, 13, 12, 11, 10, 10, 11, 12,
                 12, 10, 6, 3)
# Resident messages in a chat conversation: 0 (opened the chat, wrote nothing) to 3.
CHAT_TURNS = (0, 1, 2, 3)
CHAT_TURN_WEIGHTS = (15, 50, 25, 10)
FALLBACK_SHARE = 0.09
ASKED_SHARE = 0.05
SENSITIVE_ACCEPT = 0.5
UNAVAILABLE_SHARE = 0.003
FORM_HANDOFF_SHARE = 0.35
RESOLUTIONS = ("answered", "referred", "case_opened", "feedback", "no_response", "not_city")
RESOLUTION_WEIGHTS = (55, 18, 10, 5, 8, 4)
RATING_SHARE = 0.45
RATING_WEIGHTS = (5, 7, 15, 33, 40)
# Topics with a season: month (1-12) -> extra weight.
SEASONS = {"daycare": {2: 2.0, 3: 2.5, 4: 2.0}, "school": {1: 2.5, 2: 1.5, 8: 2.0},
           "streets_parks": {12: 2.5, 1: 3.0, 2: 2.5, 5: 1.5}, "sports_culture": {6: 2, 7: 2.5},
           "tourism": {6: 2.5, 7: 3.0, 8: 2.0}, "jobs": {2: 2.0, 3: 2.0},
           "waste_environment": {4: 1.5, 5: 1.8}, "parking": {12: 1.5}}
POPULAR = {"daycare": 9, "health_appointment": 9, "library": 7, "streets_parks": 7,
           "school": 6, "contact_info": 6, "invoices": 6, "parking": 5, "e_services": 5,
           "social_services": 4, "family_services": 4, "elderly_services": 4,
           "public_transport": 4, "waste_environment": 4, "building_permits": 3,
           "health_advice": 4, "sports_culture": 4, "jobs": 3}
# Not understood: invented texts, some with invented personal data (masked in the export).
NOT_UNDERSTOOD = {
    "fi": ["mitä kuuluu kunnalle", "asiaa koskien viime viikon kirjettä", "en saa sitä auki",
           "onko teillä se lomake", "soittakaa minulle 040 123 4567", "nimeni on Matti "
           "Virtanen ja odotan vastausta", "hetu 010190-123A, mikä on tilanne?",
           "lähetin sähköpostia osoitteeseen matti.virtanen@example.com", "hmm",
           "milloin se tulee", "kysyisin siitä jutusta", "Liisa Korhonen käski kysyä tätä",
           "en ymmärrä mitään", "voitteko auttaa asiassani 0401234567"],
    "sv": ["vad gäller brevet jag fick", "jag får inte upp den", "ring mig på 040 765 4321",
           "jag heter Anna Lindqvist och väntar på svar", "när kommer det", "hur gör man",
           "skickade mejl till anna.l@example.com", "vet inte", "den där blanketten"],
    "en": ["what about my case", "it does not open", "call me at +358 40 111 2222",
           "my name is John Smith and I am waiting", "when will it come", "the thing",
           "email me at john.smith@example.com", "hello??"],
}
STAFF_REPLY = {"fi": "Hei, kiitos viestistäsi. Selvitän asian ja palaan siihen tässä.",
               "sv": "Hej, tack för ditt meddelande. Jag utreder saken och återkommer här.",
               "en": "Hello, thank you for your message. I will look into it and reply here."}


@dataclass
class Corpus:
    """What residents and the assistant say, per language."""

    questions: Dict[str, Dict[str, List[str]]]
    answers: Dict[str, Dict[str, str]]
    greeting: Dict[str, str]
    fallback: Dict[str, str]

    @classmethod
    def load(cls) -> Corpus:
        questions: Dict[str, Dict[str, List[str]]] = {lang: {} for lang in LANGUAGES}
        for lang in LANGUAGES:
            for path in sorted((ROOT / "data" / "nlu" / lang).glob("*.yml")):
                for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
                    if "intent" in block:
                        questions[lang][block["intent"]] = [
                            line[2:].strip() for line in block["examples"].splitlines()
                            if line.startswith("- ")]
        services = _yaml(ROOT / "data" / "knowledge" / "services.yml")
        answers = {lang: {topic: entry["answer"][lang][:600] for topic, entry in
                          services.items()} for lang in LANGUAGES}
        dialogue = _yaml(ROOT / "data" / "knowledge" / "dialogue.yml")
        return cls(questions, answers, dialogue["greet"], dialogue["fallback_suggest"])


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass
class Batch:
    conversations: List[tuple] = field(default_factory=list)
    messages: List[tuple] = field(default_factory=list)
    handoffs: List[tuple] = field(default_factory=list)
    ratings: List[tuple] = field(default_factory=list)


class Weighted:
    """Fast repeated weighted choice."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(accumulate(weights))

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def day_weights(days: List[date]) -> List[float]:
    """Relative volume per day: weekday, month, holidays and a slowly growing use."""
    holidays = set()
    for year in {day.year for day in days}:
        holidays |= set(service_hours._finnish_holidays(year))
    weights = []
    for index, day in enumerate(days):
        weight = WEEKDAY_WEIGHTS[day.weekday()] * MONTH_WEIGHTS[day.month - 1]
        weight *= 0.5 if day in holidays else 1.0
        weights.append(weight * (0.85 + 0.3 * index / max(1, len(days) - 1)))
    return weights


def apportion(total: int, weights: List[float]) -> List[int]:
    """Integers proportional to the weights that add up to `total` (largest remainder)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def conversation_ids(count: int) -> List[str]:
    """Unguessable-looking ids like the real ones (32 url-safe characters)."""
    raw = base64.urlsafe_b64encode(os.urandom(24 * count)).decode("ascii")
    return [raw[32 * i: 32 * (i + 1)] for i in range(count)]


class Generator:
    """Builds the rows of `total` conversations over `days` days ending at `end`."""

    def __init__(self, total: int, days: int, end: datetime, seed: int) -> None:
        self.rng = random.Random(seed)
        self.end = end
        last = end.astimezone(HELSINKI).date()
        self.days = [last - timedelta(days=n) for n in range(days - 1, -1, -1)]
        self.per_day = apportion(total, day_weights(self.days))
        self.corpus = Corpus.load()
        self.languages = Weighted(LANGUAGES, LANGUAGE_WEIGHTS)
        self.channels = Weighted(CHANNELS, CHANNEL_WEIGHTS)
        self.turns = Weighted(CHAT_TURNS, CHAT_TURN_WEIGHTS)
        self.resolutions = Weighted(RESOLUTIONS, RESOLUTION_WEIGHTS)
        self.ratings = Weighted((1, 2, 3, 4, 5), RATING_WEIGHTS)
        self.hours = {w: Weighted(range(24), WORKDAY_HOURS if w < 5 else WEEKEND_HOURS)
                      for w in range(7)}
        self.topic_by_month = {month: self._topics(month) for month in range(1, 13)}
        self.departments = catalogue.topic_departments()
        self.sensitive = catalogue.sensitive_topics()
        self.opening = {d: service_hours.department_hours(d) for d in catalogue.departments()}

    def _topics(self, month: int) -> Weighted:
        topics = catalogue.subject_topics()
        weights = [POPULAR.get(t, 1.5) * SEASONS.get(t, {}).get(month, 1.0) for t in topics]
        return Weighted(topics, weights)

    def batches(self) -> Iterator[Batch]:
        batch = Batch()
        for day, count in zip(self.days, self.per_day, strict=True):
            midnight = datetime.combine(day, time(0), HELSINKI).astimezone(UTC)
            for conversation_id in conversation_ids(count):
                hour = self.hours[day.weekday()].pick(self.rng)
                start = midnight + timedelta(seconds=hour * 3600 + self.rng.random() * 3600)
                if start < self.end:
                    self._conversation(batch, conversation_id, start, day.month)
                if len(batch.conversations) >= BATCH:
                    yield batch
                    batch = Batch()
        if batch.conversations:
            yield batch

    def _conversation(self, batch: Batch, conversation_id: str, start: datetime,
                      month: int) -> None:
        rng = self.rng
        language = self.languages.pick(rng)
        channel = self.channels.pick(rng)
        messages = batch.messages
        moment = start
        if channel == "webchat":
            messages.append((conversation_id, "bot", self.corpus.greeting[language], moment,
                             None, None, None, None))
        turns = self.turns.pick(rng) if channel in ("webchat", "telegram") else 1
        if channel == "telegram":
            turns = max(1, turns)
        fallbacks = 0
        handoff: Optional[Tuple[str, Optional[str]]] = None
        for _ in range(turns):
            moment += timedelta(seconds=5 + rng.random() * 60)
            if rng.random() < FALLBACK_SHARE:
                fallbacks += 1
                pool = NOT_UNDERSTOOD[language] + self.corpus.questions[language].get(
                    "out_of_scope", [])[:20]
                messages.append((conversation_id, "resident", rng.choice(pool), moment,
                                 "nlu_fallback", round(0.2 + rng.random() * 0.3, 3), language,
                                 "fallback"))
                reply = self.corpus.fallback[language]
                if fallbacks >= 2 and rng.random() < 0.6:
                    handoff = ("fallback", None)
            else:
                topic = self.topic_by_month[month].pick(rng)
                question = rng.choice(self.corpus.questions[language].get(topic) or [topic])
                messages.append((conversation_id, "resident", question, moment, topic,
                                 round(0.6 + rng.random() * 0.39, 3), language, "answered"))
                reply = self.corpus.answers[language].get(topic, "")
                if topic in self.sensitive and rng.random() < SENSITIVE_ACCEPT:
                    handoff = ("sensitive", topic)
                elif rng.random() < ASKED_SHARE or (channel in ("email", "webform")
                                                    and rng.random() < FORM_HANDOFF_SHARE):
                    handoff = ("asked", topic)
                elif rng.random() < UNAVAILABLE_SHARE:
                    handoff = ("unavailable", None)
            if handoff:
                last = messages[-1]
                messages[-1] = (*last[:7], "handoff")
                break
            messages.append((conversation_id, "bot", reply, moment + timedelta(seconds=1),
                             None, None, None, None))
        mode = "bot"
        if handoff:
            moment, still_open = self._handoff(batch, conversation_id, language, moment,
                                               *handoff)
            mode = "human" if still_open else "bot"
        batch.conversations.append((conversation_id, channel, language, mode, start,
                                    max(moment, start)))

    def _handoff(self, batch: Batch, conversation_id: str, language: str, moment: datetime,
                 reason: str, topic: Optional[str]) -> Tuple[datetime, bool]:
        """A work item with realistic times; returns the last moment and whether it is open."""
        rng = self.rng
        department = self.departments.get(topic or "", "kompassi")
        priority = 1 if reason == "sensitive" else 2
        created = moment + timedelta(seconds=2)
        hours = self.opening[department]
        live = hours.is_open(created) and rng.random() < 0.95
        kind = "live_chat" if live else "message"
        target = service_hours.target(department, kind, priority)
        first: datetime
        if live:
            waited = created + timedelta(seconds=min(3600.0, rng.expovariate(1 / 150)))
            first = waited + timedelta(seconds=20 + rng.random() * 70)
            claimed: Optional[datetime] = waited
            closed: Optional[datetime] = first + timedelta(
                seconds=60 + rng.expovariate(1 / 360))
        else:
            share = rng.random() * (1.6 if rng.random() < 0.15 else 0.9)
            first = hours.add_service_time(created, target * share) or (created + target)
            claimed = first - timedelta(seconds=120)
            closed = first + timedelta(seconds=60)
        status = "closed"
        first_response: Optional[datetime] = first
        if closed is not None and closed > self.end:
            status, closed = "answered", None
        if first > self.end:
            status, first_response = "waiting", None
            claimed = None
        elif claimed is not None and claimed > self.end:
            claimed = None
        assignee = f"{department}.staff{rng.randint(1, 4)}" if claimed else None
        resolution = self.resolutions.pick(rng) if status == "closed" else None
        batch.handoffs.append((conversation_id, department, reason, topic, language, priority,
                               status, kind, assignee, resolution, created, claimed,
                               first_response, closed))
        notice = desk_text("staff_joined", language) if live else desk_text(
            "leave_message_closed", language,
            department=department_name(department, language),
            due=service_hours.local_due_text(first))
        batch.messages.append((conversation_id, "system", notice, created, None, None, None,
                               None))
        if first_response is not None:
            batch.messages.append((conversation_id, "staff", STAFF_REPLY[language],
                                   first_response, None, None, None, None))
        last = closed or first_response or created
        if closed is not None and rng.random() < RATING_SHARE:
            batch.ratings.append((conversation_id, self.ratings.pick(rng),
                                  closed + timedelta(seconds=30)))
        return last, status != "closed"


# --- writing ----------------------------------------------------------------------------

CONVERSATION_COLUMNS = "id, channel, language, mode, created_at, last_activity_at"
MESSAGE_COLUMNS = "conversation_id, sender, text, created_at, topic, confidence, language, outcome"
HANDOFF_COLUMNS = ("conversation_id, department, reason, topic, language, priority, status, "
                   "kind, assignee, resolution, created_at, claimed_at, first_response_at, "
                   "closed_at")
RATING_COLUMNS = "conversation_id, rating, created_at"
CONTACT_TABLES = ("conversations", "messages", "handoffs", "ratings",
                  "stats_conversation_facts")
TABLES = (("conversations", CONVERSATION_COLUMNS, "conversations"),
          ("messages", MESSAGE_COLUMNS, "messages"),
          ("handoffs", HANDOFF_COLUMNS, "handoffs"),
          ("ratings", RATING_COLUMNS, "ratings"))


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _sqlite_value(value: Any) -> Any:
    """SQLAlchemy's SQLite format; every generated instant is already in UTC."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")[:26]
    return value


def write_postgresql(engine: Engine, batches: Iterator[Batch]) -> int:
    """COPY each batch into the four tables; one transaction for all."""
    written = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for batch in batches:
            for table, columns, attribute in TABLES:
                buffer = io.StringIO()
                for row in getattr(batch, attribute):
                    buffer.write("\t".join(_copy_value(v) for v in row))
                    buffer.write("\n")
                buffer.seek(0)
                cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
            written += len(batch.conversations)
            _progress(written)
        raw.commit()
    finally:
        raw.close()
    return written


def write_sqlite(engine: Engine, batches: Iterator[Batch]) -> int:
    written = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        for batch in batches:
            for table, columns, attribute in TABLES:
                marks = ", ".join("?" for _ in columns.split(","))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in getattr(batch, attribute)])
            written += len(batch.conversations)
            _progress(written)
        raw.commit()
    finally:
        raw.close()
    return written


def _progress(written: int) -> None:
    if written % 100_000 < BATCH:
        print(f"  {written:,} conversations", file=sys.stderr, flush=True)


def clear(engine: Engine) -> None:
    """Delete the contact log (conversations and everything that refers to them)."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE conversations CASCADE"))
        else:
            for table in ("stats_conversation_facts", "ratings", "handoffs", "messages",
                          "conversations"):
                connection.execute(text(f"DELETE FROM {table}"))


@contextmanager
def indexes_dropped(engine: Engine) -> Iterator[None]:
    """Bulk loading into empty tables: secondary indexes are built once, afterwards."""
    indexes = [index for name in CONTACT_TABLES for index in metadata.tables[name].indexes]
    for index in indexes:
        index.drop(bind=engine, checkfirst=True)
    try:
        yield
    finally:
        for index in indexes:
            index.create(bind=engine, checkfirst=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Fresh statistics; on PostgreSQL also the visibility map for index-only scans.
            connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                                    else "ANALYZE"))


def existing_conversations(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM conversations")).scalar_one())


def fill(database_url: str, *, conversations: int, days: int = 365, seed: int = 2026,
         end: Optional[datetime] = None, replace: bool = False) -> int:
    """Migrate the database and write the synthetic contacts; returns how many."""
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        if existing_conversations(engine):
            if not replace:
                raise SystemExit("The database already has conversations; add --replace to "
                                 "delete them first (never on a production database).")
            clear(engine)
        generator = Generator(conversations, days, end or datetime.now(UTC), seed)
        writer = write_postgresql if engine.dialect.name == "postgresql" else write_sqlite
        with indexes_dropped(engine):
            written = writer(engine, generator.batches())
            with engine.begin() as connection:
                facts.refresh(connection, datetime.now(UTC), full=True)
        return written
    finally:
        engine.dispose()


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=None,
                        help="default: DATABASE_URL / the service desk's setting")
    parser.add_argument("--replace", action="store_true",
                        help="delete the existing contact log first")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.replace and settings.environment == "production":
        raise SystemExit("--replace is refused when ENVIRONMENT=production")
    url = args.database_url or settings.database_url
    started = clock.monotonic()
    written = fill(url, conversations=args.conversations, days=args.days, seed=args.seed,
                   replace=args.replace)
    print(f"{written:,} conversations written in {clock.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
