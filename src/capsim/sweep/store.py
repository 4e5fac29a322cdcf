"""A study's results on disk: a Zarr store written chunk by chunk as samples finish.

The store is laid out in full when the study starts (metadata only), in a temporary
folder beside the target that is renamed into place, so a store exists whole or not at
all. Each finished chunk of samples is written into its region and then marked done,
so an interrupted study keeps every finished chunk and ``resume`` runs only the
missing ones; samples not yet run read as missing (NaT, NaN, no code) and
``finished`` says which ran. Samples that raised are flagged ``failed`` with their
inputs kept and their error text in ``errors.jsonl`` beside the arrays. A lock file
(``capsim.lock``) keeps a second writer out while a study is written.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path

import dask.array as da
import numpy as np
import xarray as xr

from capsim.model.conventions import with_cf_metadata
from capsim.sweep.sample import CODES, DATES, NO_CODE, Outline

ZARR_FORMAT = 2
LOCK_NAME = "capsim.lock"
#: The integer a missing date is stored as (NumPy's NaT).
NAT_FILL = np.iinfo(np.int64).min

try:  # advisory locks; without fcntl (Windows) a second writer is not kept out
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None


#: What reading a damaged store raises (bad metadata, missing or undecodable chunks).
_UNREADABLE = (OSError, ValueError, KeyError, TypeError, RuntimeError)


class StoreError(ValueError):
    """A study store cannot be written or read as asked; the message says why."""


class StudyMismatch(StoreError):
    """``resume`` was asked of a store written by a different study."""


class StudyStore:
    """The Zarr store of one study at ``path``, ``chunk`` samples to a chunk."""

    def __init__(self, path: str | Path, chunk: int, layout: Outline):
        self.path = Path(path)
        self.chunk = chunk
        self.layout = layout
        self._lock: int | None = None
        self._records_finished = True

    @property
    def errors_path(self) -> Path:
        return self.path / "errors.jsonl"

    def create(
        self, names: list[str], units: list[str], size: int, attrs: dict, *, overwrite: bool
    ) -> None:
        """Lay out an empty store for ``size`` samples and lock it for writing.

        An existing store is replaced only with ``overwrite``, and only if it is a
        capsim study store that no other process is writing; any other file or folder
        at ``path`` is never touched.
        """
        existing = self.path.exists() or self.path.is_symlink()
        if existing:
            if not is_study_store(self.path):
                raise StoreError(
                    f"{self.path} exists and is not a capsim study store; "
                    "choose another output (nothing was deleted)"
                )
            if not overwrite:
                raise StoreError(
                    f"{self.path} already holds a study: --resume (resume=True) continues "
                    "it, --overwrite (overwrite=True) replaces it"
                )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.new-", dir=self.path.parent))
        except OSError as error:  # named by the store, not by its temporary folder
            raise self._cannot_create(error) from None
        try:
            self._lay_out(folder, names, units, size, attrs)
            self._lock = _acquire(folder / LOCK_NAME, self.path)
            if existing:
                self._replace(folder)
            else:
                _rename(folder, self.path)
        except OSError as error:
            self.unlock()
            shutil.rmtree(folder, ignore_errors=True)
            raise self._cannot_create(error) from None
        except BaseException:
            self.unlock()
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _cannot_create(self, error: OSError) -> StoreError:
        """The error of a store that could not be made, named by its path."""
        return StoreError(
            f"cannot create {self.path}: {error.strerror or error}; nothing was written"
        )

    def _lay_out(self, folder: Path, names, units, size: int, attrs: dict) -> None:
        layout = self.layout
        chunks = -(-size // self.chunk)
        variables, encoding = {}, {}
        for name, dims in layout.dims.items():
            shape = (size, *layout.shape(name))
            blocks = (self.chunk, *layout.shape(name))
            variables[name] = (("sample", *dims), _empty(name, shape, blocks), layout.attrs[name])
            if name in DATES:
                encoding[name] = {
                    "_FillValue": NAT_FILL,
                    "dtype": "int64",
                    "units": "nanoseconds since 1970-01-01",
                }
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
        variables["finished"] = (
            ("sample",),
            da.zeros(size, chunks=self.chunk, dtype=bool),
            {"description": "the sample was run (false: the study stopped before it)"},
        )
        variables["chunk_done"] = (("chunk",), da.zeros(chunks, chunks=1, dtype=bool), {})
        coords = {
            **layout.coords,
            "sample": np.arange(size),
            "parameter": np.array(names, dtype=str),
            "parameter_unit": ("parameter", np.array(units, dtype=str)),
        }
        study = xr.Dataset(variables, coords=coords, attrs={**attrs, "chunk": self.chunk})
        title = f"capsim {attrs.get('study', 'study')} of scenario {attrs.get('scenario_name')}"
        with_cf_metadata(study, title).to_zarr(
            folder, mode="a", compute=False, zarr_format=ZARR_FORMAT, encoding=encoding
        )

    def _replace(self, folder: Path) -> None:
        """Put the new store in place of the old one (locked first, then removed)."""
        old = _acquire(self.path / LOCK_NAME, self.path)
        trash = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.old-", dir=self.path.parent))
        try:
            os.replace(self.path, trash / "store")
            try:
                _rename(folder, self.path)
            except BaseException:
                os.replace(trash / "store", self.path)  # the old study back in place
                raise
        except BaseException:
            shutil.rmtree(trash, ignore_errors=True)
            raise
        finally:
            os.close(old)
        shutil.rmtree(trash, ignore_errors=True)

    def lock(self) -> None:
        """Take the store's write lock (to resume it); a :class:`StoreError` when another
        process holds it or ``path`` is not a study store."""
        if not is_study_store(self.path):
            raise StoreError(f"{self.path} is not a capsim study store; cannot resume it")
        self._lock = _acquire(self.path / LOCK_NAME, self.path)
        self._records_finished = (self.path / "finished").is_dir()

    def unlock(self) -> None:
        """Release the write lock (the lock file stays; it is free once unlocked)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def missing_chunks(self) -> list[int]:
        """Indices of the chunks not yet written."""
        with self.open() as dataset:
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
        try:
            xr.Dataset(variables).to_zarr(self.path, region=region, mode="r+")
            if errors:
                with self.errors_path.open("a", encoding="utf-8") as stream:
                    for sample, message in sorted(errors.items()):
                        stream.write(json.dumps({"sample": sample, "error": message}) + "\n")
            if self._records_finished:  # else read from chunk_done
                finished = np.ones(len(inputs), dtype=bool)
                xr.Dataset({"finished": (("sample",), finished)}).to_zarr(
                    self.path, region=region, mode="r+"
                )
            done = xr.Dataset({"chunk_done": (("chunk",), np.array([True]))})
            done.to_zarr(self.path, region={"chunk": slice(index, index + 1)}, mode="r+")
        except OSError as error:
            raise StoreError(
                f"cannot write {self.path}: {error.strerror or error}; the chunks written "
                "so far are kept (continue with --resume, resume=True, once this is fixed)"
            ) from None

    def open(self) -> xr.Dataset:
        """The study's results (lazily read; samples not run read as missing)."""
        return open_study(self.path)

    def errors(self) -> dict[int, str]:
        """Error text of each failed sample."""
        if not self.errors_path.exists():
            return {}
        lines = self.errors_path.read_text(encoding="utf-8").splitlines()
        return {entry["sample"]: entry["error"] for entry in map(json.loads, lines)}


def is_study_store(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding a capsim study store."""
    return "study" in _stored_attrs(Path(path))


def _stored_attrs(path: Path) -> dict:
    try:
        metadata = json.loads((path / ".zmetadata").read_text(encoding="utf-8"))
        attrs = metadata["metadata"][".zattrs"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return attrs if isinstance(attrs, dict) else {}


def open_study(path: str | Path) -> xr.Dataset:
    """A study store's results, lazily read; a :class:`StoreError` when ``path`` is not
    a readable capsim study store. Samples the study did not reach read as missing."""
    path = Path(path)
    if not path.is_dir():
        what = "a file, not a study store (a folder)" if path.exists() else "no such study store"
        raise StoreError(f"{path}: {what}")
    if not is_study_store(path):
        raise StoreError(f"{path}: not a capsim study store (no study metadata)")
    missing = _missing_arrays(path)
    if missing:  # its metadata lists an array whose chunks are gone: it would read empty
        raise StoreError(f"{path}: a damaged study store (the array of {missing[0]!r} is missing)")
    try:
        dataset = xr.open_zarr(path, consolidated=True)
        if "finished" not in dataset:  # written before capsim recorded it
            dataset["finished"] = ("sample", _finished_by_chunk(dataset))
        finished = dataset["finished"].values
    except _UNREADABLE as error:
        raise StoreError(
            f"{path}: a damaged study store ({type(error).__name__}: {error})"
        ) from None
    if finished.all():
        return dataset
    return _mask_unfinished(dataset, finished)


def _missing_arrays(path: Path) -> list[str]:
    """The arrays the store's consolidated metadata lists whose folder is gone."""
    try:
        listed = json.loads((path / ".zmetadata").read_text(encoding="utf-8"))["metadata"]
    except (OSError, ValueError, KeyError, TypeError):
        return []  # no consolidated metadata: opening it says so
    arrays = {key.split("/")[0] for key in listed if key.endswith("/.zarray")}
    return sorted(name for name in arrays if not (path / name).is_dir())


def _finished_by_chunk(dataset: xr.Dataset) -> np.ndarray:
    """Each sample's ``finished``, from its chunk's ``chunk_done``."""
    chunk = dataset["failed"].encoding["chunks"][0]
    done = dataset["chunk_done"].values
    return np.repeat(done, chunk)[: dataset.sizes["sample"]]


def load_study(path: str | Path) -> xr.Dataset:
    """A study store's results read into memory (see :func:`open_study`); a
    :class:`StoreError` naming the store when a part of it cannot be decoded."""
    with open_study(path) as study:
        try:
            return study.load()
        except _UNREADABLE as error:
            detail = f"{type(error).__name__}: {error}"
            raise StoreError(f"{path}: a damaged study store ({detail})") from None


def _mask_unfinished(dataset: xr.Dataset, finished: np.ndarray) -> xr.Dataset:
    """Samples not run as missing: NaT, NaN, no code, not met, not failed."""
    keep = xr.DataArray(finished, dims="sample")
    masked = {}
    for name, variable in dataset.data_vars.items():
        if "sample" not in variable.dims or name == "finished":
            continue
        if variable.dtype.kind == "M":
            fill = np.datetime64("NaT")
        elif variable.dtype.kind == "b":
            fill = False
        elif variable.dtype.kind in "iu":
            fill = NO_CODE
        else:
            fill = np.nan
        masked[name] = variable.where(keep, fill)
    return dataset.assign(masked)


def sample_counts(study: xr.Dataset) -> tuple[int, int, int]:
    """(finished, failed, total) samples of a study."""
    total = study.sizes["sample"]
    finished = int(study["finished"].sum()) if "finished" in study else total
    failed = int(study["failed"].sum()) if "failed" in study else 0
    return finished, failed, total


def usable(study: xr.Dataset) -> xr.Dataset:
    """The samples that were run and did not fail."""
    keep = np.ones(study.sizes["sample"], dtype=bool)
    for name, wanted in (("finished", True), ("failed", False)):
        if name in study:
            keep &= np.asarray(study[name].values, dtype=bool) == wanted
    return study if keep.all() else study.isel(sample=np.flatnonzero(keep))


def samples_note(study: xr.Dataset) -> str:
    """``48 Monte Carlo samples``, or ``20 of 48 Monte Carlo samples finished (study
    interrupted)``; with ``, 2 failed (left out)`` when some failed."""
    finished, failed, total = sample_counts(study)
    text = f"{total} Monte Carlo samples"
    if finished < total:
        text = f"{finished} of {total} Monte Carlo samples finished (study interrupted)"
    if failed:
        text += f", {failed} failed (left out)"
    return text


def _acquire(lock_path: Path, store: Path) -> int:
    """An exclusive lock on ``lock_path`` (created if missing): its file descriptor."""
    handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    if fcntl is None:  # pragma: no cover - not on POSIX
        return handle
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(handle, 32).decode(errors="replace").strip() or "unknown"
        os.close(handle)
        raise StoreError(
            f"{store} is being written by another process (pid {holder}); "
            "wait for it to finish or write to another store"
        ) from None
    os.ftruncate(handle, 0)
    os.write(handle, str(os.getpid()).encode())
    return handle


def _rename(folder: Path, target: Path) -> None:
    try:
        os.rename(folder, target)
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
            raise StoreError(
                f"{target} was created by another process meanwhile; nothing was replaced"
            ) from None
        raise


def _empty(name: str, shape: tuple[int, ...], blocks: tuple[int, ...]) -> da.Array:
    if name in CODES:
        return da.full(shape, NO_CODE, chunks=blocks, dtype=np.int8)
    if name in DATES:
        return da.full(shape, np.datetime64("NaT", "ns"), chunks=blocks, dtype="datetime64[ns]")
    if name == "claim_met":
        return da.zeros(shape, chunks=blocks, dtype=bool)
    return da.full(shape, np.nan, chunks=blocks, dtype=float)
