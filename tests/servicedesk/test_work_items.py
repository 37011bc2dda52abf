"""Work-item transitions; the claim is atomic on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

from servicedesk import contacts
from servicedesk.core.db import make_engine, make_session_factory, migrate, transaction
from servicedesk.models import Handoff
from servicedesk.queue import work_items

CLAIMERS = 8


def open_item(sessions) -> int:
    with transaction(sessions) as session:
        conversation = contacts.create_conversation(session, channel="webchat", language="fi")
        return contacts.open_handoff(session, conversation, department="kompassi",
                                     reason="asked", topic=None).id


def test_only_one_of_many_simultaneous_claims_wins(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    item = open_item(sessions)
    barrier = threading.Barrier(CLAIMERS)
    wins: list = []

    def try_claim(name: str) -> None:
        barrier.wait()
        with transaction(sessions) as session:
            if work_items.claim(session, handoff_id=item, assignee=name):
                wins.append(name)

    threads = [threading.Thread(target=try_claim, args=(f"staff{n}",)) for n in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1
    with sessions() as session:
        handoff = session.get(Handoff, item)
        assert handoff.status == "claimed" and handoff.assignee == wins[0]
    engine.dispose()


def test_close_and_transfer(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    item = open_item(sessions)
    with transaction(sessions) as session:
        assert work_items.claim(session, handoff_id=item, assignee="anna")
        assert not work_items.close(session, handoff_id=item, assignee="ben", resolution="x")
        assert work_items.transfer(session, handoff_id=item, department="culture",
                                   assignee="anna")
    with transaction(sessions) as session:
        assert work_items.claim(session, handoff_id=item, assignee="ben")
        assert work_items.close(session, handoff_id=item, assignee="ben", resolution="answered")
        assert not work_items.claim(session, handoff_id=item, assignee="anna")
    with sessions() as session:
        handoff = session.get(Handoff, item)
        assert (handoff.status, handoff.department, handoff.resolution) == (
            "closed", "culture", "answered")
        assert handoff.closed_at is not None
    engine.dispose()
