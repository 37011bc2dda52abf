"""The trained model, loaded once for the tests that need it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.stack import MODEL


@pytest.fixture(scope="session")
def classifier() -> Any:
    if not MODEL.exists():
        pytest.skip("run `make train` first")
    from bot.nlu import Classifier

    return Classifier()
