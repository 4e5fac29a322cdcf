"""Calendar dates in scenarios: ISO days (``2026-12-31``) or months (``2026-07``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from capsim.scenario.problems import shown

_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


#: The dates a scenario may name: well inside what results can hold (datetime64[ns]
#: spans 1677-2262).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def parse_date(raw: Any) -> dt.date:
    """Read a date between :data:`EARLIEST` and :data:`LATEST`; a month (``2026-07``)
    means its first day."""
    date = _read_date(raw)
    if not EARLIEST <= date <= LATEST:
        message = f"expected a date from {EARLIEST} to {LATEST}, found {shown(str(raw))}"
        raise PydanticCustomError("capsim", "{message}", {"message": message, "subkey": None})
    return date


def iso_day(text: str) -> dt.date | None:
    """``text`` as a calendar day written YYYY-MM-DD, the only form data files take for
    it (None: written otherwise, such as ``20240209`` or a week date, or no such day)."""
    if _DAY.match(text):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(text)
    return None


def _read_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    message = f"expected a date (e.g. 2026-12-31 or 2026-07), found {shown(raw)}"
    if isinstance(raw, str):
        text = raw.strip()
        match = _MONTH.match(text)
        try:
            if match:
                return dt.date(int(match["year"]), int(match["month"]), 1)
            return dt.date.fromisoformat(text)
        except ValueError as error:
            if match or _DAY.match(text):
                message = f"not a calendar date: {shown(raw)} ({error})"
    raise PydanticCustomError("capsim", "{message}", {"message": message, "subkey": None})


Date = Annotated[
    dt.date,
    PlainValidator(parse_date),
    PlainSerializer(lambda value: value.isoformat()),
    WithJsonSchema({"type": "string", "description": "a date: YYYY-MM-DD or YYYY-MM"}),
]
