"""The model's inputs: plain numbers for one run, in canonical units and model time.

Model time is in months since the first day of the horizon's first month (see
:mod:`capsim.model.calendar`); a date that never comes is ``inf``. Series become
monthly arrays, one value per month of the horizon (the value at mid-month).
:func:`capsim.model.resolve.resolve` builds these from a scenario and a draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from capsim.model.calendar import Calendar

#: A time that never comes [month].
INF = math.inf


@dataclass(frozen=True)
class ContractIn:
    """A designer's reservation of a supplier's capacity.

    Attributes
    ----------
    designer : str
        Who reserves.
    share : float or None
        Share of the capacity reserved [fraction], or None for a volume.
    volume : numpy.ndarray or None
        Capacity reserved per month [the supplier's unit per month], or None for a share.
    start, end : float
        When the reservation holds [month] (``-inf``/``inf`` when open).
    take_or_pay : bool
        Whether the designer takes (and pays for) all of it, used or not.
    """

    designer: str
    share: float | None
    volume: np.ndarray | None
    start: float
    end: float
    take_or_pay: bool
    _volumes: list[float] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        volumes = None if self.volume is None else self.volume.tolist()
        object.__setattr__(self, "_volumes", volumes)

    def reserved(self, month: int, capacity: float, part: float = 1.0) -> float:
        """What it reserves of ``capacity`` in ``month`` [the supplier's unit]; ``part`` is
        the part of the supplier's whole capacity that ``capacity`` is (an HBM vendor's
        wafers of one generation), over which a volume is spread."""
        if not self.start <= month + 0.5 < self.end:
            return 0.0
        if self.share is not None:
            return self.share * capacity
        volumes = self._volumes
        return part * volumes[min(max(month, 0), len(volumes) - 1)]


@dataclass(frozen=True)
class MarketIn:
    """How a supplier sells its capacity (see :mod:`capsim.model.market`).

    Attributes
    ----------
    contracts : tuple of ContractIn
        Reservations, one per designer.
    rule : str
        ``"pro_rata"`` or ``"priority"``: how the rest goes to unmet orders.
    priority : tuple of str
        Designers served first to last under ``"priority"`` (others after them).
    """

    contracts: tuple[ContractIn, ...] = ()
    rule: str = "pro_rata"
    priority: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductIn:
    """One accelerator package and its bill of materials.

    Attributes
    ----------
    id : str
        The product's id in the scenario.
    designer : str
        The chip designer that buys the product's wafers, packaging and HBM.
    start, end : float
        The product's production window [month]: packages start (and inputs are ordered
        for packaging) from ``start`` until ``end`` (``-inf``/``inf`` when open).
    fab : str
        The logic fab that makes its compute dies.
    packaging : str
        The packaging line (CoWoS) that packages it.
    good_dies_per_wafer : float
        Good compute dies per logic wafer [die/wafer].
    dies_per_package : float
        Compute dies per package [die/package].
    hbm_generation : str
        The HBM generation it takes (e.g. ``"HBM4"``).
    sourcing : dict of str to float or None
        Weights splitting its HBM orders among qualified vendors (None: in proportion to
        the vendors' capacity).
    stacks_per_package : float
        HBM stacks per package [stack/package].
    packages_per_wafer : float
        Packages per interposer wafer on its packaging line [package/wafer].
    it_power : float
        All-in IT power per package [W/package].
    h100e : float
        H100-equivalents per package [H100e/package].
    flops : dict of str to float
        Dense compute per package by precision [FLOP/s per package].
    packages_per_rack : float
        Packages per rack [package/rack].
    price : float
        Price per package [USD/package].
    lead_time : float
        Test, system integration and shipping, from packaging to delivery [month].
    """

    id: str
    designer: str
    start: float
    end: float
    fab: str
    packaging: str
    good_dies_per_wafer: float
    dies_per_package: float
    hbm_generation: str
    sourcing: dict[str, float] | None
    stacks_per_package: float
    packages_per_wafer: float
    it_power: float
    h100e: float
    flops: dict[str, float]
    packages_per_rack: float
    price: float
    lead_time: float

    def made_in(self, time: float) -> bool:
        """Whether packages of it start at model ``time`` [month] (its window)."""
        return self.start <= time < self.end


@dataclass(frozen=True)
class CapacityIn:
    """A capacity sold to chip designers: a logic fab or a packaging line.

    Attributes
    ----------
    id : str
        The capacity's id.
    capacity : numpy.ndarray
        Wafers it starts per month [wafer/month].
    market : MarketIn
        Its reservations and allocation rule.
    delay : float
        From start to output: fab or packaging cycle time [month].
    unit_yield : float
        Fraction of starts that come out good (packaging yield; 1 for fabs) [fraction].
    """

    id: str
    capacity: np.ndarray
    market: MarketIn
    delay: float
    unit_yield: float = 1.0


@dataclass(frozen=True)
class VendorIn:
    """An HBM vendor.

    Attributes
    ----------
    id : str
        The vendor's id.
    wafers : numpy.ndarray
        TSV wafers per month [wafer/month]; for a vendor given as fixed stacks by
        generation, the sum of those stacks per month (one "wafer" per stack).
    stacks_per_wafer : dict of str to float
        Good stacks per wafer by generation (stacks per wafer x yield) as stated
        [stack/wafer]; in a month, times ``density`` then (:meth:`good_per_wafer`).
    density : numpy.ndarray
        Good stacks per wafer by month relative to ``stacks_per_wafer`` (DRAM node
        moves, yield learning) [dimensionless]; ones when not given.
    fixed : dict of str to numpy.ndarray or None
        For a vendor given as stacks by generation: each generation's stacks per month
        [stack/month], not convertible; None for a vendor of wafers.
    tooling : dict of str to float
        Share of the wafers set up for each generation at the start [fraction].
    conversion_time : float
        Time to set wafers up for another generation [month].
    lead_time : float
        Wafer start to finished stack [month].
    market : MarketIn
        Its reservations and allocation rule.
    qualified : dict of str to tuple of float
        Per product, the window ``(from, until)`` [month] in which stacks that arrive
        count for it: from its qualification date plus slip, until a qualification
        failure (``inf``: never).
    """

    id: str
    wafers: np.ndarray
    stacks_per_wafer: dict[str, float]
    density: np.ndarray
    fixed: dict[str, np.ndarray] | None
    tooling: dict[str, float]
    conversion_time: float
    lead_time: float
    market: MarketIn
    qualified: dict[str, tuple[float, float]]

    _densities: list[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_densities", self.density.tolist())

    def qualifies(self, product: str, time: float) -> bool:
        """Whether stacks arriving at ``time`` [month] count for ``product``."""
        begin, until = self.qualified.get(product, (INF, INF))
        return begin <= time < until

    def good_per_wafer(self, generation: str, month: float) -> float:
        """Good stacks of ``generation`` a wafer started in ``month`` makes [stack/wafer]
        (before the horizon, at its first month's density; after it, at its last)."""
        densities = self._densities
        index = int(month)
        if not 0 <= index < len(densities):
            index = 0 if index < 0 else -1
        return self.stacks_per_wafer[generation] * densities[index]


@dataclass(frozen=True)
class SupplierIn:
    """A shared long-lead supplier (transformers, turbines) with one order book.

    Attributes
    ----------
    id : str
        The supplier's id.
    output_per_month : numpy.ndarray
        Units built in each month of the horizon [count/month].
    backlog : float
        Units already ordered by others at the start [count].
    lead_time : float
        Shortest time from order to delivery [month].
    outside_orders : numpy.ndarray or None
        Units other buyers order at each month's start [count/month]; None: none.
    """

    id: str
    output_per_month: np.ndarray
    backlog: float
    lead_time: float
    outside_orders: np.ndarray | None = None


@dataclass(frozen=True)
class ProgrammeIn:
    """A buyer's order for one product.

    Attributes
    ----------
    id : str
        The programme's id.
    product : str
        The product it orders.
    target_packages : float
        Packages it wants in all [package] (a power target divided by power per package).
    priority : int
        Order of service among programmes without a share; 1 is served first.
    share : float or None
        Contracted share of each lot of the product [fraction], or None.
    volume : numpy.ndarray or None
        Packages it orders per month [package/month], or None.
    start, end : float
        When it orders [month]; ``end`` is ``inf`` when open-ended.
    destination : str
        ISO country code where its packages go (for export rules).
    sites : tuple of str
        The sites where its packages are installed (none: a demand sink).
    budget : float
        Cash at the start [USD] (``inf``: unconstrained).
    staging : float
        How long before its sites' crews could install them packages may reach it
        [month] (:mod:`capsim.model.allocation`).
    firm : bool
        Whether it orders at all (a letter of intent that lapsed does not).
    carried : bool
        Whether its orders not filled in a month stay on order (True) or lapse.
    """

    id: str
    product: str
    target_packages: float
    priority: int
    share: float | None
    volume: np.ndarray | None
    start: float
    end: float
    destination: str
    sites: tuple[str, ...]
    budget: float
    staging: float
    firm: bool = True
    carried: bool = False
    _volumes: list[float] | None = field(init=False, repr=False, compare=False)
    _ordered: list[float] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        volumes = None if self.volume is None else self.volume.tolist()
        object.__setattr__(self, "_volumes", volumes)
        ordered = None
        if volumes is not None and self.carried:
            ordered, total = [], 0.0
            for month, volume in enumerate(volumes):
                total += volume * _open_part(month, self.start)
                ordered.append(total)
        object.__setattr__(self, "_ordered", ordered)

    def volume_at(self, month: int) -> float:
        """Packages it takes in ``month`` at most [package/month] (``inf``: no limit)."""
        volumes = self._volumes
        if volumes is None:
            return INF
        if 0 <= month < len(volumes):
            return volumes[month]
        return volumes[0 if month < 0 else -1]

    def ordered_by(self, month: int) -> float:
        """Packages it has ordered from its start to the end of ``month`` [package]: each
        month's volume from the horizon's first month on, the month it starts in for the
        part of it after its start, months after the horizon at the last month's volume
        (``inf`` without a volume; only for a programme whose orders are ``carried``)."""
        ordered = self._ordered
        if ordered is None:
            return INF
        if month < 0:
            return 0.0
        last = len(ordered) - 1
        if month <= last:
            return ordered[month]
        later = sum(_open_part(k, self.start) for k in range(last + 1, month + 1))
        return ordered[last] + later * self._volumes[last]


def _open_part(month: int, start: float) -> float:
    """The part of ``month`` [fraction] from model time ``start`` [month] on."""
    return min(1.0, max(0.0, month + 1.0 - start))


@dataclass(frozen=True)
class BuildingIn:
    """One building (phase) of a site.

    Attributes
    ----------
    id : str
        The building's id within its site.
    it_capacity : float
        IT power it houses [W].
    start : float
        Start of land and permits, any start delay included [month].
    phases : tuple of (str, float)
        ``(phase, duration [month])`` for permits, shell, fit_out, cooling and
        commissioning, in that order: the first block's.
    transformers : float
        Large power transformers its fit-out needs [count].
    transformers_ordered : float
        When the transformers are ordered [month].
    overlaps : tuple of (str, float)
        ``(phase, overlap [month])``: how long before the previous phase ends it starts.
    blocks : int
        Halls or power tranches of equal IT capacity, each energised on its own.
    block_interval : float
        From one block's construction being done to the next's [month].
    programme : str or None
        The programme whose packages it houses (None: its site's only programme).
    """

    id: str
    it_capacity: float
    start: float
    phases: tuple[tuple[str, float], ...]
    transformers: float
    transformers_ordered: float
    overlaps: tuple[tuple[str, float], ...] = ()
    blocks: int = 1
    block_interval: float = 0.0
    programme: str | None = None


@dataclass(frozen=True)
class OnsiteIn:
    """On-site power units (mobile generation, turbines, engines, batteries) for a site.

    Attributes
    ----------
    supplier : str or None
        The shared supplier's id (None: bought outside any shared queue).
    units : float
        Units ordered [count].
    unit_capacity : float
        Facility power per unit [W].
    ordered : float
        When they are ordered [month].
    install : float
        From delivery to power [month].
    lead_time : float
        Shortest time from order to delivery [month].
    battery : bool
        Whether they are batteries (their power counts only up to the other sources').
    """

    supplier: str | None
    units: float
    unit_capacity: float
    ordered: float
    install: float
    lead_time: float = 0.0
    battery: bool = False


@dataclass(frozen=True)
class SiteIn:
    """A data-centre campus.

    Attributes
    ----------
    id : str
        The site's id.
    buildings : tuple of BuildingIn
        Its buildings, in the order written.
    existing_power : float
        Facility power available from the start [W].
    grid : tuple of (float, float)
        Its grid connection's tranches: ``(when energised [month], facility power [W])``
        (empty: no grid).
    onsite : tuple of OnsiteIn
        On-site generation ordered for it.
    transformer_supplier : str or None
        The supplier its buildings order transformers from.
    pue : float
        Facility power over IT power [dimensionless, >= 1].
    crews : float
        Installation crews, working as one team [count].
    racks_per_crew_month : float
        Racks one crew installs per month [rack/month].
    burn_in : float
        From installation to online [month].
    capex_per_watt : float
        Building capex per W of IT capacity [USD/W].
    plans : tuple of (float, SiteIn)
        The site as its owner planned it before each delay (risk event) became known:
        ``(when it became known [month], the site before)``, in date order (empty: no
        delay).
    """

    id: str
    buildings: tuple[BuildingIn, ...]
    existing_power: float
    grid: tuple[tuple[float, float], ...]
    onsite: tuple[OnsiteIn, ...]
    transformer_supplier: str | None
    pue: float
    crews: float
    racks_per_crew_month: float
    burn_in: float
    capex_per_watt: float
    plans: tuple[tuple[float, SiteIn], ...] = ()

    def as_planned(self, time: float) -> tuple[int, SiteIn]:
        """The site as its owner plans it at ``time`` [month] (before a delay's date,
        without it), and how many delays are known by then (the plan's version)."""
        for version, (known, before) in enumerate(self.plans):
            if time < known:
                return version, before
        return len(self.plans), self


@dataclass(frozen=True)
class ExportIn:
    """A cap on what one destination may receive per calendar year.

    Attributes
    ----------
    id : str
        The rule's id.
    destination : str
        ISO country code it applies to.
    cap_per_year : float
        H100-equivalents the destination may receive per calendar year [H100e/year].
    start, end : float
        When the rule applies [month].
    products : tuple of str or None
        The products it covers (None: all).
    """

    id: str
    destination: str
    cap_per_year: float
    start: float
    end: float
    products: tuple[str, ...] | None


@dataclass(frozen=True)
class FundingIn:
    """Money released to a programme in tranches as its power comes online.

    Attributes
    ----------
    id : str
        The funding entry's id.
    programme : str
        The programme it funds.
    amount_per_step : float
        Money released per whole step of power online [USD].
    step : float
        Power online per tranche [W].
    basis : str
        ``"it"`` or ``"facility"``: which power ``step`` counts.
    cap : float
        Most money released in all [USD].
    """

    id: str
    programme: str
    amount_per_step: float
    step: float
    basis: str
    cap: float


@dataclass(frozen=True)
class ModelInputs:
    """Everything one run needs, in canonical units and model time [month].

    Attributes
    ----------
    calendar : Calendar
        The months of the horizon.
    products, fabs, packaging, vendors, suppliers, programmes, sites, export_rules, funding
        The entities by id; ``packaging`` holds the packaging lines (CoWoS).
    risks_occurred : tuple of str
        Ids of the risk events that occur in this run (their effects already applied).
    """

    calendar: Calendar
    products: dict[str, ProductIn]
    fabs: dict[str, CapacityIn]
    packaging: dict[str, CapacityIn]
    vendors: dict[str, VendorIn]
    suppliers: dict[str, SupplierIn]
    programmes: dict[str, ProgrammeIn]
    sites: dict[str, SiteIn]
    export_rules: dict[str, ExportIn]
    funding: dict[str, FundingIn]
    risks_occurred: tuple[str, ...] = field(default=())

    def packaging_times(self) -> dict[str, float]:
        """Each product's packaging cycle time, by id [month]: packages started at a
        month's start are finished, and taken, that much later."""
        return {pid: self.packaging[spec.packaging].delay for pid, spec in self.products.items()}
