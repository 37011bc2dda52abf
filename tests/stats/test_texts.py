"""The dashboard exists in Finnish, Swedish and English: every text, figure, column and
label that the page or the CSV shows."""

from __future__ import annotations

import re
from pathlib import Path

from servicedesk.console.work import RESOLUTIONS
from servicedesk.models import CHANNELS
from servicedesk.stats.i18n import stats_texts
from servicedesk.stats.queries import HANDOFF_REASONS
from servicedesk.stats.service import FIGURE_VIEWS
from servicedesk.texts import LANGUAGES

TEMPLATE = Path(__file__).resolve().parents[2] / "servicedesk/stats/templates/stats.html"
COLUMNS = {"day", "week", "contacts", "weekday", "topic", "questions", "share",
           "conversations", "engaged", "contained", "handed_off", "containment", "reason",
           "handoffs", "rate", "resident_messages", "not_understood", "fallback_rate",
           "measure", "department", "items", "median_seconds", "p90_seconds", "mean_seconds",
           "measured", "met", "compliance", "open", "waiting", "overdue", "resolution",
           "rating", "responses", "average", "asked", "rated", "response_rate",
           "left_messages", "closed", "staff", "closed_per_staff", "median_handling_seconds",
           "message", "language", "count"}


def test_every_text_has_fi_sv_and_en() -> None:
    for key, entry in stats_texts().items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key


def test_every_figure_column_and_label_has_a_text() -> None:
    texts = stats_texts()
    wanted = ({f"fig_{figure}" for figure in FIGURE_VIEWS}
              | {f"section_{view}" for view in set(FIGURE_VIEWS.values())}
              | {f"col_{column}" for column in COLUMNS}
              | {f"reason_{reason}" for reason in (*HANDOFF_REASONS, "left_message")}
              | {f"resolution_{r}" for r in (*RESOLUTIONS, "none")}
              | {f"channel_{c}" for c in CHANNELS} | {f"weekday_{n}" for n in range(7)}
              | {f"language_{lang}" for lang in LANGUAGES})
    assert wanted <= set(texts), sorted(wanted - set(texts))


def test_every_key_the_template_uses_exists() -> None:
    used = set(re.findall(r't\("([a-z_]+)"[,)]', TEMPLATE.read_text(encoding="utf-8")))
    console_frame = {"console_title"}
    assert used - console_frame <= set(stats_texts()), sorted(used - set(stats_texts()))
