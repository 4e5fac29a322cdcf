"""The monthly market for a run's inputs: who gets packaging slots, wafer starts and HBM.

At each month's start, after the month's arrivals, orders come first (so inputs with no
lead time are on hand for the month's packaging), then packaging:

1. **Plans and orders.** Each product plans its packaging ahead
   (:mod:`capsim.model.planning`) and orders stacks to cover its plans until they
   arrive and its arrears still owed then (what the programmes open when their
   packages are finished would still take), less what it has and has on the way (an
   order-up-to rule), but never more than the month they arrive in needs (its plan then
   and those arrears: a shortfall before then cannot be made good by stacks that come
   after it), split among the vendors qualified for it by its sourcing weights. Where
   its dies take longer than a vendor's stacks (dies are ordered first), it orders of
   that vendor no more than the dies due by the first packaging the stacks can join
   match. Before that, a product with demand gives the stacks it has beyond what its
   programmes still lack back to their vendors, unsold, for anyone short of them.
2. **HBM.** Each vendor first sells its unsold stacks to the orders (in proportion;
   on hand at once), moves wafers toward the generations its orders need
   (:mod:`capsim.model.hbm`), then grants each generation's wafers among the rest of
   the orders; the stacks arrive a lead time later.
3. **Wafer starts.** Each fab grants wafer starts among the designers' orders; the dies
   arrive a cycle time later. Where a product's stacks take at least as long as its
   dies, it asks for the dies that the stacks due by the first packaging the dies can
   join (this month's grants included) and the unsold stacks it could buy then match,
   so dies and stacks do not wait for each other (before the horizon too), but, as for
   stacks, never more than the month they arrive in needs (dies, unlike stacks, cannot
   be sold to another product); else for its plan, as for stacks.
4. **Unsold stacks.** A product short of stacks for the packages its demand and dies
   allow buys what vendors qualified for it hold unsold (in proportion to the
   shortfalls, when several are short), then recalls the stacks it lent to others
   short of them in the months before (:mod:`capsim.model.stack_loans`); stacks beyond
   a product's month go back unsold when another product is short of them.
5. **Packaging.** Each product asks its line for slots for the packages its demand, its
   dies and its stacks allow; the line grants them. Packages start.
6. **Unused stacks** of a product with no demand left go back to their vendor, unsold,
   for anyone short of them.

Every grant is made by the supplier's market (:mod:`capsim.model.clearing`): reservations
first, then its rule. Capacities and grants are recorded per supplier and designer: who
took what.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from capsim.model.clearing import SHORT, Clearing
from capsim.model.hbm import HbmVendorModel
from capsim.model.inputs import ModelInputs, ProductIn, VendorIn
from capsim.model.market import clear
from capsim.model.planning import Planner
from capsim.model.record import Record
from capsim.model.stack_loans import StackLoans
from capsim.model.stock import EPSILON
from capsim.model.supply import ProductChain, lots

#: The order in which ties between limits are reported: a product whose demand is met
#: (or that nobody orders) is demand-bound, whatever else is also short.
TIE_ORDER = ("demand", "cowos", "hbm", "logic_wafers")
#: What a grant must reach of its ask for the supplier not to be short [fraction].
_KEEP = 1.0 - SHORT
_LineGrant = tuple[dict[str, dict[str, float]], dict[str, float], dict[str, float]]
"""A line's month: each product's caps [package], asks and grants [wafer]."""
#: Limits within this fraction of the lowest count as tied: dies are ordered to match
#: the stacks due by their arrival, so the two limits land within a few per cent of
#: each other when HBM is what is short.
TIE_TOLERANCE = 0.02


class Procurement:
    """The market of one run.

    Parameters
    ----------
    inputs : ModelInputs
        The run's inputs.
    chains : dict of str to ProductChain
        Every product's chain.
    vendors : dict of str to HbmVendorModel
        Every HBM vendor.
    demand : callable
        Good packages of a product to start now, given (product id, packages in flight,
        model time [month] they would finish).
    wants : callable
        Each programme's want in the last demand for a product, by programme id, given
        (product id, model time [month] the packages would finish).
    rates, lacking : callable
        Each programme's order rate of a product at a time, and what each still lacks
        (see :class:`~capsim.model.planning.Planner`).
    backlog : callable
        Good packages of a product its programmes still lack, given (product id, model
        time [month] by which they open).
    started : callable
        Called with (product id, good packages started, model time [month] they finish)
        when packaging starts them.
    record : Record
        Where the month's grants and bindings are written.
    """

    def __init__(
        self,
        inputs: ModelInputs,
        chains: dict[str, ProductChain],
        vendors: dict[str, HbmVendorModel],
        *,
        demand: Callable[[str, float, float], float],
        wants: Callable[[str, float], dict[str, float]],
        rates: Callable[[str, float], dict[str, float]],
        lacking: Callable[[str], dict[str, float]],
        backlog: Callable[[str, float], float],
        started: Callable[[str, float, float], None],
        record: Record,
    ):
        self.inputs = inputs
        self.started = started
        self.months = inputs.calendar.months
        self.chains = chains
        self.vendors = vendors
        self.demand = demand
        self.backlog = backlog
        self.record = record
        self.clearing = Clearing({chain.product.designer for chain in chains.values()})
        self.planner = Planner(
            inputs,
            chains,
            vendors,
            self.clearing,
            demand=demand,
            wants=wants,
            rates=rates,
            lacking=lacking,
            backlog=backlog,
        )
        self.by_line = self.planner.by_line
        self.by_fab = self.planner.by_fab
        self.by_vendor = self.planner.hbm.by_vendor
        self._hbm_names = {
            vid: {g: f"{vid}/{g}" for g in vendor.generations} for vid, vendor in vendors.items()
        }
        """Each HBM vendor's generations' names as suppliers (vendor/generation)."""
        self._line_capacity = {
            lid: line.capacity.tolist() for lid, line in inputs.packaging.items()
        }
        self._fab_capacity = {fid: fab.capacity.tolist() for fid, fab in inputs.fabs.items()}
        """Each line's and fab's wafers by month [wafer/month]."""
        self._hbm_month: list[_HbmGrant] = []
        self._products: dict[int, tuple[list[ProductChain], list[ProductIn]]] = {}
        """The products of each list of chains by its id, with the list."""
        self._for_arrears: dict[str, list[tuple[int, float]]] = {pid: [] for pid in chains}
        """Dies each product has ordered for its arrears: (the first packaging they can
        join [month], dies), kept until that packaging has been (the arrears they were
        ordered for are owed until then)."""
        self._held: dict[str, float] = {}
        """Stacks each product has and has on the way, read this month's ordering (until
        stacks are sold to it) [stack]."""
        self._wanted: dict[str, float] = {}
        """Good packages each product's programmes want this month [package]."""
        self._loans = StackLoans()
        """Stacks [stack] each product passed on and may recall (:meth:`_lend`)."""
        self._recalled: set[str] = set()
        """The products that recalled stacks this month (:meth:`_recall`)."""
        self._passed: dict[str, tuple[float, list[str]]] = {}
        """Each product that passed stacks on this month (:meth:`_pass_on`): what it asked
        of its line before [wafer], and the vendors it passed them back to."""

    # -- the month ------------------------------------------------------------------

    def start_month(self, month: int) -> None:
        """Order and start wafers, package, then release unused stacks, for ``month``."""
        self.planner.forget(month)
        wanted = {}
        for pid, chain in self.chains.items():
            want = 0.0
            if chain.product.made_in(month):
                finish = month + self.planner.packaging_time[pid]
                want = self.demand(pid, chain.in_packaging, finish)
            wanted[pid] = want if want > EPSILON else 0.0  # dust: no demand, stacks go back
        self._wanted = wanted
        for vendor in self.vendors.values():
            vendor.unsold_by(month)
        for pid, chain in self.chains.items():  # its demand is at most what it lacks
            if wanted[pid] > 0 and chain.stacks_on_hand > wanted[pid] * chain.stacks_per_good:
                self._release_beyond(chain, month)
        self._order(month, steady=False)
        self._buy_unsold(month, wanted)
        self._recall(month, wanted)
        cleared = self._pass_on(month, wanted)
        for line_id, chains in self.by_line.items():
            self._package(month, line_id, chains, wanted, cleared.get(line_id))
        self._pass_rest(month)
        for pid, chain in self.chains.items():
            if wanted[pid] <= 0:
                self._unsell(month, chain, chain.release_stacks())

    def _release_beyond(self, chain: ProductChain, month: int) -> None:
        """Give the stacks ``chain``'s product has on hand beyond what its programmes
        open when packages started its shortest HBM lead time from now are finished
        still lack (at most the room they will have then) back to their vendors, unsold,
        for anyone short of them: stacks ordered now come no sooner, so what they will
        have room for by then is kept (against this month's room alone, a deal whose
        crews set its room would give away the stacks of packages its halls take a month
        or two later, and wait a lead time for new ones)."""
        on_hand = chain.stacks_on_hand
        if not on_hand > 0:
            return
        pid = chain.product.id
        finish = month + self.planner.packaging_time[pid] + chain.stacks_lead
        excess = on_hand - self.backlog(pid, finish) * chain.stacks_per_good
        if excess > EPSILON:
            self._unsell(month, chain, chain.release_stacks(excess))

    def _unsell(self, month: int, chain: ProductChain, released: dict[str, float]) -> None:
        """Put the stacks ``chain``'s product ``released`` (by vendor) [stack] in
        ``month`` back with their vendors, unsold."""
        generation = chain.product.hbm_generation
        for vid, stacks in released.items():
            self.vendors[vid].unsold[generation] += stacks
        self.record.give_back(month, chain.product.id, sum(released.values()))

    def prefill(self) -> None:
        """Fill the pipelines as if the market had run before the horizon at month 0's
        capacities and order rates: each product's steady monthly need is started in each
        month before the start whose output arrives in the horizon or in the month before
        it (on hand at the start)."""
        self.planner.forget(0)
        longest = max(
            [c.fab.delay for c in self.chains.values()]
            + [v.spec.lead_time for v in self.vendors.values()],
            default=0.0,
        )
        for month in range(-math.ceil(longest), 0):
            self._order(month, steady=True)

    # -- packaging ------------------------------------------------------------------

    def _buy_unsold(
        self, month: int, wanted: dict[str, float], sellers: frozenset[str] = frozenset()
    ) -> None:
        """Sell vendors' unsold stacks to the products short of stacks for the packages
        their demand (``wanted``, good packages) and dies allow, in proportion to the
        shortfalls, but for those that gave back stacks they will not use this month
        (``sellers``); the stacks are on hand at once."""
        for vid, vendor in self.vendors.items():
            for generation, unsold in vendor.unsold.items():
                if unsold <= 0:
                    continue
                short = {}
                for chain in self.by_vendor[vid][generation]:
                    product = chain.product
                    if product.id in sellers or not vendor.spec.qualifies(product.id, month):
                        continue
                    caps = chain.caps(wanted[product.id])
                    starts = min(caps["demand"], caps["logic_wafers"])
                    need = starts * product.stacks_per_package - chain.stacks_on_hand
                    if need > 0:
                        short[product.id] = (chain, need)
                if not short:
                    continue
                sold = clear(unsold, [need for _, need in short.values()])
                for (chain, _), amount in zip(short.values(), sold, strict=True):
                    if amount > 0:
                        chain.stacks[vid].arrive(month, amount)
                vendor.unsold[generation] = max(0.0, unsold - sum(sold))

    def _pass_on(self, month: int, wanted: dict[str, float]) -> dict[str, _LineGrant]:
        """Stacks a product has on hand beyond what it will package this month (as its
        line would grant it now) go back to their vendor, unsold, when the vendor
        qualifies now another product short of stacks (those it would package before
        stacks ordered now could come are lent, :meth:`_lend`): stacks are the scarcest of the
        inputs it has for the packages its demand (``wanted``) allows, tied with its
        dies at most (dies are ordered for the stacks it could buy), and its line would
        grant it the slots they allow. Those that lack stacks for their dies buy them at
        once (:meth:`_buy_unsold`), before anyone packages; the rest stay unsold for any
        order. A product whose slots or dies bind does not sit on stacks another could
        package now, or order dies for. Returns each line's grants, when nothing moved
        (they stand)."""
        candidates = []
        for pid, chain in self.chains.items():
            if wanted[pid] > 0 and chain.stacks_per_good > 0:
                caps = chain.caps(wanted[pid])
                hbm = caps["hbm"]
                if hbm < caps["demand"] * _KEEP and hbm <= caps["logic_wafers"] * (
                    1.0 + TIE_TOLERANCE
                ):
                    candidates.append(pid)
        if not candidates:
            return {}
        unused, short, cleared, asked = {}, set(), {}, {}
        for line_id, chains in self.by_line.items():
            if not chains:
                continue
            caps, asks, grants = cleared[line_id] = self._line_grants(
                month, line_id, chains, wanted
            )
            asked.update(asks)
            idle = self._line_capacity[line_id][month] - sum(grants.values())
            for chain in chains:
                product = chain.product
                pid = product.id
                if pid in candidates and (grants[pid] >= asks[pid] * _KEEP or idle > 0.0):
                    short.add(pid)
                on_hand = chain.stacks_on_hand
                if on_hand > EPSILON:
                    starts = min(grants[pid] * product.packages_per_wafer, *caps[pid].values())
                    spare = 1.0 - max(starts, 0.0) * product.stacks_per_package / on_hand
                    if spare * on_hand > EPSILON:
                        unused[pid] = spare
        released = set()
        for pid, spare in unused.items():
            chain = self.chains[pid]
            generation = chain.product.hbm_generation
            back = {}
            for vid, pipeline in chain.stacks.items():
                level = pipeline.level
                spec = self.vendors[vid].spec
                if level > 0 and any(
                    other.product.id in short
                    and other is not chain
                    and spec.qualifies(other.product.id, month)
                    for other in self.by_vendor[vid][generation]
                ):
                    pipeline.take(level * spare)
                    back[vid] = level * spare
            if back:
                self._unsell(month, chain, back)
                self._lend(chain, month, back)
                released.add(pid)
                self._passed[pid] = (asked[pid], list(back))
        if not released:
            return cleared
        self._buy_unsold(month, wanted, frozenset(released))
        return {}

    def _lend(self, chain: ProductChain, month: int, back: dict[str, float]) -> None:
        """Of the stacks ``chain``'s product passed on in ``month`` (``back``, by vendor
        [stack]), lend those its plans take in the months before stacks ordered now
        could come (its shortest HBM lead time), less the stacks due to it by the time
        they come (those too, so a claim never exceeds what those months lack): it may
        recall them until then (:meth:`_recall`), in proportion to what each vendor
        took back. Claims of earlier months may cover the same months: a recall takes
        no more than the month lacks. A product that recalled stacks this month lends
        none (it would lend them again)."""
        pid = chain.product.id
        lead = math.ceil(chain.stacks_lead - 1e-9)
        if lead <= 1 or pid in self._recalled:
            return
        planned = sum(self.planner.plan(chain, month + k) for k in range(1, lead))
        due = sum(p.position_by(month + lead) - p.level for p in chain.stacks.values())
        passed = sum(back.values())
        lent = min(planned * chain.stacks_per_good - due, passed)
        if lent > EPSILON:
            for vid, stacks in back.items():
                self._loans.lend(pid, vid, lent * stacks / passed, month + lead - 1)

    def _recall(self, month: int, wanted: dict[str, float]) -> None:
        """Each product short of stacks for the packages its demand (``wanted``, good
        packages) and dies allow recalls the stacks it lent (:meth:`_lend`) and may
        still recall, from a vendor that qualifies it now, out of the stacks of its
        generation that the products which have not recalled this month hold from that
        vendor, in proportion to what each holds: they give them back to the vendor,
        which sells them to it at once. A product whose window closes before stacks
        ordered now could come keeps its stacks (it could not replace them, and the dies
        matched to them would be left)."""
        self._recalled.clear()
        for pid, chain in self.chains.items():
            owed = self._loans.owed(pid, month)
            if not owed or wanted[pid] <= 0:
                continue
            product = chain.product
            generation = product.hbm_generation
            caps = chain.caps(wanted[pid])
            starts = min(caps["demand"], caps["logic_wafers"])
            need = starts * product.stacks_per_package - chain.stacks_on_hand
            for vid, claim in owed.items():
                if need <= EPSILON:
                    break
                if not self.vendors[vid].spec.qualifies(pid, month):
                    continue
                holders = [
                    other
                    for other in self.by_vendor[vid][generation]
                    if other is not chain
                    and other.product.id not in self._recalled
                    and other.product.end > month + other.stacks_lead
                    and other.stacks[vid].level > EPSILON
                ]
                held = sum([other.stacks[vid].level for other in holders])
                recall = min(claim, need, held)
                if not recall > EPSILON:
                    continue
                taken = 0.0
                for other in holders:  # given back and sold at once: never unsold
                    pipeline = other.stacks[vid]
                    given = pipeline.take(recall * pipeline.level / held)
                    self.record.give_back(month, other.product.id, given)
                    taken += given
                chain.stacks[vid].arrive(month, taken)
                self._loans.repaid(pid, vid, taken)
                self._recalled.add(pid)
                need -= taken

    def _pass_rest(self, month: int) -> None:
        """Once packaged, the products that passed stacks on this month (:meth:`_pass_on`)
        pass on, to the same vendors, the stacks they still have of those on hand at the
        month's start: their lines, cleared again once stacks moved, may have granted
        them fewer slots (another product of the line that bought stacks asks more)."""
        for pid, (_, vids) in self._passed.items():
            chain = self.chains[pid]
            back = {}
            for vid in vids:
                pipeline = chain.stacks[vid]
                level = pipeline.level
                if level > EPSILON:
                    pipeline.take(level)
                    back[vid] = level
            if back:
                self._unsell(month, chain, back)
        self._passed.clear()

    def _line_grants(
        self, month: int, line_id: str, chains: list[ProductChain], wanted: dict[str, float]
    ) -> _LineGrant:
        """What line ``line_id`` grants each of ``chains``' products in ``month`` for the
        packages its dies, stacks and demand (``wanted``) allow: each product's caps
        [package], asks and grants [wafer]."""
        line = self.inputs.packaging[line_id]
        capacity = self._line_capacity[line_id][month]
        slots_per_good = max(line.unit_yield, 1e-12)
        rates = self.planner.rates_at(month)
        caps, asks, scheduled = {}, {}, {}
        for chain in chains:
            product = chain.product
            pid = product.id
            per_wafer = product.packages_per_wafer
            found = caps[pid] = chain.caps(wanted[pid])
            passed = self._passed.get(pid)
            if passed is None:
                least = min(found.values())
                ask = asks[pid] = (least if least > 0.0 else 0.0) / per_wafer
            else:  # passing on stacks it could not package costs it no slots
                ask = asks[pid] = passed[0]
            rate = rates[pid] / slots_per_good / per_wafer
            scheduled[pid] = rate if rate < ask else ask
        grants = self.clearing.grants(
            line.market, capacity, month, chains, asks, scheduled=scheduled
        )
        return caps, asks, grants

    def _package(
        self,
        month: int,
        line_id: str,
        chains: list[ProductChain],
        wanted: dict[str, float],
        cleared: _LineGrant | None = None,
    ) -> None:
        """Package ``month``'s starts on line ``line_id``, by its grants (``cleared``:
        already made this month and still standing)."""
        line = self.inputs.packaging[line_id]
        capacity = self._line_capacity[line_id][month]
        unit_yield = line.unit_yield
        if cleared is None:
            cleared = self._line_grants(month, line_id, chains, wanted)
        caps, asks, grants = cleared
        self._record_supplier(month, line_id, capacity, chains=chains, asks=asks, grants=grants)
        idle = capacity - sum(grants.values())
        if not idle > 0.0:
            idle = 0.0
        record = self.record
        planned = self.planner.planned
        started = []
        for chain in chains:
            product = chain.product
            pid = product.id
            per_wafer = product.packages_per_wafer
            granted = grants[pid]
            found = caps[pid]
            limits = {"cowos": (granted + idle) * per_wafer, **found}
            buyable = self._buyable(chain, month)  # what it left unsold, for want of dies
            if buyable > 0.0:
                limits["hbm"] += buyable / product.stacks_per_package
            starts = min(granted * per_wafer, *found.values())
            good = chain.start_packages(starts if starts > 0.0 else 0.0)
            if good > 0:
                started.append((chain, good))
                self.started(pid, good, month + self.planner.packaging_time[pid])
            short = chain.short
            reason = planned(chain, month)[1]
            short["cowos"] = reason == "cowos" or granted < asks[pid] * _KEEP
            unmet = found["demand"] * unit_yield - good
            record.package_month(
                month,
                pid,
                binding=_binding(limits, short, reason),
                limits=limits,
                unit_yield=unit_yield,
                unmet=unmet if unmet > 0.0 else 0.0,
            )
        if started:  # one process hands the month's packages over, in the order started
            env = started[0][0].env
            env.process(lots(env, line.delay, started))

    # -- plans ----------------------------------------------------------------------

    # -- orders and wafer starts ----------------------------------------------------

    def _order(self, month: int, *, steady: bool) -> None:
        """Order dies and stacks and start wafers in ``month`` (before the horizon when
        negative: ``steady`` starts each product's monthly need, booking what arrives
        in the horizon)."""
        if not steady:
            for chain in self.chains.values():
                chain.short["hbm"] = False
        self._held.clear()
        for vid, vendor in self.vendors.items():
            self._start_stacks(month, vid, vendor, steady)
        self._spill(month)
        self._settle_stacks(month, steady)
        for fab_id, chains in self.by_fab.items():
            if chains:
                self._start_wafers(month, fab_id, chains, steady)

    def _start_wafers(
        self, month: int, fab_id: str, chains: list[ProductChain], steady: bool
    ) -> None:
        fab = self.inputs.fabs[fab_id]
        delay = fab.delay
        arrival = month + delay
        planner = self.planner
        asks, monthly, reasons = {}, {}, {}
        owed_dies: dict[str, float] = {}  # for arrears not yet ordered for [die]
        for chain in chains:
            product = chain.product
            pid = product.id
            plan, reasons[pid] = planner.planned(chain, arrival)
            per_wafer = product.good_dies_per_wafer
            if per_wafer <= 0 or not (plan > 0 or planner.arrears_by(chain, arrival) > 0):
                asks[pid] = monthly[pid] = 0.0
                continue
            dies_per_good = chain.dies_per_good
            need = plan * dies_per_good / per_wafer
            monthly[pid] = need
            # before the horizon, dies follow the stacks too (where those come first)
            if not steady or (chain.stacks_lead >= delay and chain.stacks_per_good > 0):
                owed = owed_dies[pid] = self._arrears_dies(chain, arrival)
                lack = self._die_cover(chain, plan, owed, arrival, delay) - chain.dies.position
                need = (lack if lack > 0.0 else 0.0) / per_wafer
            asks[pid] = need
        capacity = self._fab_capacity[fab_id][month if month > 0 else 0]
        scheduled = {}
        for pid, ask in asks.items():
            steady_ask = monthly[pid]
            scheduled[pid] = steady_ask if steady_ask < ask else ask
        grants = self.clearing.grants(
            fab.market, capacity, month, chains, asks, scheduled=scheduled
        )
        if steady:
            if arrival <= -1.0:
                return
        else:
            self._record_supplier(month, fab_id, capacity, chains=chains, asks=asks, grants=grants)
        on_hand = _on_hand_from(arrival)
        for chain in chains:
            product = chain.product
            pid = product.id
            granted = grants[pid]
            if not steady:
                chain.short["logic_wafers"] = (
                    reasons[pid] == "logic_wafers" or granted < asks[pid] * _KEEP
                )
            dies = granted * product.good_dies_per_wafer
            if dies > 0:
                chain.dies.arrive(on_hand, dies)
                owed = owed_dies.get(pid, 0.0)
                for_arrears = min(owed, dies - monthly[pid] * product.good_dies_per_wafer)
                if for_arrears > 0 and not steady:
                    self._for_arrears[pid].append((math.ceil(arrival - 1e-9), for_arrears))

    def _arrears_dies(self, chain: ProductChain, arrival: float) -> float:
        """Dies ``chain``'s product orders now, for wafers whose dies arrive at
        ``arrival`` [month], for its arrears then [die]: arrears are owed until the dies
        ordered for them can be packaged, so dies already ordered for them count against
        what its programmes that owe still lack (else each month of the fab cycle would
        order them again)."""
        owed = self.planner.arrears_by(chain, arrival) * chain.dies_per_good
        ordered = self._for_arrears[chain.product.id]
        if ordered:  # of all its arrears, those not yet ordered for
            now = chain.env.now
            ordered[:] = [(used, dies) for used, dies in ordered if used >= now]
            lack = self.planner.owing_lack(chain.product.id) * chain.dies_per_good
            owed = min(owed, lack - sum(d for _, d in ordered))
        return owed if owed > 0.0 else 0.0

    def _die_cover(
        self, chain: ProductChain, plan: float, owed: float, arrival: float, delay: float
    ) -> float:
        """The dies ``chain``'s product should have on hand and on the way when it starts
        wafers whose dies arrive at ``arrival`` [month], a fab cycle time ``delay`` later
        (``plan``: its plan then; ``owed``: the dies it orders for arrears, from
        :meth:`_arrears_dies`) [die]: never more than those it has and a month's worth
        more (its plan then and those arrears: a shortfall before then cannot be made
        good by dies that come after it, and dies for arrears nobody will take would wait
        forever). Within that, where its stacks take at least as long as
        its dies (stacks are ordered first), the dies that match the stacks it has on
        hand and due by the first packaging the new dies can join and those its vendors
        hold unsold for it then (it buys them for its dies), at most what its programmes
        open by then still lack, but for its last packages (:meth:`_last_packages`, with
        a month of its plan now beyond those dies: a deal winding down plans little for
        its last months): its plans to then, matched or not; else its cover, as for
        stacks."""
        product = chain.product
        dies_per_good = chain.dies_per_good
        planner = self.planner
        due = chain.dies.position + plan * dies_per_good + owed
        if chain.stacks_lead >= delay:
            used_from = math.ceil(arrival - 1e-9)  # the first packaging they can join
            # the plans to then, each programme's part at most what it still lacks
            planned = planner.cover(chain, plan, used_from, used_from - chain.env.now)
            last = due + planner.plan(chain, chain.env.now) * dies_per_good
            if self._last_packages(chain, used_from, last):
                return min(planned * dies_per_good, last)
            stacks = sum([p.position_by(used_from) for p in chain.stacks.values()])
            stacks += self._buyable(chain, used_from)  # and those it could buy unsold
            matched = stacks / product.stacks_per_package * product.dies_per_package
            return min(matched, planned * dies_per_good, due)
        cover = planner.cover(chain, plan, arrival, delay) * dies_per_good
        return cover if cover < due else due

    def _last_packages(self, chain: ProductChain, used_from: int, due: float) -> bool:
        """Whether the dies for every package ``chain``'s product's programmes still lack
        are within ``due`` [die] (the dies it may have on hand and on the way), and each
        of those programmes is still open when packages started a month after
        ``used_from`` [month], the first packaging new dies can join, are finished: its
        last packages, whose dies it orders whether or not stacks are due for them. Dies
        matched to the stacks due would leave its last packages a fab cycle behind stacks
        that come late (bought unsold, or spilled from another vendor); a programme that
        closes sooner could strand them."""
        pid = chain.product.id
        lacking = self.planner.lacking(pid)
        finish = used_from + 1 + self.planner.packaging_time[pid]
        programmes = self.inputs.programmes
        if any(lack > 0 and programmes[gid].end <= finish for gid, lack in lacking.items()):
            return False
        return sum(lacking.values()) * chain.dies_per_good <= due

    def _buyable(self, chain: ProductChain, month: int) -> float:
        """Unsold stacks of ``chain``'s product's generation that the vendors qualifying
        it in ``month`` hold now [stack]."""
        pid, generation = chain.product.id, chain.product.hbm_generation
        unsold = 0.0
        for spec in chain.vendors:
            if spec.qualifies(pid, month):
                unsold += self.vendors[spec.id].unsold[generation]
        return unsold

    def _start_stacks(self, month: int, vid: str, vendor: HbmVendorModel, steady: bool) -> None:
        spec = vendor.spec
        orders, monthly, wanted, held = self._stack_orders(month, vid, vendor, steady)
        if not steady:
            selling = any(not stock <= 0 for stock in vendor.unsold.values())
            self._sell_unsold(month, vendor, vid, orders)
            if selling:  # stacks sold arrive now: what the products hold changes
                self._held.clear()
            vendor.tooled_at(month)
            asked = dict(vendor.asked)  # last month's, orders passed on by others included
            for generation, ordered in orders.items():
                per_wafer = spec.good_per_wafer(generation, month)
                now = sum(ordered.values()) + held[generation]  # with what HBM holds back
                now = now / per_wafer if per_wafer > 0 else 0.0
                if now > asked.get(generation, 0.0):
                    asked[generation] = now
            vendor.retool(month, wanted, asked)
        tooled = sum(vendor.tooled.values())
        for generation, chains in self.by_vendor[vid].items():
            per_wafer = spec.good_per_wafer(generation, month)
            capacity = vendor.tooled[generation]
            part = capacity / tooled if tooled > 0 else 0.0  # of a contract's volume
            asks = {pid: need / per_wafer for pid, need in orders[generation].items()}
            if not chains and not spec.market.contracts:
                if not steady:
                    self._record_supplier(
                        month,
                        self._hbm_names[vid][generation],
                        capacity,
                        chains=[],
                        asks={},
                        grants={},
                    )
                continue
            scheduled = {}
            for pid, ask in asks.items():
                steady_ask = monthly[pid] / per_wafer
                scheduled[pid] = steady_ask if steady_ask < ask else ask
            grants = self.clearing.grants(
                spec.market, capacity, month, chains, asks, scheduled=scheduled, part=part
            )
            self._hbm_month.append(_HbmGrant(vid, generation, capacity, chains, asks, grants))

    def _stack_orders(
        self, month: int, vid: str, vendor: HbmVendorModel, steady: bool
    ) -> tuple[dict[str, dict[str, float]], dict[str, float], dict[str, float], dict[str, float]]:
        """What each product orders of vendor ``vid`` in ``month``, by generation, and at
        its steady monthly need [stack]; the wafers each generation is wanted to have a
        conversion time ahead, for the plans then as if HBM did not limit them (the
        vendor shares its wafers among what is wanted) [wafer/month]; and the stacks a
        month more the products it qualifies would order of each generation for the
        arrival were HBM not short then (:meth:`~capsim.model.planning.Planner.held_by_hbm`)
        [stack/month]."""
        spec = vendor.spec
        arrival = month + spec.lead_time
        conversion = spec.conversion_time
        stack_plan = self.planner.stack_plan
        orders: dict[str, dict[str, float]] = {}
        monthly: dict[str, float] = {}
        wanted = dict.fromkeys(vendor.generations, 0.0)
        held = dict.fromkeys(vendor.generations, 0.0)
        later_month = month + conversion
        for generation, chains in self.by_vendor[vid].items():
            per_wafer_later = spec.good_per_wafer(generation, later_month)
            ordered = orders[generation] = {}
            for chain in chains:
                pid = chain.product.id
                stacks_per_good = chain.stacks_per_good
                now, later, plan, plan_later, cover = stack_plan(
                    chain, month, arrival, conversion, steady
                )
                weight_later = later.get(vid, 0.0)
                if weight_later > 0 and not steady:
                    plan_later += self.planner.held_by_hbm(chain, arrival + conversion)
                if weight_later > 0:
                    wanted[generation] += (
                        weight_later * plan_later * stacks_per_good / per_wafer_later
                    )
                weight = now.get(vid, 0.0)
                need = weight * plan * stacks_per_good
                monthly[pid] = need
                if not steady and spec.qualifies(pid, arrival):
                    held[generation] += self.planner.held_by_hbm(chain, arrival) * stacks_per_good
                if not steady:  # its lack, split by its weights
                    lack = 0.0
                    if weight > 0 and cover > 0:
                        lack = self._stack_lack(chain, spec, plan, cover, arrival)
                    need = weight * lack
                ordered[pid] = need
        return orders, monthly, wanted, held

    def _stack_lack(
        self, chain: ProductChain, spec: VendorIn, plan: float, cover: float, arrival: float
    ) -> float:
        """The stacks ``chain``'s product lacks for stacks from vendor ``spec`` arriving at
        ``arrival`` [month] (``plan`` its plan then, ``cover`` the packages its stacks
        should cover) [stack]: its cover less the stacks it has and has on the way, at
        most the month of the arrival's need (its plan and arrears then); where its dies
        come first, at most what the dies due by the stacks' first packaging match."""
        pid = chain.product.id
        held = self._held.get(pid)
        if held is None:
            held = 0
            for pipeline in chain.stacks.values():
                held += pipeline.position
            self._held[pid] = held
        stacks_per_good = chain.stacks_per_good
        month_due = (plan + self.planner.arrears_by(chain, arrival)) * stacks_per_good
        lack = min(cover * stacks_per_good - held, month_due)
        if spec.lead_time < chain.fab.delay:  # dies come first: match them
            product = chain.product
            used_from = math.ceil(arrival - 1e-9)  # the first packaging
            dies = chain.dies.position_by(used_from)
            matched = dies / product.dies_per_package * product.stacks_per_package
            for pipeline in chain.stacks.values():
                matched -= pipeline.position_by(used_from)
            lack = min(lack, matched)
        return lack if lack > 0.0 else 0.0

    def _spill(self, month: int) -> None:
        """Offer what each HBM vendor has left of a generation this month to the products
        its grants left short that it qualifies, pro rata to the stacks they still lack:
        an order a vendor cannot fill goes to another (sourcing weights say where orders
        go first, not where they must stay)."""
        by_generation: dict[str, list[_HbmGrant]] = {}
        for grant in self._hbm_month:
            if grant.asks:
                by_generation.setdefault(grant.generation, []).append(grant)
        vendors = self.vendors
        for grants in by_generation.values():
            lacking: dict[str, float] = {}
            for g in grants:
                per_wafer = vendors[g.vendor].spec.good_per_wafer(g.generation, month)
                granted = g.grants
                for pid, ask in g.asks.items():
                    short = (ask - granted[pid]) * per_wafer
                    if short > SHORT * ask * per_wafer:
                        lacking[pid] = lacking.get(pid, 0.0) + short
            if not lacking:
                continue
            for g in grants:
                spare = g.capacity - sum(g.grants.values())
                if spare <= 0:
                    continue
                spec = vendors[g.vendor].spec
                arrival = month + spec.lead_time
                takers = [
                    c.product.id
                    for c in g.chains
                    if lacking.get(c.product.id, 0.0) > 0 and spec.qualifies(c.product.id, arrival)
                ]
                if not takers:
                    continue
                per_wafer = spec.good_per_wafer(g.generation, month)
                wants = [lacking[pid] / per_wafer for pid in takers]
                for pid, want, extra in zip(takers, wants, clear(spare, wants), strict=True):
                    g.asks[pid] += want
                    g.grants[pid] += extra
                    lacking[pid] -= extra * per_wafer

    def _settle_stacks(self, month: int, steady: bool) -> None:
        """Record this month's HBM grants and book the stacks; a product still granted
        less than it asked of a vendor was short of HBM."""
        planned = self.planner.planned
        for g in self._hbm_month:
            vendor = self.vendors[g.vendor]
            spec = vendor.spec
            per_wafer = spec.good_per_wafer(g.generation, month)
            arrival = month + spec.lead_time
            asks, grants = g.asks, g.grants
            vendor.asked[g.generation] = sum(asks.values())
            if not steady:
                supplier = self._hbm_names[g.vendor][g.generation]
                self._record_supplier(
                    month, supplier, g.capacity, chains=g.chains, asks=asks, grants=grants
                )
            if arrival <= -1.0:
                continue
            on_hand = _on_hand_from(arrival)
            for chain in g.chains:
                pid = chain.product.id
                granted = grants[pid]
                if not steady:
                    short = chain.short
                    if not short["hbm"] and (
                        granted < asks[pid] * _KEEP or planned(chain, arrival)[1] == "hbm"
                    ):
                        short["hbm"] = True
                stacks = granted * per_wafer
                if stacks <= 0:
                    continue
                if spec.qualifies(pid, arrival):
                    chain.stacks[g.vendor].arrive(on_hand, stacks)
                else:  # a take-or-pay grant to a product not qualified then: stays unsold
                    vendor.keep(on_hand, g.generation, stacks)
        self._hbm_month.clear()

    def _sell_unsold(
        self, month: int, vendor: HbmVendorModel, vid: str, orders: dict[str, dict[str, float]]
    ) -> None:
        """Sell unsold stacks to this month's orders of products the vendor qualifies now
        and that have demand this month (others give their stacks back at the month's
        end), in proportion; the stacks sold are on hand at once and leave the orders."""
        for generation, wanted in orders.items():
            unsold = vendor.unsold[generation]
            if unsold <= 0:
                continue
            names = [
                pid
                for pid, want in wanted.items()
                if want > 0 and self._wanted.get(pid, 0.0) > 0 and vendor.spec.qualifies(pid, month)
            ]
            if not names:
                continue
            sold = clear(unsold, [wanted[name] for name in names])
            for chain in self.by_vendor[vid][generation]:
                pid = chain.product.id
                amount = sold[names.index(pid)] if pid in names else 0.0
                if amount > 0:
                    chain.stacks[vid].arrive(month, amount)
                    wanted[pid] -= amount
            vendor.unsold[generation] = max(0.0, unsold - sum(sold))

    def _record_supplier(
        self,
        month: int,
        supplier: str,
        capacity: float,
        *,
        chains: list[ProductChain],
        asks: dict[str, float],
        grants: dict[str, float],
    ) -> None:
        """Write ``supplier``'s capacity and each designer's asks and grants for ``month``
        (buyers not modelled ask what they are granted)."""
        found = self._products.get(id(chains))
        if found is None or found[0] is not chains:
            found = self._products[id(chains)] = (chains, [c.product for c in chains])
        self.record.supplier_month(
            month, supplier, capacity, products=found[1], asks=asks, grants=grants
        )


def _binding(limits: dict[str, float], short: dict[str, bool], planned: str | None) -> str:
    """The input that limits package starts: of the limits within :data:`TIE_TOLERANCE`
    of the lowest [package], demand if it is one (the product has what it wants), else
    the one that set the month's plan (``planned``: its inputs were ordered to that plan,
    so they tie) unless a lower one's supplier was short, else the first of
    :data:`TIE_ORDER` whose supplier granted less than was asked (``short``), else the
    first of them. Dies alone lowest while their fab was
    not short were ordered short of the stacks that came (they follow the stacks due
    and the plans), so the HBM vendors are named if they were short."""
    lowest = min(limits.values())
    bound = lowest + TIE_TOLERANCE * abs(lowest)
    if (
        planned is not None
        and limits[planned] <= bound
        and not limits["demand"] <= bound
        and not any(short.get(name) and limits[name] < limits[planned] for name in TIE_ORDER)
    ):
        return planned
    first = None
    for name in TIE_ORDER:
        if limits[name] <= bound:
            if first is None:
                if name == "demand":
                    return name
                first = name
            if short.get(name):
                return name
    if first == "logic_wafers" and not short.get(first) and short.get("hbm"):
        return "hbm"
    return first


@dataclass(slots=True)
class _HbmGrant:
    """One HBM vendor's grants of one generation in a month, before they are booked
    (wafers per month; ``grants`` names buyers not modelled too)."""

    vendor: str
    generation: str
    capacity: float
    chains: list[ProductChain]
    asks: dict[str, float]
    grants: dict[str, float]


def _on_hand_from(arrival: float) -> float:
    """When goods due at ``arrival`` [month] are on hand: then, or at the start for
    goods started before the horizon that arrive in its last month (month 0's packaging
    would have taken them)."""
    return 0.0 if arrival < 0.0 else arrival  # as max(arrival, 0.0)
