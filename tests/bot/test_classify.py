"""`python -m bot classify` with the trained model: one JSON line per input line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models/porvoo.tar.gz"

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="run `make train` first")

LINES = [
    ("miten haen päiväkotipaikkaa lapselleni", "fi", "daycare"),
    ("var kan jag förnya mina lån på biblioteket", "sv", "library"),
    ("I need to cancel my dentist appointment", "en", "health_appointment"),
    ("kuka vastaa digiohjelman chatbotista", "fi", "programme_projects"),
    ("", None, "out_of_scope"),
    ("😀😀😀", None, "out_of_scope"),
    ("x" * 5000, None, "out_of_scope"),
]


def test_classify_answers_each_line_in_order() -> None:
    stdin = "\n".join(text for text, _, _ in LINES) + "\n"
    done = subprocess.run([sys.executable, "-m", "bot", "classify"], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == len(LINES)
    for (text, language, topic), result in zip(LINES, results, strict=True):
        assert set(result) == {"text", "language", "topic", "confidence"}
        assert result["text"] == text
        assert result["topic"] == topic
        assert result["language"] in ("fi", "sv", "en")
        assert 0.0 <= result["confidence"] <= 1.0
        if language:
            assert result["language"] == language
