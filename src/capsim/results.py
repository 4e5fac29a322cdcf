"""Saving and opening results (NetCDF files written whole or not at all), and results
as tidy tables.

Categorical outputs (``binding_input``, ``programme_binding``, ``critical_path``) are
written as int8 codes with CF ``flag_values`` and ``flag_meanings``, as study stores
(Zarr) hold them; a single run's are read back as labels, a study's stay codes.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import xarray as xr

from capsim.files import written_whole

# capsim.model.conventions is imported where used: importing the model package is slow,
# and commands that import this module only to save a result start faster without it.


def save_result(result: xr.Dataset, path: str | Path) -> Path:
    """Write ``result`` to NetCDF at ``path`` atomically (a temporary file, then a rename).

    The file is encoded in memory and written in one step, so a full disk is one
    :class:`OSError` naming ``path`` (HDF5 never writes to a failing disk itself).
    """
    from capsim.model.conventions import encode_codes

    encoded = io.BytesIO()
    encode_codes(result).to_netcdf(encoded, engine="h5netcdf")
    with written_whole(path) as temporary:
        temporary.write_bytes(encoded.getbuffer())
    return Path(path)


def open_result(path: str | Path) -> xr.Dataset:
    """Open a result written by :func:`save_result` (loaded into memory).

    A Monte Carlo study streamed to a Zarr store (a folder) is opened with
    :func:`capsim.sweep.store.open_study` (read lazily) or
    :func:`capsim.sweep.store.load_study` (into memory); given one, this says so."""
    from capsim.model.conventions import decode_codes

    if Path(path).is_dir():
        raise ValueError(
            f"{path} is a folder (a study's Zarr store?): open it with "
            "capsim.sweep.store.open_study (lazily) or load_study (into memory)"
        )
    with xr.open_dataset(path, engine="h5netcdf") as dataset:
        loaded = dataset.load()
    return loaded if "sample" in loaded.dims else decode_codes(loaded)


def tables(result: xr.Dataset) -> dict[str, pd.DataFrame]:
    """``result`` as tidy tables, one per set of dimensions: ``"time, programme"`` ->
    a frame indexed by time and programme with one column per variable of those dims
    (and per coordinate along them, such as ``supplier_kind``).

    Unlike ``result.to_dataframe()``, which spans the product of every dimension, each
    table is only as long as its own dimensions. Categorical codes of a study become
    their labels (pandas categoricals); each frame's ``attrs["units"]`` maps its columns
    to their units and ``attrs["long_names"]`` to their long names.
    """
    from capsim.model.conventions import CODES

    groups: dict[tuple[str, ...], list[str]] = {}
    for name, variable in result.data_vars.items():
        groups.setdefault(tuple(str(dim) for dim in variable.dims), []).append(str(name))
    frames = {}
    for dims, names in groups.items():
        part = result[names]
        if dims:
            frame = part.to_dataframe()
        else:
            frame = pd.DataFrame({name: [part[name].item()] for name in names})
        for name in names:
            if name in CODES and result[name].dtype.kind in "iu":
                frame[name] = pd.Categorical.from_codes(
                    frame[name].to_numpy(dtype=int), categories=list(CODES[name])
                )
        frame.attrs["units"] = {name: result[name].attrs.get("units", "") for name in names}
        frame.attrs["long_names"] = {
            name: result[name].attrs.get("long_name", name) for name in names
        }
        frames[", ".join(dims) if dims else "scalars"] = frame
    return frames
