"""Database engine, sessions and migrations (SQLAlchemy 1.4 in 2.0 style, Alembic)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

ALEMBIC_DIR = Path(__file__).resolve().parents[1] / "alembic"
T = TypeVar("T")


def _ensure_sqlite_folder(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def make_engine(database_url: str) -> Engine:
    """An engine; SQLite files get their folder, WAL mode and foreign keys."""
    _ensure_sqlite_folder(database_url)
    if database_url.startswith("sqlite:///"):
        # SQLAlchemy 1.4 would open a new SQLite connection per session (NullPool);
        # keeping a few open saves the connect and its PRAGMAs on every transaction.
        engine = create_engine(
            database_url, future=True, poolclass=QueuePool, pool_size=5, max_overflow=5,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, future=True, pool_pre_ping=True, pool_size=10)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL + NORMAL: a commit survives a crash of the process (not a power cut) and costs
    # no fsync; production runs on PostgreSQL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def run_in_transaction(factory: sessionmaker, work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction in a worker thread, off the event loop."""
    def run() -> T:
        with transaction(factory) as session:
            return work(session)
    return await asyncio.to_thread(run)


def migrate(database_url: str) -> None:
    """Bring the database schema to the newest Alembic revision(s).

    "heads": features may add migrations on their own branch from a shared revision;
    a merge revision joins them later.
    """
    _ensure_sqlite_folder(database_url)
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "heads")
