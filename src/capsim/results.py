"""Saving and opening results: NetCDF files written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import xarray as xr


def save_result(result: xr.Dataset, path: str | Path) -> Path:
    """Write ``result`` to NetCDF at ``path`` atomically (a temporary file, then a rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        result.to_netcdf(temporary, engine="h5netcdf")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def open_result(path: str | Path) -> xr.Dataset:
    """Open a result written by :func:`save_result` (loaded into memory)."""
    with xr.open_dataset(path, engine="h5netcdf") as dataset:
        return dataset.load()
