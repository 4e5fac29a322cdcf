"""The base of every scenario entity: strict (unknown keys are errors) and immutable."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, WithJsonSchema

from capsim.scenario.params import param_error
from capsim.scenario.provenance import Source, SourceError, parse_source


class Entity(BaseModel):
    """A scenario entity: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    note: str | None = None


def _source(raw: Any) -> Source:
    if isinstance(raw, Source):
        return raw
    try:
        return parse_source(raw)
    except SourceError as error:
        raise param_error(str(error)) from None


SourceField = Annotated[
    Source,
    PlainValidator(_source),
    PlainSerializer(str),
    WithJsonSchema(
        {"type": "string", "description": "seed:<id>, 'Publisher, YYYY-MM' or assumption"}
    ),
]
