"""Running a plan: chunks of samples on local processes or a Dask cluster, each chunk
written to the study's store as soon as it finishes.

Workers get the scenario (as JSON) and the plan, draw their chunk's inputs from it
(sampling costs the workers, not the process that writes), and return the chunk's
outputs with its inputs. Only a bounded number of chunks is in flight, so memory
stays flat however many samples a study has. Results do not depend on the number of
workers or on the scheduler: every sample's inputs come from its index alone.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import xarray as xr

from capsim.scenario.document import Scenario
from capsim.scenario.io import scenario_json
from capsim.scenario.loader import loads_scenario
from capsim.scenario.walk import iter_params
from capsim.sweep.sample import empty_outputs, outline, run_sample
from capsim.sweep.store import StoreError, StudyStore

ChunkResult = tuple[dict[str, np.ndarray], dict[int, str]]


class StudyMismatch(StoreError):
    """``resume`` was asked of a store written by a different study."""


@dataclass(frozen=True)
class Execution:
    """Where a study runs: ``workers`` local processes (1 = in this process), or Dask
    (``scheduler`` address, or a local cluster of ``dask_local`` workers)."""

    workers: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None
    chunk: int = 64
    progress: bool = True

    @property
    def local_workers(self) -> int:
        return self.workers if self.workers is not None else (os.cpu_count() or 1)


@lru_cache(maxsize=4)
def _scenario(text: str) -> Scenario:
    return loads_scenario(text, "<study scenario>")


def run_plan_chunk(text: str, plan, index: int, chunk: int) -> tuple[ChunkResult, np.ndarray]:
    """A worker's whole job: draw chunk ``index``'s inputs from ``plan``, run them, and
    return the outputs with the inputs."""
    start = index * chunk
    rows = plan.rows(start, min(start + chunk, plan.size))
    return run_chunk(text, plan.names, rows, start), rows


def run_chunk(text: str, names: list[str], rows: np.ndarray, start: int) -> ChunkResult:
    """Run samples ``start, start + 1, ...`` with input ``rows``."""
    scenario = _scenario(text)
    outputs, errors = [], {}
    for offset, row in enumerate(rows):
        draw = dict(zip(names, map(float, row), strict=True))
        try:
            outputs.append(run_sample(scenario, draw))
        except Exception as error:  # a failing sample is recorded, the study goes on
            errors[start + offset] = f"{type(error).__name__}: {error}"
            outputs.append(empty_outputs(_layout(text)))
    stacked = {name: np.stack([o[name] for o in outputs]) for name in outputs[0]}
    return stacked, errors


@lru_cache(maxsize=4)
def _layout(text: str):
    return outline(_scenario(text))


def study_signature(text: str, names: list[str], size: int, extra: str) -> str:
    """A fingerprint of what a study computes, to refuse resuming a different one."""
    digest = hashlib.sha256()
    for part in (text, "\n".join(names), str(size), extra):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def run_plan(
    scenario: Scenario,
    plan,
    store_path: str | Path,
    execution: Execution,
    attrs: dict,
    *,
    resume: bool = False,
    overwrite: bool = False,
) -> xr.Dataset:
    """Run every sample of ``plan`` into the store at ``store_path``; return the results.

    ``resume`` continues the study already in the store (refused, naming the
    difference, when it was written by a different study); otherwise a new store is
    laid out, replacing an old study store only with ``overwrite``. SIGTERM stops the
    study like Ctrl-C (workers stopped, finished chunks kept) and exits with 143.
    """
    text = scenario_json(scenario)
    layout = outline(scenario)
    store = StudyStore(store_path, execution.chunk, layout)
    signature = study_signature(text, plan.names, plan.size, attrs.get("design", ""))
    attrs = {**attrs, "signature": signature}
    known = {path: param.unit or "1" for path, param in iter_params(scenario)}
    units = [known.get(name, "1") for name in plan.names]
    with _sigterm_stops():
        if resume and (store.path.exists() or store.path.is_symlink()):
            store.lock()
            try:
                _check_same_study(store, attrs, plan.size)
                pending = store.missing_chunks()
            except BaseException:
                store.unlock()
                raise
        else:
            store.create(plan.names, units, plan.size, attrs, overwrite=overwrite)
            pending = list(range(-(-plan.size // execution.chunk)))
        try:
            done = plan.size - sum(_chunk_size(plan.size, execution.chunk, i) for i in pending)
            with _progress(plan.size, done, execution.progress) as bar:
                for index, (outputs, errors), rows in _execute(text, plan, pending, execution):
                    store.write(index, outputs, rows, errors)
                    bar.update(len(rows))
        finally:
            store.unlock()
    return store.open()


#: What a resumed study must share with the stored one, by attribute.
_SAME = ("study", "scenario", "seed", "design", "varied", "replicates", "signature")


def _check_same_study(store: StudyStore, attrs: dict, size: int) -> None:
    """A :class:`StudyMismatch` naming every difference between the stored study and
    the one asked for."""
    with store.open() as existing:
        stored = dict(existing.attrs)
        stored_size = existing.sizes["sample"]
        stored_chunk = stored.get("chunk") or existing["failed"].encoding["chunks"][0]
    differences = []
    for key in _SAME:
        old, new = stored.get(key), attrs.get(key)
        if key == "signature" and differences:
            break
        if old == new:
            continue
        if key == "scenario":
            differences.append(f"scenario: {_scenario_difference(old, new)}")
        elif key == "signature":
            differences.append("sampled inputs: the study's uncertain inputs differ")
        else:
            differences.append(f"{key}: stored {old}, asked {new}")
    if stored_size != size:
        differences.insert(0, f"sample count: stored {stored_size}, asked {size}")
    if stored_chunk != store.chunk:
        differences.append(f"chunk: stored {stored_chunk}, asked {store.chunk} (--chunk)")
    if differences:
        raise StudyMismatch(
            f"{store.path} holds a different study; cannot resume it: " + "; ".join(differences)
        )


def _scenario_difference(old: str | None, new: str | None) -> str:
    """Where two scenarios (as JSON) first differ: a key path and both values."""
    try:
        before, after = json.loads(old or "null"), json.loads(new or "null")
    except ValueError:
        return "the stored scenario differs"
    path, left, right = _first_difference(before, after, "")
    where = path or "(whole scenario)"
    return f"{where} stored {_short(left)}, asked {_short(right)}"


def _first_difference(left, right, path: str):
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            if left.get(key, _ABSENT) != right.get(key, _ABSENT):
                inner = f"{path}.{key}" if path else str(key)
                return _first_difference(left.get(key, _ABSENT), right.get(key, _ABSENT), inner)
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{path}[{i}]")
    return path, left, right


_ABSENT = "(absent)"


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Terminated(SystemExit):
    """The process was sent SIGTERM: finally blocks run, then it exits with 143."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


@contextmanager
def _sigterm_stops() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _chunk_size(size: int, chunk: int, index: int) -> int:
    return min(chunk, size - index * chunk)


def _execute(text: str, plan, pending: list[int], execution: Execution) -> Iterator:
    """Yield (chunk index, result, rows) as chunks finish, in any order."""
    if execution.scheduler is not None or execution.dask_local is not None:
        from capsim.sweep.dask_runner import execute_on_dask

        yield from execute_on_dask(text, plan, pending, execution)
    elif execution.local_workers <= 1:
        for index in pending:
            result, rows = run_plan_chunk(text, plan, index, execution.chunk)
            yield index, result, rows
    else:
        yield from _execute_pool(text, plan, pending, execution)


def _execute_pool(text: str, plan, pending: list[int], execution: Execution) -> Iterator:
    workers = execution.local_workers
    context = get_context("spawn")
    before = set(multiprocessing.active_children())
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        queue = list(pending)
        running: dict = {}
        try:
            while queue or running:
                while queue and len(running) < 2 * workers:
                    index = queue.pop(0)
                    future = pool.submit(run_plan_chunk, text, plan, index, execution.chunk)
                    running[future] = index
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = running.pop(future)
                    result, rows = future.result()
                    yield index, result, rows
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            _stop(set(multiprocessing.active_children()) - before)
            raise


def _stop(processes) -> None:
    """Terminate worker ``processes`` (SIGTERM, then SIGKILL after 5 s)."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


def _progress(total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="sample", disable=not enabled, smoothing=0.1)
