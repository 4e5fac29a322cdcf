"""Plans: what each product expects to package in a month, and so what it orders.

A product's plan for a month is its programmes' order rate then, at most what its line
and its fab would give it were each shared by its market among every product's order
rate, then again among what the other inputs let each product use (HBM counted as one
pool of the vendors' wafers), so capacity a product cannot use goes to the products that
can. It orders inputs to cover its plans until they arrive, and its arrears (orders of
past months not met), never more than its programmes still lack.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from capsim.model.clearing import SHORT, Clearing
from capsim.model.hbm import HbmVendorModel
from capsim.model.inputs import ModelInputs
from capsim.model.supply import ProductChain


class Planner:
    """The plans of one run, recomputed each month (programmes move on).

    Parameters
    ----------
    inputs : ModelInputs
        The run's inputs.
    chains : dict of str to ProductChain
        Every product's chain.
    vendors : dict of str to HbmVendorModel
        Every HBM vendor.
    clearing : Clearing
        The run's markets, to share lines and fabs in projections.
    rate : callable
        Good packages of a product its programmes order per month at a time, given
        (product id, model time [month]).
    backlog : callable
        Good packages of a product its programmes still lack, given (product id, model
        time [month] by which they open).
    """

    def __init__(
        self,
        inputs: ModelInputs,
        chains: dict[str, ProductChain],
        vendors: dict[str, HbmVendorModel],
        clearing: Clearing,
        *,
        rate: Callable[[str, float], float],
        backlog: Callable[[str, float], float],
    ):
        self.inputs = inputs
        self.months = inputs.calendar.months
        self.chains = chains
        self.vendors = vendors
        self.clearing = clearing
        self.rate = rate
        self.backlog = backlog
        self.by_line: dict[str, list[ProductChain]] = {line: [] for line in inputs.packaging}
        self.by_fab: dict[str, list[ProductChain]] = {fab: [] for fab in inputs.fabs}
        for chain in chains.values():
            self.by_line[chain.product.packaging].append(chain)
            self.by_fab[chain.product.fab].append(chain)
        self.arrears: dict[str, float] = {}
        """Good packages each product's programmes want this month beyond their order
        rate (orders of past months not met) [package]."""
        self._rates: dict[int, dict[str, float]] = {}
        self._weights: dict[tuple[str, int], dict[str, float]] = {}
        self._projections: dict[int, tuple[dict[str, float], tuple]] = {}
        """Each month's plans and reasons, with the order rates they were made for."""
        self._fresh: dict[int, tuple] = {}
        """The plans and reasons read this month."""
        self._stack_plans: dict[tuple, tuple] = {}
        self._planned: dict[tuple[str, float], tuple[float, str | None]] = {}

    def forget(self) -> None:
        """Drop the cached rates and plans (programmes have moved on); a month's shares
        are kept, to be reused while the order rates they were made for still hold."""
        self._rates.clear()
        self._weights.clear()
        self._stack_plans.clear()
        self._fresh.clear()
        self._planned.clear()

    def month_of(self, time: float) -> int:
        """The month of the horizon ``time`` [month] falls in, clipped to the horizon."""
        return min(max(math.floor(time + 1e-9), 0), self.months - 1)

    def rates_at(self, month: int) -> dict[str, float]:
        """Each product's order rate in ``month`` (as the programmes stand now)."""
        rates = self._rates.get(month)
        if rates is None:
            rates = {pid: self.rate(pid, month + 0.5) for pid in self.chains}
            self._rates[month] = rates
        return rates

    def plan(self, chain: ProductChain, time: float) -> float:
        """Good packages per month ``chain``'s product plans to package at ``time``."""
        return self.planned(chain, time)[0]

    def planned(self, chain: ProductChain, time: float) -> tuple[float, str | None]:
        """The plan at ``time`` [package/month], and the input that set it (None when the
        order rate did)."""
        product = chain.product
        start = math.ceil(time - 1e-9)  # goods due during a month are packaged from the next
        key = (product.id, start)
        found = self._planned.get(key)
        if found is None:
            if product.made_in(start):
                plans, reasons = self.projection(self.month_of(start))
                found = (plans[product.id], reasons[product.id])
            else:
                found = (0.0, None)
            self._planned[key] = found
        return found

    def projection(self, month: int) -> tuple[dict[str, float], dict[str, str | None]]:
        """Each product's plan for ``month`` [package/month] and the input that set it.

        Each line and fab is shared by its market among the products' order rates, and
        HBM as one pool of the vendors' wafers (any generation: wafers can be set up for
        another within a plan's look-ahead) in proportion to the wafers the rates need;
        then each line and fab is shared again among what each product could use by the
        other inputs' shares, so capacity a product cannot use for want of another input
        goes to the products that can. The plan is the least of the order rate and the
        second shares; the input named is the one short of what the others let the
        product use, else the one whose first share was least."""
        found = self._fresh.get(month)
        if found is not None:
            return found
        rates = self.rates_at(month)
        asks = {
            pid: rates[pid] if chain.product.made_in(month + 0.5) else 0.0
            for pid, chain in self.chains.items()
        }
        cached = self._projections.get(month)
        if cached is not None and cached[0] == asks:
            self._fresh[month] = cached[1]
            return cached[1]
        first = self._shares(month, asks, asks)
        first["hbm"] = self._hbm_shares(month, asks)
        # each supplier again, among what the others' first shares let each product use
        other = {
            name: {
                pid: min(asks[pid], *(first[k][pid] for k in first if k != name)) for pid in asks
            }
            for name in ("cowos", "logic_wafers")
        }
        second = self._shares(month, other["cowos"], other["logic_wafers"])
        plans: dict[str, float] = {}
        reasons: dict[str, str | None] = {}
        for pid, rate in asks.items():
            plan = min(rate, second["cowos"][pid], second["logic_wafers"][pid])
            plans[pid] = plan
            reason = None
            for name in ("cowos", "logic_wafers"):
                if second[name][pid] < other[name][pid] * (1.0 - SHORT):
                    reason = name
            if reason is None and plan < rate * (1.0 - SHORT):
                reason = min(("cowos", "logic_wafers", "hbm"), key=lambda k: first[k][pid])
            reasons[pid] = reason
        found = (plans, reasons)
        self._projections[month] = (asks, found)
        self._fresh[month] = found
        return found

    def _shares(
        self, month: int, packaged: dict[str, float], diced: dict[str, float]
    ) -> dict[str, dict[str, float]]:
        """What each line would give each product of the good packages per month it
        asks to have ``packaged``, and each fab of those it asks dies for (``diced``), in
        ``month``, by their markets [package/month]."""
        index = min(max(month, 0), self.months - 1)
        cowos: dict[str, float] = {}
        for line_id, chains in self.by_line.items():
            line = self.inputs.packaging[line_id]
            unit_yield = max(line.unit_yield, 1e-12)
            per_good = {c.product.id: unit_yield * c.product.packages_per_wafer for c in chains}
            asks = {pid: packaged[pid] / per_good[pid] for pid in per_good}
            grants = self.clearing.grants(
                line.market, float(line.capacity[index]), month, chains, asks
            )
            cowos.update({pid: grants[pid] * per_good[pid] for pid in per_good})
        logic: dict[str, float] = {}
        for fab_id, chains in self.by_fab.items():
            fab = self.inputs.fabs[fab_id]
            per_good = {
                c.product.id: c.product.good_dies_per_wafer / c.dies_per_good for c in chains
            }
            asks = {
                pid: diced[pid] / per_good[pid] if per_good[pid] > 0 else 0.0 for pid in per_good
            }
            grants = self.clearing.grants(
                fab.market, float(fab.capacity[index]), month, chains, asks
            )
            logic.update({pid: grants[pid] * per_good[pid] for pid in per_good})
        return {"cowos": cowos, "logic_wafers": logic}

    def _hbm_shares(self, month: int, wanted: dict[str, float]) -> dict[str, float]:
        """Good packages per month of HBM each product would get in ``month`` if all the
        vendors' wafers (any generation: wafers can be set up for another within a plan's
        look-ahead) were shared in proportion to the wafers its ``wanted`` packages need,
        at the mean stacks per wafer of its vendors [package/month] (unbounded for a
        product that takes no HBM)."""
        index = min(max(month, 0), self.months - 1)
        wafers = sum(
            float(v.spec.wafers[index]) for v in self.vendors.values() if v.spec.fixed is None
        )
        stacks_fixed = sum(
            float(v.spec.fixed[g][index])
            for v in self.vendors.values()
            if v.spec.fixed is not None
            for g in v.generations
        )
        need: dict[str, float] = {}
        for pid, chain in self.chains.items():
            per_wafer = [v.stacks_per_wafer[chain.product.hbm_generation] for v in chain.vendors]
            if per_wafer and chain.stacks_per_good > 0:
                need[pid] = wanted[pid] * chain.stacks_per_good / (sum(per_wafer) / len(per_wafer))
        shares = dict.fromkeys(self.chains, math.inf)
        total = sum(need.values())
        if stacks_fixed > 0 or total <= wafers:
            return shares  # fixed-stack vendors cannot be pooled; or there is enough
        for pid in need:
            shares[pid] = wanted[pid] * wafers / total
        return shares

    def cover(self, chain: ProductChain, plan: float, arrival: float, lead: float) -> float:
        """Good packages the product's inputs on hand and on the way should cover: its
        plans from this month to the ``arrival``, a ``lead`` time later (``plan`` is the
        plan then; none before the product is made), and its arrears (what its
        programmes want now beyond their order rate: orders not met in past months),
        never more than they (open by the ``arrival``) still lack."""
        if plan <= 0:
            return 0.0
        month = arrival - lead
        whole = math.floor(lead + 1e-9)
        planned = sum(self.plan(chain, month + k) for k in range(whole + 1))
        if lead > whole:
            planned += (lead - whole) * self.plan(chain, month + whole + 1)
        planned += self.arrears.get(chain.product.id, 0.0)
        return min(planned, self.backlog(chain.product.id, arrival))

    def sourcing(self, chain: ProductChain, month: int) -> dict[str, float]:
        """How ``chain``'s product splits the stacks it orders in ``month`` among vendors:
        its sourcing weights, or each vendor's capacity for the generation, normalised
        over the vendors qualified for it when those stacks arrive."""
        product = chain.product
        key = (product.id, month)
        weights = self._weights.get(key)
        if weights is None:
            index = min(max(month, 0), self.months - 1)
            generation = product.hbm_generation
            weights = {}
            for vendor in chain.vendors:
                if not vendor.qualifies(product.id, month + vendor.lead_time):
                    continue
                if product.sourcing is not None:
                    weights[vendor.id] = product.sourcing.get(vendor.id, 0.0)
                elif vendor.fixed is not None:
                    weights[vendor.id] = float(vendor.fixed[generation][index])
                else:
                    per_wafer = vendor.stacks_per_wafer[generation]
                    weights[vendor.id] = float(vendor.wafers[index]) * per_wafer
            total = sum(weights.values())
            weights = {v: w / total for v, w in weights.items()} if total > 0 else {}
            self._weights[key] = weights
        return weights

    def stack_plan(
        self, chain: ProductChain, month: int, arrival: float, conversion: float, steady: bool
    ) -> tuple[dict[str, float], dict[str, float], float, float, float]:
        """What ``chain``'s product orders of HBM in ``month`` for stacks arriving at
        ``arrival`` [month]: its sourcing weights now and a ``conversion`` time ahead, its
        plan at the arrival and a conversion time later [package/month], and the packages
        its stacks should cover (0 for ``steady``), the same for every vendor with these
        times."""
        key = (chain.product.id, month, arrival, conversion)
        found = self._stack_plans.get(key)
        if found is None:
            now = self.sourcing(chain, month)
            later = self.sourcing(chain, math.floor(month + conversion))
            plan = self.plan(chain, arrival) if now else 0.0
            plan_later = self.plan(chain, arrival + conversion) if later else 0.0
            cover = (
                0.0 if steady or plan <= 0 else self.cover(chain, plan, arrival, arrival - month)
            )
            found = (now, later, plan, plan_later, cover)
            self._stack_plans[key] = found
        return found
