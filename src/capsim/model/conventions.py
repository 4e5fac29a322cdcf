"""CF metadata of results: names, units, time bounds and the month convention.

Results follow the CF conventions (https://cfconventions.org) as far as they apply:
every variable and coordinate has a ``long_name``, every numeric one ``units`` that
:data:`capsim.units.registry` (and so pint-xarray) reads, ``time`` is the start of each
month with ``time_bounds`` spanning the month, and categorical outputs are written to
files as int8 codes with ``flag_values`` and ``flag_meanings`` (NetCDF and Zarr alike).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from capsim.model.record import PROGRAMME_INPUTS
from capsim.model.site import CRITICAL_PATHS
from capsim.model.supply import SUPPLY_INPUTS

CONVENTIONS = "CF-1.10"
#: How monthly values are read, stated in every result's ``time_convention``.
MONTH_CONVENTION = (
    "time is the first day of each month (00:00); time_bounds span the month, from its "
    "first day to the first day of the next; flows (kind=flow) are totals over the month, "
    "stocks (kind=stock) and cumulative values (kind=cumulative) are read at the month's "
    "end, the upper time bound; a window (kind=window) is a fraction of the month, from "
    "its start"
)
#: Categorical outputs, stored in files as int8 codes into these labels.
CODES = {
    "binding_input": SUPPLY_INPUTS,
    "programme_binding": PROGRAMME_INPUTS,
    "critical_path": CRITICAL_PATHS,
}
#: The code of a missing label (a failed sample).
NO_CODE = -1
#: CF cell methods of each kind of monthly value (stocks and cumulative values are read
#: at the upper bound, which CF's cell methods cannot say; ``time_convention`` does).
_CELL_METHODS = {"flow": "time: sum"}

#: Names that ``name.replace("_", " ")`` would spell badly.
_LONG_NAMES = {
    "time": "month start",
    "time_bounds": "month bounds",
    "input": "supply input",
    "precision": "numeric precision",
    "designer": "chip designer or other buyer",
    "supplier_unit": "unit the supplier sells in",
    "parameter": "uncertain input (key path)",
    "parameter_unit": "canonical unit of the uncertain input",
    "it_power_online": "IT power online",
    "site_it_power_online": "IT power online at the site",
    "site_facility_power_online": "facility power online at the site",
    "site_packages_installed": "packages installed at the site",
    "ready_it_capacity": "IT capacity of ready buildings",
    "h100e_online": "H100e online",
    "programme_h100e": "H100e per package",
    "flops_online": "dense compute online",
    "programme_flops": "dense compute per package",
    "site_pue": "power usage effectiveness (PUE) of the site",
    "input_value": "sampled input value",
    "chunk_done": "chunk of samples written",
}


def long_name(name: str) -> str:
    """A variable's CF ``long_name``: ``"IT power online"`` for ``it_power_online``."""
    return _LONG_NAMES.get(name, name.replace("_", " "))


def flag_attrs(name: str) -> dict:
    """CF flag attributes of categorical output ``name`` stored as codes."""
    labels = CODES[name]
    return {
        "flag_values": np.arange(len(labels), dtype=np.int8),
        "flag_meanings": " ".join(label.replace(" ", "_") for label in labels),
        "comment": f"{NO_CODE}: no label (a failed sample)",
    }


def month_bounds(times: np.ndarray) -> np.ndarray:
    """Each month's (start, start of the next month), (time, 2), from month starts."""
    starts = np.asarray(times).astype("datetime64[M]")
    return np.stack([starts, starts + np.timedelta64(1, "M")], axis=1).astype("datetime64[ns]")


def with_cf_metadata(ds: xr.Dataset, title: str) -> xr.Dataset:
    """``ds`` with CF metadata: ``Conventions``, ``title``, ``source``, the month
    convention, ``time_bounds``, a ``long_name`` on every variable and coordinate, and
    ``units`` of ``"1"`` on integer and boolean ones that have none (floats carry their
    own). Values are unchanged."""
    ds = ds.copy()
    if "time" in ds.dims:
        ds = ds.assign_coords(time_bounds=(("time", "bounds"), month_bounds(ds["time"].values)))
        ds["time"].attrs.update({"standard_name": "time", "axis": "T", "bounds": "time_bounds"})
        start = np.datetime64(ds["time"].values[0], "D")
        for name in ("time", "time_bounds"):
            ds[name].encoding.update(
                {"units": f"days since {start}", "calendar": "proleptic_gregorian"}
            )
    for name, variable in ds.variables.items():
        attrs = variable.attrs
        attrs.setdefault("long_name", long_name(str(name)))
        if variable.dtype.kind in "iub" and name not in CODES:
            attrs.setdefault("units", "1")  # counts, indices and flags
        kind = attrs.get("kind")
        if kind in _CELL_METHODS and name not in CODES:  # a label is not summed
            attrs.setdefault("cell_methods", _CELL_METHODS[kind])
    ds.attrs.update(
        {
            "Conventions": CONVENTIONS,
            "title": title,
            "source": f"capsim model run, capsim {ds.attrs.get('capsim_version', '')}".strip(),
            "time_convention": MONTH_CONVENTION,
        }
    )
    return ds


def encode_codes(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with its categorical outputs as int8 codes and CF flag attributes, as
    files store them; variables already coded are kept."""
    ds = ds.copy()
    for name, labels in CODES.items():
        if name not in ds:
            continue
        if ds[name].dtype.kind in "UO":
            values = ds[name].values
            coded = np.full(values.shape, NO_CODE, dtype=np.int8)
            for code, label in enumerate(labels):
                coded[values == label] = code
            ds[name] = ds[name].copy(data=coded)
        ds[name].attrs.update({**flag_attrs(name), "units": "1"})
    return ds


def decode_codes(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with int8-coded categorical outputs as their labels (``""``: no code)."""
    ds = ds.copy()
    for name, labels in CODES.items():
        if name in ds and ds[name].dtype.kind in "iu":
            known = np.array([*labels, ""])
            codes = ds[name].values.astype(int)
            decoded = known[np.where(codes == NO_CODE, len(known) - 1, codes)]
            attrs = {
                key: value
                for key, value in ds[name].attrs.items()
                if key not in ("flag_values", "flag_meanings", "comment")
            }
            ds[name] = ds[name].copy(data=decoded)
            ds[name].attrs = attrs
    return ds
