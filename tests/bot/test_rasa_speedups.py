"""The cached jsonschema validation behaves as jsonschema.validate does."""

from __future__ import annotations

import jsonschema
import pytest

import bot.screening  # noqa: F401  (installs the speed-up, as in the Rasa server)
from bot.rasa_speedups import validate

SCHEMA = {"type": "object", "properties": {"events": {"type": "array"}},
          "required": ["events"]}


def test_installed_when_the_components_are_imported() -> None:
    assert jsonschema.validate is validate


def test_valid_and_invalid_instances() -> None:
    validate({"events": []}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        validate({"events": "no"}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        validate({}, SCHEMA)
