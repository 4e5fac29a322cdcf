"""Where ``extends`` may look: the folders a scenario's base files must be inside.

By default, a scenario may extend files in its own folder and the folders under it, and
the shipped scenarios. More folders are allowed by ``--allow-extends DIR`` on the
command line, ``allow_extends`` in :func:`capsim.scenario.loader.load_scenario`, or the
environment variable ``CAPSIM_ALLOW_EXTENDS`` (folders separated by ``os.pathsep``).
Paths are compared after symbolic links are resolved, so a link cannot lead outside.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

ENVIRONMENT = "CAPSIM_ALLOW_EXTENDS"
SUFFIXES = (".yaml", ".yml")

_EXTRA: ContextVar[tuple[Path, ...]] = ContextVar("capsim_allow_extends", default=())


def shipped_scenarios() -> Path | None:
    """The shipped scenarios folder of a source checkout, if there is one."""
    folder = Path(__file__).resolve().parents[3] / "scenarios"
    return folder if folder.is_dir() else None


@contextmanager
def allowing(folders: Iterable[str | Path]) -> Iterator[None]:
    """Within the block, ``extends`` may also look inside ``folders``."""
    token = _EXTRA.set((*_EXTRA.get(), *(Path(folder) for folder in folders)))
    try:
        yield
    finally:
        _EXTRA.reset(token)


def allowed_roots(scenario: Path, extra: Iterable[str | Path] = ()) -> tuple[Path, ...]:
    """The folders (resolved) the bases of the scenario file ``scenario`` may be in."""
    listed = os.environ.get(ENVIRONMENT, "")
    folders = [
        scenario.resolve().parent,
        shipped_scenarios(),
        *(Path(part) for part in listed.split(os.pathsep) if part),
        *_EXTRA.get(),
        *(Path(folder) for folder in extra),
    ]
    return tuple(dict.fromkeys(folder.resolve() for folder in folders if folder is not None))


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether the resolved ``path`` is in one of ``roots`` or a folder under it."""
    return any(path.is_relative_to(root) for root in roots)
