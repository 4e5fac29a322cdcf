"""A shared long-lead supplier (transformers, turbines) with one FIFO order book.

The supplier builds to order at its output rate (constant, or month by month): it
works through its initial backlog, then through the orders in the sequence they were
placed, never building ahead into stock (an idle month is lost). Other buyers' orders
can arrive as a stream: a lot each month, placed at the month's start, in line with
everyone else's. An order of ``n`` units placed at ``t`` is filled when the supplier,
starting at ``t`` or when it finishes what was booked before (whichever is later), has
built ``n`` more units, and never before ``t + min_lead_time``; with a constant rate
``r`` and ``q`` units still to build ahead of it, that is
``max(t + (q + n)/r, t + min_lead_time)``. Orders are delivered strictly first in,
first out (those placed before month 0 ahead, below): a large order at the head holds
back every later one. Units built and held
only by the lead time do not count in ``q``. A cancelled order leaves the book but not
the production schedule: the supplier builds it anyway.

An order placed before month 0 is one of the initial backlog's units: with the market
taken as steady before month 0, it waited the lead time of month 0, ``L``, the time the
supplier takes to build its backlog from month 0 (``backlog / r`` at a constant rate)
or ``min_lead_time`` if longer. Placed at ``t0 < 0``, it is filled at ``t0 + L``, or
at once if that has passed; it is not booked again, so it delays no later order.

Production is continuous and computed, not stepped: the book schedules one wake-up
for the order at its head, so an idle supplier costs no events.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from simpy.core import BoundClass, Environment
from simpy.events import Event
from simpy.resources import base


class Order(base.Get):
    """Request for *amount* units, placed now or, if *placed* [month] is given, before
    month 0; succeeds with the fill time [month] once filled.

    Raise a :exc:`ValueError` unless ``0 < amount < inf`` and ``-inf < placed < 0``.
    """

    def __init__(self, book: OrderBook, amount: float, placed: float | None = None):
        if not 0 < amount < math.inf:
            raise ValueError(f'"amount" must be > 0 and finite, got {amount!r}.')
        if placed is not None and not -math.inf < placed < 0:
            raise ValueError(f'"placed" must be < 0 and finite, got {placed!r}.')
        self.amount = amount
        """Units ordered."""
        self.booked = placed is None
        """Whether its units were added to the production schedule (placed from month
        0 on), not already in the initial backlog."""
        self.due = book._book(amount) if placed is None else book._backlogged(placed)
        """Earliest fill time [month]."""
        super().__init__(book)


class _ByDue(list):
    """Orders waiting, by earliest fill time, in the order placed among equals: first
    in, first out for the orders booked (their fill times never decrease), with the
    orders from the initial backlog ahead of them."""

    def append(self, order: Order) -> None:
        bisect.insort_right(self, order, key=lambda waiting: waiting.due)


class OrderBook(base.BaseResource):
    """A supplier building ``output_per_month`` units per month, shared by all buyers.

    Buyers only take from it, with :meth:`order` (its *get*); nothing is *put*:
    supply is the production rate. Orders wait by earliest fill time (:class:`_ByDue`).

    Parameters
    ----------
    env : simpy.Environment
        The environment; its clock is in months from 0.
    output_per_month : float or sequence of float
        Production rate [unit/month]: a constant > 0 and finite, or one rate (>= 0,
        finite) per month from time 0, the last going on after the sequence ends (at
        least one > 0). Also :attr:`capacity` (the first month's rate).
    backlog : float, default 0.0
        Units already ordered when the simulation starts [unit], >= 0: by others, and
        by buyers whose orders are placed before month 0.
    min_lead_time : float, default 0.0
        Shortest time from order to delivery [month], >= 0, even with capacity free.
    outside_orders : sequence of float, optional
        Units other buyers order at the start of each month from time 0 [unit/month],
        >= 0 and finite, the last going on after the sequence ends.
    """

    GetQueue = _ByDue

    def __init__(
        self,
        env: Environment,
        output_per_month: float | Sequence[float],
        backlog: float = 0.0,
        min_lead_time: float = 0.0,
        outside_orders: Sequence[float] | None = None,
    ):
        rates = np.atleast_1d(np.asarray(output_per_month, dtype=float))
        constant = rates.size == 1
        if not np.all(np.isfinite(rates)) or np.any(rates < 0) or not rates.any():
            raise ValueError('"output_per_month" must be finite, >= 0 and not all 0.')
        if constant and not rates[0] > 0:
            raise ValueError('"output_per_month" must be > 0 and finite.')
        if not 0 <= backlog < math.inf:
            raise ValueError('"backlog" must be >= 0 and finite.')
        if not 0 <= min_lead_time < math.inf:
            raise ValueError('"min_lead_time" must be >= 0 and finite.')
        outside = np.asarray(outside_orders if outside_orders is not None else [], dtype=float)
        if not np.all(np.isfinite(outside)) or np.any(outside < 0):
            raise ValueError('"outside_orders" must be finite and >= 0.')
        super().__init__(env, float(rates[0]))
        self.backlog = backlog
        """Initial backlog [unit]."""
        self.min_lead_time = min_lead_time
        """Shortest order-to-delivery time [month]."""
        self._rates = rates
        self._built = np.concatenate([[0.0], np.cumsum(rates)])
        self._outside = outside
        self._next_lot = 0
        self._others: list[tuple[float, float]] = []  # (from, to) of others' units [month]
        self._idle_from = env.now
        self._add(backlog)
        self.lead_time_at_start = max(self._idle_from, min_lead_time)
        """Month 0's lead time [month]: the time to build the initial backlog from
        month 0, or ``min_lead_time`` if longer; what an order placed before month 0
        waited."""
        self._alarm_at = math.inf

    @property
    def queued(self) -> float:
        """Units ordered and not yet delivered, initial backlog and other buyers' lots
        included [unit].

        The backlog and others' lots drain continuously as they are built; orders
        leave the book whole, when filled.
        """
        self._book_outside(self._env.now)
        now = self._built_by(self._env.now)
        others = sum(
            max(0.0, self._built_by(end) - max(now, self._built_by(begin)))
            for begin, end in self._others
        )
        return others + sum(order.amount for order in self.get_queue if order.booked)

    if TYPE_CHECKING:

        def order(self, amount: float, placed: float | None = None) -> Order:
            """Order *amount* units, now or placed at *placed* [month] < 0; the event's
            value is the fill time [month]."""
            return Order(self, amount, placed)

    else:
        order = BoundClass(Order)

    def _book(self, amount: float) -> float:
        """Add *amount* to the production schedule; return its earliest fill time."""
        now = self._env.now
        self._book_outside(now)
        self._idle_from = max(now, self._idle_from)
        self._add(amount, own=True)
        return max(self._idle_from, now + self.min_lead_time)

    def _backlogged(self, placed: float) -> float:
        """Earliest fill time of an order placed at ``placed`` < 0, in the backlog."""
        return max(self._env.now, placed + self.lead_time_at_start)

    def _book_outside(self, now: float) -> None:
        """Book other buyers' lots placed at month starts up to ``now``, in turn."""
        if not self._outside.size:
            return
        while self._next_lot <= now:
            lot = self._outside[min(self._next_lot, self._outside.size - 1)]
            self._idle_from = max(float(self._next_lot), self._idle_from)
            self._add(lot)
            self._next_lot += 1

    def _add(self, amount: float, *, own: bool = False) -> None:
        """Build ``amount`` more from the end of the schedule."""
        if amount <= 0:
            return
        begin = self._idle_from
        self._idle_from = self._time_built(self._built_by(begin) + amount)
        if not own:
            self._others.append((begin, self._idle_from))

    def _built_by(self, time: float) -> float:
        """Units the supplier can build from time 0 to ``time`` [unit]."""
        months = self._rates.size
        if time <= months:
            return float(np.interp(time, np.arange(months + 1), self._built))
        return float(self._built[-1] + self._rates[-1] * (time - months))

    def _time_built(self, units: float) -> float:
        """The time [month] by which the supplier can have built ``units`` from time 0."""
        built = self._built
        if units <= built[-1]:
            month = int(np.searchsorted(built, units, side="left"))
            if month == 0:
                return 0.0
            return month - 1 + (units - built[month - 1]) / self._rates[month - 1]
        last = self._rates[-1]
        return self._rates.size + (units - built[-1]) / last if last > 0 else math.inf

    def _do_get(self, event: Order) -> bool:
        now = self._env.now
        if event.due <= now:
            event.succeed(now)
            return True
        if event.due < self._alarm_at:
            self._alarm_at = event.due
            self._env.timeout(event.due - now).callbacks.append(self._wake)
        return False

    def _wake(self, _: Event) -> None:
        self._alarm_at = math.inf
        self._trigger_get(None)
