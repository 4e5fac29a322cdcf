"""Observed history to check the model against: totals per period, and build timelines.

Two CSV layouts of totals per period are read. Epoch AI's shipment export (``Start
date``, ``End date``, ``Chip type``, ``Number of Units`` and its 5th/95th percentiles;
dates as M/D/YYYY, Epoch's own form, or YYYY-MM-DD) is summed over chip types per
period; the 5-95 % bands are summed too, which treats the chips' errors as fully
correlated (the widest reading). A plain layout has the columns ``start,end,value`` and
optionally ``low,high`` (a 5-95 % band, both or neither), dates as YYYY-MM-DD only (so
that 01/04/2023 is never read as one day when another was meant).

Every period is whole months (the model is monthly: it starts on a month's first day
and ends on a month's last day), periods do not overlap, and each period (in Epoch's
layout each chip type in a period) is given once. A number is written with digits, an
optional decimal point and exponent, and optionally thousands separators in groups of
three (``150,000``); it lies from 0 to :data:`MAX_VALUE`. A band contains its value.

The timeline layout is Epoch AI's data-centre timeline (``Date`` as YYYY-MM-DD, ``H100
equivalents``, ``Construction status``): one entry per date, and the H100e online never
fall from one date to a later one.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path

import numpy as np

from capsim.scenario.dates import iso_day
from capsim.scenario.yamlsource import MAX_DATA_BYTES, read_regular_file

#: z-score of the 95th percentile: a 5-95 % band spans 2 x 1.645 standard deviations.
Z95 = 1.6449
#: The largest number read [package, or H100e, per period]: far above any real count
#: (NVIDIA shipped about 1e6 packages a quarter in 2024), so a larger one is a typo.
MAX_VALUE = 1e12
_MAX_TEXT = "1e12"
#: The standard error of a value without a band is this share of the value, and at
#: least this share of the series' mean value, and at least one package (see
#: :meth:`ObservedSeries.sigma`).
UNBANDED_SHARE = 0.1

_EPOCH_COLUMNS = ("Start date", "End date", "Number of Units")
_EPOCH_BAND = ("Number of Units (5th percentile)", "Number of Units (95th percentile)")
_PLAIN_COLUMNS = ("start", "end", "value")
_EPOCH_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_NUMBER = re.compile(
    r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", flags=re.ASCII
)


class DataError(ValueError):
    """An observed-data file cannot be read; the message names file, line and column."""


@dataclass(frozen=True)
class ObservedSeries:
    """Observed totals per period [package per period], with an optional 5-95 % band;
    ``lines`` holds the file's line of each period (its first, in Epoch's layout)."""

    source: str
    start: np.ndarray  # datetime64[D], first day of each period
    end: np.ndarray  # datetime64[D], last day of each period (inclusive)
    value: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    lines: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.value)

    def sigma(self) -> np.ndarray:
        """Standard error of each value [its unit]: from the 5-95 % band, (high - low) /
        (2 x 1.645); else 10 % of the value (:data:`UNBANDED_SHARE`), but at least 10 %
        of the mean value of the series and at least 1, so that a period observed as 0
        has the error of a typical period rather than none."""
        if self.low is None or self.high is None:
            floor = max(UNBANDED_SHARE * float(np.mean(np.abs(self.value))), 1.0)
            return np.maximum(UNBANDED_SHARE * np.abs(self.value), floor)
        return np.maximum((self.high - self.low) / (2 * Z95), 1e-9)

    def labels(self) -> list[str]:
        """``2023Q1`` for calendar quarters, else ``START..END``."""
        return [_label(s, e) for s, e in zip(self.start, self.end, strict=True)]

    def where(self, index: int) -> str:
        """``FILE:LINE`` of period ``index`` (``FILE`` alone when lines are unknown)."""
        return self.source if self.lines is None else f"{self.source}:{int(self.lines[index])}"

    def subset(self, keep: np.ndarray) -> ObservedSeries:
        """The periods where ``keep`` is true (a boolean mask or indices)."""
        return ObservedSeries(
            source=self.source,
            start=self.start[keep],
            end=self.end[keep],
            value=self.value[keep],
            low=None if self.low is None else self.low[keep],
            high=None if self.high is None else self.high[keep],
            lines=None if self.lines is None else self.lines[keep],
        )


@dataclass(frozen=True)
class TimelineEvent:
    """One dated state of a build: H100 equivalents online [H100e] and its description;
    ``line`` is its line in the file read (0: not read from a file)."""

    date: dt.date
    h100e: float
    status: str
    line: int = 0


def shipped_data(name: str) -> Path:
    """A file of the shipped observed data (Epoch AI, MIT licence): packaged in a
    wheel, else the repository's data/epoch/."""
    packaged = resources.files("capsim") / "_data" / "epoch" / name
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "epoch" / name


def read_series(path: str | Path) -> ObservedSeries:
    """Read observed totals per period from ``path`` (Epoch export or plain CSV; the
    rules are in the module docstring); a :class:`DataError` names the first problem."""
    rows, header = _rows(path)
    if all(column in header for column in _EPOCH_COLUMNS):
        columns = (*_EPOCH_COLUMNS, *_EPOCH_BAND, "Chip type")
        return _read_periods(path, rows, header, columns, _epoch_date)
    if all(column in header for column in _PLAIN_COLUMNS):
        return _read_periods(path, rows, header, (*_PLAIN_COLUMNS, "low", "high", None), _iso)
    raise DataError(
        f"{path}:1: expected the columns {', '.join(_PLAIN_COLUMNS)} (optionally low, high) "
        f"or Epoch AI's {', '.join(_EPOCH_COLUMNS)}, found {', '.join(header) or 'none'}"
    )


def read_timeline(path: str | Path) -> list[TimelineEvent]:
    """Read a build timeline (``Date``, ``H100 equivalents``, ``Construction status``)
    in the file's order; one entry per date, and H100e online never falling over time."""
    rows, header = _rows(path)
    for column in ("Date", "H100 equivalents"):
        if column not in header:
            raise DataError(f"{path}:1: expected a column {column!r}, found {', '.join(header)}")
    events = [
        TimelineEvent(
            _iso(path, line, "Date", row["Date"]),
            _number(path, line, "H100 equivalents", row["H100 equivalents"]),
            row.get("Construction status", ""),
            line,
        )
        for line, row in rows
    ]
    ordered = sorted(events, key=lambda event: (event.date, event.line))
    for before, after in pairwise(ordered):
        if after.date == before.date:
            raise DataError(
                f"{path}:{after.line}: column 'Date': expected one entry per date, found "
                f"'{after.date}' again (line {before.line})"
            )
        if after.h100e < before.h100e:
            raise DataError(
                f"{path}:{after.line}: column 'H100 equivalents': expected at least "
                f"{before.h100e:g}, the count on {before.date} (line {before.line}): H100e "
                f"online do not fall over time, found '{after.h100e:g}'"
            )
    return events


def _rows(path: str | Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    try:
        raw = read_regular_file(Path(path), MAX_DATA_BYTES, "a CSV file")
    except OSError as error:
        raise DataError(f"{path}: {error.strerror}") from None
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


def _read_periods(
    path,
    rows: list[tuple[int, dict[str, str]]],
    header: list[str],
    columns: tuple[str, str, str, str, str, str | None],
    date: Callable[..., dt.date],
) -> ObservedSeries:
    """Totals per period of ``rows``: ``columns`` names the start, end, value, 5 %, 95 %
    and kind (summed within a period; None: one row per period) columns."""
    start_column, end_column, value_column, low_column, high_column, kind_column = columns
    has_band = [low_column in header, high_column in header]
    if any(has_band) and not all(has_band):
        given, missing = (low_column, high_column) if has_band[0] else (high_column, low_column)
        raise DataError(
            f"{path}:1: expected the band's columns {low_column!r} and {high_column!r} "
            f"together (or neither), found {given!r} without {missing!r}"
        )
    banded = all(has_band)
    totals: dict[tuple[dt.date, dt.date], np.ndarray] = {}
    first_line: dict[tuple[dt.date, dt.date], int] = {}
    seen: dict[tuple[dt.date, dt.date, str], int] = {}
    for line, row in rows:
        start = date(path, line, start_column, row[start_column])
        end = date(path, line, end_column, row[end_column])
        _check_months(path, line, (start_column, end_column), start, end)
        names = (value_column, *((low_column, high_column) if banded else ()))
        values = np.array([_number(path, line, name, row[name]) for name in names])
        if banded:
            _check_band(path, line, names, values, row)
        kind = row.get(kind_column, "") if kind_column else ""
        key = (start, end, kind)
        if key in seen:
            columns = f"{start_column!r}, {end_column!r}" + (f", {kind_column!r}" if kind else "")
            what = (
                ("each chip type once per period", f"{kind!r} in ")
                if kind
                else (
                    "each period once",
                    "",
                )
            )
            raise DataError(
                f"{path}:{line}: columns {columns}: expected {what[0]}, found {what[1]}"
                f"{start}..{end} again (line {seen[key]})"
            )
        seen[key] = line
        totals[(start, end)] = totals.get((start, end), 0.0) + values
        first_line.setdefault((start, end), line)
    periods = sorted(totals)
    for before, after in pairwise(periods):
        if after[0] <= before[1]:
            raise DataError(
                f"{path}:{first_line[after]}: column {start_column!r}: expected a date after "
                f"{before[1]}, where the period of line {first_line[before]} ends (periods "
                f"may not overlap), found '{_row_text(rows, first_line[after], start_column)}'"
            )
    table = np.array([totals[period] for period in periods], dtype=float)
    return ObservedSeries(
        source=str(path),
        start=np.array([p[0] for p in periods], dtype="datetime64[D]"),
        end=np.array([p[1] for p in periods], dtype="datetime64[D]"),
        value=table[:, 0],
        low=table[:, 1] if banded else None,
        high=table[:, 2] if banded else None,
        lines=np.array([first_line[p] for p in periods], dtype=int),
    )


def _row_text(rows: list[tuple[int, dict[str, str]]], line: int, column: str) -> str:
    """The text of ``column`` on ``line`` as the file has it."""
    return next(row[column] for number, row in rows if number == line)


def _check_months(path, line: int, columns: tuple[str, str], start: dt.date, end: dt.date):
    """A period is whole months and ends on or after its start."""
    if start.day != 1:
        raise DataError(
            f"{path}:{line}: column {columns[0]!r}: expected the first day of a month (the "
            f"model is monthly, so a period is whole months), found '{start}'"
        )
    if (end + dt.timedelta(days=1)).day != 1:
        raise DataError(
            f"{path}:{line}: column {columns[1]!r}: expected the last day of a month (the "
            f"model is monthly, so a period is whole months), found '{end}'"
        )
    if end < start:
        raise DataError(
            f"{path}:{line}: column {columns[1]!r}: expected a date on or after {start}, "
            f"found '{end}'"
        )


def _check_band(path, line: int, names: tuple[str, ...], values: np.ndarray, row) -> None:
    """The 5 % value is at most the value, and the 95 % value at least the value."""
    value_column, low_column, high_column = names
    value, low, high = values
    if low > value:
        raise DataError(
            f"{path}:{line}: column {low_column!r}: expected at most the {value_column!r} "
            f"{row[value_column]} (a 5-95 % band contains its value), found '{row[low_column]}'"
        )
    if high < value:
        raise DataError(
            f"{path}:{line}: column {high_column!r}: expected at least the {value_column!r} "
            f"{row[value_column]} (a 5-95 % band contains its value), found '{row[high_column]}'"
        )


def _iso(path, line: int, column: str, text: str) -> dt.date:
    day = iso_day(text)
    if day is not None:
        return day
    raise DataError(
        f"{path}:{line}: column {column!r}: expected a date as YYYY-MM-DD (the only form "
        f"this layout takes), found {text!r}"
    )


def _epoch_date(path, line: int, column: str, text: str) -> dt.date:
    day = iso_day(text)
    if day is None and _EPOCH_DATE.fullmatch(text):
        with contextlib.suppress(ValueError):
            day = dt.datetime.strptime(text, "%m/%d/%Y").date()
    if day is not None:
        return day
    raise DataError(
        f"{path}:{line}: column {column!r}: expected a date as M/D/YYYY (Epoch AI's "
        f"export) or YYYY-MM-DD, found {text!r}"
    )


def _number(path, line: int, column: str, text: str) -> float:
    value = float(text.replace(",", "")) if _NUMBER.fullmatch(text) else float("nan")
    if not value <= MAX_VALUE:
        raise DataError(
            f"{path}:{line}: column {column!r}: expected a number from 0 to {_MAX_TEXT} "
            f"(as 150000, 150,000 or 1.5e5), found {text!r}"
        )
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
