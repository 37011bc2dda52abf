"""A fix for Rasa 3.6's slowest step per turn.

Rasa checks every action-server response with `jsonschema.validate(result, schema)`,
which first validates the schema itself against the JSON Schema meta-schema. With the
jsonschema that rasa 3.6 pins (4.17) that costs about 130 ms of CPU per custom action —
most of a turn. Here the validator of each schema is checked and compiled once and
reused; errors are raised exactly as `jsonschema.validate` raises them.
Installed when the Rasa server imports the assistant's NLU components.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

_original_validate = jsonschema.validate


@functools.lru_cache(maxsize=64)
def _compiled(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate` with the schema checked and compiled once."""
    if cls is not None or args or kwargs:
        _original_validate(instance, schema, cls, *args, **kwargs)
        return
    error = best_match(_compiled(json.dumps(schema, sort_keys=True)).iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    jsonschema.validate = validate
