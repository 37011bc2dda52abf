"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from servicedesk.core.db import ALEMBIC_DIR, make_engine, migrate
from servicedesk.schema import Base


def test_migrations_match_the_models(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_the_migrations_have_one_head() -> None:
    """Feature branches are merged, so `alembic upgrade head` reaches everything."""
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
