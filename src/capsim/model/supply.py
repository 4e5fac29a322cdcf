"""The supply chain of one product: logic dies, HBM stacks and CoWoS packaging.

Each month the product gets its designer's share of each input, times its part of that share (its
``mix`` among the designer's products that use the input). The mix is planned at
packaging: wafers and HBM stacks are started for the mix of the month in which they will
arrive, one fab cycle or HBM lead time ahead, so a ramping product has its dies and
stacks when its packaging slots come. Dies and stacks started this month arrive after
the fab cycle time and the HBM lead time; CoWoS starts as many packages as the scarcest
of packaging slots, dies, stacks and demand allows (Leontief) and hands the good ones
over after its cycle time. Unused dies and stacks wait in inventory; unused packaging
slots are lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from capsim.model.inputs import CapacityIn, ProductIn, VendorIn

#: The inputs that can limit a product's output, in the order ties are reported.
SUPPLY_INPUTS = ("cowos", "logic_wafers", "hbm", "demand")


class ProductChain:
    """Inventories and monthly starts of one product."""

    def __init__(
        self,
        env: simpy.Environment,
        product: ProductIn,
        *,
        fab: CapacityIn,
        line: CapacityIn,
        vendors: list[VendorIn],
        on_packaged: Callable[[str, float], None],
    ):
        self.env = env
        self.product = product
        self.fab = fab
        self.line = line
        self.hbm = [
            (vendor.capacity[product.hbm_generation], vendor.qualified.get(product.id))
            for vendor in vendors
            if product.hbm_generation in vendor.capacity and product.id in vendor.qualified
        ]
        self.on_packaged = on_packaged
        self.dies = 0.0
        self.stacks = 0.0
        self.in_packaging = 0.0
        self._fab_share = fab.shares.get(product.designer, 0.0)
        self._line_share = line.shares.get(product.designer, 0.0)

    def prefill(self) -> None:
        """Put in the pipeline what was started before the horizon, at month 0's rates."""
        for lag in range(1, math.ceil(self.fab.delay) + 1):
            arrival = self.fab.delay - lag
            if arrival >= 0:
                self._arrive_dies(arrival, self._dies_started(0, _month_of(arrival)))
        for source, window in self.hbm:
            for lag in range(1, math.ceil(source.delay) + 1):
                arrival = source.delay - lag
                if arrival >= 0 and window[0] <= arrival < window[1]:
                    self._arrive_stacks(
                        arrival, self._stacks_started(source, 0, _month_of(arrival))
                    )

    def _dies_started(self, month: int, serves: int) -> float:
        """Good dies started in ``month`` for the packaging mix of month ``serves``."""
        weight = _clipped(self.product.fab_weight, serves)
        return (
            self.fab.capacity[month] * self._fab_share * weight * self.product.good_dies_per_wafer
        )

    def _stacks_started(self, source: CapacityIn, month: int, serves: int) -> float:
        """HBM stacks started in ``month`` for the packaging mix of month ``serves``."""
        share = source.shares.get(self.product.designer, 0.0)
        return source.capacity[month] * share * _clipped(self.product.hbm_weight, serves)

    def _arrive_dies(self, delay: float, amount: float) -> None:
        if amount > 0 and delay <= 0:
            self.dies += amount
        elif amount > 0:
            self.env.timeout(delay).callbacks.append(lambda _: self._add_dies(amount))

    def _arrive_stacks(self, delay: float, amount: float) -> None:
        if amount > 0 and delay <= 0:
            self.stacks += amount
        elif amount > 0:
            self.env.timeout(delay).callbacks.append(lambda _: self._add_stacks(amount))

    def _add_dies(self, amount: float) -> None:
        self.dies += amount

    def _add_stacks(self, amount: float) -> None:
        self.stacks += amount

    def start_inputs(self, month: int) -> None:
        """Start this month's wafers and HBM stacks (they arrive later)."""
        now = self.env.now
        self._arrive_dies(
            self.fab.delay, self._dies_started(month, _month_of(now + self.fab.delay))
        )
        by_delay: dict[float, float] = {}  # one arrival event per lead time, not per vendor
        for source, (qualified, disqualified) in self.hbm:
            if qualified <= now + source.delay < disqualified:
                stacks = self._stacks_started(source, month, _month_of(now + source.delay))
                by_delay[source.delay] = by_delay.get(source.delay, 0.0) + stacks
        for delay, stacks in by_delay.items():
            self._arrive_stacks(delay, stacks)

    def limits(self, month: int, demand: float) -> dict[str, float]:
        """Package starts each input allows this month [package/month]."""
        p = self.product
        slots = self.line.capacity[month] * self._line_share * p.line_weight[month]
        slots *= p.packages_per_wafer
        return {
            "cowos": slots,
            "logic_wafers": self.dies / p.dies_per_package,
            "hbm": self.stacks / p.stacks_per_package,
            "demand": demand / self.line.unit_yield if self.line.unit_yield > 0 else 0.0,
        }

    def start_packages(self, month: int, demand: float) -> tuple[float, str, dict[str, float]]:
        """Start packaging; returns (good packages started, binding input, limits)."""
        limits = self.limits(month, demand)
        binding = min(SUPPLY_INPUTS, key=limits.__getitem__)
        starts = max(0.0, limits[binding])
        p = self.product
        self.dies -= starts * p.dies_per_package
        self.stacks -= starts * p.stacks_per_package
        good = starts * self.line.unit_yield
        if good > 0:
            self.in_packaging += good
            self.env.timeout(self.line.delay).callbacks.append(lambda _: self._packaged(good))
        return good, binding, limits

    def _packaged(self, good: float) -> None:
        self.in_packaging -= good
        self.on_packaged(self.product.id, good)


def _month_of(time: float) -> int:
    """The month index a model time [month] falls in."""
    return math.floor(time + 1e-9)


def _clipped(values: np.ndarray, month: int) -> float:
    """``values[month]``, holding the first and last months beyond the horizon."""
    return values[min(max(month, 0), len(values) - 1)]
