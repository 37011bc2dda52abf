"""`make bench-dashboard`: the time of each dashboard view with 1,000,000 contacts, on
PostgreSQL and on SQLite.

Fills a fresh database of each kind with the synthetic year (servicedesk.demo_data),
then computes every view as the API does (facts refresh included) for the last 30 days
and for the whole year, unfiltered and with a channel filter, each ROUNDS times after
one warm-up; prints the median per view. Target: under 500 ms per view on PostgreSQL.
`--keep` reuses databases that already hold the data (the fill takes minutes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Tuple

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from servicedesk import demo_data
from servicedesk.core.db import make_engine, make_session_factory, migrate
from servicedesk.stats import facts, queries
from servicedesk.stats.filters import Filters
from servicedesk.stats.service import compute_view
from servicedesk.stats.sql import HELSINKI

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_NAME = "porvoo_bench_dashboard"
MIN_CELL = 5


def postgres_url(admin_url: str, keep: bool) -> str:
    """A database of its own on the server (created fresh unless kept)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": DATABASE_NAME}).first()
        if exists and not keep:
            connection.execute(text(f'DROP DATABASE "{DATABASE_NAME}"'))
        if not exists or not keep:
            connection.execute(text(f'CREATE DATABASE "{DATABASE_NAME}"'))
    admin.dispose()
    return str(make_url(admin_url).set(database=DATABASE_NAME))


def sqlite_url(path: Path, keep: bool) -> str:
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def ensure_data(url: str, conversations: int) -> None:
    engine = make_engine(url)
    try:
        present = demo_data.existing_conversations(engine)
    except Exception:  # no tables yet
        present = 0
    finally:
        engine.dispose()
    if present >= conversations * 0.99:
        print(f"  reusing {present:,} conversations")
        migrate(url)
        time_refresh(url)
        return
    started = time.monotonic()
    written = demo_data.fill(url, conversations=conversations, replace=True)
    print(f"  generated {written:,} conversations in {time.monotonic() - started:.0f} s")


def time_refresh(url: str) -> None:
    """Bring the statistics tables up to date (in full where a table has never been
    refreshed, e.g. after a new migration), then time the refresh a request does."""
    engine = make_engine(url)
    try:
        for label in ("first refresh", "refresh with nothing new"):
            started = time.perf_counter()
            with engine.begin() as connection:
                facts.refresh(connection, datetime.now(timezone.utc))
            print(f"  {label}: {(time.perf_counter() - started) * 1000:.0f} ms")
    finally:
        engine.dispose()


def scenarios(today: date) -> List[Tuple[str, Filters]]:
    year = today - timedelta(days=364)
    return [("30 days", Filters(start=today - timedelta(days=29), end=today)),
            ("year", Filters(start=year, end=today)),
            ("year, web chat", Filters(start=year, end=today, channel="webchat"))]


def time_views(url: str) -> Dict[Tuple[str, str], float]:
    """Median milliseconds per (scenario, view)."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = datetime.now(timezone.utc)
    results: Dict[Tuple[str, str], float] = {}
    try:
        for label, filters in scenarios(now.astimezone(HELSINKI).date()):
            for view in queries.VIEWS:
                compute_view(sessions, view, filters, now, MIN_CELL)  # warm-up
                times = []
                for _ in range(ROUNDS):
                    started = time.perf_counter()
                    compute_view(sessions, view, filters, now, MIN_CELL)
                    times.append((time.perf_counter() - started) * 1000)
                results[(label, view)] = statistics.median(times)
    finally:
        engine.dispose()
    return results


def report(name: str, results: Dict[Tuple[str, str], float]) -> None:
    labels = list(dict.fromkeys(label for label, _ in results))
    print(f"\n{name}: median ms per view ({ROUNDS} rounds after a warm-up)")
    print(f"  {'view':16s}" + "".join(f"{label:>17s}" for label in labels))
    for view in queries.VIEWS:
        print(f"  {view:16s}" + "".join(f"{results[(label, view)]:17.0f}" for label in labels))
    worst = max(results.values())
    print(f"  slowest: {worst:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES))
    parser.add_argument("--sqlite-path", type=Path, default=ROOT / "var" / "bench-dashboard.db")
    parser.add_argument("--keep", action="store_true", help="reuse filled databases")
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    args = parser.parse_args()
    args.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    backends = {"postgresql": lambda: postgres_url(args.postgres_url, args.keep),
                "sqlite": lambda: sqlite_url(args.sqlite_path, args.keep)}
    for name, make in backends.items():
        if args.only and name != args.only:
            continue
        print(f"{name}:")
        url = make()
        ensure_data(url, args.conversations)
        report(name, time_views(url))


if __name__ == "__main__":
    main()
