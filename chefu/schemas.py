"""Schemas the whole API shares: the error envelope every 4xx/5xx answer carries (API.md, ``chefu.errors``)."""

from typing import Any

from ninja import Field, Schema
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator


class RowSchema(Schema):
    """An answer built from plain dicts (a selector's rows), for the busiest endpoints: a dict is validated as it
    is, without the getter ninja wraps every value in to read model attributes (about a third of a store search's
    time). Anything else (a model instance) is read as by any Schema. No resolvers (``resolve_<field>``) here."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo) -> Any:
        if isinstance(values, dict):
            return handler(values)
        return super()._run_root_validator(values, handler, info)


class ErrorBody(Schema):
    code: str = Field(..., description="Stable snake_case code, e.g. not_found, validation_error, already_reviewed.")
    message: str = Field(..., description="Human text in the request's language, at most 200 characters.")
    details: dict[str, Any] = Field(
        ..., description="What the code needs said: fields (validation_error), retry_after_s (throttled), reason."
    )


class ErrorOut(Schema):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[frozenset[int], type[Schema]]:
    """``statuses`` declared as answering the error envelope, for an operation's ``response=`` mapping."""
    return {frozenset(statuses): ErrorOut}


# Errors every operation of a kind can answer, whatever its handler does: no or a bad bearer token (401); a body that
# cannot be read (400), is too large (413), is not JSON (415) or breaks a rule (422); query parameters that break a
# rule (422); too many attempts (429, with Retry-After).
AUTH = (401,)
BODY = (400, 413, 415, 422)
QUERY = (422,)
THROTTLED = (429,)
