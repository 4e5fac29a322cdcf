"""The outputs of one run, as plain arrays: what :func:`capsim.model.run` returns.

Months: index ``m`` of a monthly array is the month starting at
``progress.calendar.month_start(m)``; flows are what happened during the month, stocks
are read at its end (model time ``m + 1`` [month]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capsim.model.progress import Progress


@dataclass(frozen=True)
class Outputs:
    """Everything one run produced.

    Attributes
    ----------
    progress : Progress
        What milestones are read from (production, deliveries, capex, installation
        paths, per-package figures and funding rules); derived quantities such as power
        online come from it (:mod:`capsim.model.progress`).
    binding : numpy.ndarray
        The input that limited package starts, (month, product), int8 codes into
        :data:`capsim.model.supply.SUPPLY_INPUTS`.
    limits : numpy.ndarray
        Good packages each input alone would have allowed, (month, product, input)
        [package].
    unmet : numpy.ndarray
        Good packages wanted but not started in each month, as its packages start (a
        want that carries counts again the next month: not to be summed), (month,
        product) [package].
    given_back : numpy.ndarray
        HBM stacks each product gave back to their vendors, unsold, (month, product)
        [stack].
    finished, dies, stacks, in_packaging : numpy.ndarray
        Stocks at each month's end, (month, product): finished packages no programme
        took [package], good dies waiting [die], HBM stacks waiting [stack], good
        packages in packaging [package].
    allocated : numpy.ndarray
        Packages allocated to each programme by each month's end, (month, programme)
        [package].
    programme_binding : numpy.ndarray
        What held each programme back at each month's end, (month, programme), int8
        codes into :data:`capsim.model.record.PROGRAMME_INPUTS`.
    ready_it_capacity : numpy.ndarray
        IT capacity of each site's ready buildings at each month's end, (month, site) [W].
    power_available : numpy.ndarray
        Facility power connected at each site by each month's end, (month, site) [W].
    suppliers, supplier_kinds, supplier_units : tuple of str
        The suppliers designers buy from (fabs, packaging lines, ``VENDOR/GENERATION``
        for HBM), their kind (``logic``, ``packaging``, ``hbm``) and the unit they sell in
        (``wafer``; ``stack`` for HBM vendors given as stacks).
    product_supplier : numpy.ndarray
        Whether each product buys from each supplier: its fab, its packaging line, and
        the HBM vendors qualifying it for its generation, (product, supplier), bool.
    designers : tuple of str
        The chip designers, and buyers not modelled that hold reservations.
    supplier_capacity : numpy.ndarray
        What each supplier had to sell in each month, (month, supplier) [its unit per
        month]; for HBM, the wafers set up for the generation.
    supplier_asked, supplier_granted : numpy.ndarray
        What each designer asked of each supplier and was granted in each month,
        (month, supplier, designer) [the supplier's unit per month].
    unsold : numpy.ndarray
        Finished HBM stacks a vendor held unsold at each month's end, (month, supplier)
        [stack] (0 for other suppliers).
    buildings : tuple of str
        Building ids, ``"SITE/BUILDING"``.
    building_site : tuple of str
        The site of each building.
    construction_done, building_ready : numpy.ndarray
        When each building's first block was built and when it was ready (built and
        powered), (building,) [month] (NaN: not in the horizon).
    critical_path : tuple of str
        What each building waited for last (one of
        :data:`capsim.model.site.CRITICAL_PATHS`).
    critical_margin : numpy.ndarray
        How much later that predecessor finished than the next, (building,) [month]
        (NaN: not ready within the horizon).
    risks_occurred : tuple of str
        Ids of the risk events that occurred.
    """

    progress: Progress
    binding: np.ndarray
    limits: np.ndarray
    unmet: np.ndarray
    given_back: np.ndarray
    finished: np.ndarray
    dies: np.ndarray
    stacks: np.ndarray
    in_packaging: np.ndarray
    allocated: np.ndarray
    programme_binding: np.ndarray
    ready_it_capacity: np.ndarray
    power_available: np.ndarray
    suppliers: tuple[str, ...]
    supplier_kinds: tuple[str, ...]
    supplier_units: tuple[str, ...]
    product_supplier: np.ndarray
    designers: tuple[str, ...]
    supplier_capacity: np.ndarray
    supplier_asked: np.ndarray
    supplier_granted: np.ndarray
    unsold: np.ndarray
    buildings: tuple[str, ...]
    building_site: tuple[str, ...]
    construction_done: np.ndarray
    building_ready: np.ndarray
    critical_path: tuple[str, ...]
    critical_margin: np.ndarray
    risks_occurred: tuple[str, ...]
