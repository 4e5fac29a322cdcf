"""The HBM the plans can count on: what the HBM vendors would give each product of the
stacks it plans to package in a month.

Stacks packaged in month ``m`` were started a vendor's lead time before (the first
month start at or after they arrive is ``m``). A vendor's wafers started before a
conversion ordered now could be ready are set up already: each generation's wafers then
(:meth:`~capsim.model.hbm.HbmVendorModel.set_up_for`) make only that generation, and the
vendor's market shares them among the products asking, as its real starts will be
shared. A product asks each such vendor for its sourcing weight of the stacks it wants
(without weights, its weights of the vendors set up then split in proportion to the
stacks of its generation each makes); what a vendor has left goes to the products it
qualifies still short of that generation, in proportion to the shortfall, as orders one
vendor cannot fill go to another. Wafers started later can still be set up for any
generation: they are one pool, shared among what the products still lack in proportion
to the wafers it needs. With a vendor given as fixed stacks, HBM sets no limit on the
plans.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from capsim.model.clearing import Clearing
from capsim.model.hbm import HbmVendorModel, Tooling
from capsim.model.inputs import MarketIn
from capsim.model.supply import ProductChain

#: One vendor's wafers started in a month: (vendor id, that month, its wafers set up for
#: each generation [wafer/month], or None when they can still be set up for any (the
#: pool), and its wafers then [wafer/month]).
Started = tuple[str, int, dict[str, float] | None, float]


class _Group(NamedTuple):
    """One vendor's wafers set up for one generation, started in one month."""

    market: MarketIn
    capacity: float
    """Its wafers [wafer/month]."""
    at: int
    """The month they start."""
    part: float
    """Their part of the vendor's wafers set up then (a volume contract's spread)."""
    per_wafer: float
    """Good stacks of the generation a wafer makes [stack/wafer]."""
    chains: list[ProductChain]
    members: list[tuple[int, str, float]]
    """Each product of the generation at the vendor: (index, id, the part of the stacks
    it wants that it asks of these wafers)."""
    takers: list[int]
    """The products (by index) the vendor qualifies for these stacks."""


class _Book(NamedTuple):
    """What the plans of one packaging month can count on (made again when its starts
    change)."""

    groups: list[_Group]
    wafers: float
    """The pool: wafers that can still be set up for any generation [wafer/month]."""
    pooled: list[float]
    """Each product's mean good stacks per wafer of its vendors in the pool (by index)
    [stack/wafer]."""
    sources: list[list[tuple[int, float]]]
    """Each product's groups it can have stacks of (by index): (group index, good stacks
    per wafer)."""
    whole: list[float]
    """Good stacks a month each product (by index) could have of all of its groups and
    the pool [stack/month]."""
    cleared: list[tuple[dict[str, float], dict[str, float]] | None]
    """Each group's last clearing: (asks, grants) [wafer/month] (the grants depend on the
    asks only)."""


class HbmOutlook:
    """What the HBM vendors would give the plans, made again each month.

    Parameters
    ----------
    vendors : dict of str to HbmVendorModel
        Every HBM vendor, by id.
    chains : dict of str to ProductChain
        Every product's chain, by id (their order is the plans' product index).
    clearing : Clearing
        The run's markets.
    sourcing : callable
        A product's sourcing weights by vendor id for stacks ordered in a month, given
        (its chain, that month).
    months : int
        Months in the horizon.
    """

    def __init__(
        self,
        vendors: dict[str, HbmVendorModel],
        chains: dict[str, ProductChain],
        clearing: Clearing,
        sourcing: Callable[[ProductChain, int], dict[str, float]],
        months: int,
    ):
        self.vendors = vendors
        self.clearing = clearing
        self.sourcing = sourcing
        self.months = months
        self.chains = list(chains.values())
        self._index = {pid: i for i, pid in enumerate(chains)}
        self.by_vendor: dict[str, dict[str, list[ProductChain]]] = {
            vid: {g: [] for g in vendor.generations} for vid, vendor in vendors.items()
        }
        """Each vendor's chains by generation."""
        for chain in self.chains:
            for spec in chain.vendors:
                self.by_vendor[spec.id][chain.product.hbm_generation].append(chain)
        self.unbounded = any(v.spec.fixed is not None for v in vendors.values())
        """Whether a vendor is given as fixed stacks (HBM sets no limit on the plans)."""
        self._takers = [i for i, c in enumerate(self.chains) if c.vendors and c.stacks_per_good > 0]
        """The products taking HBM, by index."""
        self._now = 0
        self._states: dict[str, Tooling] = {}
        """Each vendor's tooling as the month began: what every plan of the month reads,
        whichever vendor retools first."""
        self._starts: dict[int, list[Started]] = {}
        self._books: dict[int, tuple[list[Started], _Book]] = {}
        """Each month's book, with the starts it was made for (kept while they hold)."""

    def forget(self, now: int) -> None:
        """Plan from month ``now`` (vendors have set up wafers since)."""
        self._now = now
        self._starts.clear()
        self._states = {vid: vendor.state() for vid, vendor in self.vendors.items()}

    def starts(self, month: int) -> list[Started]:
        """Each vendor's wafers started for the packaging of ``month`` (none when HBM sets
        no limit)."""
        found = self._starts.get(month)
        if found is not None:
            return found
        found = []
        if not self.unbounded:
            for vid, vendor in self.vendors.items():
                spec = vendor.spec
                at = month - math.ceil(spec.lead_time - 1e-9)
                wafers = float(spec.wafers[min(max(at, 0), self.months - 1)])
                tooled = None
                if at < self._now + spec.conversion_time:
                    tooled = dict(vendor.set_up_for(at, self._states[vid]))
                found.append((vid, at, tooled, wafers))
        self._starts[month] = found
        return found

    def served(self, month: int, wanted: list[float]) -> list[float]:
        """Good packages a month each product (by index) would get of the ``wanted`` ones
        [package/month] in ``month``, HBM its only limit [package/month]."""
        if self.unbounded:
            return list(wanted)
        short = self._share(month, wanted)[0]
        return [
            want - short[i] / self.chains[i].stacks_per_good if short[i] > 0 else want
            for i, want in enumerate(wanted)
        ]

    def room(self, month: int, plans: list[float]) -> list[float]:
        """Good packages a month each product (by index) could make in ``month`` of the
        HBM left once every product's ``plans`` [package/month] are served
        [package/month] (unbounded for a product taking no HBM)."""
        room = [math.inf] * len(plans)
        if self.unbounded:
            return room
        book = self._book(month)
        _, left, wafers = self._share(month, plans)
        for i in self._takers:
            stacks = sum(left[g] * per_wafer for g, per_wafer in book.sources[i])
            room[i] = (stacks + wafers * book.pooled[i]) / self.chains[i].stacks_per_good
        return room

    def whole(self, month: int) -> list[float]:
        """Good packages a month each product (by index) would make in ``month`` with all
        the HBM of the vendors qualifying it and of the pool [package/month]."""
        if self.unbounded:
            return [math.inf] * len(self.chains)
        return self._book(month).whole

    def _share(self, month: int, wanted: list[float]) -> tuple[list[float], list[float], float]:
        """The stacks each product (by index) is left short of the ``wanted`` packages
        [package/month] in ``month`` [stack/month], the wafers each group set up has left,
        and the wafers left in the pool [wafer/month]."""
        book = self._book(month)
        chains = self.chains
        short = [0.0] * len(wanted)
        for i in self._takers:
            short[i] = wanted[i] * chains[i].stacks_per_good
        asked = list(short)
        left = []
        for g, group in enumerate(book.groups):
            per_wafer = group.per_wafer
            asks = {
                pid: asked[i] * weight / per_wafer if per_wafer > 0 else 0.0
                for i, pid, weight in group.members
            }
            last = book.cleared[g]
            if last is not None and last[0] == asks:
                granted = last[1]
            else:
                granted = self.clearing.grants(
                    group.market, group.capacity, group.at, group.chains, asks, part=group.part
                )
                book.cleared[g] = (asks, granted)
            for i, pid, _ in group.members:
                short[i] -= min(asks[pid], granted[pid]) * per_wafer
            spare = group.capacity - sum(granted.values())
            left.append(spare if spare > 0 else 0.0)
        for g, group in enumerate(book.groups):  # what a vendor has left, to those short
            spare, per_wafer = left[g], group.per_wafer
            if not (spare > 0 and per_wafer > 0):
                continue
            lacking = {i: short[i] / per_wafer for i in group.takers if short[i] > 0}
            total = sum(lacking.values())
            if total > 0:
                given = min(1.0, spare / total)
                for i, wafers in lacking.items():
                    short[i] -= wafers * given * per_wafer
                left[g] = spare - total if spare > total else 0.0
        # the pool, in proportion to the wafers still needed
        needs = {
            i: short[i] / book.pooled[i]
            for i in self._takers
            if short[i] > 0 and book.pooled[i] > 0
        }
        total = sum(needs.values())
        given = min(1.0, book.wafers / total) if total > 0 else 0.0
        for i, need in needs.items():
            short[i] -= need * given * book.pooled[i]
        return short, left, (book.wafers - total if book.wafers > total else 0.0)

    def _book(self, month: int) -> _Book:
        """The groups, pool and sources of ``month``'s packaging, made again when its
        starts change."""
        starts = self.starts(month)
        found = self._books.get(month)
        if found is not None and found[0] == starts:
            return found[1]
        groups: list[_Group] = []
        sources: list[list[tuple[int, float]]] = [[] for _ in self.chains]
        for vid, at, tooled, _ in starts:
            if tooled is None:
                continue
            spec = self.vendors[vid].spec
            set_up = sum(tooled.values())
            for generation, capacity in tooled.items():
                chains = self.by_vendor[vid][generation]
                per_wafer = spec.good_per_wafer(generation, at)
                members = []
                takers = []
                for chain in chains:
                    i = self._index[chain.product.id]
                    members.append((i, chain.product.id, self._weight(i, vid, at, starts)))
                    if spec.qualifies(chain.product.id, at + spec.lead_time):
                        takers.append(i)
                        sources[i].append((len(groups), per_wafer))
                part = capacity / set_up if set_up > 0 else 0.0
                groups.append(
                    _Group(spec.market, capacity, at, part, per_wafer, chains, members, takers)
                )
        pool = [(vid, at) for vid, at, tooled, _ in starts if tooled is None]
        wafers = sum(w for _, _, tooled, w in starts if tooled is None)
        pooled = [self._pool_per_wafer(i, pool) for i in range(len(self.chains))]
        whole = [math.inf] * len(self.chains)
        for i in self._takers:
            stacks = sum(groups[g].capacity * per_wafer for g, per_wafer in sources[i])
            whole[i] = (stacks + wafers * pooled[i]) / self.chains[i].stacks_per_good
        book = _Book(groups, wafers, pooled, sources, whole, [None] * len(groups))
        self._books[month] = (starts, book)
        return book

    def _pool_per_wafer(self, i: int, pool: list[tuple[str, int]]) -> float:
        """The mean good stacks per wafer [stack/wafer] of the product of index ``i``'s
        generation at its vendors in the ``pool`` (vendor id, month its wafers start)."""
        chain = self.chains[i]
        generation = chain.product.hbm_generation
        mine = {spec.id for spec in chain.vendors}
        made = [
            self.vendors[vid].spec.good_per_wafer(generation, at) for vid, at in pool if vid in mine
        ]
        return sum(made) / len(made) if made else 0.0

    def _weight(self, i: int, vid: str, at: int, starts: list[Started]) -> float:
        """The part of the stacks the product of index ``i`` wants that it asks of vendor
        ``vid`` for wafers started in month ``at``: its sourcing weight, or without
        weights its weights of the vendors set up then (``starts``) split among them in
        proportion to the stacks of its generation each makes then."""
        chain = self.chains[i]
        weights = self.sourcing(chain, at)
        weight = weights.get(vid, 0.0)
        if chain.product.sourcing is not None or not weight > 0:
            return weight
        generation = chain.product.hbm_generation
        made = {}
        for other, started, tooled, _ in starts:
            if tooled is not None and weights.get(other, 0.0) > 0:
                spec = self.vendors[other].spec
                made[other] = tooled.get(generation, 0.0) * spec.good_per_wafer(generation, started)
        total = sum(made.values())
        near = sum(weights.get(other, 0.0) for other in made)
        return near * made[vid] / total if total > 0 else 0.0
