"""Saving and opening results: NetCDF files written whole or not at all."""

from __future__ import annotations

import io
from pathlib import Path

import xarray as xr

from capsim.files import written_whole


def save_result(result: xr.Dataset, path: str | Path) -> Path:
    """Write ``result`` to NetCDF at ``path`` atomically (a temporary file, then a rename).

    The file is encoded in memory and written in one step, so a full disk is one
    :class:`OSError` naming ``path`` (HDF5 never writes to a failing disk itself).
    """
    encoded = io.BytesIO()
    result.to_netcdf(encoded, engine="h5netcdf")
    with written_whole(path) as temporary:
        temporary.write_bytes(encoded.getbuffer())
    return Path(path)


def open_result(path: str | Path) -> xr.Dataset:
    """Open a result written by :func:`save_result` (loaded into memory)."""
    with xr.open_dataset(path, engine="h5netcdf") as dataset:
        return dataset.load()
