"""A run's outputs as named variables (dims, values, attrs) with units on each.

Variable names are an interface (listed in the README). ``kind`` says how to read a
monthly value: ``flow`` (during the month), ``stock`` (at the end of the month) or
``cumulative`` (from the start to the end of the month); ``static`` values do not change
with time.
"""

from __future__ import annotations

import numpy as np

from capsim.model.outputs import Outputs
from capsim.model.progress import (
    Progress,
    by_site,
    funding_received,
    tenancy_installed,
    tenancy_online,
)
from capsim.model.record import PROGRAMME_INPUTS
from capsim.model.supply import SUPPLY_INPUTS

#: Days per month, to state month durations in days [day/month].
DAYS_PER_MONTH = 365.25 / 12

_PRODUCT_STOCKS = {
    "finished_stock": ("finished", "package", "finished packages no programme has taken"),
    "die_inventory": ("dies", "die", "good compute dies waiting for packaging"),
    "hbm_inventory": ("stacks", "stack", "HBM stacks waiting for packaging"),
    "packages_in_packaging": ("in_packaging", "package", "good packages still in CoWoS"),
}
_PROGRAMME_VARIABLES = {
    "packages_allocated": ("package", "flow", "packages allocated to the programme"),
    "packages_delivered": ("package", "flow", "packages delivered to the programme"),
    "delivery_window": (
        "1",
        "window",
        "part of the month, from its start, over which its deliveries came in",
    ),
    "packages_installed": ("package", "flow", "packages installed at its sites"),
    "stranded_packages": ("package", "stock", "delivered, not yet installed"),
    "packages_online": ("package", "stock", "installed and burned in"),
    "it_power_online": ("W", "stock", "IT power of packages online"),
    "facility_power_online": ("W", "stock", "facility power of packages online (IT x PUE)"),
    "h100e_online": ("H100e", "stock", "H100-equivalents online"),
    "capex_spent": ("USD", "cumulative", "building capex and packages paid"),
    "funding_received": ("USD", "cumulative", "funding tranches released"),
}
_SITE_VARIABLES = {
    "site_packages_installed": ("package", "flow", "packages installed at the site"),
    "site_it_power_online": ("W", "stock", "IT power online at the site"),
    "site_facility_power_online": ("W", "stock", "facility power online at the site"),
    "ready_it_capacity": ("W", "stock", "IT capacity of ready buildings"),
    "power_available": ("W", "stock", "facility power available at the site"),
    "idle_power": ("W", "stock", "facility power of ready buildings not in use"),
}
_TENANCY_VARIABLES = {
    "tenancy_packages_installed": ("package", "flow", "packages installed in its buildings"),
    "tenancy_packages_online": ("package", "stock", "installed and burned in"),
    "tenancy_it_power_online": ("W", "stock", "IT power online in its buildings"),
    "tenancy_facility_power_online": ("W", "stock", "facility power online in its buildings"),
}
_BUILDING_DATES = {
    "construction_done": ("construction_done", "date the building's first block was built"),
    "building_ready": (
        "building_ready",
        "date the building's first block was ready: built and powered",
    ),
}


def _flow(cumulative: np.ndarray) -> np.ndarray:
    return np.diff(cumulative, axis=0, prepend=0.0)


def _attrs(unit: str, kind: str, description: str) -> dict[str, str]:
    return {"units": unit, "kind": kind, "description": description}


def output_coords(outputs: Outputs) -> dict[str, np.ndarray]:
    """The coordinates of a run's variables, by dimension."""
    progress = outputs.progress
    tenancies = {}
    if progress.tenancies != progress.sites:  # a site hosts several programmes
        tenancies = {
            "tenancy": np.array(progress.tenancies, dtype=str),
            "tenancy_site": ("tenancy", np.array(progress.tenancy_site, dtype=str)),
            "tenancy_programme": ("tenancy", np.array(progress.tenancy_programme, dtype=str)),
        }
    return {
        **tenancies,
        "time": progress.calendar.month_starts().astype("datetime64[ns]"),
        "product": np.array(progress.products, dtype=str),
        "programme": np.array(progress.programmes, dtype=str),
        "site": np.array(progress.sites, dtype=str),
        "input": np.array(SUPPLY_INPUTS, dtype=str),
        "precision": np.array(progress.precisions, dtype=str),
        "building": np.array(outputs.buildings, dtype=str),
        "supplier": np.array(outputs.suppliers, dtype=str),
        "supplier_kind": ("supplier", np.array(outputs.supplier_kinds, dtype=str)),
        "supplier_unit": ("supplier", np.array(outputs.supplier_units, dtype=str)),
        "designer": np.array(outputs.designers, dtype=str),
    }


def tenancy_table(progress: Progress) -> dict[str, np.ndarray]:
    """Each tenancy's monthly quantities, (month, tenancy): packages installed by each
    month's end and online at it [package], IT and facility power online [W]."""
    table = {"installed": tenancy_installed(progress), "online": tenancy_online(progress)}
    table["it_power_online"] = table["online"] * progress.package_power
    table["facility_power_online"] = table["it_power_online"] * progress.pue
    return table


def site_table(
    progress: Progress, ready_it_capacity: np.ndarray, tenancies: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Each site's monthly quantities, (month, site): its tenancies' (see
    :func:`tenancy_table`) summed, and idle power [W]."""
    table = {name: by_site(progress, values) for name, values in tenancies.items()}
    pue = progress.pue[[progress.columns(site)[0] for site in progress.sites]]
    table["idle_power"] = (ready_it_capacity - table["it_power_online"]) * pue
    return table


def programme_table(progress: Progress, tenancies: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each programme's monthly quantities, (month, programme), from its tenancies' (see
    :func:`tenancy_table`): installed by each month's end, online and stranded at it
    [package], IT and facility power online [W], H100e online [H100e], capex spent and
    funding received by it [USD]."""
    owner = progress.owner()
    table = {
        name: tenancies[name] @ owner
        for name in ("installed", "online", "it_power_online", "facility_power_online")
    }
    has_sites = owner.sum(axis=0) > 0
    delivered = np.cumsum(progress.delivered, axis=0)
    table["stranded"] = np.where(has_sites, delivered - table["installed"], 0.0)
    table["h100e_online"] = table["online"] * progress.h100e
    table["capex_spent"] = progress.capex_spent
    table["funding_received"] = funding_received(
        progress, table["it_power_online"], table["facility_power_online"]
    )
    return table


def output_variables(outputs: Outputs) -> dict[str, tuple]:
    """Every variable of a run as ``name -> (dims, values, attrs)``."""
    progress = outputs.progress
    time = ("time",)
    data: dict[str, tuple] = {
        "packages_produced": (
            (*time, "product"),
            progress.produced,
            _attrs("package", "flow", "good packages out of CoWoS"),
        ),
        "binding_input": (
            (*time, "product"),
            np.array(SUPPLY_INPUTS)[outputs.binding],
            _attrs("1", "flow", "the input that limited package starts in the month"),
        ),
        "input_limit": (
            (*time, "product", "input"),
            outputs.limits,
            _attrs("package", "flow", "good packages each input alone would allow"),
        ),
        "unmet_demand": (
            (*time, "product"),
            outputs.unmet,
            _attrs(
                "package",
                "stock",
                "good packages wanted but not started in the month, as its packages start "
                "(a want that carries, such as carried orders or all a programme lacks, "
                "counts again the next month: months do not add up)",
            ),
        ),
        "hbm_given_back": (
            (*time, "product"),
            outputs.given_back,
            _attrs(
                "stack",
                "flow",
                "HBM stacks given back to their vendors, unsold (those recalled by a "
                "product that lent them included)",
            ),
        ),
    }
    for name, (key, unit, description) in _PRODUCT_STOCKS.items():
        data[name] = ((*time, "product"), getattr(outputs, key), _attrs(unit, "stock", description))
    tenancies = tenancy_table(progress)
    sites = site_table(progress, outputs.ready_it_capacity, tenancies)
    g = programme_table(progress, tenancies)
    programmes = {
        "packages_allocated": _flow(outputs.allocated),
        "packages_delivered": progress.delivered,
        "delivery_window": progress.delivery_window,
        "packages_installed": _flow(g["installed"]),
        "stranded_packages": g["stranded"],
        "packages_online": g["online"],
        **{name: g[name] for name in ("it_power_online", "facility_power_online")},
        **{name: g[name] for name in ("h100e_online", "capex_spent", "funding_received")},
    }
    data.update(_entity_variables(_PROGRAMME_VARIABLES, programmes, "programme"))
    data["flops_online"] = (
        (*time, "programme", "precision"),
        g["online"][:, :, None] * progress.flops[None, :, :],
        _attrs("FLOP/s", "stock", "dense compute online, by precision"),
    )
    data["programme_binding"] = (
        (*time, "programme"),
        np.array(PROGRAMME_INPUTS)[outputs.programme_binding],
        _attrs("1", "stock", "what held the programme back at the end of the month"),
    )
    site_values = {
        "site_packages_installed": _flow(sites["installed"]),
        "site_it_power_online": sites["it_power_online"],
        "site_facility_power_online": sites["facility_power_online"],
        "ready_it_capacity": outputs.ready_it_capacity,
        "power_available": outputs.power_available,
        "idle_power": sites["idle_power"],
    }
    data.update(_entity_variables(_SITE_VARIABLES, site_values, "site"))
    if progress.tenancies != progress.sites:  # a site hosts several programmes
        tenancy_values = {
            "tenancy_packages_installed": _flow(tenancies["installed"]),
            "tenancy_packages_online": tenancies["online"],
            "tenancy_it_power_online": tenancies["it_power_online"],
            "tenancy_facility_power_online": tenancies["facility_power_online"],
        }
        data.update(_entity_variables(_TENANCY_VARIABLES, tenancy_values, "tenancy"))
    data.update(_market(outputs))
    data.update(_buildings(outputs))
    return data


#: Market quantities count each supplier's own unit (wafers, or stacks for HBM vendors
#: given as stacks) during the month, as every flow counts its month: a plain count
#: (units ``1``), its unit named by ``supplier_unit``.
_SUPPLIER_RATE = {"comment": "counted in each supplier's unit, its supplier_unit (wafer or stack)"}


def _market(outputs: Outputs) -> dict[str, tuple]:
    """What each supplier had, and what each designer asked of it and was granted."""
    dims = ("time", "supplier", "designer")
    return {
        "supplier_capacity": (
            ("time", "supplier"),
            outputs.supplier_capacity,
            {**_attrs("1", "flow", "what the supplier had to sell in the month"), **_SUPPLIER_RATE},
        ),
        "supplier_asked": (
            dims,
            outputs.supplier_asked,
            {
                **_attrs("1", "flow", "what each designer asked of it in the month"),
                **_SUPPLIER_RATE,
            },
        ),
        "supplier_granted": (
            dims,
            outputs.supplier_granted,
            {
                **_attrs("1", "flow", "what each designer was granted in the month"),
                **_SUPPLIER_RATE,
            },
        ),
        "hbm_unsold": (
            ("time", "supplier"),
            outputs.unsold,
            _attrs("stack", "stock", "finished HBM stacks the vendor holds unsold"),
        ),
        "product_supplier": (
            ("product", "supplier"),
            outputs.product_supplier,
            _attrs("1", "static", "whether the product buys from the supplier"),
        ),
    }


def _entity_variables(table: dict, values: dict, dim: str) -> dict[str, tuple]:
    """Monthly variables of programmes, sites or tenancies, with their attributes."""
    return {
        name: (("time", dim), values[name], _attrs(unit, kind, description))
        for name, (unit, kind, description) in table.items()
    }


def _buildings(outputs: Outputs) -> dict[str, tuple]:
    calendar = outputs.progress.calendar
    dims = ("building",)
    data = {
        name: (
            dims,
            np.array(
                [calendar.to_datetime64(t) for t in getattr(outputs, key)],
                dtype="datetime64[ns]",
            ).reshape(len(outputs.buildings)),
            {"description": f"{description} (NaT: not in the horizon)"},
        )
        for name, (key, description) in _BUILDING_DATES.items()
    }
    data["building_site"] = (
        dims,
        np.array(outputs.building_site, dtype=str),
        {"units": "1", "description": "the site the building belongs to"},
    )
    data["critical_path"] = (
        dims,
        np.array(outputs.critical_path, dtype=str),
        {
            "units": "1",
            "description": "the predecessor that finished last before the building was ready",
        },
    )
    data["critical_margin"] = (
        dims,
        outputs.critical_margin * DAYS_PER_MONTH,
        {
            "units": "day",
            "description": "how much later that predecessor finished than the next "
            "(NaN: the building was not ready within the horizon)",
        },
    )
    return data
