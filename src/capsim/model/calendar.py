"""The simulation clock: time is in calendar months since the horizon start.

``t = 5.5`` is the middle of the sixth month; durations written in months advance
whole calendar months, so month boundaries fall on the first of each month.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Calendar:
    """Months from ``start`` (a first of the month) for ``months`` months."""

    start: dt.date
    months: int

    @classmethod
    def spanning(cls, start: dt.date, end: dt.date) -> Calendar:
        """The months from ``start``'s month through ``end``'s month, inclusive."""
        first = start.replace(day=1)
        count = (end.year - first.year) * 12 + end.month - first.month + 1
        return cls(first, count)

    def month_start(self, index: int) -> dt.date:
        """First day of month ``index`` (0 is the start month)."""
        year, month = divmod(self.start.month - 1 + index, 12)
        return dt.date(self.start.year + year, month + 1, 1)

    def to_time(self, day: dt.date) -> float:
        """``day`` as months since the start [month]."""
        index = (day.year - self.start.year) * 12 + day.month - self.start.month
        length = _calendar.monthrange(day.year, day.month)[1]
        return index + (day.day - 1) / length

    def to_date(self, time: float) -> dt.date:
        """The day during which ``time`` (months since the start) falls."""
        index = int(np.floor(time + 1e-9))
        first = self.month_start(index)
        length = _calendar.monthrange(first.year, first.month)[1]
        return first + dt.timedelta(days=int(np.floor((time - index) * length + 1e-9)))

    def to_datetime64(self, time: float) -> np.datetime64:
        """``time`` as a NumPy date (NaT when ``time`` is NaN or infinite)."""
        if not np.isfinite(time):
            return np.datetime64("NaT", "D")
        return np.datetime64(self.to_date(time), "D")

    def month_starts(self) -> np.ndarray:
        """First day of every month of the horizon, as ``datetime64[D]``."""
        return np.array([self.month_start(i) for i in range(self.months)], dtype="datetime64[D]")
