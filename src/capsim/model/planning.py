"""Plans: what each product expects to package in a month, and so what it orders.

A product's plan for a month is its scheduled rate then (its programmes' order rate and
their carried orders overdue, each up to the most it ordered in a month), at most what
its line and its fab would give it were each shared by its market among every product's
scheduled rate, and what its HBM vendors would give it (:mod:`capsim.model.hbm_outlook`),
then again among what the other inputs let each product use, so capacity a product
cannot use goes to the products that can. It orders inputs to cover its plans until
they arrive, and its arrears (orders of past months not met beyond its plans) that the
programmes open when packages made of those inputs are finished would still take, never
more than its programmes still lack.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np

from capsim.model.clearing import SHORT, Clearing
from capsim.model.hbm import HbmVendorModel
from capsim.model.hbm_outlook import HbmOutlook
from capsim.model.inputs import CapacityIn, ModelInputs, ProductIn, VendorIn
from capsim.model.supply import ProductChain

#: The plan of a product not made then, and what set it (its window).
_NOT_MADE = (0.0, None)
#: Nothing overdue, in all and each programme's (see ``Planner.catch_up``).
_NOTHING_OVERDUE: tuple[float, dict[str, float]] = (0.0, {})
#: What a product owes beyond its order rates when it owes nothing (see ``Planner.owed``).
_NOTHING_OWED: tuple[float, dict[str, float], tuple[float, dict[str, float]]] = (
    0.0,
    {},
    _NOTHING_OVERDUE,
)
#: What a product's carried programmes will owe when none is carried (``Planner._carried_due``).
_NOTHING_DUE: dict[str, float] = {}


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
    demand : callable
        Good packages of a product to start now, given (product id, packages in flight,
        model time [month] they would finish).
    wants : callable
        Each programme's want in the last ``demand`` for a product, by programme id,
        given (product id, model time [month] the packages would finish).
    rates : callable
        Good packages of a product each of its programmes orders per month at a time, by
        programme id, given (product id, model time [month]).
    lacking : callable
        Good packages each programme of a product still lacks beyond those started for
        it, by programme id, given the product id.
    backlog : callable
        Good packages of a product its programmes still lack, given (product id, model
        time [month] by which they open).
    """

    _in_order_to = 0
    """Every month from now to this one (excluded) is planned this month
    (:meth:`plan_in_order`; :meth:`forget` resets it)."""

    def __init__(
        self,
        inputs: ModelInputs,
        chains: dict[str, ProductChain],
        vendors: dict[str, HbmVendorModel],
        clearing: Clearing,
        *,
        demand: Callable[[str, float, float], float],
        wants: Callable[[str, float], dict[str, float]],
        rates: Callable[[str, float], dict[str, float]],
        lacking: Callable[[str], dict[str, float]],
        backlog: Callable[[str, float], float],
    ):
        self.inputs = inputs
        self.months = inputs.calendar.months
        self.chains = chains
        self.vendors = vendors
        self.clearing = clearing
        self.demand = demand
        self.wants = wants
        self.rates = rates
        self.lacking, self.backlog = lacking, backlog
        self.packaging_time = inputs.packaging_times()
        """Each product's packaging cycle time [month]: packages started at a month's
        start are finished, and taken, that much later (plans, starts and the dies and
        stacks ordered for them count the programmes open by then)."""
        self.by_line, self.by_fab = _by_supplier(inputs, chains)
        self._owing_programmes = _owing(inputs)
        """The programmes that may want more than their order rates, by id."""
        self._owing = {inputs.programmes[gid].product for gid in self._owing_programmes}
        """The products of those programmes."""
        self._carried = _carried(inputs, chains)
        """Each product's programmes whose unfilled orders are carried, by id, with the
        most each has ordered a month to each month [package/month]."""
        self._due: dict[tuple[str, float, float], tuple[dict[str, float], dict[str, float]]] = {}
        """What each product's carried programmes will owe when goods ordered at a time
        arrive, by (product, that time, lead time) (see :meth:`_carried_due`), read this
        month."""
        self._later: dict[tuple[str, int], tuple[float, dict[str, float]]] = {}
        """What each product's programmes would want beyond their order rates, in all and
        each, for the packages started in a month (see :meth:`owed`), read this month."""
        self._owed: dict[tuple[str, int], float] = {}
        """Of each product's arrears, what is still owed at a month's packaging (see
        :meth:`arrears_by`), read this month [package]."""
        self._pids = list(chains)
        self._index = {pid: i for i, pid in enumerate(self._pids)}
        self._lines, self._fabs = _suppliers(inputs, self.by_line, self.by_fab, self._pids)
        self.hbm = HbmOutlook(vendors, chains, clearing, self.sourcing, self.months)
        """What the HBM vendors would give the plans."""
        self._sources: dict[str, list[tuple[str, tuple[float, float], float, Any]]] = {
            pid: [
                (
                    vendor.id,
                    vendor.qualified.get(pid, (math.inf, math.inf)),
                    vendor.lead_time,
                    _source_weight(chain.product, vendor),
                )
                for vendor in chain.vendors
            ]
            for pid, chain in chains.items()
        }
        """Each product's vendors: (id, qualified window [month], lead time [month], the
        product's sourcing weight or the vendor's stacks of its generation by month)."""
        # the products made in a month (their windows at mid-month), by index and id
        self._made: dict[int, list[tuple[int, str]]] = {}
        self._planned: dict[tuple[str, int], dict[str, float]] = {}  # see _planned_to
        self._rates: dict[int, dict[str, float]] = {}
        self._by_programme: dict[tuple[str, float], tuple[dict[str, float], float]] = {}
        """Each programme's order rates read this month, and their sum, by product and
        time."""
        self._open_from: dict[str, int] = {}
        """The first month read this month whose packages, when finished, a programme of
        each product that lacks packages is open for (what it lacks by a later month is
        no less)."""
        self._weights: dict[str, dict[int, dict[str, float]]] = {pid: {} for pid in chains}
        """Each product's sourcing weights by month: inputs only, kept for the run."""
        self._projections: dict[int, tuple[list[float], list, dict, dict]] = {}
        """Each month's plans and reasons, and what HBM held each product's plan below what
        its line and fab would give it (:meth:`held_by_hbm`), with the scheduled rates and
        HBM supply they were made for."""
        self._held_by_hbm: dict[int, dict[str, float]] = {}  # see held_by_hbm, this month
        self._fresh: dict[int, dict[str, tuple[float, str | None]]] = {}
        """The plans and reasons read this month."""
        self._busy: set[int] = set()
        """The months whose plans are being made (their order rates read plans of
        earlier months only)."""
        self._stack_plans: dict[tuple, tuple] = {}
        self._spares: dict[int, list[float]] = {}  # each month's spare(), read this month
        self._wholes: dict[int, dict[str, list[float]]] = {}  # _whole's lines and fabs: inputs

    def forget(self, now: int) -> None:
        """Drop the cached rates and plans (programmes have moved on, HBM vendors have
        set up wafers), to plan in month ``now``; a month's shares are kept, to be reused
        while the order rates and HBM supply they were made for still hold."""
        self.hbm.forget(now)
        self._rates.clear()
        self._by_programme.clear()
        self._open_from.clear()
        self._owed.clear()
        self._later.clear()
        self._planned.clear()
        self._stack_plans.clear()
        self._fresh.clear()
        self._held_by_hbm.clear()
        self._spares.clear()
        self._in_order_to = 0
        self._due.clear()

    def rates_at(self, month: int) -> dict[str, float]:
        """Each product's scheduled rate for the packages it starts in ``month`` (as the
        programmes stand now): its order rate when they are finished, a packaging cycle
        time after the month's start, as they are made for the wants of then (0 while no
        programme of the product that lacks packages is open by then: its packaging
        starts nothing for them), and its carried orders overdue then, each programme's
        within the most it ordered a month (:meth:`catch_up`) [package/month]."""
        rates = self._rates.get(month)
        if rates is None:
            rates = {}
            for pid in self._pids:
                rate = self._rate(pid, month)
                if self._carried[pid]:
                    rate += self.catch_up(pid, month)[0]
                rates[pid] = rate
            self._rates[month] = rates
        return rates

    def catch_up(self, pid: str, start: int) -> tuple[float, dict[str, float]]:
        """Of product ``pid``'s carried orders, those overdue when packages started in
        month ``start`` are finished, each programme's at most the most it ordered in a
        month to then less its order rate then [package/month], in all and each, by id:
        its suppliers serve an overdue order as they serve the month's (pro rata to what
        is wanted), the two together at no more than the most its buyer ordered a month,
        so an order placed earlier never waits behind every later one."""
        if not self._carried[pid]:
            return _NOTHING_OVERDUE
        return self.owed(self.chains[pid], start)[2]

    def _rate(self, pid: str, month: int) -> float:
        """Product ``pid``'s order rate for the packages it starts in ``month`` (see
        :meth:`rates_at`) [package/month]."""
        ordered = self._rates_by(pid, month + self.packaging_time[pid])[1]
        if not ordered > 0:
            return 0.0
        if month >= self._open_from.get(pid, math.inf):  # open then: open later too
            return ordered
        if self.backlog(pid, month + self.packaging_time[pid]) > 0:
            self._open_from[pid] = month
            return ordered
        return 0.0

    def _rates_by(self, pid: str, time: float) -> tuple[dict[str, float], float]:
        """Each programme's order rate of product ``pid`` at model ``time`` [month], as
        the programmes stand now, and their sum [package/month]."""
        key = (pid, time)
        found = self._by_programme.get(key)
        if found is None:
            rates = self.rates(pid, time)
            found = self._by_programme[key] = (rates, sum(rates.values()))
        return found

    def owed(
        self, chain: ProductChain, start: int
    ) -> tuple[float, dict[str, float], tuple[float, dict[str, float]]]:
        """What the programmes of ``chain``'s product open when packages started in month
        ``start`` are finished would want then beyond their order rates, as they stand
        now [package], each programme's part, by id, and of those the overdue orders its
        scheduled rate holds (:meth:`catch_up`): a programme's part is its want then less its order
        rate that month and its part of the plans of the months before it whose
        packages are not yet started (:meth:`_planned_before`), so what is left is what
        past months' orders were not met (the room its sites have and have not been given, a carried
        programme's unfilled orders) or, for a programme with an end and no volume, what
        it lacks beyond the rates spread to its end. A programme that will have closed
        by then wants nothing: inputs ordered for it would wait forever."""
        pid = chain.product.id
        if pid not in self._owing:
            return _NOTHING_OWED
        key = (pid, start)
        found = self._later.get(key)
        if found is None:
            finish = start + self.packaging_time[pid]
            rate = self._rate(pid, start)
            total = self.demand(pid, chain.in_packaging, finish) - rate
            parts: dict[str, float] = {}
            overdue = _NOTHING_OVERDUE
            if total > 0.0:
                # the rates the plans count (none while none of the programmes is open)
                ordered = self._rates_by(pid, finish)[0] if rate > 0 else {}
                before = self._planned_before(chain, start)
                for gid, want in self.wants(pid, finish).items():
                    part = want - ordered.get(gid, 0.0)
                    counted = before.get(gid, 0.0)
                    if part > 0.0 and counted > 0.0:
                        total -= min(part, counted)
                        part -= counted
                    if part > 0.0:
                        parts[gid] = part
                if parts and self._carried[pid]:
                    overdue = self._overdue(pid, parts, ordered, int(finish + 1e-9))
            found = self._later[key] = (total if total > 0.0 else 0.0, parts, overdue)
        return found

    def _overdue(
        self, pid: str, parts: dict[str, float], ordered: dict[str, float], month: int
    ) -> tuple[float, dict[str, float]]:
        """Of what product ``pid``'s programmes are owed (``parts``, by id [package]), the
        carried ones' overdue orders, each at most the most it ordered in a month to
        ``month`` less its order rate then (``ordered``, by id [package/month]),
        in all and each [package/month] (see :meth:`catch_up`)."""
        by: dict[str, float] = {}
        for gid, peaks in self._carried[pid].items():
            part = parts.get(gid, 0.0)
            if part > 0.0:
                room = peaks[min(max(month, 0), len(peaks) - 1)] - ordered.get(gid, 0.0)
                take = part if part < room else room
                if take > 0.0:
                    by[gid] = take
        return sum(by.values()), by

    def _planned_before(self, chain: ProductChain, start: int) -> dict[str, float]:
        """Each programme's part of ``chain``'s product's plans of the months from the
        first whose packages are not yet started to the one before ``start`` that the
        dies and stacks it has on hand and due by then can make (each month's plan split
        in proportion to the programmes' scheduled rates then; what its inputs cannot make
        stays owed at ``start``) [package], by id."""
        summed = self._planned_to(chain, start)
        planned = sum(summed.values())
        if planned > 0:
            made = _makeable(chain, start - 1)
            if made < planned:
                scale = made / planned
                summed = {gid: part * scale for gid, part in summed.items()}
        return summed

    def _planned_to(self, chain: ProductChain, start: int) -> dict[str, float]:
        """Each programme's part of ``chain``'s product's plans of the months from the
        first whose packages are not yet started to the one before ``start``, each split
        in proportion to the programmes' scheduled rates then [package], by id: the
        months before's, read this month, and the month before ``start``'s."""
        if start <= math.ceil(chain.env.now - 1e-9):
            return {}
        pid = chain.product.id
        key = (pid, start)
        found = self._planned.get(key)
        if found is None:
            found = dict(self._planned_to(chain, start - 1))
            plan = self.plan(chain, start - 1)
            if plan > 0:
                self._split_plan(pid, plan, start - 1, found)
            self._planned[key] = found
        return found

    def owing_lack(self, pid: str) -> float:
        """What the programmes of product ``pid`` that may owe beyond their order rates
        still lack beyond the packages started for them [package]: the most they can be
        owed, however long."""
        lacking = self.lacking(pid)
        return sum(lack for gid, lack in lacking.items() if gid in self._owing_programmes)

    def arrears_by(self, chain: ProductChain, arrival: float) -> float:
        """Good packages ``chain``'s product owes when goods due at ``arrival`` [month] are
        packaged (from the month's start after it) beyond its plan then [package]: what
        its programmes would want then beyond their scheduled rate (:meth:`owed` less
        :meth:`catch_up`), no more
        than its line, its fab and its HBM could still make then beyond all the
        products' plans (:meth:`spare`): slots beyond the plans go to what is owed, and
        inputs ordered beyond them would wait for slots."""
        pid = chain.product.id
        if pid not in self._owing:
            return 0.0
        start = math.ceil(arrival - 1e-9)
        key = (pid, start)
        found = self._owed.get(key)
        if found is None:
            total, _, (overdue, _) = self.owed(chain, start)
            owed = total - overdue  # the plans hold what is overdue within the catch-up
            room = self.spare(start)[self._index[pid]]  # never negative
            found = min(owed, room) if owed > 0.0 else 0.0
            self._owed[key] = found
        return found

    def spare(self, month: int) -> list[float]:
        """Good packages per month each product (by index) could make in ``month`` beyond
        every product's plan then, with what its line, its fab (the wafers it starts a
        cycle time before) and its HBM vendors (:meth:`HbmOutlook.room`) have left over
        once the plans and the reservations of buyers not modelled are served
        [package/month]."""
        month = min(max(month, 0), self.months - 1)
        found = self._spares.get(month)
        if found is not None:
            return found
        plans = [plan for plan, _ in self.projection(month).values()]
        found = [math.inf] * len(plans)
        for supplier in (*self._lines, *self._fabs):
            at, capacity = supplier.started(month)
            left = capacity - self.clearing.reserved_outside(supplier.market, capacity, at)
            for i, _, per_good in supplier.members:
                if per_good > 0:
                    left -= plans[i] / per_good
            left = left if left > 0.0 else 0.0
            for i, _, per_good in supplier.members:
                found[i] = min(found[i], left * per_good)
        found = list(map(min, found, self.hbm.room(month, plans)))
        self._spares[month] = found
        return found

    def plan(self, chain: ProductChain, time: float) -> float:
        """Good packages per month ``chain``'s product plans to package at ``time``."""
        return self.planned(chain, time)[0]

    def plan_in_order(self, chain: ProductChain, time: float, now: int) -> float:
        """:meth:`plan` at ``time``, the months from ``now`` [month] to then planned
        first, in order: a month's plan reads the order rates of the months before it,
        which read their plans, so planning them in order keeps that chain one month
        deep; a month being planned, or a later one, sets no limit (inf: unbounded
        recursion otherwise)."""
        start = math.ceil(time - 1e-9)
        last = self.months - 1
        start = 0 if start < 0 else (start if start < last else last)  # within the horizon
        if self._busy and start >= min(self._busy):
            return math.inf  # a month being planned reads no plan of its own or later
        done = self._in_order_to
        for month in range(done if done > now else now, start):
            self.projection(month)
        done = self._in_order_to  # as max(done, start), once planned
        self._in_order_to = start if start > done else done
        return self.planned(chain, time)[0]

    def planned(self, chain: ProductChain, time: float) -> tuple[float, str | None]:
        """The plan at ``time`` [package/month], and the input that set it (None when the
        order rate did)."""
        month = self._packaged_in(chain.product, time)
        if month is None:
            return _NOT_MADE
        found = self._fresh.get(month)
        if found is None:
            found = self.projection(month)
        return found[chain.product.id]

    def _packaged_in(self, product: ProductIn, time: float) -> int | None:
        """The month whose plan holds for goods due at ``time`` [month] (those due during
        a month are packaged from the next), within the horizon; None outside
        ``product``'s window."""
        start = math.ceil(time - 1e-9)
        if not product.start <= start < product.end:
            return None
        month = start if start < self.months else self.months - 1
        return month if month > 0 else 0

    def projection(self, month: int) -> dict[str, tuple[float, str | None]]:
        """Each product's plan for ``month`` [package/month] and the input that set it.

        Each line and fab is shared by its market among the products' scheduled rates
        (:meth:`rates_at`), and HBM as the vendors would share it
        (:meth:`HbmOutlook.served`); then each supplier is shared again among what each
        product could use by the other inputs' shares, so capacity a product cannot use
        for want of another input goes to the products that can. The plan is the least
        of the scheduled rate and the second shares; the input named is the one short of
        what the others let the product use, else the one whose first share was least
        (:func:`_reason`)."""
        found = self._fresh.get(month)
        if found is not None:
            return found
        self._busy.add(month)
        try:
            return self._project(month)
        finally:
            self._busy.discard(month)

    def _project(self, month: int) -> dict[str, tuple[float, str | None]]:
        """:meth:`projection`, not yet made this month."""
        made = self._made.get(month)
        if made is None:
            middle = month + 0.5
            made = [
                (i, pid)
                for i, (pid, c) in enumerate(self.chains.items())
                if c.product.start <= middle < c.product.end
                and (
                    c.stacks_per_good <= 0
                    or any(b <= middle < e for _, (b, e), _, _ in self._sources[c.product.id])
                )
            ]
            self._made[month] = made
        asks = [0.0] * len(self._pids)
        rates = self._rates.get(month)
        if rates is not None:
            for i, pid in made:
                asks[i] = rates[pid]
        else:  # the scheduled rates of the products made then only
            carried = self._carried
            for i, pid in made:
                asks[i] = self._rate(pid, month)
                if carried[pid]:
                    asks[i] += self.catch_up(pid, month)[0]
        supply = self.hbm.starts(month)
        cached = self._projections.get(month)
        if cached is not None and cached[0] == asks and cached[1] == supply:
            self._fresh[month], self._held_by_hbm[month] = cached[2], cached[3]
            return cached[2]
        # a line sees no more asked than the whole of each product's fab and of its HBM
        # could serve, a fab no more than its line and its HBM could, the HBM vendors no
        # more than its line and fab could: an open-ended programme's rate (all it
        # lacks) crowds no one's shares
        whole = self._whole(month)
        line_asks = list(map(min, asks, whole["logic_wafers"], whole["hbm"]))
        fab_asks = list(map(min, asks, whole["cowos"], whole["hbm"]))
        hbm_asks = list(map(min, asks, whole["cowos"], whole["logic_wafers"]))
        first_cowos, first_logic = self._shares(month, line_asks, fab_asks)
        first_hbm = self._hbm_shares(month, hbm_asks)
        # each supplier again, among what the others' first shares let each product use
        # (a share is a limit where it is less than was asked)
        by_line = list(map(_short_of, first_cowos, line_asks))
        by_fab = list(map(_short_of, first_logic, fab_asks))
        by_hbm = list(map(_short_of, first_hbm, hbm_asks))
        other_cowos = list(map(min, line_asks, by_fab, by_hbm))
        other_logic = list(map(min, fab_asks, by_line, by_hbm))
        second_cowos, second_logic = self._shares(month, other_cowos, other_logic)
        other_hbm = list(map(min, hbm_asks, by_line, by_fab))
        second_hbm = by_hbm  # none short of more: none of less
        if any(share < math.inf for share in by_hbm):
            second_hbm = self._hbm_shares(month, other_hbm)
        found: dict[str, tuple[float, str | None]] = {}
        held: dict[str, float] = {}
        for i, pid in enumerate(self._pids):
            rate = asks[i]
            plan = min(rate, second_cowos[i], second_logic[i], second_hbm[i])
            reason = _reason(
                rate,
                plan,
                (
                    ("cowos", second_cowos[i], other_cowos[i]),
                    ("logic_wafers", second_logic[i], other_logic[i]),
                    ("hbm", second_hbm[i], other_hbm[i]),
                ),
                (
                    ("cowos", first_cowos[i], line_asks[i]),
                    ("logic_wafers", first_logic[i], fab_asks[i]),
                    ("hbm", first_hbm[i], hbm_asks[i]),
                ),
            )
            found[pid] = (plan, reason)
            if reason == "hbm":
                held[pid] = max(0.0, min(rate, whole["cowos"][i], whole["logic_wafers"][i]) - plan)
        self._projections[month] = (asks, supply, found, held)
        self._fresh[month], self._held_by_hbm[month] = found, held
        return found

    def held_by_hbm(self, chain: ProductChain, time: float) -> float:
        """Good packages a month HBM holds ``chain``'s product's plan at ``time`` below
        its scheduled rate, at most what the whole of its line and of its fab could make
        [package/month]: what more it would order of HBM that can be made then were any
        (0 unless HBM set its plan)."""
        month = self._packaged_in(chain.product, time)
        if month is None:
            return 0.0
        if month not in self._held_by_hbm:
            self.projection(month)  # made with the month's plans
        return self._held_by_hbm[month].get(chain.product.id, 0.0)

    def _whole(self, month: int) -> dict[str, list[float]]:
        """Good packages per month each product (by index) would make in ``month`` with
        the whole of its line (``cowos``), of its fab's wafers started a cycle time
        before (``logic_wafers``) and of the HBM of the vendors qualifying it (``hbm``,
        :meth:`HbmOutlook.whole`) [package/month]."""
        found = self._wholes.get(month)
        if found is None:
            index = min(max(month, 0), self.months - 1)
            found = {name: [math.inf] * len(self._pids) for name in ("cowos", "logic_wafers")}
            for name, suppliers in (("cowos", self._lines), ("logic_wafers", self._fabs)):
                values = found[name]
                for supplier in suppliers:
                    capacity = supplier.started(index)[1]
                    for i, _, per_good in supplier.members:
                        values[i] = capacity * per_good
            self._wholes[month] = found
        return {**found, "hbm": self.hbm.whole(month)}

    def _shares(
        self, month: int, packaged: list[float], diced: list[float]
    ) -> tuple[list[float], list[float]]:
        """What each line would give each product (by index) of the good packages per
        month it asks to have ``packaged``, and each fab of those it asks dies for
        (``diced``), in ``month``, by their markets [package/month]. A supplier asked
        the same as in one of its last two clearings of ``month`` grants the same. A fab
        shares what it starts a cycle time before (see :class:`_Supplier`)."""
        shares = []
        for suppliers, wanted in ((self._lines, packaged), (self._fabs, diced)):
            given = [0.0] * len(wanted)
            for supplier in suppliers:
                members = supplier.members
                asks = {
                    pid: wanted[i] / per_good if per_good > 0 else 0.0
                    for i, pid, per_good in members
                }
                granted = supplier.recall(month, asks)
                if granted is None:
                    at, capacity = supplier.started(month)
                    granted = self.clearing.grants(
                        supplier.market, capacity, at, supplier.chains, asks
                    )
                    supplier.remember(month, asks, granted)
                for i, pid, per_good in members:
                    given[i] = granted[pid] * per_good
            shares.append(given)
        return shares[0], shares[1]

    def _hbm_shares(self, month: int, wanted: list[float]) -> list[float]:
        """Good packages a month of HBM each product (by index) would get of ``wanted`` in
        ``month`` (:meth:`HbmOutlook.served`) where less than it wants, else unbounded
        [package/month]."""
        served = self.hbm.served(month, wanted)
        return [
            share if share < want * (1.0 - 1e-12) else math.inf
            for share, want in zip(served, wanted, strict=True)
        ]

    def cover(self, chain: ProductChain, plan: float, arrival: float, lead: float) -> float:
        """Good packages the product's inputs on hand and on the way should cover: its
        plans from this month to the ``arrival``, a ``lead`` time later (``plan`` is the
        plan then; none before the product is made), and what its programmes will owe
        beyond their scheduled rates (:meth:`owed`), met over those months as each has
        room (:meth:`arrears_by`); each programme's part (of the plans in proportion to
        its scheduled rate then, of what is owed to what it owes) at most what it still
        lacks beyond the packages started for it (a programme that completes within the
        lead time takes no more), a carried programme's at most what it will want by then
        (earlier months' plans its inputs cannot make are owed, and scheduled, again
        later); never more than they still lack (those open by the time packages started
        at the ``arrival`` are finished)."""
        if not (plan > 0 or self.arrears_by(chain, arrival) > 0):
            return 0.0
        month = arrival - lead
        product = chain.product
        pid, first, end = product.id, product.start, product.end
        fresh, last = self._fresh, self.months - 1
        # owed, not yet counted: what its programmes want now or from next month on
        # beyond their order rates, as they stand now (the more: a programme with sites
        # orders all its room now, one with an end what it lacks spread to it)
        now = math.ceil(month - 1e-9)
        left, by, _ = max(self.owed(chain, now), self.owed(chain, now + 1), key=itemgetter(0))
        # what those whose unfilled orders are carried will owe when the goods arrive
        # replaces their part (none when they will owe nothing then)
        carried, wanted = self._carried_due(chain, month, lead)
        if carried:
            left += sum(carried.values()) - sum(by.get(gid, 0.0) for gid in carried)
            by = {**by, **carried}
        owed = planned = 0.0
        plans: list[tuple[float, int]] = []  # (plan, month) of the months with a plan
        for start in _window(month, lead):
            if not first <= start < end:
                continue  # a plan of 0
            if left > 0:  # owed then, as much as the month has room for
                take = self.arrears_by(chain, start)
                take = left if left < take else take  # as min(take, left)
                owed += take
                left -= take
            at = start if start <= last else last
            at = at if at > 0 else 0
            found = fresh.get(at)
            if found is None:
                found = self.projection(at)
            plan_k = found[pid][0]
            if plan_k > 0:
                plans.append((plan_k, start))
                planned += plan_k
        lacking = self.lacking(pid)
        if wanted:  # a carried programme's part: no more than it will want by then
            lacking = {g: min(lack, wanted.get(g, lack)) for g, lack in lacking.items()}
        if planned + owed > min(lacking.values(), default=math.inf):
            planned, owed = self._within_lacking(pid, plans, owed, by, lacking)
        return min(planned + owed, self.backlog(pid, arrival + self.packaging_time[pid]))

    def _carried_due(
        self, chain: ProductChain, month: float, lead: float
    ) -> tuple[dict[str, float], dict[str, float]]:
        """What each programme of ``chain``'s product whose unfilled orders are carried
        will want of the packages started when inputs ordered at model time ``month``
        arrive, a ``lead`` time later, beyond its scheduled rates of the months to then,
        as it stands now [package], by id: its orders then not yet filled, no more than
        its sites will have room for then (the room they open within the lead time, which
        the plans' rates count only month by month); 0 for one that will owe nothing
        beyond them. And what each will want then in all [package], by id: the most the
        plans of the months to then can be for it (earlier months' plans its inputs
        cannot make are owed, and scheduled, again later)."""
        pid = chain.product.id
        gids = self._carried[pid]
        if not gids:
            return _NOTHING_DUE, _NOTHING_DUE
        key = (pid, month, lead)
        found = self._due.get(key)
        if found is None:
            ptime = self.packaging_time[pid]
            finish = math.ceil(month + lead - 1e-9) + ptime
            self.demand(pid, chain.in_packaging, finish)
            wants = self.wants(pid, finish)
            due = {gid: wants.get(gid, 0.0) for gid in gids}
            for start in _window(month, lead):  # less what the plans schedule to then
                rates = self._rates_by(pid, start + ptime)[0]
                overdue = self.catch_up(pid, start)[1]
                for gid in gids:
                    due[gid] -= rates.get(gid, 0.0) + overdue.get(gid, 0.0)
            clamped = {gid: max(part, 0.0) for gid, part in due.items()}
            found = self._due[key] = (clamped, {gid: wants.get(gid, 0.0) for gid in gids})
        return found

    def _split_plan(self, pid: str, plan: float, start: int, parts: dict[str, float]) -> None:
        """Add to ``parts`` (by programme id) each programme's share of product ``pid``'s
        ``plan`` for the packages started in month ``start`` [package]: in proportion to
        their scheduled rates for those packages (order rates and overdue carried orders,
        :meth:`catch_up`)."""
        rates, ordered = self._rates_by(pid, start + self.packaging_time[pid])
        overdue, by = self.catch_up(pid, start)
        if overdue > 0.0:
            rates = dict(rates)
            for gid, take in by.items():
                rates[gid] = rates.get(gid, 0.0) + take
            ordered += overdue
        for gid, rate in rates.items():
            if rate > 0:
                parts[gid] = parts.get(gid, 0.0) + plan * rate / ordered

    def _within_lacking(
        self,
        pid: str,
        plans: list[tuple[float, int]],
        owed: float,
        by: dict[str, float],
        lacking: dict[str, float],
    ) -> tuple[float, float]:
        """The ``plans`` ((plan, month) [package]) and ``owed`` [package] of product
        ``pid``, split among its programmes (the plans by their scheduled rates in each
        month, what is owed by ``by``, what each owes), each programme's part at most
        what it still lacks (``lacking``, by id) [package]; what is owed with nobody
        owing it stays as it is."""
        parts: dict[str, float] = {}
        for plan_k, start in plans:
            self._split_plan(pid, plan_k, start, parts)
        total = sum(by.values())
        if owed > 0 and total > 0:
            for gid, part in by.items():
                parts[gid] = parts.get(gid, 0.0) + owed * part / total
            owed = 0.0
        return sum(min(part, lacking[gid]) for gid, part in parts.items()), owed

    def sourcing(self, chain: ProductChain, month: int) -> dict[str, float]:
        """How ``chain``'s product splits the stacks it orders in ``month`` among vendors:
        its sourcing weights, or each vendor's capacity for the generation, normalised
        over the vendors qualified for it when those stacks arrive."""
        product = chain.product
        pid = product.id
        by_month = self._weights[pid]
        weights = by_month.get(month)
        if weights is None:
            index = min(max(month, 0), self.months - 1)
            weights = {}
            for vid, (begin, until), lead, capacity in self._sources[pid]:
                if begin <= month + lead < until:
                    weights[vid] = capacity if product.sourcing is not None else capacity[index]
            total = sum(weights.values())
            weights = {v: w / total for v, w in weights.items()} if total > 0 else {}
            by_month[month] = weights
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
            cover = 0.0 if steady else self.cover(chain, plan, arrival, arrival - month)
            found = (now, later, plan, plan_later, cover)
            self._stack_plans[key] = found
        return found


def _makeable(chain: ProductChain, time: float) -> float:
    """Good packages ``chain``'s product can make from now to model ``time`` [month] out of
    the dies and stacks it has on hand and due by then [package]: an input it can still
    order in time (its fab cycle, or its shortest HBM lead time, at most ``time`` from
    now) sets no limit."""
    span = time - chain.env.now
    made = math.inf
    if chain.fab.delay > span:
        made = chain.dies.position_by(time) / chain.dies_per_good
    if chain.stacks_per_good > 0 and chain.stacks_lead > span:
        stacks = sum([pipeline.position_by(time) for pipeline in chain.stacks.values()])
        made = min(made, stacks / chain.stacks_per_good)
    return made


def _by_supplier(
    inputs: ModelInputs, chains: dict[str, ProductChain]
) -> tuple[dict[str, list[ProductChain]], dict[str, list[ProductChain]]]:
    """Each packaging line's chains and each logic fab's, by id."""
    by_line: dict[str, list[ProductChain]] = {line: [] for line in inputs.packaging}
    by_fab: dict[str, list[ProductChain]] = {fab: [] for fab in inputs.fabs}
    for chain in chains.values():
        by_line[chain.product.packaging].append(chain)
        by_fab[chain.product.fab].append(chain)
    return by_line, by_fab


def _carried(
    inputs: ModelInputs, chains: dict[str, ProductChain]
) -> dict[str, dict[str, list[float]]]:
    """Each product's programmes whose unfilled orders are carried, by id, with the
    largest monthly volume each has ordered from the month it starts in to each month
    [package/month] (``inf`` without a volume)."""
    carried: dict[str, dict[str, list[float]]] = {pid: {} for pid in chains}
    for gid, spec in inputs.programmes.items():
        if spec.carried and spec.product in carried:
            most = [math.inf]
            if spec.volume is not None:  # from the month it starts in
                before = np.arange(len(spec.volume)) < math.floor(spec.start)
                most = np.maximum.accumulate(np.where(before, 0.0, spec.volume)).tolist()
            carried[spec.product][gid] = most
    return carried


def _window(month: float, lead: float) -> range:
    """The month starts whose packaging goods ordered at model time ``month`` cover until
    they can be used, a ``lead`` time later: from ``month``'s to the first packaging
    after they arrive, as in :meth:`Planner.planned` (goods due during a month are
    packaged from the next, so they cover all of that month)."""
    first = math.ceil(month - 1e-9)
    return range(first, math.ceil(month + lead - 1e-9) + 1)


def _owing(inputs: ModelInputs) -> set[str]:
    """The programmes that may want more than their order rates, by id: those whose
    unfilled orders are carried, those with sites (room unfilled), a budget, export caps
    or an end without a volume (what they lack spread to their end); else a programme
    wants its order rate."""
    return {
        gid
        for gid, spec in inputs.programmes.items()
        if spec.carried
        or spec.sites
        or spec.budget < math.inf
        or inputs.export_rules
        or (spec.volume is None and spec.end < math.inf)
    }


class _Supplier:
    """A line or fab as the plans see it: its market, capacity by month [wafer/month],
    chains, each product's (index, id, good packages per wafer granted) and ``lag``
    [month]: the months from a start to the first packaging it serves (a fab's wafers
    started at a month's start give dies a cycle time later, packaged from the first
    month start at or after they arrive: a plan for a month shares the wafers started
    that many months before, by the capacity and reservations of then; 0 for a line)."""

    def __init__(self, spec: CapacityIn, chains: list[ProductChain], members: list, lag: int):
        self.market = spec.market
        self.lag = lag
        self.capacity: list[float] = spec.capacity.tolist()
        self.chains = chains
        self.members: list[tuple[int, str, float]] = members
        self.cleared: dict[int, list[tuple[dict[str, float], dict[str, float]]]] = {}
        """Its last two clearings of each month in plans: (asks, grants), latest first
        (grants depend on the month and the asks only)."""

    def started(self, month: int) -> tuple[int, float]:
        """The month whose starts a plan for ``month`` shares (``lag`` before it) and the
        capacity then [wafer/month] (the first month's before the horizon, the last's
        after it)."""
        at = month - self.lag
        return at, self.capacity[min(max(at, 0), len(self.capacity) - 1)]

    def recall(self, month: int, asks: dict[str, float]) -> dict[str, float] | None:
        """The grants of one of the last two clearings of ``month`` with these asks."""
        for asked, granted in self.cleared.get(month, ()):
            if asked == asks:
                return granted
        return None

    def remember(self, month: int, asks: dict[str, float], granted: dict[str, float]) -> None:
        """Keep a clearing of ``month`` (and the one before it)."""
        recent = self.cleared.setdefault(month, [])
        recent.insert(0, (asks, granted))
        del recent[2:]

    @classmethod
    def of_line(cls, line: CapacityIn, chains: list[ProductChain], pids: list[str]) -> _Supplier:
        """A packaging line: good packages per interposer wafer."""
        unit_yield = max(line.unit_yield, 1e-12)
        members = [
            (pids.index(c.product.id), c.product.id, unit_yield * c.product.packages_per_wafer)
            for c in chains
        ]
        return cls(line, chains, members, 0)

    @classmethod
    def of_fab(cls, fab: CapacityIn, chains: list[ProductChain], pids: list[str]) -> _Supplier:
        """A logic fab: good packages per logic wafer."""
        members = [
            (
                pids.index(c.product.id),
                c.product.id,
                c.product.good_dies_per_wafer / c.dies_per_good,
            )
            for c in chains
        ]
        return cls(fab, chains, members, math.ceil(fab.delay - 1e-9))


def _suppliers(
    inputs: ModelInputs,
    by_line: dict[str, list[ProductChain]],
    by_fab: dict[str, list[ProductChain]],
    pids: list[str],
) -> tuple[list[_Supplier], list[_Supplier]]:
    """The lines and the fabs that make any of the products (``pids``), as the plans see
    them."""
    lines = [
        _Supplier.of_line(inputs.packaging[line_id], chains, pids)
        for line_id, chains in by_line.items()
        if chains
    ]
    fabs = [
        _Supplier.of_fab(inputs.fabs[fab_id], chains, pids)
        for fab_id, chains in by_fab.items()
        if chains
    ]
    return lines, fabs


def _reason(
    rate: float,
    plan: float,
    second: tuple[tuple[str, float, float], ...],
    first: tuple[tuple[str, float, float], ...],
) -> str | None:
    """The input that set a product's ``plan`` [package/month] below its scheduled
    ``rate`` [package/month], from each input's (name, share, asked) in the second round
    and the first (CoWoS, logic wafers, HBM): the line or fab whose second share is short
    of what was asked (the fab if both), else HBM if its second share is; else, of the
    inputs short at first, the least share; else the least first share; None when the
    plan is the rate."""
    keep = 1.0 - SHORT
    reason = None
    for name, share, asked in second[:2]:
        if share < asked * keep:
            reason = name
    name, share, asked = second[2]
    if reason is None and share < asked * keep:
        reason = name
    if reason is not None or not plan < rate * keep:
        return reason
    least = math.inf
    for name, share, asked in first:  # of the inputs short at first, the least share
        if share < least and share < asked * keep:
            reason, least = name, share
    if reason is None:  # none short of the asks: the least share
        for name, share, _ in first:
            if share < least:
                reason, least = name, share
    return reason


def _short_of(share: float, asked: float) -> float:
    """A supplier's ``share`` as a limit on what a product can use: the share where it is
    less than was ``asked``, else none (infinite)."""
    return share if share < asked * (1.0 - SHORT) else math.inf


def _source_weight(product: ProductIn, vendor: VendorIn) -> float | list[float]:
    """``product``'s sourcing weight of ``vendor``, or (without weights) the vendor's
    good stacks per month of its generation by month [stack/month]."""
    if product.sourcing is not None:
        return product.sourcing.get(vendor.id, 0.0)
    if vendor.fixed is not None:
        return vendor.fixed[product.hbm_generation].tolist()
    per_wafer = vendor.stacks_per_wafer[product.hbm_generation] * vendor.density
    return (vendor.wafers * per_wafer).tolist()
