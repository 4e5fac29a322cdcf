"""A study's results on disk: a Zarr store written chunk by chunk as samples finish.

The store is laid out in full when the study starts (metadata only); each finished
chunk of samples is written into its region and then marked done, so an interrupted
study keeps every finished chunk and ``resume`` runs only the missing ones. Samples
that raised are flagged ``failed`` with their inputs kept and their error text in
``errors.jsonl`` beside the arrays.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dask.array as da
import numpy as np
import xarray as xr

from capsim.model.conventions import with_cf_metadata
from capsim.sweep.sample import CODES, DATES, NO_CODE, Outline

ZARR_FORMAT = 2


class StudyStore:
    """The Zarr store of one study at ``path``, ``chunk`` samples to a chunk."""

    def __init__(self, path: str | Path, chunk: int, layout: Outline):
        self.path = Path(path)
        self.chunk = chunk
        self.layout = layout

    @property
    def errors_path(self) -> Path:
        return self.path / "errors.jsonl"

    def create(self, names: list[str], units: list[str], size: int, attrs: dict) -> None:
        """Lay out an empty store for ``size`` samples (replacing any old one)."""
        layout = self.layout
        if self.path.exists():
            shutil.rmtree(self.path)
        chunks = -(-size // self.chunk)
        variables = {}
        for name, dims in layout.dims.items():
            shape = (size, *layout.shape(name))
            blocks = (self.chunk, *layout.shape(name))
            variables[name] = (("sample", *dims), _empty(name, shape, blocks), layout.attrs[name])
        variables["input_value"] = (
            ("sample", "parameter"),
            da.full((size, len(names)), np.nan, chunks=(self.chunk, len(names))),
            {
                "description": "sampled input values, in each parameter's canonical unit",
                "comment": "units differ by parameter: see parameter_unit",
            },
        )
        variables["failed"] = (
            ("sample",),
            da.zeros(size, chunks=self.chunk, dtype=bool),
            {"description": "the run raised; its error is in errors.jsonl"},
        )
        variables["chunk_done"] = (("chunk",), da.zeros(chunks, chunks=1, dtype=bool), {})
        coords = {
            **layout.coords,
            "sample": np.arange(size),
            "parameter": np.array(names, dtype=str),
            "parameter_unit": ("parameter", np.array(units, dtype=str)),
        }
        study = xr.Dataset(variables, coords=coords, attrs=attrs)
        title = f"capsim {attrs.get('study', 'study')} of scenario {attrs.get('scenario_name')}"
        with_cf_metadata(study, title).to_zarr(
            self.path, mode="w", compute=False, zarr_format=ZARR_FORMAT
        )

    def missing_chunks(self) -> list[int]:
        """Indices of the chunks not yet written."""
        with xr.open_zarr(self.path, consolidated=True) as dataset:
            done = dataset["chunk_done"].values
        return [int(i) for i in np.flatnonzero(~done)]

    def write(
        self,
        index: int,
        outputs: dict[str, np.ndarray],
        inputs: np.ndarray,
        errors: dict[int, str],
    ) -> None:
        """Write chunk ``index`` (stacked outputs and inputs), then mark it done."""
        start = index * self.chunk
        stop = start + len(inputs)
        variables = {
            name: (("sample", *self.layout.dims[name]), values) for name, values in outputs.items()
        }
        variables["input_value"] = (("sample", "parameter"), inputs)
        failed = np.zeros(len(inputs), dtype=bool)
        failed[[i - start for i in errors]] = True
        variables["failed"] = (("sample",), failed)
        region = {"sample": slice(start, stop)}
        xr.Dataset(variables).to_zarr(self.path, region=region, mode="r+")
        if errors:
            with self.errors_path.open("a", encoding="utf-8") as stream:
                for sample, message in sorted(errors.items()):
                    stream.write(json.dumps({"sample": sample, "error": message}) + "\n")
        done = xr.Dataset({"chunk_done": (("chunk",), np.array([True]))})
        done.to_zarr(self.path, region={"chunk": slice(index, index + 1)}, mode="r+")

    def open(self) -> xr.Dataset:
        """The study's results (lazily read)."""
        return xr.open_zarr(self.path, consolidated=True)

    def errors(self) -> dict[int, str]:
        """Error text of each failed sample."""
        if not self.errors_path.exists():
            return {}
        lines = self.errors_path.read_text(encoding="utf-8").splitlines()
        return {entry["sample"]: entry["error"] for entry in map(json.loads, lines)}


def _empty(name: str, shape: tuple[int, ...], blocks: tuple[int, ...]) -> da.Array:
    if name in CODES:
        return da.full(shape, NO_CODE, chunks=blocks, dtype=np.int8)
    if name in DATES:
        return da.full(shape, np.datetime64("NaT", "ns"), chunks=blocks, dtype="datetime64[ns]")
    if name == "claim_met":
        return da.zeros(shape, chunks=blocks, dtype=bool)
    return da.full(shape, np.nan, chunks=blocks, dtype=float)
