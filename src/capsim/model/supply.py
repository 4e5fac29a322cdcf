"""The supply chain of one product: its dies and HBM stacks, on hand and on their way,
and its package lots.

Dies come from the product's logic fab and stacks from the HBM vendors qualified for it,
each booked to arrive a fab cycle or an HBM lead time after the wafers start
(:class:`~capsim.model.pipeline.Pipeline`; what starts is decided each month by the
market, :mod:`capsim.model.procurement`). Each month the product's packaging line
grants it slots; it starts that many packages, taking their dies and stacks, and the
line's lot process of the month (:func:`lots`) hands the good ones over after the
packaging cycle time, in the order they started. Dies wait for the product; stacks a
month's packaging leaves unused go back to their vendor, unsold.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from capsim.model.inputs import CapacityIn, ProductIn, VendorIn
from capsim.model.pipeline import Pipeline

#: The inputs that can limit a product's output, in the order ties are reported.
SUPPLY_INPUTS = ("cowos", "logic_wafers", "hbm", "demand")


class ProductChain:
    """One product's dies and stacks, and its lots in packaging.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment (time in months).
    product : ProductIn
        The product.
    fab, packaging : CapacityIn
        Its logic fab and packaging line.
    vendors : list of VendorIn
        The HBM vendors that make its generation and name it in their qualifications.
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
        on_packaged: Callable[[str, float], None],
    ):
        self.env = env
        self.product = product
        self.fab = fab
        self.packaging = packaging
        self.vendors = vendors
        self.on_packaged = on_packaged
        self.dies = Pipeline(env)
        """Good compute dies on their way from the fab or waiting for packaging [die]."""
        self.stacks = {vendor.id: Pipeline(env) for vendor in vendors}
        """HBM stacks from each vendor, on their way or waiting for packaging [stack]."""
        self.in_packaging = 0.0
        """Good packages started and not yet out of packaging [package]."""
        unit_yield = max(packaging.unit_yield, 1e-12)
        self.dies_per_good = product.dies_per_package / unit_yield
        """Dies a good package takes, failed packages' included [die/package]."""
        self.stacks_per_good = product.stacks_per_package / unit_yield
        """Stacks a good package takes, failed packages' included [stack/package]."""
        self.stacks_lead = min((vendor.lead_time for vendor in vendors), default=0.0)
        """The shortest lead time of the product's HBM vendors [month] (0 without any)."""
        self.short = dict.fromkeys(("cowos", "logic_wafers", "hbm"), False)
        """Whether the product's last order of each input was granted less than asked."""

    @property
    def stacks_on_hand(self) -> float:
        """HBM stacks on hand now, from every vendor [stack]."""
        return sum([pipeline.level for pipeline in self.stacks.values()])

    def caps(self, demand: float) -> dict[str, float]:
        """Package starts its dies, its stacks and ``demand`` (good packages wanted) each
        allow now [package]."""
        p = self.product
        unit_yield = self.packaging.unit_yield
        return {
            "logic_wafers": self.dies.level / p.dies_per_package,
            "hbm": self.stacks_on_hand / p.stacks_per_package,
            "demand": demand / unit_yield if unit_yield > 0 else 0.0,
        }

    def start_packages(self, starts: float) -> float:
        """Start ``starts`` packages now, taking their dies and stacks; returns the good
        packages that will leave packaging [package] (by a :func:`lots` process)."""
        if starts <= 0:
            return 0.0
        p = self.product
        _take(self.dies, starts * p.dies_per_package)
        needed = starts * p.stacks_per_package
        on_hand = [(pipeline, pipeline.level) for pipeline in self.stacks.values()]
        total = sum([level for _, level in on_hand])
        for pipeline, level in on_hand:  # stacks from each vendor in proportion
            if level > 0:
                _take(pipeline, needed * level / total)
        good = starts * self.packaging.unit_yield
        if good > 0:
            self.in_packaging += good
        return good

    def release_stacks(self, amount: float | None = None) -> dict[str, float]:
        """Give back ``amount`` of the stacks on hand [stack], from each vendor's in
        proportion to what it has on hand, or every stack (None: the product has no
        demand to use them for); returns them by vendor [stack]."""
        on_hand = self.stacks_on_hand if amount is not None else 0.0
        released = {}
        for vid, pipeline in self.stacks.items():
            level = pipeline.level if amount is None else amount * pipeline.level / on_hand
            if level > 0:
                pipeline.take(level)
                released[vid] = level
        return released

    def leave_packaging(self, good: float) -> None:
        """Hand over ``good`` packages that leave packaging now [package]."""
        self.in_packaging -= good
        self.on_packaged(self.product.id, good)


def lots(env: simpy.Environment, delay: float, started: list[tuple[ProductChain, float]]):
    """Process: a packaging line's good packages started in one month leave packaging
    after its cycle time ``delay`` [month], product by product in the order they
    started (``started``: each chain and its good packages)."""
    yield env.timeout(delay)
    for chain, good in started:
        chain.leave_packaging(good)


def _take(inventory: Pipeline, amount: float) -> None:
    """Take ``amount`` from ``inventory`` now, if positive."""
    if amount > 0:
        inventory.take(amount)
