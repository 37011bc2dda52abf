"""Shared fixtures: fresh databases (SQLite and PostgreSQL) and a real Rasa stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import fresh_database
from tests.support.stack import MODEL, RasaStack


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on a fresh SQLite file and on a fresh PostgreSQL database."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """One Rasa server and action server shared by the tests that only talk to them."""
    if not MODEL.exists():
        pytest.skip("run `make train` first")
    stack = RasaStack(tmp_path_factory.mktemp("rasa")).start()
    yield stack
    stack.stop()
