"""The supply chain of one product: logic dies, HBM stacks and CoWoS packaging.

Each month the product gets its designer's share of each input, times its part of that
share (its weight among the designer's products that use the input; see
:class:`~capsim.model.inputs.ProductIn`). Wafers and HBM stacks are started for the
product mix of the month in which they will arrive, one fab cycle or HBM lead time
ahead, so a ramping product has its dies and stacks when its packaging slots come.
What starts in a month does not depend on the run's state, so each input's arrivals are
booked at the start into the product's die and stack inventories
(:class:`~capsim.model.pipeline.Pipeline`), where they are on hand from their arrival
time. Each month CoWoS starts as many packages as the scarcest of packaging slots, dies,
stacks and demand allows (Leontief), takes their dies and stacks, and a lot process
hands the good ones over after the packaging cycle time. Unused dies and stacks wait;
unused packaging slots are lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from capsim.model.inputs import CapacityIn, ProductIn, VendorIn
from capsim.model.pipeline import Pipeline

#: The inputs that can limit a product's output, in the order ties are reported.
SUPPLY_INPUTS = ("cowos", "logic_wafers", "hbm", "demand")

#: Arrivals [month, amount] of one input: (arrival time, good dies or stacks).
Schedule = list[tuple[float, float]]


class ProductChain:
    """Die and stack inventories and monthly package starts of one product.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment (time in months).
    product : ProductIn
        The product.
    fab, packaging : CapacityIn
        Its logic fab and packaging line.
    vendors : list of VendorIn
        Every HBM vendor; those that make its generation and are qualified for it supply it.
    months : int
        Months in the horizon.
    on_packaged : callable
        Called with (product id, good packages) when a lot leaves packaging.
    """

    def __init__(
        self,
        env: simpy.Environment,
        product: ProductIn,
        *,
        fab: CapacityIn,
        packaging: CapacityIn,
        vendors: list[VendorIn],
        months: int,
        on_packaged: Callable[[str, float], None],
    ):
        self.env = env
        self.product = product
        self.fab = fab
        self.packaging = packaging
        self.on_packaged = on_packaged
        self.dies = Pipeline(env)
        """Good compute dies on their way from the fab or waiting for packaging [die]."""
        self.stacks = Pipeline(env)
        """HBM stacks on their way from the vendors or waiting for packaging [stack]."""
        self.in_packaging = 0.0
        """Good packages started and not yet out of packaging [package]."""
        sources = [
            (vendor.capacity[product.hbm_generation], vendor.qualified[product.id])
            for vendor in vendors
            if product.hbm_generation in vendor.capacity and product.id in vendor.qualified
        ]
        for time, dies in die_schedule(product, fab, months):
            self.dies.arrive(time, dies)
        for time, stacks in stack_schedule(product, sources, months):
            self.stacks.arrive(time, stacks)
        self._slots = (
            packaging.capacity
            * packaging.shares.get(product.designer, 0.0)
            * product.packaging_weight
            * product.packages_per_wafer
        )

    def limits(self, month: int, demand: float) -> dict[str, float]:
        """Package starts each input alone allows in ``month`` [package/month].

        ``demand`` is the good packages wanted [package].
        """
        p = self.product
        unit_yield = self.packaging.unit_yield
        return {
            "cowos": self._slots[month],
            "logic_wafers": self.dies.level / p.dies_per_package,
            "hbm": self.stacks.level / p.stacks_per_package,
            "demand": demand / unit_yield if unit_yield > 0 else 0.0,
        }

    def start_packages(self, month: int, demand: float) -> tuple[float, str, dict[str, float]]:
        """Start ``month``'s packages for ``demand`` good packages.

        Returns
        -------
        tuple
            (good packages started [package], the binding input, :meth:`limits`).
        """
        limits = self.limits(month, demand)
        binding = min(SUPPLY_INPUTS, key=limits.__getitem__)
        starts = max(0.0, limits[binding])
        p = self.product
        _take(self.dies, starts * p.dies_per_package)
        _take(self.stacks, starts * p.stacks_per_package)
        good = starts * self.packaging.unit_yield
        if good > 0:
            self.in_packaging += good
            self.env.process(self._lot(good))
        return good, binding, limits

    def _lot(self, good: float):
        """Process: a month's good packages leave packaging after the cycle time."""
        yield self.env.timeout(self.packaging.delay)
        self.in_packaging -= good
        self.on_packaged(self.product.id, good)


def die_schedule(product: ProductIn, fab: CapacityIn, months: int) -> Schedule:
    """Good dies arriving from ``fab`` for ``product``: (time [month], dies [die]).

    Wafers started in month ``m`` arrive at ``m + cycle time`` for the packaging mix of
    the month they arrive in. Wafers started before the horizon are started at month 0's
    rate, so the pipeline is full at the start.
    """
    share = fab.shares.get(product.designer, 0.0)
    starts = np.arange(months)
    started = (
        fab.capacity
        * share
        * product.fab_weight[_served(starts + fab.delay, months)]
        * product.good_dies_per_wafer
    )
    before = [fab.delay - lag for lag in range(1, math.ceil(fab.delay) + 1)]
    before = [t for t in before if t >= 0]
    prefill = fab.capacity[0] * share * product.fab_weight[_served(np.array(before), months)]
    arrivals = list(zip(before, (prefill * product.good_dies_per_wafer).tolist(), strict=True))
    arrivals += zip((starts + fab.delay).tolist(), started.tolist(), strict=True)
    return _positive(arrivals)


def stack_schedule(
    product: ProductIn, sources: list[tuple[CapacityIn, tuple[float, float]]], months: int
) -> Schedule:
    """HBM stacks arriving for ``product``: (time [month], stacks [stack]).

    ``sources`` are the vendors' capacities of the product's generation with its
    qualification window ``(from, until)`` [month]: stacks count when they arrive within
    it. Stacks started in month ``m`` arrive a lead time later for the mix of that month
    (vendors with the same lead time together); those started before the horizon at
    month 0's rate.
    """
    starts = np.arange(months)
    arrivals = []
    for source, (begin, until) in sources:
        share = source.shares.get(product.designer, 0.0)
        for lag in range(1, math.ceil(source.delay) + 1):
            arrival = source.delay - lag
            if arrival >= 0 and begin <= arrival < until:
                weight = product.hbm_weight[_served(np.array(arrival), months)]
                arrivals.append((arrival, float(source.capacity[0] * share * weight)))
    by_delay: dict[float, np.ndarray] = {}  # vendors with the same lead time arrive together
    for source, (begin, until) in sources:
        share = source.shares.get(product.designer, 0.0)
        times = starts + source.delay
        stacks = source.capacity * share * product.hbm_weight[_served(times, months)]
        qualified = (begin <= times) & (times < until)
        total = by_delay.setdefault(source.delay, np.zeros(months))
        total[qualified] = total[qualified] + stacks[qualified]
    for month in range(months):
        arrivals += [(month + delay, float(total[month])) for delay, total in by_delay.items()]
    return _positive(arrivals)


def _served(times: np.ndarray, months: int) -> np.ndarray:
    """The month (clipped to the horizon) whose packaging mix arrivals at ``times`` serve."""
    return np.clip(np.floor(np.asarray(times) + 1e-9).astype(int), 0, months - 1)


def _positive(arrivals: Schedule) -> Schedule:
    """The arrivals of a positive amount, in time order (stable)."""
    return sorted(((t, amount) for t, amount in arrivals if amount > 0), key=lambda a: a[0])


def _take(inventory: Pipeline, amount: float) -> None:
    """Take ``amount`` from ``inventory`` now, if positive."""
    if amount > 0:
        inventory.take(amount)
