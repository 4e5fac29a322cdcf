"""A stock of divisible goods (packages, building slots) taken first come, first served.

Unlike :class:`simpy.Container`, a taker asks for *up to* an amount and gets what is
there as soon as anything is: lots move whole when they can and in part when not.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simpy.core import BoundClass, Environment
from simpy.resources import base

#: Amounts below this count as nothing (floating-point dust) [unit].
EPSILON = 1e-6
#: How close to a target a quantity counts as reaching it, relative [1]: one part in a
#: million (10 kW of 10 GW, about six packages), finer than any input is known. A
#: continuous model can leave a deal a few hundredths of a package short of its target
#: for months (what it lacks ordered and matched in ever smaller parts); within this,
#: it has reached it (its milestone is met, its programme complete).
REACHED = 1e-6


class Put(base.Put):
    """Add ``amount`` (> 0) to the stock; succeeds at once."""

    def __init__(self, stock: Stock, amount: float):
        if not 0 < amount < math.inf:
            raise ValueError(f'"amount" must be > 0 and finite, got {amount!r}.')
        self.amount = amount
        super().__init__(stock)


class Take(base.Get):
    """Take up to ``amount`` (> 0); succeeds, with the amount taken, once the stock is > 0."""

    def __init__(self, stock: Stock, amount: float):
        if not amount > 0:
            raise ValueError(f'"amount" must be > 0, got {amount!r}.')
        self.amount = amount
        super().__init__(stock)


class Stock(base.BaseResource):
    """Goods on hand, unbounded; ``level`` is the amount on hand."""

    def __init__(self, env: Environment, level: float = 0.0):
        if not 0 <= level < math.inf:
            raise ValueError('"level" must be >= 0 and finite.')
        super().__init__(env, math.inf)
        self.level = level

    if TYPE_CHECKING:

        def put(self, amount: float) -> Put:
            return Put(self, amount)

        def take(self, amount: float) -> Take:
            return Take(self, amount)

    else:
        put = BoundClass(Put)
        take = BoundClass(Take)

    def _do_put(self, event: Put) -> bool:
        self.level += event.amount
        event.succeed()
        return True

    def _do_get(self, event: Take) -> bool:
        if self.level <= EPSILON:
            return False
        taken = min(self.level, event.amount)
        self.level -= taken
        event.succeed(taken)
        return True
