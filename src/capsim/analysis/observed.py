"""Observed history to check the model against: totals per period, and build timelines.

Two CSV layouts are read. Epoch AI's shipment export (``Start date``, ``End date``,
``Chip type``, ``Number of Units`` and its 5th/95th percentiles) is summed over chip
types per period; the 5-95 % bands are summed too, which treats the chips' errors as
fully correlated (the widest reading). A plain layout has the columns
``start,end,value`` and optionally ``low,high`` (a 5-95 % band), dates as YYYY-MM-DD.
The timeline layout is Epoch AI's data-centre timeline (``Date``, ``H100 equivalents``,
``Construction status``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

#: z-score of the 95th percentile: a 5-95 % band spans 2 x 1.645 standard deviations.
Z95 = 1.6449

_EPOCH_COLUMNS = ("Start date", "End date", "Number of Units")
_EPOCH_BAND = ("Number of Units (5th percentile)", "Number of Units (95th percentile)")
_PLAIN_COLUMNS = ("start", "end", "value")


class DataError(ValueError):
    """An observed-data file cannot be read; the message names file, line and column."""


@dataclass(frozen=True)
class ObservedSeries:
    """Observed totals per period [package per period], with an optional 5-95 % band."""

    source: str
    start: np.ndarray  # datetime64[D], first day of each period
    end: np.ndarray  # datetime64[D], last day of each period (inclusive)
    value: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.value)

    def sigma(self) -> np.ndarray:
        """Standard error of each value: from the 5-95 % band, else 10 % of the value."""
        if self.low is None or self.high is None:
            return np.maximum(0.1 * np.abs(self.value), 1e-9)
        return np.maximum((self.high - self.low) / (2 * Z95), 1e-9)

    def labels(self) -> list[str]:
        """``2023Q1`` for calendar quarters, else ``START..END``."""
        return [_label(s, e) for s, e in zip(self.start, self.end, strict=True)]


@dataclass(frozen=True)
class TimelineEvent:
    """One dated state of a build: H100 equivalents online [H100e] and its description."""

    date: dt.date
    h100e: float
    status: str


def shipped_data(name: str) -> Path:
    """A file of the shipped observed data (Epoch AI, MIT licence): packaged in a
    wheel, else the repository's data/epoch/."""
    packaged = resources.files("capsim") / "_data" / "epoch" / name
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "epoch" / name


def read_series(path: str | Path) -> ObservedSeries:
    """Read observed totals per period from ``path`` (Epoch export or plain CSV)."""
    rows, header = _rows(path)
    if all(column in header for column in _EPOCH_COLUMNS):
        return _epoch_series(path, rows, header)
    if all(column in header for column in _PLAIN_COLUMNS):
        return _plain_series(path, rows, header)
    raise DataError(
        f"{path}:1: expected the columns {', '.join(_PLAIN_COLUMNS)} (optionally low, high) "
        f"or Epoch AI's {', '.join(_EPOCH_COLUMNS)}, found {', '.join(header) or 'none'}"
    )


def read_timeline(path: str | Path) -> list[TimelineEvent]:
    """Read a build timeline (``Date``, ``H100 equivalents``, ``Construction status``)."""
    rows, header = _rows(path)
    for column in ("Date", "H100 equivalents"):
        if column not in header:
            raise DataError(f"{path}:1: expected a column {column!r}, found {', '.join(header)}")
    return [
        TimelineEvent(
            _date(path, line, "Date", row["Date"]),
            _number(path, line, "H100 equivalents", row["H100 equivalents"]),
            row.get("Construction status", ""),
        )
        for line, row in rows
    ]


def _rows(path: str | Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    if Path(path).exists() and not Path(path).is_file():
        raise DataError(f"{path}: expected a CSV file, found a folder or a special file")
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{path}:{line}: expected a CSV text file (UTF-8), found a byte that is not "
            f"UTF-8 (0x{raw[error.start]:02x}); is this a binary file?"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        rows = []
        for row in reader:
            if None in row or None in row.values():
                found = sum(v is not None for k, v in row.items() if k is not None)
                found += len(row.get(None) or [])
                raise DataError(
                    f"{path}:{reader.line_num}: expected {len(header)} column(s) as in the "
                    f"header, found {found}"
                )
            clean = {k.strip(): v.strip() for k, v in row.items()}
            rows.append((reader.line_num, clean))
    except csv.Error as error:
        raise DataError(f"{path}:{reader.line_num}: not a readable CSV line ({error})") from None
    if not rows:
        raise DataError(f"{path}: no data rows")
    return rows, header


def _epoch_series(path, rows, header) -> ObservedSeries:
    totals: dict[tuple[dt.date, dt.date], np.ndarray] = {}
    banded = all(column in header for column in _EPOCH_BAND)
    for line, row in rows:
        start = _date(path, line, "Start date", row["Start date"])
        end = _date(path, line, "End date", row["End date"])
        columns = ("Number of Units", *(_EPOCH_BAND if banded else ()))
        values = [_number(path, line, column, row[column]) for column in columns]
        totals[(start, end)] = totals.get((start, end), 0.0) + np.array(values)
    return _series(str(path), totals, banded)


def _plain_series(path, rows, header) -> ObservedSeries:
    banded = "low" in header and "high" in header
    totals: dict[tuple[dt.date, dt.date], np.ndarray] = {}
    for line, row in rows:
        start = _date(path, line, "start", row["start"])
        end = _date(path, line, "end", row["end"])
        if end < start:
            raise DataError(
                f"{path}:{line}: column 'end': expected a date on or after {start}, found {end}"
            )
        columns = ("value", *(("low", "high") if banded else ()))
        values = np.array([_number(path, line, column, row[column]) for column in columns])
        if banded and not values[1] <= values[0] <= values[2]:
            raise DataError(
                f"{path}:{line}: expected low <= value <= high, found {values.tolist()}"
            )
        totals[(start, end)] = totals.get((start, end), 0.0) + values
    return _series(str(path), totals, banded)


def _series(source: str, totals: dict, banded: bool) -> ObservedSeries:
    periods = sorted(totals)
    table = np.array([totals[period] for period in periods], dtype=float)
    return ObservedSeries(
        source=source,
        start=np.array([p[0] for p in periods], dtype="datetime64[D]"),
        end=np.array([p[1] for p in periods], dtype="datetime64[D]"),
        value=table[:, 0],
        low=table[:, 1] if banded else None,
        high=table[:, 2] if banded else None,
    )


def _date(path, line: int, column: str, text: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise DataError(
        f"{path}:{line}: column {column!r}: expected a date (YYYY-MM-DD), found {text!r}"
    )


def _number(path, line: int, column: str, text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise DataError(f"{path}:{line}: column {column!r}: expected a number >= 0, found {text!r}")
    return value


def _label(start: np.datetime64, end: np.datetime64) -> str:
    first, last = start.astype(dt.date), end.astype(dt.date)
    after = last + dt.timedelta(days=1)
    quarter = (first.month - 1) // 3
    if first.day == 1 and first.month % 3 == 1 and after == _next_quarter(first):
        return f"{first.year}Q{quarter + 1}"
    return f"{first}..{last}"


def _next_quarter(day: dt.date) -> dt.date:
    month = day.month + 3
    return dt.date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
