"""The record of one run: monthly arrays the world fills as it runs, turned into
:class:`~capsim.model.outputs.Outputs` at the end.

Flows (packages produced) are booked to the month in which they happen; stocks are
written at each month's end, before anything else happens at that instant.
"""

from __future__ import annotations

import math

import numpy as np

from capsim.model.inputs import ModelInputs, ProductIn
from capsim.model.ledger import capex_spent, funding_rules, spend_plans
from capsim.model.outputs import Outputs
from capsim.model.progress import Progress
from capsim.model.site import SiteModel
from capsim.model.supply import SUPPLY_INPUTS

#: What may hold a programme back in a month, supply side first, then the sites.
PROGRAMME_INPUTS = (
    *SUPPLY_INPUTS,
    "export_cap",
    "money",
    "construction",
    "transformers",
    "grid",
    "onsite_power",
    "crews",
    "power_capacity",
    "site_capacity",
    "complete",
    "closed",
    "not_made",  # it wants packages while its product is not made (outside its window)
)
#: The programme's own states, not an input holding it back: all its packages
#: ("complete"), outside its window or lapsed ("closed"), or wanting a product not made
#: then ("not_made").
OWN_STATES = ("complete", "closed", "not_made")


class Record:
    """Monthly arrays of one run (see :class:`~capsim.model.outputs.Outputs` for each).

    Parameters
    ----------
    inputs : ModelInputs
        The run's inputs.
    tenancies : list of (str, str)
        (site, programme) of each programme's part of each site, in the run's site order
        (each programme's sites, programme by programme; a site's tenants in programme
        order).
    """

    def __init__(self, inputs: ModelInputs, tenancies: list[tuple[str, str]]):
        self.inputs = inputs
        months = inputs.calendar.months
        self.products = list(inputs.products)
        self.programmes = list(inputs.programmes)
        self.tenancies = tenancies
        self.sites = list(dict.fromkeys(sid for sid, _ in tenancies))
        self.precisions = sorted({k for p in inputs.products.values() for k in p.flops})
        n_p, n_g = len(self.products), len(self.programmes)
        self._produced = [0.0] * (months * n_p)
        self._binding = [0] * (months * n_p)
        self._limits = [0.0] * (months * n_p * len(SUPPLY_INPUTS))
        self._unmet = [0.0] * (months * n_p)
        self._given_back = [0.0] * (months * n_p)
        """The binding inputs, unmet demand and stacks given back (month, product) and the
        limits (month, product, input), flat: written often, arrays at the end."""
        self.finished: list[list[float]] = []
        """Stocks and totals at each month's end, a row a month appended as it ends
        (lists; arrays at the end): finished, dies, stacks and in packaging by product,
        allocated, delivered, spent on packages and what binds by programme, ready IT
        capacity and power available by site."""
        self.dies = []
        self.stacks = []
        self.in_packaging = []
        self.allocated = []
        self.delivered = []
        self._windows = [0.0] * (months * n_g)
        """Each month's delivery window by programme [fraction of the month], flat; 0
        until a lot arrives (read as 1, the whole month)."""
        self.spent_on_packages = []
        self.programme_binding = []
        self.ready_it_capacity = []
        self.power_available = []
        self._product_column = {pid: i for i, pid in enumerate(self.products)}
        self._programme_column = {gid: i for i, gid in enumerate(self.programmes)}
        self.suppliers = [
            *inputs.fabs,
            *inputs.packaging,
            *(
                f"{vid}/{g}"
                for vid, vendor in inputs.vendors.items()
                for g in vendor.stacks_per_wafer
            ),
        ]
        self.supplier_kinds = [
            *("logic" for _ in inputs.fabs),
            *("packaging" for _ in inputs.packaging),
            *("hbm" for vendor in inputs.vendors.values() for _ in vendor.stacks_per_wafer),
        ]
        self.supplier_units = [
            *("wafer" for _ in inputs.fabs),
            *("wafer" for _ in inputs.packaging),
            *(
                "stack" if vendor.fixed is not None else "wafer"
                for vendor in inputs.vendors.values()
                for _ in vendor.stacks_per_wafer
            ),
        ]
        column = {supplier: i for i, supplier in enumerate(self.suppliers)}
        self.product_supplier = np.zeros((n_p, len(self.suppliers)), dtype=bool)
        for row, product in enumerate(inputs.products.values()):
            used = [product.fab, product.packaging]
            used += [
                f"{vid}/{product.hbm_generation}"
                for vid, vendor in inputs.vendors.items()
                if product.hbm_generation in vendor.stacks_per_wafer
                and _ever(vendor.qualified.get(product.id))
            ]
            self.product_supplier[row, [column[name] for name in used]] = True
        self.designers = list(dict.fromkeys(p.designer for p in inputs.products.values()))
        markets = [
            *(fab.market for fab in inputs.fabs.values()),
            *(line.market for line in inputs.packaging.values()),
            *(vendor.market for vendor in inputs.vendors.values()),
        ]
        for market in markets:
            for contract in market.contracts:
                if contract.designer not in self.designers:
                    self.designers.append(contract.designer)
        self._supplier_row = {name: i for i, name in enumerate(self.suppliers)}
        self._designer_column = {name: i for i, name in enumerate(self.designers)}
        n_u = len(self.suppliers)
        self._capacity = [0.0] * (months * n_u)
        n_d = len(self.designers)
        self._asked = [0.0] * (months * n_u * n_d)
        self._granted = [0.0] * (months * n_u * n_d)
        """Capacities (month, supplier), asks and grants (month, supplier, designer),
        flat: arrays at the end."""
        self.unsold = []

    def package_month(
        self,
        month: int,
        product: str,
        *,
        binding: str,
        limits: dict[str, float],
        unit_yield: float,
        unmet: float,
    ) -> None:
        """Write ``product``'s package starts of ``month``: the binding input, the good
        packages each input alone allows (``limits`` in package starts x ``unit_yield``)
        and good packages wanted but not started [package]."""
        cell = month * len(self.products) + self._product_column[product]
        self._binding[cell] = SUPPLY_INPUTS.index(binding)
        start = cell * len(SUPPLY_INPUTS)
        self._limits[start : start + len(SUPPLY_INPUTS)] = [
            limits[name] * unit_yield for name in SUPPLY_INPUTS
        ]
        self._unmet[cell] = unmet

    def give_back(self, month: int, product: str, stacks: float) -> None:
        """Book ``stacks`` that ``product`` gave back to their vendors, unsold, in
        ``month`` [stack]."""
        self._given_back[month * len(self.products) + self._product_column[product]] += stacks

    def produce(self, month: int, product: str, good: float) -> None:
        """Book ``good`` packages of ``product`` produced in ``month`` [package]."""
        self._produced[month * len(self.products) + self._product_column[product]] += good

    def deliver(self, month: int, programme: str, window: float) -> None:
        """Book a lot reaching ``programme`` in ``month`` over ``window`` of it [fraction of
        the month]: the widest of the month's windows counts."""
        cell = month * len(self.programmes) + self._programme_column[programme]
        self._windows[cell] = max(self._windows[cell], window)

    def binding(self, month: int, product: str) -> str:
        """The input that bound ``product``'s package starts in ``month`` (one of
        :data:`~capsim.model.supply.SUPPLY_INPUTS`)."""
        return SUPPLY_INPUTS[
            self._binding[month * len(self.products) + self._product_column[product]]
        ]

    def supplier_month(
        self,
        month: int,
        supplier: str,
        capacity: float,
        *,
        products: list[ProductIn],
        asks: dict[str, float],
        grants: dict[str, float],
    ) -> None:
        """Write a supplier's capacity of ``month`` and what each designer asked of it and
        was granted [the supplier's unit], once a month: the sums of its ``products``'
        ``asks`` and ``grants`` by designer, and the grants of buyers not modelled
        (named in ``grants`` only), who ask what they are granted."""
        cell = month * len(self.suppliers) + self._supplier_row[supplier]
        self._capacity[cell] = capacity
        columns = self._designer_column
        start = cell * len(columns)
        asked, granted = self._asked, self._granted  # zero until this supplier's month
        for product in products:
            at = start + columns[product.designer]
            asked[at] += asks[product.id]
            granted[at] += grants[product.id]
        for name, amount in grants.items():
            if name not in asks:
                at = start + columns[name]
                asked[at] = granted[at] = amount

    def outputs(self, sites: dict[str, SiteModel]) -> Outputs:
        """The run's outputs, from the arrays and the sites' installation and building logs."""
        inputs = self.inputs
        months = inputs.calendar.months
        n_p, n_g, n_s, n_u = map(len, (self.products, self.programmes, self.sites, self.suppliers))
        month_ends = np.arange(1, months + 1, dtype=float)
        plans = spend_plans(inputs)
        capex = np.column_stack(
            [capex_spent(plans[g], month_ends) for g in self.programmes]
        ).reshape(months, len(self.programmes))
        products = [inputs.products[inputs.programmes[g].product] for g in self.programmes]
        tenancies = [sites[s].tenancies[g] for s, g in self.tenancies]
        shared = {s for s, site in sites.items() if len(site.tenancies) > 1}
        windows = np.array(self._windows).reshape(months, len(self.programmes))
        progress = Progress(
            calendar=inputs.calendar,
            products=tuple(self.products),
            programmes=tuple(self.programmes),
            sites=tuple(self.sites),
            precisions=tuple(self.precisions),
            tenancies=tuple(f"{s}/{g}" if s in shared else s for s, g in self.tenancies),
            tenancy_site=tuple(s for s, _ in self.tenancies),
            tenancy_programme=tuple(g for _, g in self.tenancies),
            produced=np.array(self._produced).reshape(months, len(self.products)),
            delivered=np.diff(_array(self.delivered, n_g), axis=0, prepend=0.0),
            delivery_window=np.where(windows > 0, windows, 1.0),
            capex_spent=capex + _array(self.spent_on_packages, n_g),
            installs=tuple((np.array(t.log.times), np.array(t.log.installed)) for t in tenancies),
            package_power=np.array([t.product.it_power for t in tenancies]),
            pue=np.array([inputs.sites[s].pue for s, _ in self.tenancies]),
            burn_in=np.array([inputs.sites[s].burn_in for s, _ in self.tenancies]),
            programme_product=tuple(inputs.programmes[g].product for g in self.programmes),
            h100e=np.array([p.h100e for p in products]),
            flops=np.array(
                [[p.flops.get(k, 0.0) for k in self.precisions] for p in products]
            ).reshape(len(products), len(self.precisions)),
            funding=funding_rules(inputs),
        )
        logs = [(s, log) for s in self.sites for log in sites[s].buildings]
        shape = (len(self.suppliers), len(self.designers))
        return Outputs(
            progress=progress,
            binding=np.array(self._binding, dtype=np.int8).reshape(months, n_p),
            limits=np.array(self._limits).reshape(months, n_p, len(SUPPLY_INPUTS)),
            unmet=np.array(self._unmet).reshape(months, n_p),
            given_back=np.array(self._given_back).reshape(months, n_p),
            finished=_array(self.finished, n_p),
            dies=_array(self.dies, n_p),
            stacks=_array(self.stacks, n_p),
            in_packaging=_array(self.in_packaging, n_p),
            allocated=_array(self.allocated, n_g),
            programme_binding=_array(self.programme_binding, n_g, np.int8),
            ready_it_capacity=_array(self.ready_it_capacity, n_s),
            power_available=_array(self.power_available, n_s),
            suppliers=tuple(self.suppliers),
            supplier_kinds=tuple(self.supplier_kinds),
            product_supplier=self.product_supplier,
            supplier_units=tuple(self.supplier_units),
            designers=tuple(self.designers),
            supplier_capacity=np.array(self._capacity).reshape(months, len(self.suppliers)),
            supplier_asked=np.array(self._asked).reshape(months, *shape),
            supplier_granted=np.array(self._granted).reshape(months, *shape),
            unsold=_array(self.unsold, n_u),
            buildings=tuple(f"{s}/{log.id}" for s, log in logs),
            building_site=tuple(s for s, _ in logs),
            construction_done=np.array([log.construction_done for _, log in logs], dtype=float),
            building_ready=np.array([log.ready for _, log in logs], dtype=float),
            critical_path=tuple(log.critical for _, log in logs),
            critical_margin=np.array([log.margin for _, log in logs], dtype=float),
            risks_occurred=inputs.risks_occurred,
        )


def _ever(window: tuple[float, float] | None) -> bool:
    """Whether a qualification window [start, end) [month] is ever open."""
    return window is not None and window[0] < window[1] and window[0] < math.inf


def _array(rows: list[list[float]], width: int, dtype: type = float) -> np.ndarray:
    """Rows of ``width`` values as a (row, column) array."""
    return np.array(rows, dtype=dtype).reshape(len(rows), width)
