"""Goods that arrive on a known schedule and wait until taken: a fab's good dies, a
vendor's HBM stacks.

Like :class:`~capsim.model.orderbook.OrderBook`, the stock computes rather than steps:
an arrival is booked ahead with :meth:`Pipeline.arrive` and counts as on hand from its
time on, so arrivals cost no events. Takers take *up to* an amount with
:meth:`Pipeline.take`, at once, from what is on hand: a take never waits, so it costs no
event either (the taker is the month's packaging, a plain step of the market). Arrivals
are added to the level in time order (ties in the order they were booked), so the level
is the same float whether it is read often or seldom.
"""

from __future__ import annotations

import bisect
import itertools
import math

from simpy.core import Environment


class Pipeline:
    """Goods booked to arrive at given times, on hand from then until taken [unit]."""

    def __init__(self, env: Environment):
        self._env = env
        self._arrivals: list[tuple[float, float]] = []
        self._next = 0
        self._due = math.inf
        """When the next arrival not yet on hand is due [month] (``inf``: none)."""
        self._level = 0.0
        self._on_the_way = 0.0

    def take(self, amount: float) -> float:
        """Take up to ``amount`` (> 0) now; returns the amount taken [unit]."""
        if not amount > 0:
            raise ValueError(f'"amount" must be > 0, got {amount!r}.')
        level = self.level
        taken = amount if amount < level else level
        self._level -= taken
        return taken

    def arrive(self, time: float, amount: float) -> None:
        """Book ``amount`` (> 0, finite) to arrive at ``time`` [month] (not in the past)."""
        if not 0 < amount < math.inf:
            raise ValueError(f'"amount" must be > 0 and finite, got {amount!r}.')
        if time < self._env.now:
            raise ValueError(f'"time" must not be in the past, got {time!r}.')
        arrivals = self._arrivals
        if not arrivals or arrivals[-1][0] <= time:  # the usual case: booked in time order
            arrivals.append((time, amount))
        else:
            bisect.insort_right(arrivals, (time, amount), lo=self._next, key=_time)
        self._on_the_way += amount
        self._due = time if time < self._due else self._due  # as min(self._due, time)

    @property
    def level(self) -> float:
        """On hand now, arrivals due at this instant included [unit]."""
        if self._due <= self._env.now:
            self._receive(inclusive=True)
        return self._level

    @property
    def position(self) -> float:
        """On hand now plus everything booked to arrive later [unit]."""
        if self._due <= self._env.now:
            self._receive(inclusive=True)
        on_the_way = self._on_the_way
        return self._level + (on_the_way if on_the_way > 0.0 else 0.0)

    def position_by(self, time: float) -> float:
        """On hand now plus what is booked to arrive by ``time`` [month] [unit]."""
        level = self.level
        for arrival, amount in itertools.islice(self._arrivals, self._next, None):
            if not arrival <= time:
                break
            level += amount
        return level

    @property
    def level_before_now(self) -> float:
        """On hand just before this instant's arrivals [unit]."""
        if self._due < self._env.now:
            self._receive(inclusive=False)
        return self._level

    def _receive(self, *, inclusive: bool) -> None:
        arrivals = self._arrivals
        index = self._next
        if index >= len(arrivals):
            return
        now = self._env.now
        while index < len(arrivals):
            time, amount = arrivals[index]
            if time > now or (time == now and not inclusive):
                break
            self._level += amount
            self._on_the_way -= amount
            index += 1
        self._next = index
        self._due = arrivals[index][0] if index < len(arrivals) else math.inf


def _time(arrival: tuple[float, float]) -> float:
    return arrival[0]
