"""A shared long-lead supplier (transformers, turbines) with one FIFO order book.

The supplier builds to order at a constant rate: it works through its initial
backlog and then each order in the sequence it was placed, never building ahead
into stock (an idle month is lost). An order of ``n`` units placed at ``t`` with
``q`` units still to build ahead of it is therefore filled at
``max(t + (q + n)/rate, t + min_lead_time)``. Orders are delivered strictly first
in, first out: a large order at the head holds back every later one. Units built
and held only by the lead time do not count in ``q``. A cancelled order leaves the
book but not the production schedule: the supplier builds it anyway.

Production is continuous and computed, not stepped: the book schedules one
wake-up for the order at its head, so an idle supplier costs no events.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simpy.core import BoundClass, Environment
from simpy.events import Event
from simpy.resources import base


class Order(base.Get):
    """Request for *amount* units; succeeds with the fill time [month] once filled.

    Raise a :exc:`ValueError` unless ``0 < amount < inf``.
    """

    def __init__(self, book: OrderBook, amount: float):
        if not 0 < amount < math.inf:
            raise ValueError(f'"amount" must be > 0 and finite, got {amount!r}.')
        self.amount = amount
        """Units ordered."""
        self.due = book._book(amount)
        """Earliest fill time [month]."""
        super().__init__(book)


class OrderBook(base.BaseResource):
    """A supplier building *output_per_month* units per month, shared by all buyers.

    Buyers only take from it, with :meth:`order` (its *get*); nothing is *put*:
    supply is the production rate.

    Parameters
    ----------
    env : simpy.Environment
        The environment; its clock is in months.
    output_per_month : float
        Production rate [unit/month], > 0 and finite; also :attr:`capacity`.
    backlog : float, default 0.0
        Units already ordered by others when the simulation starts [unit], >= 0.
    min_lead_time : float, default 0.0
        Shortest time from order to delivery [month], >= 0, even with capacity free.
    """

    def __init__(
        self,
        env: Environment,
        output_per_month: float,
        backlog: float = 0.0,
        min_lead_time: float = 0.0,
    ):
        if not 0 < output_per_month < math.inf:
            raise ValueError('"output_per_month" must be > 0 and finite.')
        if not 0 <= backlog < math.inf:
            raise ValueError('"backlog" must be >= 0 and finite.')
        if not 0 <= min_lead_time < math.inf:
            raise ValueError('"min_lead_time" must be >= 0 and finite.')
        super().__init__(env, output_per_month)
        self.backlog = backlog
        """Initial backlog [unit]."""
        self.min_lead_time = min_lead_time
        """Shortest order-to-delivery time [month]."""
        self._start = env.now
        self._idle_from = env.now + backlog / output_per_month
        self._alarm_at = math.inf

    @property
    def queued(self) -> float:
        """Units ordered and not yet delivered, initial backlog included [unit].

        The initial backlog drains continuously as it is built; orders leave the
        book whole, when filled.
        """
        built = self._capacity * (self._env.now - self._start)
        return max(0.0, self.backlog - built) + sum(order.amount for order in self.get_queue)

    if TYPE_CHECKING:

        def order(self, amount: float) -> Order:
            """Order *amount* units; the event's value is the fill time [month]."""
            return Order(self, amount)

    else:
        order = BoundClass(Order)

    def _book(self, amount: float) -> float:
        """Add *amount* to the production schedule; return its earliest fill time."""
        now = self._env.now
        self._idle_from = max(now, self._idle_from) + amount / self._capacity
        return max(self._idle_from, now + self.min_lead_time)

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
