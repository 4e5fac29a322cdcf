"""The record of a run as named variables (dims, values, attrs) with units on each.

Variable names are an interface (listed in the README). ``kind`` says how to read a
monthly value: ``flow`` (during the month), ``stock`` (at the end of the month) or
``cumulative`` (from the start to the end of the month).
"""

from __future__ import annotations

import numpy as np

from capsim.model.record import PROGRAMME_INPUTS, Record
from capsim.model.supply import SUPPLY_INPUTS

_PRODUCT_STOCKS = {
    "finished_stock": ("finished", "package", "finished packages no programme has taken"),
    "die_inventory": ("dies", "die", "good compute dies waiting for packaging"),
    "hbm_inventory": ("stacks", "stack", "HBM stacks waiting for packaging"),
    "packages_in_packaging": ("in_packaging", "package", "good packages still in CoWoS"),
}
_PROGRAMME_VARIABLES = {
    "packages_allocated": ("allocated", "package", "flow", "packages allocated to the programme"),
    "packages_delivered": ("delivered", "package", "flow", "packages delivered to the programme"),
    "packages_installed": ("installed", "package", "flow", "packages installed at its sites"),
    "stranded_packages": ("stranded", "package", "stock", "delivered, not yet installed"),
    "packages_online": ("online", "package", "stock", "installed and burned in"),
    "it_power_online": ("it_power_online", "W", "stock", "IT power of packages online"),
    "facility_power_online": (
        "facility_power_online",
        "W",
        "stock",
        "facility power of packages online (IT x PUE)",
    ),
    "h100e_online": ("h100e_online", "H100e", "stock", "H100-equivalents online"),
    "capex_spent": ("capex_spent", "USD", "cumulative", "building capex and packages paid"),
    "funding_received": ("funding_received", "USD", "cumulative", "funding tranches released"),
}
_SITE_VARIABLES = {
    "site_packages_installed": ("installed", "package", "flow", "packages installed at the site"),
    "site_it_power_online": ("it_power_online", "W", "stock", "IT power online at the site"),
    "site_facility_power_online": (
        "facility_power_online",
        "W",
        "stock",
        "facility power online at the site",
    ),
    "ready_it_capacity": ("ready_it_capacity", "W", "stock", "IT capacity of ready buildings"),
    "power_available": ("power_available", "W", "stock", "facility power available at the site"),
    "idle_power": ("idle_power", "W", "stock", "facility power of ready buildings not in use"),
}


def _flow(cumulative: np.ndarray) -> np.ndarray:
    return np.diff(cumulative, axis=0, prepend=0.0)


DAYS_PER_MONTH = 365.25 / 12


def _variable(values, dims, attrs=None) -> tuple:
    """A (dims, values, attrs) tuple, the cheapest way to give xarray a variable."""
    return (dims, values, attrs or {})


def _attrs(unit: str, kind: str, description: str) -> dict[str, str]:
    return {"units": unit, "kind": kind, "description": description}


def record_coords(record: Record) -> dict[str, np.ndarray]:
    """The coordinates of a run's variables, by dimension."""
    return {
        "time": record.world.inputs.calendar.month_starts().astype("datetime64[ns]"),
        "product": np.array(record.products, dtype=str),
        "programme": np.array(record.programmes, dtype=str),
        "site": np.array(record.sites, dtype=str),
        "input": np.array(SUPPLY_INPUTS, dtype=str),
        "precision": np.array(record.precisions, dtype=str),
        "building": np.array(_building_names(record), dtype=str),
    }


def record_variables(record: Record) -> dict[str, tuple]:
    """Every variable of a run as ``name -> (dims, values, attrs)``."""
    data: dict[str, tuple] = {}
    time_dim = ("time",)
    data["packages_produced"] = _variable(
        record.produced,
        dims=(*time_dim, "product"),
        attrs=_attrs("package", "flow", "good packages out of CoWoS"),
    )
    data["binding_input"] = _variable(
        np.array(SUPPLY_INPUTS)[record.binding],
        dims=(*time_dim, "product"),
        attrs=_attrs("1", "flow", "the input that limited package starts in the month"),
    )
    data["input_limit"] = _variable(
        record.limits,
        dims=(*time_dim, "product", "input"),
        attrs=_attrs("package", "flow", "good packages each input alone would allow"),
    )
    data["unmet_demand"] = _variable(
        record.unmet,
        dims=(*time_dim, "product"),
        attrs=_attrs("package", "flow", "packages wanted minus packages started"),
    )
    for name, (key, unit, description) in _PRODUCT_STOCKS.items():
        data[name] = _variable(
            record.stocks[key],
            dims=(*time_dim, "product"),
            attrs=_attrs(unit, "stock", description),
        )
    data.update(_entity_variables(_PROGRAMME_VARIABLES, record.programme, "programme"))
    data["flops_online"] = _variable(
        record.flops,
        dims=(*time_dim, "programme", "precision"),
        attrs=_attrs("FLOP/s", "stock", "dense compute online, by precision"),
    )
    data["programme_binding"] = _variable(
        np.array(PROGRAMME_INPUTS)[record.programme_binding],
        dims=(*time_dim, "programme"),
        attrs=_attrs("1", "stock", "what held the programme back at the end of the month"),
    )
    data.update(_entity_variables(_SITE_VARIABLES, record.site, "site"))
    data.update(_buildings(record))
    return data


def _entity_variables(table: dict, recorded: dict, dim: str) -> dict[str, tuple]:
    """Monthly variables of programmes or sites; flows from their cumulative records."""
    data = {}
    for name, (key, unit, kind, description) in table.items():
        values = _flow(recorded[key]) if kind == "flow" else recorded[key]
        data[name] = _variable(values, ("time", dim), _attrs(unit, kind, description))
    return data


_BUILDING_DATES = {
    "construction_done": ("construction_done", "date the building's construction was done"),
    "building_ready": ("ready", "date the building was ready: built and powered"),
}


def _buildings(record: Record) -> dict[str, tuple]:
    calendar = record.world.inputs.calendar
    rows = [(sid, log) for sid in record.sites for log in record.world.sites[sid].logs]
    dims = ("building",)
    data = {
        name: _variable(
            np.array(
                [calendar.to_datetime64(getattr(log, key)) for _, log in rows],
                dtype="datetime64[ns]",
            ),
            dims,
            {"description": description},
        )
        for name, (key, description) in _BUILDING_DATES.items()
    }
    data["building_site"] = _variable(
        np.array([sid for sid, _ in rows], dtype=str),
        dims,
        {"units": "1", "description": "the site the building belongs to"},
    )
    data["critical_path"] = _variable(
        np.array([log.critical for _, log in rows], dtype=str),
        dims,
        {
            "units": "1",
            "description": "the predecessor that finished last before the building was ready",
        },
    )
    data["critical_margin"] = _variable(
        np.array([log.margin * DAYS_PER_MONTH for _, log in rows], dtype=float),
        dims,
        {"units": "day", "description": "how much later that predecessor finished than the next"},
    )
    return data


def _building_names(record: Record) -> list[str]:
    return [f"{sid}/{log.id}" for sid in record.sites for log in record.world.sites[sid].logs]
