"""The OpenAPI schema, made true to the responses (a property test checks it).

- Errors: every operation may answer 413 (the edge's body limit) and 422, one with a
  body also 400 (malformed), with `{"detail": <text or validation errors>}`; each router
  adds its own (401, 403, 404, 409, 429, 503) with `error_responses`.
- Optional fields: with pydantic 1, FastAPI writes `Optional[int]` as a plain integer;
  the API does send null there, so every property that is not required also admits null.
"""

from __future__ import annotations

from typing import Any, Dict, List, Union

from fastapi import FastAPI, Path
from pydantic import BaseModel
from typing_extensions import Annotated

DESCRIPTIONS = {
    400: "Malformed body (not JSON or not the form)", 401: "Not logged in",
    403: "Not allowed (role, department or CSRF token)",
    404: "Not found", 409: "Conflicts with the item's state", 413: "Request body too large",
    422: "Invalid input", 429: "Too many requests; see Retry-After",
    503: "Not ready (a part of the system is down)",
}


# A row id in a path: what the databases' 64-bit integer keys can hold (a larger number
# is 422, not an overflow deep in the driver).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class ErrorOut(BaseModel):
    detail: Union[str, List[Dict[str, Any]]]


def error_responses(*codes: int) -> Dict[Union[int, str], Dict[str, Any]]:
    return {code: {"model": ErrorOut, "description": DESCRIPTIONS[code]} for code in codes}


def install(app: FastAPI) -> None:
    """Replaces app.openapi with the corrected schema (built once)."""
    build = app.openapi

    def openapi() -> Dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            _nullable_optionals(schema)
            _common_errors(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _nullable_optionals(schema: Dict[str, Any]) -> None:
    for component in schema.get("components", {}).get("schemas", {}).values():
        required = set(component.get("required") or [])
        for name, prop in (component.get("properties") or {}).items():
            if name not in required and "anyOf" not in prop:
                component["properties"][name] = {"anyOf": [prop, {"type": "null"}],
                                                  **({"title": prop["title"]}
                                                     if "title" in prop else {})}


def _common_errors(schema: Dict[str, Any]) -> None:
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "ErrorOut", ErrorOut.schema())
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = (400, 413, 422) if "requestBody" in operation else (413, 422)
            for code in codes:
                responses[str(code)] = {"description": DESCRIPTIONS[code]}
            for code, response in responses.items():
                # Errors are JSON also where the success is CSV or YAML.
                if code.isdigit() and int(code) >= 400 and code != "503":
                    response["content"] = {"application/json": {"schema": error_ref}}
