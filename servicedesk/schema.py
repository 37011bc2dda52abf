"""Every module that defines tables, imported together: Alembic and the schema test
compare the migrations against this one metadata. A feature with its own tables adds
its models module here."""

from __future__ import annotations

from connectors import email_models  # noqa: F401 (registers its tables)
from connectors import telegram_models  # noqa: F401 (registers its tables)
from servicedesk import models
from servicedesk.console import models as console_models

Base = models.Base
metadata = Base.metadata

__all__ = ["Base", "console_models", "metadata", "models"]
