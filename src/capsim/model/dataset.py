"""The record of a run as an xarray Dataset with units on every variable.

Variable names are an interface (listed in the README). ``kind`` says how to read a
monthly value: ``flow`` (during the month), ``stock`` (at the end of the month) or
``cumulative`` (from the start to the end of the month).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

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


def _attrs(unit: str, kind: str, description: str) -> dict[str, str]:
    return {"units": unit, "kind": kind, "description": description}


def record_to_dataset(record: Record) -> xr.Dataset:
    """Every monthly array of ``record``, with coordinates and units."""
    world = record.world
    calendar = world.inputs.calendar
    data: dict[str, xr.DataArray] = {}
    time_dim = ("time",)
    data["packages_produced"] = xr.DataArray(
        record.produced,
        dims=(*time_dim, "product"),
        attrs=_attrs("package", "flow", "good packages out of CoWoS"),
    )
    data["binding_input"] = xr.DataArray(
        np.array(SUPPLY_INPUTS)[record.binding],
        dims=(*time_dim, "product"),
        attrs=_attrs("1", "flow", "the input that limited package starts in the month"),
    )
    data["input_limit"] = xr.DataArray(
        record.limits,
        dims=(*time_dim, "product", "input"),
        attrs=_attrs("package", "flow", "good packages each input alone would allow"),
    )
    data["unmet_demand"] = xr.DataArray(
        record.unmet,
        dims=(*time_dim, "product"),
        attrs=_attrs("package", "flow", "packages wanted minus packages started"),
    )
    for name, (key, unit, description) in _PRODUCT_STOCKS.items():
        data[name] = xr.DataArray(
            record.stocks[key],
            dims=(*time_dim, "product"),
            attrs=_attrs(unit, "stock", description),
        )
    for name, (key, unit, kind, description) in _PROGRAMME_VARIABLES.items():
        values = record.programme[key]
        if kind == "flow":
            values = _flow(values)
        data[name] = xr.DataArray(
            values, dims=(*time_dim, "programme"), attrs=_attrs(unit, kind, description)
        )
    data["flops_online"] = xr.DataArray(
        record.flops,
        dims=(*time_dim, "programme", "precision"),
        attrs=_attrs("FLOP/s", "stock", "dense compute online, by precision"),
    )
    data["programme_binding"] = xr.DataArray(
        np.array(PROGRAMME_INPUTS)[record.programme_binding],
        dims=(*time_dim, "programme"),
        attrs=_attrs("1", "stock", "what held the programme back at the end of the month"),
    )
    for name, (key, unit, kind, description) in _SITE_VARIABLES.items():
        values = record.site[key]
        if kind == "flow":
            values = _flow(values)
        data[name] = xr.DataArray(
            values, dims=(*time_dim, "site"), attrs=_attrs(unit, kind, description)
        )
    data.update(_buildings(record))
    coords = {
        "time": calendar.month_starts().astype("datetime64[ns]"),
        "product": record.products,
        "programme": record.programmes,
        "site": record.sites,
        "input": list(SUPPLY_INPUTS),
        "precision": record.precisions,
    }
    return xr.Dataset(data, coords=coords)


def _buildings(record: Record) -> dict[str, xr.DataArray]:
    calendar = record.world.inputs.calendar
    rows = [(sid, log) for sid in record.sites for log in record.world.sites[sid].logs]
    names = [f"{sid}/{log.id}" for sid, log in rows]
    dims = ("building",)
    coords = {"building": names}

    def dates(attribute: str) -> xr.DataArray:
        values = [calendar.to_datetime64(getattr(log, attribute)) for _, log in rows]
        return xr.DataArray(
            np.array(values, dtype="datetime64[ns]"),
            dims=dims,
            coords=coords,
            attrs={"description": f"date the building's {attribute.replace('_', ' ')}"},
        )

    days = [log.margin * 365.25 / 12 for _, log in rows]
    return {
        "building_site": xr.DataArray([sid for sid, _ in rows], dims=dims, coords=coords),
        "construction_done": dates("construction_done"),
        "building_ready": dates("ready"),
        "critical_path": xr.DataArray(
            [log.critical for _, log in rows],
            dims=dims,
            coords=coords,
            attrs={
                "description": "the predecessor that finished last before the building was ready"
            },
        ),
        "critical_margin": xr.DataArray(
            np.array(days, dtype=float),
            dims=dims,
            coords=coords,
            attrs={"units": "day", "description": "how much later it finished than the next one"},
        ),
    }
