"""Every module that defines tables, imported together: Alembic and the schema test
compare the migrations against this one metadata. A feature with its own tables adds
its models module here."""

from __future__ import annotations

from connectors import email_models, telegram_models
from servicedesk import models
from servicedesk.console import models as console_models
from servicedesk.stats import models as stats_models

MODEL_MODULES = (models, console_models, telegram_models, email_models, stats_models)
Base = models.Base
metadata = Base.metadata
