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
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
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
from capsim.sweep.resume import check_same_study
from capsim.sweep.sample import empty_outputs, outline, run_sample
from capsim.sweep.stopping import sigterm_stops, starting_workers, stop_processes
from capsim.sweep.store import StudyMismatch, StudyStore

__all__ = [
    "Execution",
    "StudyMismatch",
    "run_chunk",
    "run_plan",
    "run_plan_chunk",
    "study_signature",
]

ChunkResult = tuple[dict[str, np.ndarray], dict[int, str]]


@dataclass(frozen=True)
class Execution:
    """Where a study runs: ``workers`` local processes (1: in this process; None: one
    per core), or Dask (``scheduler`` address, or a local cluster of ``dask_local``
    workers). ``chunk`` samples make one task, written to the store as one chunk (what
    an interruption can lose and ``resume`` reruns); ``progress`` shows a progress bar."""

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
    with sigterm_stops():
        if resume and (store.path.exists() or store.path.is_symlink()):
            store.lock()
            try:
                check_same_study(store, attrs, plan.size)
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

        def submit() -> None:
            while queue and len(running) < 2 * workers:
                index = queue.pop(0)
                running[pool.submit(run_plan_chunk, text, plan, index, execution.chunk)] = index

        try:
            with starting_workers():  # the first submissions start the workers
                submit()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = running.pop(future)
                    result, rows = future.result()
                    yield index, result, rows
                submit()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            stop_processes(set(multiprocessing.active_children()) - before)
            raise


def _progress(total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="sample", disable=not enabled, smoothing=0.1)
